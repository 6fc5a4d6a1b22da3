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
