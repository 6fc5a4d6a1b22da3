"""What the keras.datasets sources share (private): the offline error and the splits."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np

import zoo
from zoo.data import DataSplits, check_fractions, from_arrays, split_indices

T = TypeVar("T")

#: Where keras.datasets fetches its files (all but CIFAR-10's).
KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def keras_home() -> str:
    """Keras' cache folder: ``$KERAS_HOME``, else ``~/.keras`` (what get_file uses)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def fetch(source: str, load: Callable[[], T], files: Sequence[tuple[str, str]]) -> T:
    """``load()`` (a keras.datasets loader); its failure is one `zoo.ZooError`.

    ``files`` are ``(url, path under KERAS_HOME)`` of what the loader reads, named in
    the message so that a user without a network can place them by hand.
    """
    try:
        return load()
    except Exception as error:  # Keras raises a bare Exception for a failed fetch
        home = keras_home()
        places = "; ".join(f"{url} at {os.path.join(home, path)}" for url, path in files)
        reason = " ".join(str(error).split())
        if type(error) is not Exception:  # Keras' failed fetch; anything else says its type
            reason = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
        raise zoo.ZooError(
            f"{source} is downloaded once by keras.datasets into its cache and checked "
            f"against its hash. Received: {reason.rstrip('.')}. Place {places} (the "
            "cache of KERAS_HOME, by default ~/.keras), then load it again."
        ) from error


def keras_splits(
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    source: str,
    arguments: Mapping[str, Any],
    task: str,
    batch_size: int,
    seed: int,
    validation: float,
    num_classes: int | None = None,
    class_names: Sequence[str] | None = None,
    builder_arguments: Mapping[str, Any] | None = None,
    preprocessing: Mapping[str, Any] | None = None,
    transform: Callable[[np.ndarray], tuple[Callable[[np.ndarray], np.ndarray], Mapping]]
    | None = None,
) -> DataSplits:
    """Keras' training split with a seeded validation split held out, Keras' test split.

    The validation split is stratified for a classification (each class keeps its
    share). ``transform(x)``, given the inputs of the training split only, returns the
    function applied to every split's inputs and what it recorded (a standardization's
    mean and std) for the input contract.
    """
    check_fractions(validation, 0.0)
    x, y = train
    stratified = task == "classification"
    index = split_indices(y, validation=validation, test=0.0, seed=seed, stratified=stratified)
    parts = {
        "train": (x[index["train"]], y[index["train"]]),
        "validation": (x[index["validation"]], y[index["validation"]]),
        "test": test,
    }
    recorded = dict(preprocessing or {})
    if transform is not None:
        apply, fitted = transform(parts["train"][0])
        parts = {name: (apply(xs), ys) for name, (xs, ys) in parts.items()}
        recorded.update(fitted)
    return from_arrays(
        parts,
        source=source,
        arguments=arguments,
        task=task,
        batch_size=batch_size,
        seed=seed,
        split={
            "seed": seed,
            "validation": validation,
            "stratified": stratified,
            "test": "keras.datasets' own test split",
        },
        num_classes=num_classes,
        class_names=None if class_names is None else tuple(class_names),
        builder_arguments=builder_arguments,
        preprocessing=recorded,
    )


def images(x: np.ndarray, rescale: bool) -> np.ndarray:
    """uint8 images as float32, in [0, 1] when ``rescale``, with a channel axis."""
    x = x.astype(np.float32)
    if rescale:
        x /= 255.0
    return x[..., np.newaxis] if x.ndim == 3 else x


def image_preprocessing(rescale: bool) -> dict[str, Any]:
    if rescale:
        return {"scale": 1 / 255, "range": [0.0, 1.0]}
    return {"scale": 1.0, "range": [0.0, 255.0]}


def check_rescale(source: str, rescale: object) -> None:
    if not isinstance(rescale, bool):
        raise zoo.ArgumentError(
            f"{source}: rescale is True (pixels in [0, 1]) or False (in [0, 255], what the "
            f"applications models take). Received: rescale={rescale!r}. Pass a bool."
        )
