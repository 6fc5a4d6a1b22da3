"""The core file sources ``zoo/npz`` and ``zoo/csv``."""

from __future__ import annotations

import csv as csv_module
import math
import os
import zipfile
import zlib
from typing import IO, Any

import numpy as np

from zoo._base.errors import ZooError
from zoo._base.limits import max_data_bytes
from zoo._data.splits import (
    DataSplits,
    check_finite,
    from_arrays,
    split_arrays,
    split_indices,
    take,
)
from zoo._data.tasks import get_task

_FIXED = ("x_train", "y_train", "x_test", "y_test")
#: What reading a broken archive may raise, from zipfile, zlib and numpy's header parser.
_BROKEN: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    RuntimeError,
    NotImplementedError,
    SyntaxError,
    TypeError,
    KeyError,
    OverflowError,
)
_ROWS_PER_BLOCK = 4096


def _npy_header(handle: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype an ``.npy`` member declares, read from its header only."""
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    return tuple(int(d) for d in shape), dtype


def _check_members(archive: zipfile.ZipFile, path: str) -> None:
    """Refuse members that are no arrays, hold Python objects or declare too many bytes.

    Only each member's header is read (the first bytes it inflates to), so a member
    that would inflate to gigabytes is refused before any of it is allocated.
    """
    limit, total = max_data_bytes(), 0
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy"):
            raise ZooError(
                "A .npz data file holds only .npy arrays, as numpy.savez writes it. Received: "
                f"{path!r} with the member {name!r}. Write it with numpy.savez."
            )
        with archive.open(info) as handle:
            shape, dtype = _npy_header(handle)
        if dtype.hasobject:
            raise ZooError(
                "A .npz data file holds numeric arrays; the zoo never unpickles Python "
                f"objects. Received: {path!r}, whose array {name[:-4]!r} holds Python objects "
                f"(dtype {dtype}). Save numeric arrays (numpy.asarray(x, dtype='float32'))."
            )
        if dtype.kind not in "biufcSU":
            raise ZooError(
                "A .npz data file holds arrays of numbers or strings. Received: "
                f"{path!r}, whose array {name[:-4]!r} has dtype {dtype}. Save numeric arrays "
                "(numpy.asarray(x, dtype='float32'))."
            )
        size = math.prod(shape) * dtype.itemsize
        total += size
        if total > limit:
            raise ZooError(
                f"The arrays of a .npz data file hold at most {limit:,} bytes "
                f"(ZOO_MAX_DATA_BYTES). Received: {path!r}, whose array {name[:-4]!r} "
                f"declares shape {shape} of {dtype} ({size:,} bytes), refused before loading. "
                "Use a smaller file, or set ZOO_MAX_DATA_BYTES higher if the machine has "
                "the memory."
            )


def read_npz(path: str) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` file, checked member by member before any is loaded.

    Never unpickles; an array of Python objects, a member declaring more than
    ``ZOO_MAX_DATA_BYTES``, a broken archive or a NaN or infinity raises ZooError
    naming the file and the array.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            _check_members(archive, path)
        with np.load(path, allow_pickle=False) as loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except ZooError:
        raise
    except _BROKEN as error:
        message = str(error).strip().splitlines()[0][:160] if str(error).strip() else "broken"
        raise ZooError(
            f"A .npz data file is a NumPy archive. Received: {path!r}, which could not be "
            f"read ({type(error).__name__}: {message}). Write it with numpy.savez."
        ) from None
    for key, values in arrays.items():
        check_finite(values, f"the array {key!r}", repr(path))
    return arrays


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
    arrays = read_npz(path)
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


def _csv_size(path: str) -> None:
    """Refuse a ``.csv`` file over ``ZOO_MAX_DATA_BYTES`` before reading it."""
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise ZooError(
            f"A .csv data file is UTF-8 text. Received: {path!r}, which could not be read "
            f"({error}). Check the path and encoding."
        ) from None
    limit = max_data_bytes()
    if size > limit:
        raise ZooError(
            f"A .csv data file holds at most {limit:,} bytes (ZOO_MAX_DATA_BYTES). Received: "
            f"{path!r} of {size:,} bytes, refused before reading. Convert it to a .npz file, "
            "or set ZOO_MAX_DATA_BYTES higher if the machine has the memory."
        )


def _parse_row(path: str, header: list[str], row: list[str], number: int) -> list[float]:
    if len(row) != len(header):
        raise ZooError(
            f"Every row of a .csv data file has one value per column. Received: {path!r} "
            f"row {number} with {len(row)} values for {len(header)} columns. Fix that row."
        )
    values = []
    for column, cell in enumerate(row):
        try:
            values.append(float(cell))
        except ValueError:
            shown = cell if len(cell) <= 40 else cell[:40] + "..."
            raise ZooError(
                "Every column of a .csv data file is numeric. Received: "
                f"{shown!r} in {path!r}, column {header[column]!r}, row {number}. "
                "Encode that column as numbers or drop it."
            ) from None
    return values


def _read_rows(path: str) -> tuple[list[str], list[np.ndarray], int]:
    """The header, the value blocks and the row count, read row by row."""
    number = 0
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv_module.reader(handle)
        try:
            first = next(reader, None)
            if first is None:
                return [], [], 0
            number = 1
            header = [name.strip() for name in first]
            blocks: list[np.ndarray] = []
            block: list[list[float]] = []
            for number, row in enumerate(reader, start=2):
                block.append(_parse_row(path, header, row, number))
                if len(block) == _ROWS_PER_BLOCK:
                    blocks.append(np.array(block, dtype=np.float64))
                    block = []
        except csv_module.Error as error:
            raise ZooError(
                "A .csv data file holds rows of numbers, each field under "
                f"{csv_module.field_size_limit():,} characters. Received: {path!r} row "
                f"{number + 1}, which could not be read ({error}). Fix that row."
            ) from None
    if block:
        blocks.append(np.array(block, dtype=np.float64))
    return header, blocks, number


def read_numeric_csv(path: str) -> tuple[list[str], np.ndarray]:
    """The header and the float64 values of a CSV file whose every cell is a number.

    A cell that is not a number, a NaN or an infinity raises ZooError naming the file,
    the column and the row (1-based, the header being row 1). The file is read row by
    row after its size was checked against ``ZOO_MAX_DATA_BYTES``.
    """
    _csv_size(path)
    try:
        header, blocks, rows = _read_rows(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ZooError(
            f"A .csv data file is UTF-8 text. Received: {path!r}, which could not be read "
            f"({error}). Check the path and encoding."
        ) from None
    if rows < 2:
        raise ZooError(
            "A .csv data file has a header row and at least one row of values. "
            f"Received: {path!r} with {rows} row(s). Add the data."
        )
    values = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    finite = np.isfinite(values)
    if not finite.all():
        row, column = (int(i) for i in np.argwhere(~finite)[0])
        count = int(finite.size - np.count_nonzero(finite))
        raise ZooError(
            "Data values are finite numbers (a NaN or an infinity trains every weight to "
            f"NaN). Received: {count:,} non-finite value(s) in {path!r}, the first "
            f"({values[row, column]}) in column {header[column]!r}, row {row + 2}. "
            "Drop or fill those values before loading."
        )
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
