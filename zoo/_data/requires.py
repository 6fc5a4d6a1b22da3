"""Optional packages a data source needs, with the install line in the error."""

from __future__ import annotations

import importlib
from typing import Any

from zoo._base.errors import ZooError


def require(module: str, package: str, source: str) -> Any:
    """Import ``module`` or raise ZooError saying which package ``source`` needs.

    A data source that reads its data with an optional package calls this instead of
    importing it, so a user without the package learns what to install.

    Args:
        module: the module to import (``"sklearn.datasets"``).
        package: the pip package that provides it (``"scikit-learn"``).
        source: the data source's id, named in the error (``"forecast/diabetes"``).

    Returns:
        The imported module.

    Example:

    >>> import zoo.data
    >>> zoo.data.require("json", "json", "mine/toy").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ZooError(
            f"The data source {source!r} reads its data with {package}. Received: no module "
            f"{module!r} here. Install it with `pip install {package}` (or keras-zoo[examples])."
        ) from None
