"""Saving Keras models atomically: write beside the destination, then rename."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from zoo._errors import ZooError


def save_atomic(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` to ``path`` (a ``.keras`` file) so that a failure leaves no partial file.

    The model is written to a hidden temporary file in the same directory and renamed
    over ``path`` only once complete; an existing file is replaced only on success.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ZooError(
            f"A saved model file ends in .keras. Received: {str(path)!r}. "
            f"Use {str(path.with_suffix('.keras'))!r}."
        )
    if not path.parent.is_dir():
        raise ZooError(
            f"The folder to save into must exist. Received: {str(path.parent)!r}. Create it first."
        )
    partial = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.partial.keras")
    try:
        model.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
