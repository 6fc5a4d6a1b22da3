"""The seeded, stratified splitter and the array pipelines, against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import zoo
from zoo.data import split_indices


def _labels(seed: int = 0) -> np.ndarray:
    # Unbalanced classes: 50, 30 and 20 examples.
    return np.random.default_rng(seed).permutation(np.repeat([0, 1, 2], [50, 30, 20]))


def test_stratified_counts_no_overlap_and_cover():
    y = _labels()
    index = split_indices(y, validation=0.1, test=0.2, seed=3)
    every = np.concatenate(list(index.values()))
    assert np.array_equal(np.sort(every), np.arange(len(y)))  # each example once
    for c, n_c in zip([0, 1, 2], [50, 30, 20], strict=True):
        assert np.sum(y[index["test"]] == c) == round(n_c * 0.2)
        assert np.sum(y[index["validation"]] == c) == round(n_c * 0.1)
        assert np.sum(y[index["train"]] == c) == n_c - round(n_c * 0.2) - round(n_c * 0.1)


def test_seed_reproducible_and_different_seeds_differ():
    y = _labels()
    a = split_indices(y, seed=1)
    b = split_indices(y, seed=1)
    c = split_indices(y, seed=2)
    assert all(np.array_equal(a[s], b[s]) for s in a)
    assert not np.array_equal(a["test"], c["test"])


def test_unstratified_split_sizes():
    y = np.linspace(0, 1, 101)
    index = split_indices(y, validation=0.1, test=0.2, seed=0, stratified=False)
    assert [len(index[s]) for s in ("train", "validation", "test")] == [71, 10, 20]


@pytest.mark.parametrize(("validation", "test"), [(-0.1, 0.2), (0.5, 0.5), (0.1, 1.0)])
def test_bad_fractions(validation, test):
    with pytest.raises(zoo.ZooError, match="fraction"):
        split_indices(np.zeros(10), validation=validation, test=test)


def test_load_data_arrays_pipeline_and_info():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4)).astype("float32")
    y = _labels()
    data = zoo.load_data((x, y), batch_size=16, seed=5)
    assert data.info.source == "arrays"
    assert data.info.task == "classification" and data.info.num_classes == 3
    assert data.info.sizes == {"train": 70, "validation": 10, "test": 20}
    assert data.info.builder_arguments == {"input_shape": [4], "input_dim": 4, "num_classes": 3}
    index = split_indices(y, seed=5)
    x_test, y_test = data.arrays("test")
    np.testing.assert_array_equal(x_test, x[index["test"]])
    np.testing.assert_array_equal(y_test, y[index["test"]])
    # the test pipeline yields the split in order, in batches of 16
    batches = list(data.test.as_numpy_iterator())
    assert [len(b[1]) for b in batches] == [16, 4]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y_test)
    # train is reshuffled each epoch, reproducibly for a seed, and holds the train split
    epoch1 = np.concatenate([b[1] for b in data.train.as_numpy_iterator()])
    epoch2 = np.concatenate([b[1] for b in data.train.as_numpy_iterator()])
    again = zoo.load_data((x, y), batch_size=16, seed=5)
    first = np.concatenate([b[1] for b in again.train.as_numpy_iterator()])
    np.testing.assert_array_equal(np.sort(epoch1), np.sort(y[index["train"]]))
    assert not np.array_equal(epoch1, epoch2)
    np.testing.assert_array_equal(epoch1, first)


def test_auto_shard_policy_is_data_for_arrays():
    import tensorflow as tf

    data = zoo.load_data((np.zeros((20, 2)), np.arange(20) % 2))
    policy = data.train.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA


def test_regression_arrays_are_not_stratified():
    x = np.arange(50, dtype="float32")[:, None]
    data = zoo.load_data((x, x[:, 0] * 2.0), test=0.2, validation=0.0)
    assert data.info.task == "regression" and data.info.num_classes is None
    assert data.info.split["stratified"] is False
    assert data.validation is None and data.info.sizes["validation"] == 0


def test_named_inputs_split_together():
    x = {"a": np.arange(40).reshape(40, 1), "b": np.arange(40, 80).reshape(40, 1)}
    y = np.arange(40) % 2
    data = zoo.load_data((x, y), batch_size=8)
    xs, ys = data.arrays("test")
    assert set(xs) == {"a", "b"} and data.info.input_shape == {"a": (1,), "b": (1,)}
    np.testing.assert_array_equal(xs["b"] - xs["a"], np.full((len(ys), 1), 40))
    batch = next(iter(data.train))
    assert set(batch[0]) == {"a", "b"}


def test_mismatched_lengths_and_bad_batch_size():
    with pytest.raises(zoo.ZooError, match="one row per example"):
        zoo.load_data((np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(zoo.ZooError, match="batch_size"):
        zoo.load_data((np.zeros((5, 2)), np.zeros(5)), batch_size=0)


def test_data_info_to_dict_is_json_ready():
    import json

    data = zoo.load_data((np.zeros((30, 3, 2)), np.arange(30) % 3))
    text = json.dumps(data.info.to_dict())
    assert json.loads(text)["input_shape"] == [3, 2]
