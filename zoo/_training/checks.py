"""Checking a model against the data before the first training step.

A mismatch (input shape, input dtype family, number of classes) is one ZooError naming
both sides and what to do, instead of a TensorFlow shape error mid-step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ZooError

if TYPE_CHECKING:
    from zoo._data.splits import DataInfo
    from zoo._training.options import FitOptions


def check_fits(
    model: Any, info: DataInfo, label: str, accepted: Collection[str] | None = None
) -> None:
    """Raise ZooError if the model's inputs or outputs cannot take the data.

    ``accepted``: the argument names of the model's builder (when known), so that the
    advice names an argument it takes (``input_dim=4`` rather than ``input_shape=[4]``).
    """
    inputs = list(model.inputs)
    if isinstance(info.input_shape, Mapping):
        names = {t.name.split(":")[0] for t in inputs} | set(getattr(model, "input_names", []))
        missing = sorted(set(info.input_shape) - names)
        if missing and len(inputs) != len(info.input_shape):
            raise ZooError(
                f"{label} takes the inputs {sorted(names)}; the data {info.source} has "
                f"{sorted(info.input_shape)}. Received: no input for {missing}. Rename the "
                "data's columns or build a model with those inputs."
            )
    elif len(inputs) == 1:
        model_shape, data_shape = tuple(inputs[0].shape[1:]), tuple(info.input_shape)
        argument = shape_argument(data_shape, accepted, getattr(model, "zoo_arguments", {}))
        _check_shape(label, model_shape, data_shape, info.source, argument)
        _check_dtype(label, str(inputs[0].dtype), str(info.input_dtype), info.source)
    if info.is_classification and info.num_classes and len(model.outputs) == 1:
        units = model.outputs[0].shape[-1]
        binary = units == 1 and info.num_classes == 2
        if units is not None and units != info.num_classes and not binary:
            raise ZooError(
                f"{label} predicts {units} classes; the labels of {info.source} have "
                f"{info.num_classes}. Received: both. Build it with num_classes="
                f"{info.num_classes}, or use data with {units} classes."
            )


def shape_argument(
    data_shape: tuple[Any, ...], accepted: Collection[str] | None, built_with: Mapping[str, Any]
) -> str:
    """The builder argument that gives a model inputs of ``data_shape``, as ``name=value``.

    ``input_dim=N`` for flat features when the builder takes ``input_dim`` and either no
    ``input_shape`` or the model was built with ``input_dim``; else ``input_shape=[...]``.
    """
    flat = len(data_shape) == 1 and data_shape[0] is not None
    takes_dim = accepted is not None and "input_dim" in accepted
    takes_shape = accepted is None or "input_shape" in accepted
    if flat and takes_dim and (not takes_shape or built_with.get("input_shape") is None):
        return f"input_dim={data_shape[0]}"
    if takes_shape:
        return f"input_shape={list(data_shape)}"
    return ""


def _check_shape(
    label: str,
    model_shape: tuple[Any, ...],
    data_shape: tuple[Any, ...],
    source: str,
    argument: str = "",
) -> None:
    fits = len(model_shape) == len(data_shape) and all(
        m is None or d is None or m == d for m, d in zip(model_shape, data_shape)
    )
    if not fits:
        advice = (
            f"Build it with {argument}"
            if argument
            else f"Its builder takes no input_shape: build a model with inputs of shape "
            f"{list(data_shape)}"
        )
        raise ZooError(
            f"{label} takes inputs of shape {model_shape}; {source} yields {data_shape}. "
            f"Received: both (batch dimension left out). {advice}, or use data of the "
            "model's shape."
        )


def _check_dtype(label: str, model_dtype: str, data_dtype: str, source: str) -> None:
    def family(dtype: str) -> str:
        if "string" in dtype or dtype in ("object", "<U", "str"):
            return "string"
        if "int" in dtype or "bool" in dtype:
            return "integer"
        return "float"

    model_family, data_family = family(model_dtype), family(data_dtype)
    if model_family != data_family and not (model_family, data_family) == ("float", "integer"):
        raise ZooError(
            f"{label} takes {model_dtype} inputs; {source} yields {data_dtype}. Received: "
            f"{data_family} data for a {model_family} input. Use a source that yields "
            f"{model_family} inputs (for text: token ids, or a model built with a tokenizer)."
        )


@contextlib.contextmanager
def loss_errors(plan: FitOptions, info: DataInfo) -> Iterator[None]:
    """A loss that cannot be computed on the data's targets is one ZooError naming the loss
    and the data's task, instead of TensorFlow's error (thousands of characters on a line)."""
    try:
        yield
    except Exception as error:
        text = str(error)
        if "compile_loss" not in text:
            raise
        loss = plan.loss if plan.loss is not None else plan.defaults.loss
        name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
        raise ZooError(
            f"The loss {name!r} of {plan.label} could not be computed on the targets of "
            f"{info.source}, which is {info.task} data. Received: {_cause(text)} Train a "
            f"model made for {info.task} data, or pass a loss that fits these targets."
        ) from None


def _cause(text: str) -> str:
    """TensorFlow's own reason in its long error (``Received a label value of -1 ...``)."""
    lines = [line.strip() for line in text.replace("\\n", "\n").splitlines()]
    plain = [
        line
        for line in lines
        if line and not line.startswith(("File ", "[[", "Detected at node", "Graph execution"))
    ]
    reason = plain[-1] if plain else text.splitlines()[0] if text else "an error"
    reason = reason.split("  Label values:")[0].strip().removeprefix("Received ")
    return reason if len(reason) <= 200 else reason[:197] + "..."
