"""Shared fixtures: a private registry with the toy plugin, so tests never depend on
what happens to be installed, and the path to the toy plugin for subprocess tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TOY_PATH = Path(__file__).parent / "toy"
if str(TOY_PATH) not in sys.path:
    sys.path.insert(0, str(TOY_PATH))


@pytest.fixture
def isolated_registry() -> Iterator[object]:
    """Make an empty registry (no entry points, no registry files) the default one."""
    from zoo._registry import Registry, set_default_registry

    registry = Registry(environ={}, include_default_file=False, entry_points=[])
    previous = set_default_registry(registry)
    try:
        yield registry
    finally:
        set_default_registry(previous)


@pytest.fixture
def toy_registry(isolated_registry: object) -> Iterator[object]:
    """The isolated registry with the toy plugin registered as ``toy``."""
    import zoo
    import zoo_toy

    zoo.register_plugin(zoo_toy, "toy", distribution="zoo-toy", version="0.1")
    try:
        yield isolated_registry
    finally:
        zoo.unregister_plugin("toy")
