"""The gradient check, with each backend's own automatic differentiation.

TensorFlow records a ``tf.GradientTape``; JAX differentiates a pure function of the
variables' values (``jax.grad`` over a ``keras.StatelessScope`` that maps each variable
to its traced value); torch runs ``torch.autograd.grad`` on the variables' parameters.
Keras has no backend-neutral gradient op, so this is the one place the kit branches.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import keras
import numpy as np

from zoo._kit.report import Failed

#: Fresh batches a weight with an all-zero gradient gets before the check fails: one
#: ReLU unit can be inactive on one seeded batch and still be a correct model.
RETRIES = 3


def gradients(compute: Callable[[], Any], variables: Sequence[Any]) -> list[np.ndarray | None]:
    """d compute() / d variable for each Keras variable, as NumPy; None where none flows."""
    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = compute()
        grads = tape.gradient(value, [v.value for v in variables])
        return [None if g is None else np.asarray(tf.convert_to_tensor(g)) for g in grads]
    if backend == "jax":
        import jax

        def pure(values: list[Any]) -> Any:
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return compute()

        grads = jax.grad(pure)([v.value for v in variables])
        # jax gives zeros, never None, for a variable the value does not depend on:
        # ask which variables the computation reads at all.
        used = _read_variables(compute, variables)
        return [np.asarray(g) if used[i] else None for i, g in enumerate(grads)]
    if backend == "torch":
        import torch

        with torch.enable_grad():
            value = compute()
            grads = torch.autograd.grad(
                value, [v.value for v in variables], allow_unused=True, materialize_grads=False
            )
        return [None if g is None else g.detach().cpu().numpy() for g in grads]
    raise NotImplementedError(f"no gradient on the {backend} backend")


def _read_variables(compute: Callable[[], Any], variables: Sequence[Any]) -> list[bool]:
    """Which variables ``compute`` reads (JAX): a scope that records each lookup."""
    read: set[int] = set()

    class Recording(keras.StatelessScope):
        def get_current_value(self, variable: Any) -> Any:
            read.add(id(variable))
            return super().get_current_value(variable)

    with Recording(state_mapping=[(v, v.value) for v in variables]):
        compute()
    return [id(v) in read for v in variables]


def gradient_check(
    compute: Callable[[Any], Any],
    batches: Iterable[Any],
    variables: Sequence[Any],
    names: Sequence[str],
    allow_zero: Sequence[str] = (),
) -> None:
    """Every variable gets a finite gradient, non-zero on at least one batch.

    ``compute(batch)`` gives the scalar to differentiate. The first batch is the
    example's; a variable whose gradient is all zero there is tried again on the later
    (fresh) batches. Variables whose path matches a pattern of ``allow_zero``
    (``fnmatch``, for example ``"*/reduce_kernel"``) may stay at zero.
    """
    problems: dict[str, str] = {}
    zero = list(range(len(variables)))
    tries = 0
    for batch in batches:
        tries += 1
        grads = gradients(functools.partial(compute, batch), [variables[i] for i in zero])
        still_zero = []
        for i, grad in zip(zero, grads):
            if grad is None:
                problems[names[i]] = f"{names[i]} gets no gradient"
            elif not np.all(np.isfinite(grad)):
                problems[names[i]] = f"{names[i]} gets a non-finite gradient"
            elif not np.any(grad) and not any(fnmatch.fnmatch(names[i], p) for p in allow_zero):
                still_zero.append(i)
        zero = still_zero
        if not zero or problems:
            break
    for i in zero:
        problems[names[i]] = (
            f"{names[i]} gets an all-zero gradient on {tries} batch{'es' if tries > 1 else ''} "
            "(if that is right for the example, list it in Example.allow_zero_gradient)"
        )
    if problems:
        raise Failed("; ".join(problems[n] for n in names if n in problems))
