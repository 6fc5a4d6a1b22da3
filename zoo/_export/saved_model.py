"""The TensorFlow SavedModel format: a folder TF Serving loads.

Written by Keras (``model.export(format="tf_saved_model")``): its ``serving_default``
signature takes the model's inputs by name and returns ``output_0``, ``output_1``, ...
A graph that calls back into Python (``tf.py_function``, ``tf.numpy_function``) runs
only in the process that traced it, so such an export is refused.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._export.common import (
    ExportOptions,
    first_lines,
    inputs_by_name,
    outputs_in_order,
    quiet,
)
from zoo._saving.save import atomic_destination, check_destination

#: Ops that call back into the Python process that traced them: a SavedModel holding
#: one runs nowhere else (TF Serving, another process, TFLite).
PYTHON_OPS = frozenset({"PyFunc", "PyFuncStateless", "EagerPyFunc"})
#: Suffixes of files, not folders: a SavedModel path ending in one is a mistake.
FILE_SUFFIXES = (".keras", ".tflite", ".h5")


def check_path(path: str | os.PathLike[str]) -> Path:
    """The folder to export into, or `zoo.ZooError` (no parent folder, a file's suffix)."""
    destination = check_destination(path, None, "A SavedModel folder")
    if destination.suffix.lower() in FILE_SUFFIXES:
        raise ZooError(
            f"A SavedModel is a folder. Received: {str(destination)!r}. Use a folder name "
            f"without the {destination.suffix} suffix, or format='tflite' for a .tflite file."
        )
    return destination


def export_saved_model(model: Any, path: Path, options: ExportOptions) -> None:
    """Export ``model`` as a SavedModel folder at ``path``, atomically."""
    with atomic_destination(path) as partial:
        write(model, partial)


def write(model: Any, path: Path) -> None:
    """Write ``model``'s SavedModel into ``path`` (not atomically: callers own the folder)."""
    try:
        with quiet():
            model.export(path, format="tf_saved_model", verbose=False)
    except Exception as error:
        raise ZooError(
            f"{model.name!r} cannot be exported as a SavedModel. Received: "
            f"{type(error).__name__}: {first_lines(error)}. A layer whose call is not a "
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
    feed = inputs_by_name(names, inputs, "SavedModel")
    tensors = {name: tf.constant(value, dtype=specs[name].dtype) for name, value in feed.items()}
    return outputs_in_order({k: v.numpy() for k, v in signature(**tensors).items()})
