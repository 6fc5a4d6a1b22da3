"""The one JSON helper: values as plain JSON data (run folders, data descriptions, records)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: str keys, lists, Python numbers; anything else by repr."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist") and getattr(value, "ndim", None):
        return jsonable(value.tolist())  # a NumPy array
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # a NumPy scalar
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)
