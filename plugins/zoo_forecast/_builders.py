"""Argument checks and the output stage shared by the forecast model builders (not public)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from zoo_forecast.non_crossing_quantile_head import NonCrossingQuantileHead


def positive_int(value: object, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"{owner} takes {name} as a positive integer. Received: {name}={value!r}. "
            f"Pass a whole number of at least 1."
        )
    return value


def positive_ints(value: object, name: str, owner: str) -> list[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(
            f"{owner} takes {name} as a list of positive integers (possibly empty). "
            f"Received: {name}={value!r}. Pass for example {name}=[64, 64]."
        )
    return [positive_int(v, f"{name}[{i}]", owner) for i, v in enumerate(value)]


def fraction(value: object, name: str, owner: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(
            f"{owner} takes {name} in [0, 1). Received: {name}={value!r}. Use e.g. 0.1, or 0."
        )
    return float(value)


def activation(value: object, owner: str) -> Any:
    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{owner} takes activation as the name of a Keras activation. "
            f"Received: activation={value!r} ({error}). Use e.g. 'relu' or 'gelu'."
        ) from None


def quantile_output(x: Any, num_quantiles: int, non_crossing: bool) -> Any:
    """The last layer: ordered quantiles, or Q independent linear outputs for comparison."""
    if non_crossing:
        return NonCrossingQuantileHead(num_quantiles, name="quantiles")(x)
    return keras.layers.Dense(num_quantiles, name="quantiles")(x)
