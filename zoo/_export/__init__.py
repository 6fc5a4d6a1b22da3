"""Exporting models for serving, one module per format behind a table, atomically.

    zoo.export(model, "serving/resnet")                                   # SavedModel
    zoo.export(model, "resnet.tflite")                  # TFLite (from the suffix), float32
    zoo.export(model, "resnet.tflite", quantization="dynamic_range")
    zoo.export("resnet_small", "resnet.tflite", quantization="float16")   # a recipe by name
    zoo.export(model, "resnet.tflite", quantization="int8", data="vision/digits")  # full integer

The package, like Keras' ``keras/src/export/``:

    formats.py      the table: one `ExportFormat` row per format (name, suffix, what it
                    accepts, how it is run and verified, its runtime); `export`, the CLI
                    and the kit's ``export`` check consult it
    saved_model.py  SavedModel: written by Keras, refused if its graph calls Python
    tflite.py       TFLite (LiteRT): converted from the SavedModel, builtin ops only
    tflite_int8.py  full-integer TFLite: calibration on data, running, comparing
    common.py       what formats share: options, quiet conversions, comparing outputs

The SavedModel's ``serving_default`` signature takes the model's inputs by name and
returns ``output_0``, ``output_1``, ... It is what TF Serving loads. The TFLite file is
converted from that SavedModel with TFLite's builtin ops only, so it runs on a plain
TFLite (LiteRT) runtime; ``select_tf_ops=True`` allows TensorFlow ops too, which then
need the Flex delegate where the file runs.

A model that cannot be exported (an op TFLite lacks, a non-TensorFlow backend) raises
`zoo.ZooError` saying why. `run_saved_model` and `run_tflite` (each row's ``run``) run
an exported artifact on NumPy inputs, for checks against the Keras model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._export.common import ExportOptions, artifact_size, max_difference
from zoo._export.formats import (
    and_join,
    check_options,
    format_for_path,
    format_named,
    missing_packages,
    names,
    quantizations,
    sharing_backends,
    tolerances,
)
from zoo._export.saved_model import (
    PYTHON_OPS,
    python_ops_in,
    run_saved_model,
    saved_model_signature,
)
from zoo._export.tflite import run_tflite

__all__ = [
    "FORMATS",
    "PYTHON_OPS",
    "QUANTIZATIONS",
    "TOLERANCES",
    "artifact_size",
    "check_export",
    "export",
    "export_format",
    "max_difference",
    "python_ops_in",
    "run_saved_model",
    "run_tflite",
    "saved_model_signature",
]

#: The format names (rows of `zoo._export.formats.FORMATS`) and every quantization.
FORMATS = names()
QUANTIZATIONS = quantizations()

#: Largest difference from the Keras model's outputs the tests accept, as a fraction of
#: the largest absolute Keras output (at least 1), keyed ``format`` or
#: ``format/quantization`` (from each row's ``tolerances``).
TOLERANCES = tolerances()

#: Keras backend names as messages spell them.
_BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def export_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of an export to ``path``: ``format`` if given, else from the suffix.

    A path ending in ``.tflite`` is a TFLite file; anything else a SavedModel folder.
    """
    if format is None:
        return format_for_path(path).name
    return format_named(format).name


def check_export(
    path: str | os.PathLike[str],
    format: str | None = None,
    quantization: str | None = None,
    select_tf_ops: bool = False,
) -> tuple[Path, str]:
    """Check an export's destination and options before anything is built or traced.

    Returns the destination path and the format (see `export_format`); raises
    `zoo.ZooError` for a path or option that `export` would refuse.
    """
    fmt = format_named(export_format(path, format))
    check_options(fmt, quantization, select_tf_ops)
    return fmt.check_path(path), fmt.name


def export(
    model: Any,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    quantization: str | None = None,
    select_tf_ops: bool = False,
    data: Any = None,
) -> Path:
    """Export a Keras model for serving, atomically (a failure leaves no partial artifact).

    Args:
        model: a built ``keras.Model`` (TensorFlow backend), or the name of a recipe or
            model builder, built with its defaults (``zoo.export("resnet_small", ...)``).
        path: for ``"saved_model"`` a folder (created; an existing one is replaced);
            for ``"tflite"`` a file ending in ``.tflite``.
        format: ``"saved_model"`` or ``"tflite"``; by default ``"tflite"`` for a path
            ending in ``.tflite`` and ``"saved_model"`` otherwise.
        quantization: TFLite only: None (float32), ``"dynamic_range"`` (int8 weights,
            float activations), ``"float16"`` (float16 weights) or ``"int8"`` (full
            integer: int8 weights, activations, inputs and outputs; see
            zoo/_export/tflite_int8.py).
        select_tf_ops: TFLite only: allow TensorFlow ops that TFLite has no builtin for
            (the file then needs the Flex delegate at run time).
        data: ``quantization="int8"`` only: what `zoo.load_data` takes (a source id, a
            path, arrays, `DataSplits`); its training split calibrates the activations.

    Returns:
        The path written.

    Raises:
        zoo.ZooError: the model cannot be exported to this format; the message says why.
            The path and options are checked before a named model is built.

    Example:

    ```python
    model = zoo.build("resnet_small")
    zoo.export(model, "resnet.tflite", quantization="dynamic_range")
    ```
    """
    path, format = check_export(path, format, quantization, select_tf_ops)
    fmt = format_named(format)
    if isinstance(model, str):
        from zoo._factory.build import build

        model = build(model)
    if data is not None and quantization != "int8":
        raise ZooError(
            "data calibrates int8 quantization only. Received: data with "
            f"quantization={quantization!r}. Pass quantization='int8', or drop data."
        )
    import keras

    if not isinstance(model, keras.Model):
        raise ZooError(
            f"zoo.export exports a keras.Model. Received: {type(model).__name__}. Pass a "
            "model, a recipe name (built with its defaults), or a file loaded with zoo.load."
        )
    backend = keras.config.backend()
    if backend not in fmt.backends:
        titles = and_join([f.title for f in sharing_backends(fmt)])
        runs_on = and_join([_BACKEND_NAMES.get(b, b) for b in fmt.backends], "or")
        raise ZooError(
            f"{titles} exports run on the {runs_on} backend. Received: backend "
            f"{backend!r}. Set KERAS_BACKEND={fmt.backends[0]} before importing Keras."
        )
    missing = missing_packages(fmt)
    if missing:
        raise ZooError(
            f"{fmt.title} exports need {and_join(list(fmt.requires.values()))}. Received: "
            f"{and_join(missing)} not installed. Install it: pip install {' '.join(missing)}."
        )
    if not model.built:
        raise ZooError(
            f"A model is exported once built. Received: {model.name!r}, not built. Call it "
            "on data, or build it from keras.Input, first."
        )
    fmt.export(model, path, ExportOptions(quantization, select_tf_ops, data))
    return path
