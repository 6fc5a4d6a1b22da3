"""``zoo export --quantize int8 --data DATA``: calibration data and the accuracy report."""

from __future__ import annotations

import argparse
from typing import Any

from zoo._base.errors import ArgumentError
from zoo._cli.building import add_data_options


def add_arguments(p: argparse.ArgumentParser) -> None:
    """``--data`` and ``--data-arg`` for ``zoo export``."""
    add_data_options(
        p,
        "int8 only: a data source id or path; its training split calibrates, its test "
        "split compares the int8 model's accuracy with the float model's",
        required=False,
    )


def load(args: argparse.Namespace) -> Any:
    """The `DataSplits` of ``--data`` (None without int8), or ArgumentError."""
    if args.quantize != "int8":
        if args.data is not None or args.data_args:
            raise ArgumentError(
                "--data calibrates int8 quantization only. Received: --data with --quantize "
                f"{args.quantize}. Pass --quantize int8, or drop --data."
            )
        return None
    if args.data is None:
        raise ArgumentError(
            "--quantize int8 calibrates on data. Received: no --data. Pass a data source or "
            "path, e.g. --data vision/digits."
        )
    import zoo
    from zoo._cli.building import data_arguments

    values = data_arguments(args)
    return zoo.load_data(args.data, **values)


def report(model: Any, path: Any, data: Any) -> dict[str, Any]:
    """The float and int8 models on the test split (`zoo._export.tflite_int8.compare_int8`)."""
    from zoo._export.tflite_int8 import compare_int8

    return compare_int8(model, path, data)


def describe(comparison: dict[str, Any]) -> str:
    """One line: ``test accuracy on 359 examples: float 0.97, int8 0.96 (int8 io)``."""
    metric = next(iter(comparison["float"]))
    name = "accuracy" if metric == "accuracy" else "mean squared error"
    return (
        f"{comparison['split']} {name} on {comparison['examples']} examples: "
        f"float {comparison['float'][metric]:.4f}, int8 {comparison['int8'][metric]:.4f} "
        f"({comparison['io']} inputs and outputs)"
    )
