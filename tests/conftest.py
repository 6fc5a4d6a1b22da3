"""Shared fixtures: a private registry with the toy plugin, so tests never depend on
what happens to be installed, and the path to the toy plugin for subprocess tests."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The suite's cached listings (`zoo list`) and fetched presets go to a folder of its own,
# removed when it ends, never to the user's cache.
if "ZOO_CACHE" not in os.environ:
    os.environ["ZOO_CACHE"] = tempfile.mkdtemp(prefix="zoo-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ZOO_CACHE"], True)

# The suite tests this project's plugins, whatever else is installed beside them (a
# user's `pip install -e zoo-astro` must not change what passes): only the entry
# points keras-zoo itself declares are loaded, unless ZOO_PLUGINS says otherwise.
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
FIRST_PARTY_PLUGINS = tuple(
    tomllib.loads(_PYPROJECT.read_text())["project"]["entry-points"]["zoo.plugins"]
)
os.environ.setdefault("ZOO_PLUGINS", ",".join(FIRST_PARTY_PLUGINS))

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
    import zoo_toy

    import zoo

    zoo.register_plugin(zoo_toy, "toy", distribution="zoo-toy", version="0.1")
    try:
        yield isolated_registry
    finally:
        zoo.unregister_plugin("toy")


PLUGIN_TEMPLATE = """
import zoo

@zoo.hookimpl
def zoo_register(register):
{body}
"""


@pytest.fixture
def make_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a plugin module and return an entry point for it.

    ``make_plugin("alpha", body)`` writes module ``plug_alpha`` whose ``zoo_register``
    hook runs ``body`` (indented source; ``register`` and ``zoo`` are in scope);
    ``source=`` replaces the whole module instead.
    """
    import importlib.metadata

    monkeypatch.syspath_prepend(str(tmp_path))

    def make(name: str, body: str = "    pass", *, source: str | None = None):
        module = f"plug_{name}_{len(list(tmp_path.iterdir()))}"
        text = source if source is not None else PLUGIN_TEMPLATE.format(body=body)
        (tmp_path / f"{module}.py").write_text(text)
        monkeypatch.delitem(sys.modules, module, raising=False)
        return importlib.metadata.EntryPoint(name=name, value=module, group="zoo.plugins")

    return make


def layer_spec(name: str, plugin_module: str = "somewhere.layers") -> str:
    """Source of a register() call for a layer spec (for make_plugin bodies)."""
    return (
        f'    register(zoo.ComponentSpec("{name}", kind="layer", target="{plugin_module}:{name}"))'
    )


@pytest.fixture
def toy_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess that discovers the toy plugin as an installed
    distribution (``zoo-toy 0.1``, entry point ``toy``) and only that plugin."""
    site = tmp_path / "site"
    info = site / "zoo_toy-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-toy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[zoo.plugins]\ntoy = zoo_toy\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(TOY_PATH)])
    env["ZOO_PLUGINS"] = "toy"
    return env
