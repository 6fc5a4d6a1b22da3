"""The ``forecast/diabetes`` data source: scikit-learn's diabetes regression, offline."""

from __future__ import annotations

import numpy as np

from zoo.data import DataSplits, Task, from_arrays, require, split_indices

#: The task of this source's targets: quantiles of a real-valued target.
QUANTILE_REGRESSION = Task(
    "quantile_regression", summary="Quantiles of a real-valued target (a predictive interval)."
)


def diabetes(
    *,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    standardize_target: bool = True,
) -> DataSplits:
    """scikit-learn's diabetes data: 442 patients, 10 features, disease progression a year on.

    The features are standardized with the training split's mean and standard
    deviation (so are the targets, unless ``standardize_target=False``); the figures
    are in ``info.preprocessing`` to map predictions back. The split is seeded.

    Args:
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction held out for validation.
        test: fraction held out for testing.
        standardize_target: standardize the target as well.
    """
    datasets = require("sklearn.datasets", "scikit-learn", "forecast/diabetes")
    features, target = datasets.load_diabetes(return_X_y=True)
    index = split_indices(target, validation=validation, test=test, seed=seed, stratified=False)
    train = index["train"]
    mean, std = features[train].mean(axis=0), features[train].std(axis=0)
    y_mean, y_std = (target[train].mean(), target[train].std()) if standardize_target else (0, 1)
    x = ((features - mean) / std).astype(np.float32)
    y = ((target - y_mean) / y_std).astype(np.float32)
    return from_arrays(
        {s: (x[i], y[i]) for s, i in index.items()},
        source="forecast/diabetes",
        arguments={
            "validation": validation,
            "test": test,
            "standardize_target": standardize_target,
        },
        task=QUANTILE_REGRESSION,
        batch_size=batch_size,
        seed=seed,
        split={"seed": seed, "validation": validation, "test": test, "stratified": False},
        builder_arguments={"input_dim": 10},
        preprocessing={
            "mean": mean.tolist(),
            "std": std.tolist(),
            "target_mean": float(y_mean),
            "target_std": float(y_std),
        },
    )
