"""Argument checks shared by the vision components (private).

Each raises ValueError in the house style: the rule, then ``Received: ...``, then
what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DATA_FORMATS = ("channels_last", "channels_first")


def data_format(value: Any, owner: str) -> str:
    """``value`` checked (None: ``keras.config.image_data_format()``)."""
    if value is None:
        import keras

        return keras.config.image_data_format()
    if value not in DATA_FORMATS:
        raise ValueError(
            f"{owner}: data_format is 'channels_last' or 'channels_first'. "
            f"Received: data_format={value!r}. Pass one of them, or None for "
            "keras.config.image_data_format()."
        )
    return value


def positive_int(value: Any, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{owner}: {name} is a positive integer. Received: {name}={value!r}. "
            f"Pass an int >= 1, for example {name}=2."
        )
    return value


def one_of(value: Any, choices: Sequence[Any], name: str, owner: str) -> Any:
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(
            f"{owner}: {name} is one of {options}. Received: {name}={value!r}. Pick one of them."
        )
    return value


def probability(value: Any, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(
            f"{owner}: {name} is a probability in [0, 1]. Received: {name}={value!r}. "
            "Pass a number between 0 and 1."
        )
    return float(value)


def size_pair(value: Any, name: str, owner: str) -> tuple[int, int]:
    """A ``(height, width)`` pair of positive ints (an int means a square)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    if (
        not isinstance(value, (list, tuple))
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ValueError(
            f"{owner}: {name} is (height, width), two positive integers. "
            f"Received: {name}={value!r}. Pass for example {name}=(224, 224)."
        )
    return (int(value[0]), int(value[1]))
