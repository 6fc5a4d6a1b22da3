"""The process-wide registry: made on first use from ``os.environ``, replaceable in tests."""

from __future__ import annotations

import threading

from zoo._registry.registry import Registry

_default: Registry | None = None
_default_lock = threading.Lock()


def default_registry() -> Registry:
    """The process-wide registry, created on first use from ``os.environ``."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default


def default_registry_made() -> bool:
    """Whether this process has a default registry yet (made, or set by `set_default_registry`)."""
    with _default_lock:
        return _default is not None


def set_default_registry(registry: Registry | None) -> Registry | None:
    """Replace the process-wide registry (None: recreate on next use); return the old one."""
    global _default
    with _default_lock:
        previous, _default = _default, registry
        return previous
