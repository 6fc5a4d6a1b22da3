"""The ``vision/digits`` data source: scikit-learn's 1,797 8x8 digits, offline."""

from __future__ import annotations

import numpy as np

from zoo.data import DataSplits, named_targets, split_arrays


def digits(
    *,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    outputs: list[str] | None = None,
) -> DataSplits:
    """scikit-learn's digits as 8x8x1 float32 images in [0, 1] and labels 0-9.

    A seeded split stratified by class: ``test`` and ``validation`` are the fractions
    of each class held out. The pixels (0-16 in scikit-learn) are divided by 16.

    Args:
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction of each class for the validation split.
        test: fraction of each class for the test split.
        outputs: for a model with several outputs trained on the labels (the
            ``zoo/digits_aux`` graph: ``["digit", "aux"]``), their names: the pipelines
            then yield ``(images, {name: labels, ...})``.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images / 16.0).astype(np.float32)[..., np.newaxis]
    y = data.target.astype(np.int64)
    splits = split_arrays(
        x,
        y,
        source="vision/digits",
        arguments={"validation": validation, "test": test},
        task="classification",
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        test=test,
        num_classes=10,
        class_names=tuple(str(c) for c in data.target_names),
        builder_arguments={"input_shape": [8, 8, 1], "num_classes": 10},
        preprocessing={"scale": 1 / 16, "range": [0.0, 1.0]},
    )
    return splits if outputs is None else named_targets(splits, outputs)
