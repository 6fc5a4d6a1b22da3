"""Importing tensorflow-hub without setuptools' ``pkg_resources``.

tensorflow-hub 0.16.1 runs ``from pkg_resources import parse_version`` once, at import,
to compare TensorFlow's version with 1.15.0, and uses ``pkg_resources`` nowhere else.
setuptools 81 and later no longer ship ``pkg_resources``, and the venvs of newer
Pythons carry no setuptools at all, so that import would fail there. While
tensorflow-hub is imported, `without_setuptools` offers a ``pkg_resources`` module
holding only ``parse_version`` (``packaging.version.Version``, which Keras already
requires), then removes it: nothing else in the process ever sees it, and the real
``pkg_resources`` (with its deprecation warning) is never imported for this.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator


@contextlib.contextmanager
def without_setuptools() -> Iterator[None]:
    """Let ``from pkg_resources import parse_version`` work for the duration of the block."""
    if "pkg_resources" in sys.modules:  # imported by someone else already: use it
        yield
        return
    from packaging.version import Version

    shim = types.ModuleType("pkg_resources", "parse_version only, for tensorflow-hub's import.")
    shim.parse_version = Version  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = shim
    try:
        yield
    finally:
        if sys.modules.get("pkg_resources") is shim:
            del sys.modules["pkg_resources"]
