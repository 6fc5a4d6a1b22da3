"""The kit's inputs and comparisons: seeded example data, outputs as NumPy, tolerances."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras
import numpy as np

from zoo._kit.report import Failed
from zoo._specs.component import Example

SEED = 1234


def random_array(shape: Sequence[int], dtype: str, bounds: Sequence[float] | None, rng: Any) -> Any:
    shape = tuple(int(d) for d in shape)
    if "int" in dtype:
        low, high = bounds if bounds is not None else (0, 10)
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if bounds is not None:
        return rng.uniform(bounds[0], bounds[1], size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


def is_multi(shape: Sequence[Any]) -> bool:
    return len(shape) > 0 and isinstance(shape[0], (list, tuple))


def make_inputs(
    ex: Example, default_shape: Any = None, dtypes: Any = None, *, draw: int = 0
) -> Any:
    """Inputs for ``ex``; ``dtypes`` gives one dtype per input of a multi-input model.

    ``draw`` 0 is the example's batch; 1, 2, ... are fresh batches of the same shape
    (the same literal ``inputs`` when the example gives them).
    """
    if ex.inputs is not None:
        if isinstance(ex.inputs, Mapping):
            return {k: np.asarray(v) for k, v in ex.inputs.items()}
        return np.asarray(ex.inputs)
    shape = ex.input_shape if ex.input_shape is not None else default_shape
    if shape is None:
        raise Failed("the example gives neither inputs nor input_shape")
    rng = np.random.default_rng(SEED if draw == 0 else [SEED, draw])
    if is_multi(shape):
        kinds = dtypes if dtypes is not None else [ex.dtype] * len(shape)
        return [random_array(s, d, ex.input_range, rng) for s, d in zip(shape, kinds)]
    return random_array(shape, ex.dtype, ex.input_range, rng)


def make_target(ex: Example, like: Any) -> Any:
    rng = np.random.default_rng(SEED + 1)
    shape = ex.target_shape if ex.target_shape is not None else np.shape(like)
    return random_array(shape, ex.target_dtype, ex.target_range, rng)


def to_numpy(value: Any) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in keras.tree.flatten(value)]


def same(a: Any, b: Any, what: str, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    left, right = to_numpy(a), to_numpy(b)
    if len(left) != len(right):
        raise Failed(f"{what}: {len(left)} outputs before, {len(right)} after")
    for i, (x, y) in enumerate(zip(left, right)):
        if x.shape != y.shape:
            raise Failed(f"{what}: output {i} has shape {x.shape} before, {y.shape} after")
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
                diff = float(np.nanmax(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                raise Failed(f"{what}: output {i} differs by up to {diff:.3g}")
        elif not np.array_equal(x, y):
            raise Failed(f"{what}: output {i} differs")


def close(reference: Any, other: Any, what: str, tolerance: float) -> None:
    """Every output within ``tolerance * max(1, max|reference|)``; integers exactly equal."""
    left, right = to_numpy(reference), to_numpy(other)
    if len(left) != len(right):
        raise Failed(f"{what}: {len(left)} outputs against {len(right)}")
    for i, (x, y) in enumerate(zip(left, right)):
        if x.shape != y.shape:
            raise Failed(f"{what}: output {i} has shape {x.shape} against {y.shape}")
        if x.dtype.kind not in "fc":
            if not np.array_equal(x, y):
                raise Failed(f"{what}: output {i} differs")
            continue
        y64 = y.astype(np.float64)
        if not np.all(np.isfinite(y64)[np.isfinite(x)]):
            raise Failed(f"{what}: output {i} has non-finite values")
        if x.size == 0:
            continue
        scale = max(1.0, float(np.nanmax(np.abs(x))))
        diff = float(np.nanmax(np.abs(x.astype(np.float64) - y64)))
        if diff > tolerance * scale:
            raise Failed(
                f"{what}: output {i} differs by up to {diff:.3g} "
                f"(allowed {tolerance:g} x {scale:.3g})"
            )


def projection(outputs: Any) -> Callable[[Any], Any]:
    """A fixed random linear read-out, so no output symmetry cancels the gradients."""
    weights = [
        np.random.default_rng(SEED + 2 + i).standard_normal(np.shape(o)).astype("float32")
        for i, o in enumerate(to_numpy(outputs))
    ]

    def read_out(values: Any) -> Any:
        total = 0.0
        for value, w in zip(keras.tree.flatten(values), weights):
            # Both operands backend tensors: torch will not mix its tensors with NumPy.
            value = keras.ops.cast(value, "float32")
            total = total + keras.ops.sum(keras.ops.multiply(value, keras.ops.convert_to_tensor(w)))
        return total

    return read_out


def symbolic_inputs(x: Any) -> Any:
    def one(array: Any) -> Any:
        array = np.asarray(array)
        dtype = "string" if array.dtype.kind in "OUS" else str(array.dtype)
        return keras.Input(shape=array.shape[1:], dtype=dtype)

    if isinstance(x, Mapping):
        return {k: one(v) for k, v in x.items()}
    if isinstance(x, list):
        return [one(v) for v in x]
    return one(x)


def leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, Mapping):
        return [np.asarray(v) for v in x.values()]
    if isinstance(x, (list, tuple)):
        return [np.asarray(v) for v in x]
    return [np.asarray(x)]


def has_strings(x: Any) -> bool:
    return any(leaf.dtype.kind in "OUS" for leaf in leaves(x))


def batch_length(x: Any) -> int:
    sizes = {leaf.shape[0] if leaf.ndim else 0 for leaf in leaves(x)}
    return sizes.pop() if len(sizes) == 1 else 0


def sample(x: Any, i: int) -> Any:
    if isinstance(x, Mapping):
        return {k: np.asarray(v)[i : i + 1] for k, v in x.items()}
    if isinstance(x, list):
        return [np.asarray(v)[i : i + 1] for v in x]
    return np.asarray(x)[i : i + 1]
