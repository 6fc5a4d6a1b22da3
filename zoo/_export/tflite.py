"""The TFLite (LiteRT) format: one ``.tflite`` file, converted from the SavedModel.

Converted with TFLite's builtin ops only, so it runs on a plain TFLite (LiteRT)
runtime; ``select_tf_ops=True`` allows TensorFlow ops too, which then need the Flex
delegate where the file runs. Quantization: ``"dynamic_range"`` (int8 weights, float
activations), ``"float16"`` (float16 weights) or ``"int8"`` (full integer, calibrated
on data: `zoo._export.tflite_int8`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._base.quiet import native_logs_filtered
from zoo._export import saved_model, tflite_int8
from zoo._export.common import (
    ExportOptions,
    first_lines,
    inputs_by_name,
    outputs_in_order,
    quiet,
)
from zoo._saving.save import atomic_destination, check_destination

SUFFIX = ".tflite"


def check_path(path: str | os.PathLike[str]) -> Path:
    """The file to export to, or `zoo.ZooError` (no parent folder, not ending in .tflite)."""
    return check_destination(path, SUFFIX, "A TFLite file")


def export_tflite(model: Any, path: Path, options: ExportOptions) -> None:
    """Convert ``model`` to a TFLite file at ``path``; the file is written once converted."""
    content = convert(model, options)
    with atomic_destination(path) as partial:
        partial.write_bytes(content)


def convert(model: Any, options: ExportOptions) -> bytes:
    """The TFLite FlatBuffer of ``model``, converted from its SavedModel."""
    import tensorflow as tf

    int8 = options.quantization == "int8"
    # Calibration data is loaded and checked before anything is traced.
    dataset = tflite_int8.representative_dataset(model, options.data) if int8 else None
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "saved_model"
        saved_model.write(model, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        builtins = tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if int8 else tf.lite.OpsSet.TFLITE_BUILTINS
        ops = [builtins]
        if options.select_tf_ops:
            ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
        converter.target_spec.supported_ops = ops
        if options.quantization is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if options.quantization == "float16":
            converter.target_spec.supported_types = [tf.float16]
        if dataset is not None:
            tflite_int8.calibrate(converter, dataset)
        # The int8 quantizer prints its settings through TensorFlow's native logs.
        native = native_logs_filtered() if int8 else contextlib.nullcontext()
        try:
            with quiet(), native:
                return bytes(converter.convert())
        except Exception as error:
            raise ZooError(conversion_failure(model.name, error, options.select_tf_ops)) from error


def conversion_failure(name: str, error: BaseException, select_tf_ops: bool) -> str:
    """The converter's reason in one sentence: which ops TFLite lacks, and what to do."""
    text = str(error)
    select = sorted(set(re.findall(r"TF Select ops: ([^\n]+)", text)))
    custom = sorted(set(re.findall(r"Custom ops: ([^\n]+)", text)))
    if not select and not custom:
        return (
            f"{name!r} cannot be converted to TFLite. Received: {type(error).__name__}: "
            f"{first_lines(error)}."
        )
    parts = []
    if select:
        parts.append(f"TensorFlow ops without a TFLite builtin: {', '.join(select)}")
    if custom:
        parts.append(f"ops neither TFLite nor its TensorFlow fallback has: {', '.join(custom)}")
    if custom:
        todo = "Rewrite the layers using them with keras.ops, or export a SavedModel instead."
    elif select_tf_ops:
        todo = "Rewrite the layers using them with keras.ops."
    else:
        todo = (
            "Pass select_tf_ops=True (--select-tf-ops) to bundle them (the file then needs "
            "the Flex delegate where it runs), or rewrite those layers with keras.ops."
        )
    return f"TFLite runs its builtin ops only. Received: {name!r} uses {'; '.join(parts)}. {todo}"


def run_tflite(
    path: str | os.PathLike[str], inputs: Any, input_names: Sequence[str] | None = None
) -> list[Any]:
    """Run a TFLite file's ``serving_default`` signature on NumPy inputs (any batch size).

    Args: as `zoo._export.saved_model.run_saved_model`.
    """
    import tensorflow as tf

    try:
        # TFLite announces its XNNPACK delegate on stderr when the graph is first prepared.
        with quiet(), native_logs_filtered():
            interpreter = tf.lite.Interpreter(model_path=str(path))
            signatures = interpreter.get_signature_list()
            key = "serving_default" if "serving_default" in signatures else next(iter(signatures))
            runner = interpreter.get_signature_runner(key)
            details = runner.get_input_details()
            names = list(input_names) if input_names is not None else sorted(details)
            feed = inputs_by_name(names, inputs, "TFLite model")
            feed = {name: value.astype(details[name]["dtype"]) for name, value in feed.items()}
            return outputs_in_order(runner(**feed))
    except RuntimeError as error:
        if "Flex delegate" not in str(error):
            raise
        raise ZooError(
            "A TFLite file with TensorFlow ops runs where the Flex delegate is linked. "
            f"Received: {str(path)!r}, exported with select_tf_ops, and this interpreter "
            "(tf.lite in the tensorflow wheel) has no Flex delegate. Run it with a LiteRT "
            "runtime built with Flex, or export without TensorFlow ops."
        ) from error
