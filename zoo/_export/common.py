"""What every export format shares: its options, quiet conversions, and comparing outputs.

Nothing here knows a format; the format modules (`saved_model`, `tflite`, ...) and the
table in `formats` build on it.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._specs.component import natural_key


@dataclass(frozen=True)
class ExportOptions:
    """The options of one export, as `zoo.export` received them (checked against the table).

    Attributes:
        quantization: None (float32) or one of the format's quantizations.
        select_tf_ops: TFLite: allow TensorFlow ops without a TFLite builtin.
        data: int8 quantization: what `zoo.load_data` takes; its training split calibrates.
    """

    quantization: str | None = None
    select_tf_ops: bool = False
    data: Any = None


def check_choice(value: Any, choices: Sequence[Any], what: str) -> None:
    """Raise `zoo.ZooError` unless ``value`` is one of ``choices``."""
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ZooError(f"{what} is one of {shown}. Received: {what}={value!r}.")


def first_lines(error: BaseException, count: int = 6) -> str:
    """The first ``count`` non-blank lines of an error, joined, for one sentence."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = " ".join(lines[:count])
    cut = len(lines) > count or len(text) > 1500
    # Embedded before a full stop of the caller's: none of its own at the end.
    return text[:1500].rstrip().rstrip(".") + (" (cut)" if cut else "")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence TensorFlow's deprecation chatter (tf.lite's move to LiteRT) for one call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


# === Running exported artifacts ===


def outputs_in_order(outputs: Mapping[str, Any]) -> list[Any]:
    """A signature's outputs by name as NumPy arrays in natural order (``output_0``, ...)."""
    import numpy as np

    return [np.asarray(outputs[key]) for key in sorted(outputs, key=natural_key)]


def inputs_by_name(names: Sequence[str], inputs: Any, what: str) -> dict[str, Any]:
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
