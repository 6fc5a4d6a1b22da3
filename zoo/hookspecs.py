"""The plugin hooks of keras-zoo.

A plugin is a module (or any object) with functions marked ``@zoo.hookimpl``, named
in the ``zoo.plugins`` entry-point group. Storage and validation live in the core,
which passes a ``register`` callable into :func:`zoo_register`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("zoo")
hookimpl = pluggy.HookimplMarker("zoo")


@hookspec
def zoo_plugin_api() -> int | Sequence[int]:
    """Return the plugin API version (or versions) this plugin supports."""


@hookspec
def zoo_register(register: Callable[[Any], None]) -> None:
    """Declare the plugin's components and recipes: call ``register(spec)`` for each."""
