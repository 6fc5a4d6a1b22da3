"""The tabular/friedman data source: loading, splits, determinism, argument errors."""

import numpy as np
import pytest
import zoo

from zoo_tabular.friedman import friedman_target


def test_loads_by_id_with_the_splits_and_info_training_needs():
    data = zoo.load_data("tabular/friedman", num_examples=200, batch_size=16, seed=3)
    info = data.info
    assert info.source == "tabular/friedman" and info.task == "regression"
    assert info.input_shape == (10,) and info.input_dtype == "float32"
    assert info.target_shape == () and info.target_dtype == "float32"
    assert dict(info.sizes) == {"train": 140, "validation": 20, "test": 40}
    assert info.builder_arguments["num_features"] == 10
    x, y = next(iter(data.train))
    assert tuple(x.shape) == (16, 10) and tuple(y.shape) == (16,)
    for split, size in info.sizes.items():
        x, y = data.arrays(split)
        assert x.shape == (size, 10) and y.shape == (size,)


def test_features_are_standardized_on_the_training_split():
    data = zoo.load_data("tabular/friedman", seed=0)
    x, _ = data.arrays("train")
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=0), 1, atol=1e-4)
    mean, std = (np.array(data.info.preprocessing[k]) for k in ("mean", "std"))
    raw = x * std + mean
    assert raw.min() >= 0 and raw.max() < 1  # uniform features, restored


def test_the_target_is_friedmans_function_plus_the_noise():
    data = zoo.load_data("tabular/friedman", noise=0.0, seed=5)
    x, y = data.arrays("test")
    mean, std = (np.array(data.info.preprocessing[k]) for k in ("mean", "std"))
    np.testing.assert_allclose(y, friedman_target(x * std + mean), rtol=1e-4, atol=1e-4)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    a = zoo.load_data("tabular/friedman", num_examples=100, seed=7)
    b = zoo.load_data("tabular/friedman", num_examples=100, seed=7)
    c = zoo.load_data("tabular/friedman", num_examples=100, seed=8)
    for split in ("train", "validation", "test"):
        for left, right in zip(a.arrays(split), b.arrays(split), strict=True):
            np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a.arrays("test")[1], c.arrays("test")[1])
    first = [y.numpy() for _, y in a.train.take(2)]
    again = [y.numpy() for _, y in b.train.take(2)]
    assert all(np.array_equal(p, q) for p, q in zip(first, again, strict=True))


def test_classification_gives_two_balanced_classes_split_by_class():
    data = zoo.load_data("tabular/friedman", task="classification", seed=1)
    info = data.info
    assert info.task == "classification" and info.num_classes == 2
    assert info.class_names == ("below", "above") and info.target_dtype == "int64"
    assert info.builder_arguments["num_outputs"] == 2
    _, y = data.arrays("test")
    assert set(np.unique(y)) == {0, 1} and abs(np.mean(y) - 0.5) < 0.1


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"num_features": 3}, "num_features is an integer of at least 5"),
        ({"num_examples": 5}, "num_examples is an integer of at least 20"),
        ({"noise": -1.0}, "noise is a standard deviation"),
        ({"task": "clasification"}, "Did you mean 'classification'"),
        ({"test": 1.5}, r"A split fraction lies in \[0, 1\)"),
    ],
)
def test_a_bad_argument_is_a_zoo_error_that_says_what_to_do(arguments, message):
    with pytest.raises(zoo.ZooError, match=message):
        zoo.load_data("tabular/friedman", **arguments)


def test_an_unknown_argument_names_the_accepted_ones():
    with pytest.raises(zoo.ZooError, match="num_features"):
        zoo.load_data("tabular/friedman", num_feature=8)
