"""vision/image_folder, vision/tfrecord and vision/super_resolution on files the tests write."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

import zoo


def _image(color: tuple[int, int, int], size: tuple[int, int], fmt: str) -> bytes:
    buffer = io.BytesIO()
    PIL.Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


COLORS = {"blue": (0, 0, 255), "red": (255, 0, 0)}


def _folder(root: Path, per_class: int = 10) -> Path:
    for name, color in COLORS.items():
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            fmt, suffix = ("PNG", "png") if i % 2 else ("JPEG", "jpg")
            (root / name / f"{i}.{suffix}").write_bytes(_image(color, (12 + i, 9), fmt))
    return root


def test_image_folder_decodes_resizes_and_labels(tmp_path):
    root = _folder(tmp_path / "images")
    data = zoo.load_data(str(root), batch_size=4, height=6, width=5, test=0.2, validation=0.2)
    info = data.info
    assert info.source == "vision/image_folder" and info.class_names == ("blue", "red")
    assert info.builder_arguments == {"input_shape": [6, 5, 3], "num_classes": 2}
    assert info.sizes == {"train": 12, "validation": 4, "test": 4}
    x, y = data.arrays("test")
    assert x.shape == (4, 6, 5, 3) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [2, 2]  # stratified
    # blue images are blue, red ones red, in [0, 1] (JPEG is lossy: a tolerance)
    expected = np.array([COLORS["blue"], COLORS["red"]], dtype=np.float32)[y] / 255.0
    np.testing.assert_allclose(x.mean(axis=(1, 2)), expected, atol=0.03)
    batch_x, batch_y = next(iter(data.train))
    assert batch_x.shape == (4, 6, 5, 3) and batch_y.dtype.name == "int64"
    assert sum(len(b[1]) for b in data.train) == 12


def test_image_folder_unreadable_image_names_the_file(tmp_path):
    root = _folder(tmp_path / "images", per_class=2)
    broken = root / "red" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    with pytest.raises(zoo.ZooError, match=r"broken\.png"):
        zoo.load_data(root, height=4, width=4)


def test_image_folder_empty_class_names_the_folder(tmp_path):
    root = _folder(tmp_path / "images", per_class=2)
    (root / "green").mkdir()
    (root / "green" / "notes.txt").write_text("no image here")
    with pytest.raises(zoo.ZooError, match=r"green.*with none"):
        zoo.load_data(root, height=4, width=4)


def _example(image: bytes, label: int, image_key="image", label_key="label") -> bytes:
    import tensorflow as tf

    feature = {
        image_key: tf.train.Feature(bytes_list=tf.train.BytesList(value=[image])),
        label_key: tf.train.Feature(int64_list=tf.train.Int64List(value=[label])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _records(path: Path, examples: list[bytes]) -> Path:
    import tensorflow as tf

    with tf.io.TFRecordWriter(str(path)) as writer:
        for example in examples:
            writer.write(example)
    return path


def test_tfrecord_reads_examples_across_files_with_a_glob(tmp_path):
    colors = list(COLORS.values())
    for part in range(2):
        _records(
            tmp_path / f"part-{part}.tfrecord",
            [
                _example(
                    _image(colors[i % 2], (8, 8), "PNG" if i % 3 else "JPEG"), i % 2, "img", "y"
                )
                for i in range(10)
            ],
        )
    data = zoo.load_data(
        str(tmp_path / "part-*.tfrecord"),
        height=4,
        width=4,
        image_key="img",
        label_key="y",
        batch_size=8,
    )
    assert data.info.source == "vision/tfrecord" and data.info.num_classes == 2
    assert sum(data.info.sizes.values()) == 20
    x, y = data.arrays("train")
    expected = np.array(colors, dtype=np.float32)[y] / 255.0
    np.testing.assert_allclose(x.mean(axis=(1, 2)), expected, atol=0.03)
    assert next(iter(data.validation))[0].shape[1:] == (4, 4, 3)


def test_tfrecord_missing_feature_names_file_and_key(tmp_path):
    good = _example(_image((1, 2, 3), (4, 4), "PNG"), 0)
    path = _records(tmp_path / "data.tfrec", [good, _example(b"", 1, label_key="target")])
    with pytest.raises(zoo.ZooError, match=r"'label'.*data\.tfrec|data\.tfrec.*'label'"):
        zoo.load_data(path, height=4, width=4)


def test_tfrecord_undecodable_image_names_the_record(tmp_path):
    path = _records(tmp_path / "data.tfrecord", [_example(b"garbage", 0)])
    with pytest.raises(zoo.ZooError, match=r"record 0 of .*data\.tfrecord"):
        zoo.load_data(path, height=4, width=4)


def test_missing_paths():
    with pytest.raises(zoo.ZooError, match="does not exist"):
        zoo.load_data("./no/such/folder")
    with pytest.raises(zoo.ZooError, match="matches no file"):
        zoo.load_data("/no/such/*.tfrecord")


def test_super_resolution_pairs_are_bicubic_downscales():
    from zoo_vision.super_resolution import downscale

    data = zoo.load_data(
        "vision/super_resolution", scale=3, patch=9, patches_per_split=64, batch_size=16
    )
    info = data.info
    assert info.task == "super_resolution"
    assert info.builder_arguments == {"scale": 3, "input_shape": [9, 9]}
    assert info.input_shape == (9, 9, 1) and info.target_shape == (27, 27, 1)
    assert info.sizes == {"train": 64, "validation": 6, "test": 13}
    x, y = data.arrays("train")
    assert x.min() >= 0.0 and x.max() <= 1.0
    # a low-resolution patch is the bicubic downscale of its high-resolution patch,
    # away from the border where the crops' neighbourhoods differ
    again = downscale(y[0, ..., 0], 3)
    np.testing.assert_allclose(again[2:-2, 2:-2], x[0, 2:-2, 2:-2, 0], atol=0.08)
