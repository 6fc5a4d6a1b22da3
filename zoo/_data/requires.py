"""Optional packages a data source needs, with the install line in the error."""

from __future__ import annotations

import importlib
from typing import Any

from zoo._errors import ZooError


def require(module: str, package: str, source: str) -> Any:
    """Import ``module`` or raise ZooError saying which package ``source`` needs."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ZooError(
            f"The data source {source!r} reads its data with {package}. Received: no module "
            f"{module!r} here. Install it with `pip install {package}` (or keras-zoo[examples])."
        ) from None
