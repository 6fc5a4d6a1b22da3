"""The ``tabular/friedman`` data source: Friedman's synthetic regression, generated offline."""

from typing import Literal

import numpy as np
import zoo.data

TASKS = ("regression", "classification")


def friedman_target(x: np.ndarray) -> np.ndarray:
    """Friedman (1991), problem 1: ``10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4``."""
    return (
        10 * np.sin(np.pi * x[:, 0] * x[:, 1])
        + 20 * (x[:, 2] - 0.5) ** 2
        + 10 * x[:, 3]
        + 5 * x[:, 4]
    )


def friedman(
    *,
    batch_size: int = 32,
    seed: int = 0,
    num_examples: int = 1000,
    num_features: int = 10,
    noise: float = 1.0,
    task: Literal["regression", "classification"] = "regression",
    validation: float = 0.1,
    test: float = 0.2,
) -> zoo.data.DataSplits:
    """Friedman's first synthetic problem: features uniform in [0, 1), five of them used.

    ``y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise * N(0, 1)``; the
    other features are distractors. ``task="classification"`` labels an example 1 when
    its noisy target lies above the median of the noiseless one (two balanced classes,
    stratified split). Everything is generated from ``seed``: nothing is downloaded.
    The features are standardized with the training split's mean and standard
    deviation (the figures are in ``info.preprocessing``), as the embeddings expect.

    Args:
        batch_size: examples per batch.
        seed: the seed of the data, of the split and of the training shuffle.
        num_examples: how many examples to generate (at least 20).
        num_features: features per example (at least 5).
        noise: standard deviation of the Gaussian noise added to the target.
        task: ``"regression"`` (a float32 target) or ``"classification"`` (int64 labels).
        validation: fraction held out for validation.
        test: fraction held out for testing.

    Example:

    >>> data = friedman(num_examples=100, seed=1)
    >>> data.info.input_shape, data.info.sizes["test"]
    ((10,), 20)
    """
    _check(num_examples, num_features, noise, task)
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(num_examples, num_features))
    clean = friedman_target(x)
    y = clean + noise * rng.standard_normal(num_examples)
    classify = task == "classification"
    y = (y > np.median(clean)).astype(np.int64) if classify else y.astype(np.float32)
    index = zoo.data.split_indices(
        y, validation=validation, test=test, seed=seed, stratified=classify
    )
    train = x[index["train"]]
    mean, std = train.mean(axis=0), train.std(axis=0)
    x = ((x - mean) / std).astype(np.float32)
    return zoo.data.from_arrays(
        {split: (x[i], y[i]) for split, i in index.items()},
        source="tabular/friedman",
        arguments={
            "num_examples": num_examples,
            "num_features": num_features,
            "noise": noise,
            "task": task,
            "validation": validation,
            "test": test,
        },
        task=task,
        batch_size=batch_size,
        seed=seed,
        split={"seed": seed, "validation": validation, "test": test, "stratified": classify},
        num_classes=2 if classify else None,
        class_names=("below", "above") if classify else None,
        builder_arguments={
            "num_features": num_features,
            "num_outputs": 2 if classify else 1,
            "output_activation": "softmax" if classify else None,
        },
        preprocessing={"mean": mean.tolist(), "std": std.tolist()},
    )


def _check(num_examples: object, num_features: object, noise: object, task: object) -> None:
    """Raise zoo.data.ArgumentError on an argument the generator cannot use."""
    if isinstance(num_examples, bool) or not isinstance(num_examples, int) or num_examples < 20:
        raise zoo.data.ArgumentError(
            "num_examples is an integer of at least 20 (every split needs examples). "
            f"Received: num_examples={num_examples!r}. Use for example 1000."
        )
    if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 5:
        raise zoo.data.ArgumentError(
            "num_features is an integer of at least 5 (the target uses the first five). "
            f"Received: num_features={num_features!r}. Use for example 10."
        )
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise zoo.data.ArgumentError(
            f"noise is a standard deviation, 0 or more. Received: noise={noise!r}. Use 1.0."
        )
    if task not in TASKS:
        hint = zoo.data.did_you_mean(str(task), TASKS)
        raise zoo.data.ArgumentError(
            f"task is one of {', '.join(TASKS)}. Received: task={task!r}.{hint or ' Use one.'}"
        )
