"""Shared checks and the pinball expression of the forecast plugin (not public API).

Every quantile component takes predictions of shape ``(..., Q)``, one column per
quantile, and targets of shape ``(...)``, ``(..., 1)`` or ``(..., Q)``. The shapes are
matched explicitly, so a ``(B,)`` target never broadcasts against a ``(B, 1)`` or
``(B, Q)`` prediction into a ``(B, B)`` or ``(B, Q)`` grid of wrong differences.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from keras import ops


def check_quantiles(quantiles: object, owner: str, *, increasing: bool = False) -> list[float]:
    """Return ``quantiles`` as a list of floats after checking them, else raise ValueError.

    Quantiles are a non-empty list of distinct numbers strictly between 0 and 1;
    with ``increasing=True`` they must also be sorted in increasing order.
    """
    if (
        isinstance(quantiles, (str, bytes))
        or not isinstance(quantiles, Sequence)
        or not quantiles
        or not all(isinstance(q, numbers.Real) and not isinstance(q, bool) for q in quantiles)
    ):
        raise ValueError(
            f"{owner} takes quantiles as a non-empty list of numbers. "
            f"Received: quantiles={quantiles!r}. Pass for example quantiles=[0.1, 0.5, 0.9]."
        )
    values = [float(q) for q in quantiles]
    outside = [q for q in values if not 0.0 < q < 1.0]
    if outside:
        raise ValueError(
            f"{owner} takes quantiles strictly between 0 and 1. Received: quantiles={values}, "
            f"of which {outside} are outside (0, 1). Use levels such as 0.05 or 0.95."
        )
    duplicates = sorted({q for q in values if values.count(q) > 1})
    if duplicates:
        raise ValueError(
            f"{owner} takes distinct quantiles. Received: quantiles={values}, which repeats "
            f"{duplicates}. Remove the repeated levels."
        )
    if increasing and values != sorted(values):
        raise ValueError(
            f"{owner} takes quantiles in increasing order, because its outputs are ordered. "
            f"Received: quantiles={values}. Use quantiles={sorted(values)}."
        )
    return values


def interval_indices(
    quantiles: list[float], lower: float | None, upper: float | None, owner: str
) -> tuple[float, float, int, int]:
    """Resolve an interval's bounds (default: the outermost quantiles) to column indices."""
    lower = min(quantiles) if lower is None else lower
    upper = max(quantiles) if upper is None else upper
    for label, value in (("lower", lower), ("upper", upper)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(
                f"{owner} takes {label} as one of its quantiles. Received: {label}={value!r}. "
                f"Use one of {quantiles}."
            )
        if float(value) not in quantiles:
            raise ValueError(
                f"{owner} takes {label} as one of its quantiles. Received: {label}={value!r}, "
                f"quantiles={quantiles}. Use one of {quantiles}, or add {value!r} to quantiles."
            )
    lower, upper = float(lower), float(upper)
    if not lower < upper:
        raise ValueError(
            f"{owner} needs lower < upper to form an interval. Received: lower={lower}, "
            f"upper={upper}. Swap them or pick two different quantiles."
        )
    return lower, upper, quantiles.index(lower), quantiles.index(upper)


def _shape(x: object) -> tuple[int | None, ...]:
    return tuple(None if d is None else int(d) for d in x.shape)  # type: ignore[attr-defined]


def _same_dims(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


def align_targets(y_true: object, y_pred: object, num_quantiles: int, owner: str) -> object:
    """Return ``y_true`` with a trailing quantile axis (size 1 or Q) matching ``y_pred``.

    ``y_pred`` has shape ``(..., Q)``; ``y_true`` has shape ``(...)`` (a trailing axis is
    added), ``(..., 1)`` or ``(..., Q)``. Any other shape raises ValueError: nothing is
    left to broadcasting.
    """
    pred, true = _shape(y_pred), _shape(y_true)
    if len(pred) < 2 or pred[-1] not in (None, num_quantiles):
        raise ValueError(
            f"{owner} takes y_pred of shape (batch, ..., num_quantiles): one column per "
            f"quantile. Received: y_pred.shape={pred} for {num_quantiles} quantiles. "
            f"Give the model {num_quantiles} outputs on its last axis."
        )
    lead = pred[:-1]
    if len(true) == len(pred) - 1 and _same_dims(true, lead):
        return ops.expand_dims(y_true, axis=-1)
    if (
        len(true) == len(pred)
        and _same_dims(true[:-1], lead)
        and true[-1]
        in (
            None,
            1,
            num_quantiles,
        )
    ):
        return y_true
    flat, column, full = (str(tuple(s)) for s in (lead, (*lead, 1), (*lead, num_quantiles)))
    expected = f"{flat}, {column} or {full}".replace("None", "B")
    raise ValueError(
        f"{owner} takes y_true of shape {expected} for y_pred of shape "
        f"{str(pred).replace('None', 'B')}. Received: y_true.shape={true}. "
        "Reshape y_true to one target per sample (and time step), or one per quantile."
    )


def pinball(y_true: object, y_pred: object, quantiles: list[float]) -> object:
    """Elementwise pinball loss ``max(q * e, (q - 1) * e)`` with ``e = y_true - y_pred``.

    ``y_true`` must already be aligned (see `align_targets`); the result has the shape
    of ``y_pred``. One vectorized expression over every quantile at once.
    """
    q = ops.convert_to_tensor(quantiles, dtype=y_pred.dtype)  # type: ignore[attr-defined]
    error = ops.subtract(y_true, y_pred)
    return ops.maximum(q * error, (q - 1.0) * error)


def per_sample_weights(sample_weight: object, lead_rank: int) -> object:
    """Give per-sample weights trailing axes so they broadcast over ``lead_rank`` dims.

    Weights of shape ``(B,)`` with per-step values of shape ``(B, H)`` become
    ``(B, 1)``: each sample's weight applies to all its steps, instead of broadcasting
    ``(B, H) * (B,)`` along the wrong axis. Other shapes are left to Keras' own rules.
    """
    sample_weight = ops.convert_to_tensor(sample_weight)
    for _ in range(lead_rank - len(sample_weight.shape)):
        sample_weight = ops.expand_dims(sample_weight, axis=-1)
    return sample_weight
