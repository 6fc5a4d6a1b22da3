"""The core file sources zoo/npz and zoo/csv, on files the tests write."""

from __future__ import annotations

import numpy as np
import pytest

import zoo
from zoo.data import split_indices


def test_npz_x_y_gets_a_seeded_stratified_split(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3, 2)).astype("float32")
    y = np.arange(60) % 3
    path = tmp_path / "data.npz"
    np.savez(path, x=x, y=y)
    data = zoo.load_data(path, seed=4)
    assert data.info.source == "zoo/npz" and data.info.num_classes == 3
    assert data.info.builder_arguments == {"input_shape": [3, 2], "num_classes": 3}
    index = split_indices(y, seed=4)
    x_test, y_test = data.arrays("test")
    np.testing.assert_array_equal(x_test, x[index["test"]])
    np.testing.assert_array_equal(y_test, y[index["test"]])


def test_npz_fixed_splits_keep_the_test_split(tmp_path):
    x_train, y_train = np.ones((40, 4), "float32"), np.arange(40) % 2
    x_test, y_test = np.zeros((7, 4), "float32"), np.arange(7) % 2
    path = tmp_path / "fixed.npz"
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    data = zoo.load_data(str(path), validation=0.25)
    assert data.info.sizes == {"train": 30, "validation": 10, "test": 7}
    np.testing.assert_array_equal(data.arrays("test")[1], y_test)
    assert data.info.builder_arguments == {"input_shape": [4], "input_dim": 4, "num_classes": 2}


def test_npz_with_other_keys(tmp_path):
    path = tmp_path / "odd.npz"
    np.savez(path, features=np.zeros(3))
    with pytest.raises(zoo.ZooError, match="keys x and y.*features"):
        zoo.load_data(path)


def _write_csv(path, rows):
    path.write_text("\n".join(",".join(map(str, row)) for row in rows) + "\n")
    return path


def test_csv_target_column_classification(tmp_path):
    rows = [["a", "b", "label"]] + [[i, i * 0.5, i % 2] for i in range(20)]
    path = _write_csv(tmp_path / "data.csv", rows)
    data = zoo.load_data(path, target="label", test=0.2, validation=0.1)
    assert data.info.source == "zoo/csv" and data.info.task == "classification"
    assert data.info.num_classes == 2 and data.info.preprocessing == {"features": ["a", "b"]}
    x, y = data.arrays("train")
    np.testing.assert_array_equal(x[:, 1], x[:, 0] * 0.5)
    np.testing.assert_array_equal(y, x[:, 0].astype(int) % 2)


def test_csv_regression_target(tmp_path):
    rows = [["x", "y"]] + [[i, i / 3] for i in range(30)]
    data = zoo.load_data(_write_csv(tmp_path / "r.csv", rows), target="y")
    assert data.info.task == "regression" and data.info.target_dtype == "float32"
    x, y = data.arrays("test")
    np.testing.assert_allclose(y, x[:, 0] / 3, rtol=1e-6)


def test_csv_non_numeric_column_names_file_column_and_row(tmp_path):
    rows = [["a", "colour", "label"], [1, 2, 0], [3, "red", 1]]
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(zoo.ZooError, match=r"'red'.*bad\.csv.*column 'colour', row 3"):
        zoo.load_data(path, target="label")


def test_csv_unknown_target_suggests_columns(tmp_path):
    path = _write_csv(tmp_path / "d.csv", [["a", "label"], [1, 0], [2, 1]])
    with pytest.raises(zoo.ZooError, match="Did you mean 'label'"):
        zoo.load_data(path, target="lable")


def test_csv_requires_target(tmp_path):
    path = _write_csv(tmp_path / "d.csv", [["a", "label"], [1, 0], [2, 1]])
    with pytest.raises(zoo.ArgumentError, match="target"):
        zoo.load_data(path)
