"""Building models from builders: argument checks first, then the build, then a type check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from zoo._arguments import check_arguments, python_numbers
from zoo._errors import ArgumentError, ZooError
from zoo._limits import build_limits, check_integers


def build_model(builder: Callable[..., Any], arguments: Mapping[str, Any], label: str) -> Any:
    """Call ``builder(**arguments)`` after validating the arguments; return a keras.Model.

    NumPy numbers are passed as Python ones. A ValueError raised by the builder's own
    argument checks becomes a `zoo.ArgumentError` (itself a ValueError) that names
    ``label``; a model above the parameter limit, an integer argument beyond any Keras
    size, or an allocation failure is a ZooError too (``zoo._limits``); other exceptions
    are bugs and propagate unchanged.
    """
    arguments = {name: python_numbers(value) for name, value in arguments.items()}
    check_arguments(builder, arguments, label)
    check_integers(arguments, label)
    import keras

    try:
        with build_limits(label, arguments):
            model = builder(**arguments)
    except ZooError:
        raise
    except ValueError as error:
        raise ArgumentError(f"Building {label} failed: {error}") from error
    if not isinstance(model, keras.Model):
        raise ZooError(
            f"A model builder returns a keras.Model. Received: {type(model).__name__} from "
            f"{label}. Fix the builder to return keras.Model(inputs, outputs)."
        )
    return model
