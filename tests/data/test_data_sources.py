"""`zoo.load_data` dispatch and the first-party data sources, on real data and files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import zoo


def test_digits_matches_sklearn():
    from sklearn.datasets import load_digits

    data = zoo.load_data("vision/digits", batch_size=64, seed=0)
    info = data.info
    assert info.builder_arguments == {"input_shape": [8, 8, 1], "num_classes": 10}
    assert info.input_shape == (8, 8, 1) and info.num_classes == 10
    assert sum(info.sizes.values()) == 1797
    reference = load_digits()
    x, y = data.arrays("test")
    assert x.dtype == np.float32 and x.min() >= 0.0 and x.max() <= 1.0
    # every test image is a digits image divided by 16, with its own label
    flat = (reference.images / 16.0).reshape(1797, -1).astype(np.float32)
    rows = {row.tobytes(): label for row, label in zip(flat, reference.target, strict=True)}
    assert all(rows[img.reshape(-1).tobytes()] == label for img, label in zip(x, y, strict=True))
    assert np.bincount(y, minlength=10).min() >= 35  # stratified: ~36 per class
    assert next(iter(data.train))[0].shape == (64, 8, 8, 1)


def test_unknown_source_suggests_close_matches():
    with pytest.raises(zoo.NotFoundError, match="Did you mean 'vision/digits'"):
        zoo.load_data("vision/digts")


def test_non_dataset_component_is_refused():
    with pytest.raises(zoo.ZooError, match="kind 'dataset'"):
        zoo.load_data("vision/PixelShuffle")


def test_unknown_source_argument_names_accepted_ones():
    with pytest.raises(zoo.ArgumentError, match="validation"):
        zoo.load_data("vision/digits", validaton=0.2)


def test_splits_returned_as_is_and_tf_dataset_is_train_only():
    import tensorflow as tf

    data = zoo.load_data((np.zeros((20, 2)), np.arange(20) % 2))
    assert zoo.load_data(data) is data
    ds = tf.data.Dataset.from_tensor_slices((np.zeros((8, 3), "float32"), np.arange(8))).batch(4)
    wrapped = zoo.load_data(ds)
    assert wrapped.train is ds and wrapped.validation is None and wrapped.test is None
    assert wrapped.info.source == "tf.data" and wrapped.info.input_shape == (3,)


def test_unsupported_data_type():
    with pytest.raises(zoo.ZooError, match="Received: int"):
        zoo.load_data(3)


def test_listing_datasets_imports_no_tensorflow():
    code = (
        "import sys, zoo; print([s.id for s in zoo.list_components(kind='dataset')]); "
        "print(any(m in sys.modules for m in ('tensorflow', 'keras', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ids, heavy = out.stdout.strip().splitlines()
    assert "'vision/digits'" in ids and "'zoo/npz'" in ids and "'zoo/csv'" in ids
    assert heavy == "False"


def test_cli_lists_and_documents_dataset():
    listing = subprocess.run(
        [sys.executable, "-m", "zoo", "list", "--kind", "dataset"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "vision/digits" in listing.stdout and "zoo/csv" in listing.stdout
    info = subprocess.run(
        [sys.executable, "-m", "zoo", "info", "vision/digits"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "dataset" in info.stdout and "digits" in info.stdout


def test_digits_named_outputs_for_a_multi_output_model():
    data = zoo.load_data("vision/digits", outputs=["digit", "aux"], batch_size=16)
    _x, y = next(iter(data.train))
    assert set(y) == {"digit", "aux"}
    assert (y["digit"].numpy() == y["aux"].numpy()).all()
    # arrays() holds the labels once, as the plain source does
    x_test, y_test = data.arrays("test")
    plain = zoo.load_data("vision/digits").arrays("test")
    np.testing.assert_array_equal(y_test, plain[1])
    np.testing.assert_array_equal(x_test, plain[0])
    assert data.info.arguments["outputs"] == ["digit", "aux"]
