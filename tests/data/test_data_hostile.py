"""Hostile and broken data files: each is a ZooError naming the file, in bounded time.

Every file here is small; the ones that ask for gigabytes only declare it (a header, a
size field), so a test that allocated by the declaration would fail by time or memory.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import zoo


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def _load_fails(path, match, **arguments):
    before = _files(path.parent)
    with pytest.raises(zoo.ZooError, match=match) as caught:
        zoo.load_data(str(path), **arguments)
    message = str(caught.value)
    assert path.name in message and "\n" not in message and len(message) < 600
    assert _files(path.parent) == before  # nothing half-written beside the file
    return message


# -- CSV -----------------------------------------------------------------------------


def test_csv_ragged_row_is_named(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b,y\n1,2,0\n1,2\n3,4,1\n")
    _load_fails(path, "row 3 with 2 values for 3 columns", target="y")


def test_csv_huge_field_is_refused_with_its_row(tmp_path):
    path = tmp_path / "field.csv"
    path.write_text("a,y\n1,0\n" + "1" * 200_000 + ",1\n")
    _load_fails(path, r"each field under 131,072 characters.*row 3", target="y")


def test_csv_over_the_byte_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("a,y\n" + "1,0\n" * 300)
    monkeypatch.setenv("ZOO_MAX_DATA_BYTES", "1000")
    _load_fails(path, r"at most 1,000 bytes \(ZOO_MAX_DATA_BYTES\).*1,204 bytes", target="y")


@pytest.mark.parametrize(
    ("cell", "column", "shown"), [("nan", "a", "nan"), ("inf", "y", "inf"), ("-inf", "a", "-inf")]
)
def test_csv_non_finite_values_are_refused_with_the_first_position(tmp_path, cell, column, shown):
    rows = [[str(i), str(i % 2)] for i in range(20)]
    rows[4][0 if column == "a" else 1] = cell
    rows[9][0] = "nan"
    path = tmp_path / "values.csv"
    path.write_text("a,y\n" + "\n".join(",".join(r) for r in rows) + "\n")
    message = _load_fails(path, "non-finite", target="y")
    assert (
        f"2 non-finite value(s) in {str(path)!r}, the first ({shown}) in column {column!r}, row 6"
        in message
    )


def test_csv_header_without_the_target_names_the_columns(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("a,b,labels\n1,2,0\n3,4,1\n")
    _load_fails(path, "target=.label.*Did you mean.*labels.*Columns: a, b, labels", target="label")


def test_csv_nul_and_non_utf8_are_named(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,y\n1\x00,0\n")
    _load_fails(path, "numeric", target="y")
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,y\n1,0\n\xe9,1\n")
    _load_fails(path, "UTF-8", target="y")


# -- .npz ----------------------------------------------------------------------------


def _npz_with_header(path, shape, descr="<f8", data=b""):
    header = io.BytesIO()
    spec = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(header, spec)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", header.getvalue() + data)
        archive.writestr("y.npy", header.getvalue() + data)
    return path


def test_npz_object_array_is_never_unpickled(tmp_path, monkeypatch):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("unpickled")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    _load_fails(path, r"never unpickles Python objects.*array 'x' holds Python objects")


def test_npz_member_declaring_terabytes_is_refused_before_loading(tmp_path):
    path = _npz_with_header(tmp_path / "inflate.npz", (10**6, 10**6), data=b"\0" * 64)
    assert path.stat().st_size < 2000
    _load_fails(path, r"declares shape \(1000000, 1000000\) of float64 .*refused before loading")


def test_npz_real_inflation_over_the_limit_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, x=np.zeros((1000, 100)), y=np.zeros(1000, "int64"))
    assert path.stat().st_size < 10_000
    monkeypatch.setenv("ZOO_MAX_DATA_BYTES", "100000")
    _load_fails(path, r"at most 100,000 bytes.*array 'x' declares shape \(1000, 100\)")


def test_npz_truncated_or_garbage_is_named(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, x=np.ones((10, 2)), y=np.arange(10) % 2)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:300])
    _load_fails(cut, "NumPy archive.*could not be read")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x93NUMPY" + b"\xff" * 50)
    _load_fails(garbage, "NumPy archive.*could not be read")


def test_npz_member_that_is_no_array_is_named(tmp_path):
    path = tmp_path / "extra.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", b"")
        archive.writestr("notes.txt", b"hello")
    _load_fails(path, "only .npy arrays|could not be read")


@pytest.mark.parametrize("key", ["x", "y"])
def test_npz_non_finite_values_are_refused_with_count_and_index(tmp_path, key):
    arrays = {"x": np.ones((20, 3), "float32"), "y": np.linspace(0, 1, 20)}
    arrays[key][(7, 2) if key == "x" else (7,)] = np.nan
    arrays[key][(9, 0) if key == "x" else (9,)] = np.inf
    path = tmp_path / "values.npz"
    np.savez(path, **arrays)
    index = "(7, 2)" if key == "x" else "(7,)"
    message = _load_fails(path, "non-finite")
    assert f"2 non-finite value(s) in the array {key!r}" in message
    assert f"the first (nan) at index {index}" in message


def test_npz_fixed_splits_non_finite_test_split_is_refused(tmp_path):
    x_test = np.zeros((5, 2))
    x_test[3, 1] = -np.inf
    path = tmp_path / "fixed.npz"
    np.savez(
        path,
        x_train=np.ones((20, 2)),
        y_train=np.arange(20) % 2,
        x_test=x_test,
        y_test=np.arange(5) % 2,
    )
    _load_fails(path, r"array 'x_test'.*\(-inf\) at index \(3, 1\)")


def test_a_bad_limit_setting_is_named(tmp_path, monkeypatch):
    path = tmp_path / "ok.csv"
    path.write_text("a,y\n1,0\n")
    monkeypatch.setenv("ZOO_MAX_DATA_BYTES", "lots")
    with pytest.raises(zoo.ZooError, match="ZOO_MAX_DATA_BYTES is a positive number"):
        zoo.load_data(str(path), target="y")


# -- images (vision/image_folder, vision/tfrecord) -------------------------------------


def _png(width: int, height: int) -> bytes:
    """A small PNG whose header declares ``width`` x ``height`` (its pixels are missing)."""
    import struct
    import zlib as zlib_module

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib_module.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib_module.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _real(fmt: str = "PNG", size=(6, 5)) -> bytes:
    import PIL.Image

    buffer = io.BytesIO()
    PIL.Image.new("RGB", size, (10, 200, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _image_folder(root, extra: dict[str, bytes]):
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(3):
            (root / name / f"{i}.png").write_bytes(_real())
    for relative, content in extra.items():
        (root / relative).write_bytes(content)
    return root


def _folder_fails(root, match, **arguments):
    before = sorted(str(p) for p in root.rglob("*"))
    with pytest.raises(zoo.ZooError, match=match) as caught:
        zoo.load_data(str(root), height=4, width=4, **arguments)
    assert "\n" not in str(caught.value)
    assert sorted(str(p) for p in root.rglob("*")) == before
    return str(caught.value)


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("png", _png(20_000, 20_000)),
        ("gif", b"GIF89a" + (65535).to_bytes(2, "little") * 2 + b"\0" * 20),
        ("bmp", b"BM" + b"\0" * 16 + (60_000).to_bytes(4, "little") * 2 + b"\0" * 30),
    ],
)
def test_image_declaring_gigapixels_is_refused_before_decoding(tmp_path, fmt, content):
    root = _image_folder(tmp_path / "images", {f"a/bomb.{fmt}": content})
    message = _folder_fails(root, rf"bomb\.{fmt}.*refused before decoding")
    assert "at most 134,217,728 pixels" in message


def test_jpeg_declaring_gigapixels_is_refused_before_decoding(tmp_path):
    jpeg = bytearray(_real("JPEG", (8, 8)))
    at = next(i for i in range(2, len(jpeg)) if jpeg[i] == 0xFF and jpeg[i + 1] == 0xC0)
    jpeg[at + 5 : at + 9] = (60_000).to_bytes(2, "big") * 2
    root = _image_folder(tmp_path / "images", {"b/big.jpg": bytes(jpeg)})
    _folder_fails(root, r"big\.jpg.*60000 x 60000")


@pytest.mark.parametrize("cut", [0, 30, -20])
def test_truncated_or_corrupt_image_is_named(tmp_path, cut):
    root = _image_folder(tmp_path / "images", {"b/cut.png": _real("PNG", (20, 20))[:cut]})
    _folder_fails(root, r"cut\.png.*does not decode")


@pytest.mark.parametrize("name", ["bad\nname", "esc\x1b[31m", "back\\slash", "rtl\u202e"])
def test_class_folder_with_control_characters_or_separators_is_refused(tmp_path, name):
    root = _image_folder(tmp_path / "images", {})
    (root / name).mkdir()
    (root / name / "0.png").write_bytes(_real())
    _folder_fails(root, "plain name.*Rename that folder")


def test_symlink_loops_in_the_folder_tree_end(tmp_path):
    import os

    root = _image_folder(tmp_path / "images", {})
    os.symlink(root / "a", root / "a" / "again")  # a loop inside a class folder
    os.symlink(root / "self", root / "self")  # a link to itself
    data = zoo.load_data(str(root), height=4, width=4)
    assert data.info.class_names == ("a", "b") and sum(data.info.sizes.values()) == 6
    os.symlink(root, root / "up")  # a class folder that is the root: no image in it
    _folder_fails(root, r"up.*with none")


def _example(image: bytes, label: int) -> bytes:
    import tensorflow as tf

    feature = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _records(path, labels, image=None):
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(path)) as writer:
        for label in labels:
            writer.write(_example(image or _real(), label))
    return path


def _records_fail(path, match, **arguments):
    before = _files(path.parent)
    with pytest.raises(zoo.ZooError, match=match) as caught:
        zoo.load_data(str(path), height=4, width=4, **arguments)
    assert path.name in str(caught.value) and "\n" not in str(caught.value)
    assert _files(path.parent) == before
    return str(caught.value)


def test_tfrecord_truncated_file_is_named(tmp_path):
    path = _records(tmp_path / "cut.tfrecord", [0, 1, 0, 1])
    path.write_bytes(path.read_bytes()[:-7])
    _records_fail(path, r"record 3 of .*cut\.tfrecord.*truncated or corrupt")


def test_tfrecord_length_declaring_exabytes_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.tfrecord"
    path.write_bytes((2**62).to_bytes(8, "little") + b"\0" * 40)
    _records_fail(path, r"record 0 of .*declares 4,611,686,018,427,387,904 bytes")


def test_tfrecord_corrupt_checksum_is_named(tmp_path):
    path = _records(tmp_path / "flip.tfrecord", [0, 1])
    content = bytearray(path.read_bytes())
    content[20] ^= 0xFF
    path.write_bytes(bytes(content))
    message = _records_fail(path, r"flip\.tfrecord.*which is none \(corrupted record")
    assert "function_node" not in message


@pytest.mark.parametrize(
    ("labels", "arguments", "match"),
    [
        ([0, 1, -3], {}, r"a label -3 in record 2 of"),
        ([0, 10**15], {}, r"at most 1,048,575.*label 1000000000000000 in record 1"),
        ([0, 1, 5], {"num_classes": 3}, r"below num_classes=3.*label 5 in record 2"),
    ],
)
def test_tfrecord_absurd_labels_name_the_record(tmp_path, labels, arguments, match):
    path = _records(tmp_path / "labels.tfrecord", labels)
    _records_fail(path, match, **arguments)


def test_tfrecord_image_declaring_gigapixels_names_the_record(tmp_path):
    path = _records(tmp_path / "big.tfrecord", [0], image=_png(20_000, 20_000))
    _records_fail(path, r"record 0 of .*big\.tfrecord.*400,000,000 pixels")


def test_tfrecord_num_classes_is_bounded(tmp_path):
    path = _records(tmp_path / "n.tfrecord", [0, 1])
    with pytest.raises(zoo.ZooError, match="num_classes is an integer from 1 to 1,048,576"):
        zoo.load_data(str(path), height=4, width=4, num_classes=10**12)


# -- values that train to nothing ----------------------------------------------------


@pytest.mark.parametrize("suffix", ["npz", "csv"])
def test_fit_on_non_finite_data_fails_at_load_with_no_run_folder(tmp_path, suffix):
    import keras

    x = np.random.default_rng(0).normal(size=(40, 3))
    x[11, 2] = np.nan
    y = np.arange(40) % 2
    path = tmp_path / f"values.{suffix}"
    if suffix == "npz":
        np.savez(path, x=x, y=y)
        arguments = {}
    else:
        rows = [",".join(map(str, [*row, label])) for row, label in zip(x, y, strict=True)]
        path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n")
        arguments = {"data_args": {"target": "y"}}
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(zoo.ZooError, match=r"1 non-finite value.*values\.") as caught:
        zoo.fit(model, str(path), out=tmp_path / "run", epochs=1, verbose=0, **arguments)
    assert "(nan)" in str(caught.value)
    assert not (tmp_path / "run").exists()


def test_fit_on_non_finite_arrays_fails_before_training(tmp_path):
    import keras

    x = np.ones((40, 3), "float32")
    y = np.linspace(0, 1, 40)
    y[[5, 30]] = [np.inf, np.nan]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(zoo.ZooError, match=r"2 non-finite value.*in y.*\(inf\) at index \(5,\)"):
        zoo.fit(model, (x, y), out=tmp_path / "run", epochs=1, verbose=0, loss="mse")
    assert not (tmp_path / "run").exists()


def test_image_and_record_files_over_the_byte_limit_are_refused_before_reading(
    tmp_path, monkeypatch
):
    root = _image_folder(tmp_path / "images", {"a/large.png": _real("PNG", (300, 300))})
    records = _records(tmp_path / "large.tfrecord", [0, 1], image=_real("PNG", (300, 300)))
    limit = (root / "a" / "large.png").stat().st_size - 1
    monkeypatch.setenv("ZOO_MAX_DATA_BYTES", str(limit))
    _folder_fails(root, r"large\.png.*refused before reading")
    _records_fail(records, r"large\.tfrecord.*refused before reading")
