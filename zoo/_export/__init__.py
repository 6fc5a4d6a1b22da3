"""Exporting models for serving: TensorFlow SavedModel and TFLite, atomically.

    zoo.export(model, "serving/resnet")                                   # SavedModel
    zoo.export(model, "resnet.tflite")                  # TFLite (from the suffix), float32
    zoo.export(model, "resnet.tflite", quantization="dynamic_range")
    zoo.export("resnet_small", "resnet.tflite", quantization="float16")   # a recipe by name
    zoo.export(model, "resnet.tflite", quantization="int8", data="vision/digits")  # full integer

The SavedModel is written by Keras (``model.export(format="tf_saved_model")``): its
``serving_default`` signature takes the model's inputs by name and returns
``output_0``, ``output_1``, ... It is what TF Serving loads. The TFLite file is
converted from that SavedModel with TFLite's builtin ops only, so it runs on a plain
TFLite (LiteRT) runtime; ``select_tf_ops=True`` allows TensorFlow ops too, which then
need the Flex delegate where the file runs.

A model that cannot be exported (an op TFLite lacks, a non-TensorFlow backend) raises
`zoo.ZooError` saying why. `run_saved_model` and `run_tflite` run an exported artifact
on NumPy inputs, for checks against the Keras model.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zoo._errors import ZooError
from zoo._quiet import native_logs_filtered
from zoo._saving import atomic_destination, check_destination
from zoo._spec import natural_key

FORMATS = ("saved_model", "tflite")
QUANTIZATIONS = ("dynamic_range", "float16", "int8")

#: Largest difference from the Keras model's outputs the tests accept, as a fraction of
#: the largest absolute Keras output (at least 1): float32 artifacts compute the same
#: graph; float16 weights keep ~3 significant digits; dynamic-range quantization
#: stores weights in int8 and quantizes activations on the fly.
TOLERANCES = {
    "saved_model": 1e-5,
    "tflite": 1e-4,
    "tflite/float16": 1e-2,
    "tflite/dynamic_range": 1e-1,
}


def _check_choice(value: Any, choices: Sequence[Any], what: str) -> None:
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ZooError(f"{what} is one of {shown}. Received: {what}={value!r}.")


def export_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of an export to ``path``: ``format`` if given, else from the suffix.

    A path ending in ``.tflite`` is a TFLite file; anything else a SavedModel folder.
    """
    if format is None:
        return "tflite" if Path(path).suffix.lower() == ".tflite" else "saved_model"
    _check_choice(format, FORMATS, "format")
    return format


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
    format = export_format(path, format)
    if quantization is not None:
        _check_choice(quantization, QUANTIZATIONS, "quantization")
        if format != "tflite":
            raise ZooError(
                f"Quantization applies to TFLite exports. Received: format={format!r}, "
                f"quantization={quantization!r}. Use format='tflite' (or a path ending in "
                ".tflite), or drop quantization."
            )
    if select_tf_ops and format != "tflite":
        raise ZooError(
            f"select_tf_ops applies to TFLite exports. Received: format={format!r}. "
            "Use format='tflite' (or a path ending in .tflite), or drop select_tf_ops."
        )
    if format == "saved_model":
        destination = check_destination(path, None, "A SavedModel folder")
        if destination.suffix.lower() in (".keras", ".tflite", ".h5"):
            raise ZooError(
                f"A SavedModel is a folder. Received: {str(destination)!r}. Use a folder name "
                f"without the {destination.suffix} suffix, or format='tflite' for a .tflite file."
            )
        return destination, format
    return check_destination(path, ".tflite", "A TFLite file"), format


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
            integer: int8 weights, activations, inputs and outputs; see zoo/_export_int8.py).
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
    if isinstance(model, str):
        from zoo._registry import default_registry

        model = default_registry().build(model)
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
    if keras.config.backend() != "tensorflow":
        raise ZooError(
            "SavedModel and TFLite exports run on the TensorFlow backend. Received: backend "
            f"{keras.config.backend()!r}. Set KERAS_BACKEND=tensorflow before importing Keras."
        )
    if not model.built:
        raise ZooError(
            f"A model is exported once built. Received: {model.name!r}, not built. Call it "
            "on data, or build it from keras.Input, first."
        )
    if format == "saved_model":
        with atomic_destination(path) as partial:
            _saved_model(model, partial)
        return path
    if quantization == "int8":
        from zoo._export_int8 import tflite_int8

        content = tflite_int8(model, data, select_tf_ops)
    else:
        content = _tflite(model, quantization, select_tf_ops)
    with atomic_destination(path) as partial:
        partial.write_bytes(content)
    return path


#: Ops that call back into the Python process that traced them: a SavedModel holding
#: one runs nowhere else (TF Serving, another process, TFLite).
PYTHON_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})


def _saved_model(model: Any, path: Path) -> None:
    try:
        with _quiet():
            model.export(path, format="tf_saved_model", verbose=False)
    except Exception as error:
        raise ZooError(
            f"{model.name!r} cannot be exported as a SavedModel. Received: "
            f"{type(error).__name__}: {_first_lines(error)}. A layer whose call is not a "
            "TensorFlow graph (Python side effects, a non-TensorFlow op) cannot be traced."
        ) from error
    python_ops = python_ops_in(path)
    if python_ops:
        raise ZooError(
            f"A servable SavedModel runs without Python. Received: {model.name!r} calls "
            f"Python through {', '.join(python_ops)} (tf.py_function or tf.numpy_function) "
            "in its graph, which runs only inside the process that exported it. Rewrite that "
            "layer's call with keras.ops or TensorFlow ops."
        )


def python_ops_in(path: str | os.PathLike[str]) -> list[str]:
    """The ops of a SavedModel's graph (functions included) that call back into Python."""
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((Path(path) / "saved_model.pb").read_bytes())
    found: set[str] = set()
    for graph in proto.meta_graphs:
        nodes = list(graph.graph_def.node)
        for function in graph.graph_def.library.function:
            nodes.extend(function.node_def)
        found.update(node.op for node in nodes if node.op in PYTHON_OPS)
    return sorted(found)


def _tflite(model: Any, quantization: str | None, select_tf_ops: bool) -> bytes:
    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "saved_model"
        _saved_model(model, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved))
        ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if select_tf_ops:
            ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
        converter.target_spec.supported_ops = ops
        if quantization is not None:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantization == "float16":
            converter.target_spec.supported_types = [tf.float16]
        try:
            with _quiet():
                return bytes(converter.convert())
        except Exception as error:
            raise ZooError(_tflite_failure(model.name, error, select_tf_ops)) from error


def _tflite_failure(name: str, error: BaseException, select_tf_ops: bool) -> str:
    """The converter's reason in one sentence: which ops TFLite lacks, and what to do."""
    text = str(error)
    select = sorted(set(re.findall(r"TF Select ops: ([^\n]+)", text)))
    custom = sorted(set(re.findall(r"Custom ops: ([^\n]+)", text)))
    if not select and not custom:
        return (
            f"{name!r} cannot be converted to TFLite. Received: {type(error).__name__}: "
            f"{_first_lines(error)}."
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


def _first_lines(error: BaseException, count: int = 6) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:count])
    cut = len(lines) > count or len(text) > 1500
    # Embedded before a full stop of the caller's: none of its own at the end.
    return text[:1500].rstrip().rstrip(".") + (" (cut)" if cut else "")


@contextlib.contextmanager
def _quiet():
    """Silence TensorFlow's deprecation chatter (tf.lite's move to LiteRT) for one call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


# === Running exported artifacts ===


def _as_list(outputs: Mapping[str, Any]) -> list[Any]:
    import numpy as np

    return [np.asarray(outputs[key]) for key in sorted(outputs, key=natural_key)]


def _by_name(names: Sequence[str], inputs: Any, what: str) -> dict[str, Any]:
    """Match NumPy inputs (one array, a list in the model's order, or a dict) to names."""
    import numpy as np

    if isinstance(inputs, Mapping):
        unknown = sorted(set(inputs) - set(names))
        missing = sorted(set(names) - set(inputs))
        if unknown or missing:
            raise ZooError(
                f"The {what} takes the inputs {', '.join(names)}. Received: "
                f"{', '.join(sorted(inputs))}."
            )
        return {name: np.asarray(inputs[name]) for name in names}
    arrays = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(arrays) != len(names):
        raise ZooError(
            f"The {what} takes {len(names)} input(s) ({', '.join(names)}). Received: "
            f"{len(arrays)}. Pass a dict by name."
        )
    return {name: np.asarray(array) for name, array in zip(names, arrays)}


def saved_model_signature(path: str | os.PathLike[str]) -> Any:
    """The ``serving_default`` signature of a SavedModel (what TF Serving calls)."""
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    if "serving_default" not in loaded.signatures:
        raise ZooError(
            f"A servable SavedModel has a serving_default signature. Received: "
            f"{str(path)!r} with {', '.join(loaded.signatures) or 'no signatures'}."
        )
    return loaded, loaded.signatures["serving_default"]


def run_saved_model(
    path: str | os.PathLike[str], inputs: Any, input_names: Sequence[str] | None = None
) -> list[Any]:
    """Run a SavedModel's ``serving_default`` signature on NumPy inputs.

    Args:
        path: the SavedModel folder.
        inputs: one array, a list in ``input_names`` order, or a dict by input name.
        input_names: the order of a list of inputs (the Keras model's input names);
            defaults to the signature's names in sorted order.

    Returns:
        The outputs as NumPy arrays, in the order ``output_0``, ``output_1``, ...
    """
    import tensorflow as tf

    _loaded, signature = saved_model_signature(path)
    specs = signature.structured_input_signature[1]
    names = list(input_names) if input_names is not None else sorted(specs)
    feed = _by_name(names, inputs, "SavedModel")
    tensors = {name: tf.constant(value, dtype=specs[name].dtype) for name, value in feed.items()}
    return _as_list({k: v.numpy() for k, v in signature(**tensors).items()})


def run_tflite(
    path: str | os.PathLike[str], inputs: Any, input_names: Sequence[str] | None = None
) -> list[Any]:
    """Run a TFLite file's ``serving_default`` signature on NumPy inputs (any batch size).

    Args: as `run_saved_model`.
    """
    import tensorflow as tf

    try:
        # TFLite announces its XNNPACK delegate on stderr when the graph is first prepared.
        with _quiet(), native_logs_filtered():
            interpreter = tf.lite.Interpreter(model_path=str(path))
            signatures = interpreter.get_signature_list()
            key = "serving_default" if "serving_default" in signatures else next(iter(signatures))
            runner = interpreter.get_signature_runner(key)
            details = runner.get_input_details()
            names = list(input_names) if input_names is not None else sorted(details)
            feed = _by_name(names, inputs, "TFLite model")
            feed = {name: value.astype(details[name]["dtype"]) for name, value in feed.items()}
            return _as_list(runner(**feed))
    except RuntimeError as error:
        if "Flex delegate" not in str(error):
            raise
        raise ZooError(
            "A TFLite file with TensorFlow ops runs where the Flex delegate is linked. "
            f"Received: {str(path)!r}, exported with select_tf_ops, and this interpreter "
            "(tf.lite in the tensorflow wheel) has no Flex delegate. Run it with a LiteRT "
            "runtime built with Flex, or export without TensorFlow ops."
        ) from error


def max_difference(reference: Sequence[Any], outputs: Sequence[Any]) -> float:
    """The largest absolute difference between two lists of outputs, relative to
    ``max(1, largest absolute reference value)``; inf if the structures differ."""
    import numpy as np

    if len(reference) != len(outputs):
        return float("inf")
    worst = 0.0
    for ref, out in zip(reference, outputs):
        ref = np.asarray(ref, dtype=np.float64)
        out = np.asarray(out, dtype=np.float64)
        if ref.shape != out.shape:
            return float("inf")
        if ref.size:
            scale = max(1.0, float(np.max(np.abs(ref))))
            worst = max(worst, float(np.max(np.abs(ref - out))) / scale)
    return worst


def artifact_size(path: str | os.PathLike[str]) -> int:
    """Bytes on disk of a file, or of every file under a folder."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
