"""The keras plugin: keras.datasets' data sets as zoo data sources (keras/mnist, ...).

Nothing here touches the internet. The conversion to DataSplits is tested on small
arrays handed in place of keras.datasets' loaders, and Keras' own loading on files
the test writes in Keras' layout into a temporary KERAS_HOME (in a fresh interpreter,
since Keras reads KERAS_HOME when it is imported), with every proxy pointing at a
closed port of 127.0.0.1 so that a download could only fail.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zoo


def _images(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)


def _labels(n: int, classes: int) -> np.ndarray:
    return (np.arange(n) % classes).astype(np.uint8)


@pytest.fixture
def fake_keras_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    """keras.datasets' loaders replaced by small arrays of their shapes and dtypes."""
    import keras

    rng = np.random.default_rng(0)

    def image_set(shape: tuple[int, ...], column: bool = False):
        def load():
            y_train, y_test = _labels(100, 10), _labels(20, 10)
            if column:
                y_train, y_test = y_train[:, None], y_test[:, None]
            return (_images(rng, 100, shape), y_train), (_images(rng, 20, shape), y_test)

        return load

    def imdb(num_words=None, **_):
        def review(i):
            return [1, *((np.arange(5 + i % 7) * 37) % ((num_words or 100) - 3) + 3).tolist()]

        x = np.array([review(i) for i in range(40)], dtype=object)
        return (x[:30], _labels(30, 2)), (x[30:], _labels(10, 2))

    def boston(test_split=0.2, seed=113):
        x = rng.normal(5.0, 2.0, size=(50, 13))
        y = rng.normal(22.0, 9.0, size=50)
        n = int(50 * (1 - test_split))
        return (x[:n], y[:n]), (x[n:], y[n:])

    monkeypatch.setattr(keras.datasets.mnist, "load_data", image_set((28, 28)))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", image_set((28, 28)))
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", image_set((32, 32, 3), True))
    monkeypatch.setattr(keras.datasets.imdb, "load_data", imdb)
    monkeypatch.setattr(keras.datasets.boston_housing, "load_data", boston)


@pytest.mark.parametrize(
    ("source", "shape"),
    [
        ("keras/mnist", (28, 28, 1)),
        ("keras/fashion_mnist", (28, 28, 1)),
        ("keras/cifar10", (32, 32, 3)),
    ],
)
def test_image_sets_hold_out_a_seeded_stratified_validation_split(
    fake_keras_datasets: None, source: str, shape: tuple[int, ...]
) -> None:
    data = zoo.load_data(source, batch_size=16, seed=3, validation=0.2)
    info = data.info
    assert info.input_shape == shape and info.input_dtype == "float32"
    assert info.task == "classification" and info.num_classes == 10
    assert len(info.class_names) == 10
    assert dict(info.sizes) == {"train": 80, "validation": 20, "test": 20}
    assert info.builder_arguments == {"input_shape": list(shape), "num_classes": 10}
    assert info.preprocessing == {"scale": 1 / 255, "range": [0.0, 1.0]}
    x, y = data.arrays("validation")
    assert sorted(np.bincount(y, minlength=10)) == [2] * 10  # each class keeps its share
    assert x.min() >= 0.0 and x.max() <= 1.0 and y.dtype == np.int64
    again = zoo.load_data(source, batch_size=16, seed=3, validation=0.2)
    np.testing.assert_array_equal(again.arrays("validation")[1], y)
    raw = zoo.load_data(source, rescale=False)
    assert raw.arrays("train")[0].max() > 1.0
    assert raw.info.preprocessing["range"] == [0.0, 255.0]


def test_imdb_is_padded_word_ids(fake_keras_datasets: None) -> None:
    data = zoo.load_data("keras/imdb", vocabulary_size=50, sequence_length=8, validation=0.2)
    x, _ = data.arrays("train")
    assert x.shape[1:] == (8,) and x.dtype == np.int32 and x.max() < 50
    assert dict(data.info.sizes) == {"train": 24, "validation": 6, "test": 10}
    assert data.info.builder_arguments == {
        "vocabulary_size": 50,
        "sequence_length": 8,
        "num_classes": 2,
    }
    assert data.info.class_names == ("negative", "positive")
    with pytest.raises(zoo.ArgumentError, match="sequence_length is an integer"):
        zoo.load_data("keras/imdb", sequence_length=0)


def test_boston_housing_is_standardized_with_training_statistics(fake_keras_datasets: None):
    data = zoo.load_data("keras/boston_housing", validation=0.25, test=0.2)
    assert data.info.task == "regression" and data.info.num_classes is None
    assert dict(data.info.sizes) == {"train": 30, "validation": 10, "test": 10}
    x, _ = data.arrays("train")
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=0), 1.0, atol=1e-5)
    assert len(data.info.preprocessing["mean"]) == 13
    plain = zoo.load_data("keras/boston_housing", standardize=False)
    assert plain.arrays("train")[0].mean() > 1.0


# === Keras' own loading, on files in Keras' layout ===

PROBE = """
import json, sys
import keras.src.utils.file_utils as file_utils
import zoo

# The files are the test's own, so they cannot have the hashes Keras checks: accept them.
file_utils.validate_file = lambda *args, **kwargs: True
result = {}
for source in ("keras/mnist", "keras/fashion_mnist", "keras/imdb", "keras/boston_housing"):
    data = zoo.load_data(source, validation=0.2)
    result[source] = {"sizes": dict(data.info.sizes),
                      "shape": list(data.info.input_shape)}
try:
    zoo.load_data("keras/cifar10")
except zoo.ZooError as error:
    result["offline"] = str(error)
print(json.dumps(result))
"""


def _write_keras_files(datasets: Path, rng: np.random.Generator) -> None:
    datasets.mkdir(parents=True)
    np.savez(
        datasets / "mnist.npz",
        x_train=_images(rng, 50, (28, 28)),
        y_train=_labels(50, 10),
        x_test=_images(rng, 10, (28, 28)),
        y_test=_labels(10, 10),
    )
    reviews = np.array([[1, 14, 22, 16], [1, 194, 1153], [1, 4, 2, 5, 9], [1, 7]] * 5, dtype=object)
    np.savez(
        datasets / "imdb.npz",
        x_train=reviews,
        y_train=_labels(20, 2),
        x_test=reviews[:8],
        y_test=_labels(8, 2),
    )
    np.savez(datasets / "boston_housing.npz", x=rng.normal(size=(40, 13)), y=rng.normal(size=40))
    fashion = datasets / "fashion-mnist"
    fashion.mkdir()
    for prefix, n in (("train", 50), ("t10k", 10)):
        with gzip.open(fashion / f"{prefix}-labels-idx1-ubyte.gz", "wb") as handle:
            handle.write(b"\0" * 8 + _labels(n, 10).tobytes())
        with gzip.open(fashion / f"{prefix}-images-idx3-ubyte.gz", "wb") as handle:
            handle.write(b"\0" * 16 + _images(rng, n, (28, 28)).tobytes())


def test_keras_loads_its_cache_and_offline_is_one_zoo_error(tmp_path: Path) -> None:
    home = tmp_path / "keras_home"
    _write_keras_files(home / "datasets", np.random.default_rng(0))
    with socket.socket() as probe:  # a port nothing listens on: every download fails here
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy",)}
    env.update(
        KERAS_HOME=str(home),
        http_proxy=closed,
        https_proxy=closed,
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["keras/mnist"] == {
        "sizes": {"train": 40, "validation": 10, "test": 10},
        "shape": [28, 28, 1],
    }
    assert result["keras/fashion_mnist"]["sizes"] == {"train": 40, "validation": 10, "test": 10}
    assert result["keras/imdb"] == {
        "sizes": {"train": 16, "validation": 4, "test": 8},
        "shape": [256],
    }
    assert result["keras/boston_housing"]["shape"] == [13]
    assert sum(result["keras/boston_housing"]["sizes"].values()) == 40
    message = result["offline"]
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert str(home / "datasets" / "cifar-10-batches-py-target_archive") in message
    assert "\n" not in message
