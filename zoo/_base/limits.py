"""Resource bounds for building models from builders and graph specs.

A hostile or mistyped argument (``num_classes=10**9``, ``width=10**6``,
``depth=6*10**18+2``) must not allocate gigabytes or hang before failing. Three bounds:

- integer arguments above `MAX_INTEGER` are refused before the builder runs: no Keras
  dimension, count or seed is that large;
- while a model is built, every Keras variable's shape is counted *before* its memory
  is allocated, and the build stops with a ZooError once the model would exceed
  `MAX_PARAMETERS` weights (set ``ZOO_MAX_PARAMETERS`` to allow more);
- an allocation that fails anyway (``MemoryError``, TensorFlow's
  ``ResourceExhaustedError``, an out-of-memory error of another backend) becomes a
  ZooError that says it is about memory.

Data files are bounded the same way: a ``.csv`` file's bytes and a ``.npz`` file's
declared array sizes against `MAX_DATA_BYTES` (``ZOO_MAX_DATA_BYTES``), an image's
declared pixels against `MAX_IMAGE_PIXELS`, labels against `MAX_CLASSES`, each checked
before anything of that size is allocated.

Nothing here imports Keras at module level.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoo._base.errors import ArgumentError, ZooError

#: The most weights (parameters, trainable or not) a model built by the zoo may hold.
MAX_PARAMETERS = 10**9
#: The largest integer argument a builder or graph node accepts.
MAX_INTEGER = 2**32 - 1
#: The most bytes a data file may hold or decode to: a ``.csv`` file's text, the arrays
#: of a ``.npz`` file (set ``ZOO_MAX_DATA_BYTES`` to allow more).
MAX_DATA_BYTES = 2**32
#: The most pixels (width times height) one image of a data source may declare.
MAX_IMAGE_PIXELS = 2**27
#: The most classes a data source's labels may declare.
MAX_CLASSES = 2**20

_OUT_OF_MEMORY = ("ResourceExhaustedError", "OutOfMemoryError")


class ModelTooLargeError(ZooError):
    """A model would hold more weights than the zoo's limit (``ZOO_MAX_PARAMETERS``)."""


def max_parameters() -> int:
    """`MAX_PARAMETERS`, or ``ZOO_MAX_PARAMETERS`` when set."""
    return _limit_from_environment("ZOO_MAX_PARAMETERS", MAX_PARAMETERS, "weights", 2000000000)


def max_data_bytes() -> int:
    """`MAX_DATA_BYTES`, or ``ZOO_MAX_DATA_BYTES`` when set."""
    return _limit_from_environment("ZOO_MAX_DATA_BYTES", MAX_DATA_BYTES, "bytes", 8000000000)


def _limit_from_environment(variable: str, default: int, unit: str, example: int) -> int:
    """``default``, or the positive integer in ``variable`` (``1e9`` and ``1_000`` accepted)."""
    value = os.environ.get(variable, "").strip().replace("_", "")
    if not value:
        return default
    try:
        limit = int(float(value)) if "e" in value.lower() else int(value)
    except ValueError:
        limit = 0
    if limit <= 0:
        raise ZooError(
            f"{variable} is a positive number of {unit}. Received: "
            f"{variable}={value!r}. Set it to an integer such as {example}."
        )
    return limit


def check_integers(arguments: Mapping[str, Any], label: str) -> None:
    """Refuse an integer argument (or list element) above `MAX_INTEGER` in magnitude."""
    for name, value in arguments.items():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_INTEGER:
                raise ArgumentError(
                    f"{label}: integer arguments are at most {MAX_INTEGER:,} (no Keras "
                    f"dimension, count or seed is larger). Received: {name}={value!r}. "
                    "Pass a smaller value."
                )


@dataclass
class _Budget:
    limit: int
    label: str
    arguments: Mapping[str, Any]
    count: int = 0
    variables: int = 0
    largest: tuple[int, str, tuple[int, ...]] = field(default=(0, "", ()))

    def add(self, path: str, shape: tuple[int, ...]) -> None:
        size = math.prod(int(d) for d in shape)
        self.count += size
        self.variables += 1
        if size > self.largest[0]:
            self.largest = (size, path, tuple(int(d) for d in shape))
        if self.count > self.limit:
            raise ModelTooLargeError(self.message())

    def culprits(self) -> list[str]:
        """The integer arguments that appear in the largest weight's shape (or all of them)."""
        dims = set(self.largest[2])
        ints = {
            k: v
            for k, v in self.arguments.items()
            if isinstance(v, int) and not isinstance(v, bool) and v > 1
        }
        named = [f"{k}={v}" for k, v in ints.items() if v in dims]
        return named or [f"{k}={v}" for k, v in ints.items()]

    def message(self) -> str:
        size, path, shape = self.largest
        culprits = self.culprits()
        received = ", ".join(culprits) if culprits else "its arguments"
        lower = f"Lower {culprits[0].partition('=')[0]}" if culprits else "Use smaller arguments"
        return (
            f"A model built by the zoo holds at most {self.limit:,} parameters "
            f"(ZOO_MAX_PARAMETERS). Received: {received} for {self.label}, which asks for more "
            f"than {self.count:,} after {self.variables} weights (the largest, {path!r}, has "
            f"shape {shape}: {size:,} parameters), before any of it is allocated. {lower}, "
            "or set ZOO_MAX_PARAMETERS higher if the machine has the memory."
        )


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "zoo_parameter_budget", default=None
)


def _install_counter() -> None:
    """Count each Keras variable's shape when it is validated, before it is allocated."""
    from keras.src.backend.common import variables

    original = variables.Variable._validate_shape
    if getattr(original, "_zoo_counting", False):
        return

    def _validate_shape(self: Any, shape: Any) -> Any:
        shape = original(self, shape)
        budget = _BUDGET.get()
        if budget is not None:
            budget.add(getattr(self, "_path", None) or "?", tuple(shape))
        return shape

    _validate_shape._zoo_counting = True  # type: ignore[attr-defined]
    variables.Variable._validate_shape = _validate_shape


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocation failure of Python, NumPy or a Keras backend."""
    if isinstance(error, MemoryError):
        return True
    name = type(error).__name__
    return name in _OUT_OF_MEMORY or (
        name == "XlaRuntimeError" and "RESOURCE_EXHAUSTED" in str(error)
    )


def memory_error(label: str, arguments: Mapping[str, Any], error: BaseException) -> ZooError:
    ints = [
        f"{k}={v}"
        for k, v in arguments.items()
        if isinstance(v, int) and not isinstance(v, bool) and v > 1
    ]
    received = ", ".join(ints) if ints else "its arguments"
    first = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return ZooError(
        f"Building {label} ran out of memory. Received: {received}, and the allocation "
        f"failed ({type(error).__name__}{': ' + first if first else ''}). Use smaller "
        "arguments, or free memory."
    )


@contextlib.contextmanager
def build_limits(label: str, arguments: Mapping[str, Any]) -> Iterator[None]:
    """Bound the parameters of the model built inside, and name allocation failures.

    Nested uses (a builder that builds a graph spec) share the outermost budget.
    """
    if _BUDGET.get() is not None:
        yield
        return
    with contextlib.suppress(ImportError, AttributeError):  # a Keras without the hook
        _install_counter()
    budget = _Budget(max_parameters(), label, dict(arguments))
    token = _BUDGET.set(budget)
    try:
        yield
    except Exception as error:
        if budget.count > budget.limit:  # however a builder or Keras wrapped it
            raise ModelTooLargeError(budget.message()) from None
        if is_out_of_memory(error):
            raise memory_error(label, arguments, error) from None
        raise
    finally:
        _BUDGET.reset(token)
