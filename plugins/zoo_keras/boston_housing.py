"""The ``keras/boston_housing`` data source: Boston housing prices through keras.datasets."""

from __future__ import annotations

import functools

import numpy as np

import zoo
from zoo.data import DataSplits, check_fractions
from zoo_keras import _common

FILES = ((f"{_common.KERAS_DATASETS_URL}boston_housing.npz", "datasets/boston_housing.npz"),)


def boston_housing(
    *,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    standardize: bool = True,
) -> DataSplits:
    """The 506 Boston census tracts of 1978: 13 features, the median home value ($1000s).

    Loaded by ``keras.datasets.boston_housing.load_data`` (downloaded once into
    ``$KERAS_HOME/datasets/boston_housing.npz`` and checked against its hash), which
    holds out ``test`` of the tracts with its own seed (113); ``validation`` of the
    rest is held out with the zoo's seeded split. The data set carries a feature
    (``B``) derived from a town's share of Black residents; it is kept for comparison
    with the literature, not as an example of a fair model.

    Args:
        batch_size: examples per batch.
        seed: the seed of the validation split and of the training shuffle.
        validation: fraction of Keras' training split held out.
        test: fraction held out by Keras for testing (its ``test_split``).
        standardize: subtract the mean and divide by the std of each feature, both of
            the training split (recorded in the input contract).
    """
    import keras

    if not isinstance(standardize, bool):
        raise zoo.ArgumentError(
            "keras/boston_housing: standardize is True or False. Received: "
            f"standardize={standardize!r}. Pass a bool."
        )
    check_fractions(0.0, test)
    load = functools.partial(keras.datasets.boston_housing.load_data, test_split=test)
    (x_train, y_train), (x_test, y_test) = _common.fetch("keras/boston_housing", load, FILES)

    def fit_standardize(x):
        mean, std = x.mean(axis=0), x.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        record = {"mean": mean.tolist(), "std": std.tolist()}
        return (lambda xs: ((xs - mean) / std).astype(np.float32)), record

    return _common.keras_splits(
        (x_train.astype(np.float32), y_train.astype(np.float32)),
        (x_test.astype(np.float32), y_test.astype(np.float32)),
        source="keras/boston_housing",
        arguments={"validation": validation, "test": test, "standardize": standardize},
        task="regression",
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        builder_arguments={"input_dim": 13, "input_shape": [13]},
        transform=fit_standardize if standardize else None,
    )
