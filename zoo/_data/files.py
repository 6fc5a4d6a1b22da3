"""The core file sources ``zoo/npz`` and ``zoo/csv``."""

from __future__ import annotations

import csv as csv_module
import zipfile
from typing import Any

import numpy as np

from zoo._base.errors import ZooError
from zoo._data.splits import DataSplits, from_arrays, split_arrays, split_indices, take
from zoo._data.tasks import get_task

_FIXED = ("x_train", "y_train", "x_test", "y_test")


def _task_of(y: np.ndarray, task: str | None) -> str:
    if task is not None:
        return task
    return "classification" if np.issubdtype(y.dtype, np.integer) and y.ndim == 1 else "regression"


def npz(
    *,
    path: str,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    task: str | None = None,
) -> DataSplits:
    """Arrays from a ``.npz`` file: keys ``x`` and ``y``, or fixed splits.

    With ``x`` and ``y`` the examples get a seeded split (stratified for integer labels).
    With ``x_train``, ``y_train``, ``x_test``, ``y_test`` (and optionally ``x_validation``,
    ``y_validation``) the test split is kept as given; without a validation split one is
    carved from the training split (``validation`` of it).

    Args:
        path: the ``.npz`` file.
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction held out for validation.
        test: fraction held out for testing (with ``x`` and ``y`` only).
        task: a declared task (``classification``, ``regression``, ...); by default
            integer labels classify.
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ZooError(
            f"A .npz data file is a NumPy archive. Received: {path!r}, which could not be "
            f"read ({error}). Write it with numpy.savez."
        ) from None
    arguments = {"path": path, "validation": validation, "test": test, "task": task}
    if "x" in arrays and "y" in arrays:
        y = arrays["y"]
        return split_arrays(
            arrays["x"],
            y,
            source="zoo/npz",
            arguments=arguments,
            task=_task_of(y, task),
            batch_size=batch_size,
            seed=seed,
            validation=validation,
            test=test,
        )
    if not all(key in arrays for key in _FIXED):
        raise ZooError(
            "A .npz data file holds the keys x and y, or x_train, y_train, x_test and y_test. "
            f"Received: {path!r} with keys {', '.join(sorted(arrays)) or '(none)'}. "
            "Save it with numpy.savez(path, x=..., y=...)."
        )
    y_train = arrays["y_train"]
    task = _task_of(y_train, task)
    classify = get_task(task, "zoo/npz").classification
    if "x_validation" in arrays and "y_validation" in arrays:
        train = (arrays["x_train"], y_train)
        held = (arrays["x_validation"], arrays["y_validation"])
    else:
        index = split_indices(
            y_train,
            validation=validation,
            test=0.0,
            seed=seed,
            stratified=classify,
        )
        train = (take(arrays["x_train"], index["train"]), y_train[index["train"]])
        held = (take(arrays["x_train"], index["validation"]), y_train[index["validation"]])
    splits = {"train": train, "validation": held, "test": (arrays["x_test"], arrays["y_test"])}
    labels = np.concatenate([np.ravel(s[1]) for s in splits.values() if s is not None])
    num_classes = int(labels.max()) + 1 if classify else None
    input_shape = list(train[0].shape[1:])
    builder_arguments: dict[str, Any] = {"input_shape": input_shape}
    if len(input_shape) == 1:
        builder_arguments["input_dim"] = input_shape[0]
    if num_classes is not None:
        builder_arguments["num_classes"] = num_classes
    return from_arrays(
        splits,
        source="zoo/npz",
        arguments=arguments,
        task=task,
        batch_size=batch_size,
        seed=seed,
        split={"seed": seed, "validation": validation, "test": "fixed", "stratified": False},
        num_classes=num_classes,
        builder_arguments=builder_arguments,
    )


def read_numeric_csv(path: str) -> tuple[list[str], np.ndarray]:
    """The header and the float64 values of a CSV file whose every cell is a number.

    A cell that is not a number raises ZooError naming the file, the column and the
    row (1-based, the header being row 1).
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv_module.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise ZooError(
            f"A .csv data file is UTF-8 text. Received: {path!r}, which could not be read "
            f"({error}). Check the path and encoding."
        ) from None
    if len(rows) < 2:
        raise ZooError(
            "A .csv data file has a header row and at least one row of values. "
            f"Received: {path!r} with {len(rows)} row(s). Add the data."
        )
    header = [name.strip() for name in rows[0]]
    values = np.empty((len(rows) - 1, len(header)), dtype=np.float64)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ZooError(
                f"Every row of a .csv data file has one value per column. Received: {path!r} "
                f"row {number} with {len(row)} values for {len(header)} columns. Fix that row."
            )
        for column, cell in enumerate(row):
            try:
                values[number - 2, column] = float(cell)
            except ValueError:
                raise ZooError(
                    "Every column of a .csv data file is numeric. Received: "
                    f"{cell!r} in {path!r}, column {header[column]!r}, row {number}. "
                    "Encode that column as numbers or drop it."
                ) from None
    return header, values


def csv(
    *,
    path: str,
    target: str,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    task: str | None = None,
) -> DataSplits:
    """A numeric ``.csv`` file with a header: the ``target`` column against all others.

    Integer-valued targets classify (classes 0 to max) unless ``task="regression"``;
    the split is seeded and stratified for classes. Every cell must be a number.

    Args:
        path: the ``.csv`` file, with a header row.
        target: the name of the target column.
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction held out for validation.
        test: fraction held out for testing.
        task: a declared task (``classification``, ``regression``, ...); by default
            integer targets classify.
    """
    header, values = read_numeric_csv(path)
    if target not in header:
        from zoo._base.errors import did_you_mean

        raise ZooError(
            f"target names a column of the .csv file. Received: target={target!r} for "
            f"{path!r}.{did_you_mean(target, header)} Columns: {', '.join(header)}."
        )
    column = header.index(target)
    features = [name for name in header if name != target]
    x = np.delete(values, column, axis=1).astype(np.float32)
    y_values = values[:, column]
    integer = bool(np.all(y_values == np.round(y_values))) and y_values.min() >= 0
    if task is None:
        task = "classification" if integer else "regression"
    classify = get_task(task, "zoo/csv").classification
    y = y_values.astype(np.int64) if classify else y_values.astype(np.float32)
    return split_arrays(
        x,
        y,
        source="zoo/csv",
        arguments={
            "path": path,
            "target": target,
            "validation": validation,
            "test": test,
            "task": task,
        },
        task=task,
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        test=test,
        preprocessing={"features": features},
    )
