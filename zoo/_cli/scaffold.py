"""``zoo new-plugin``: write an installable plugin package from the templates.

The package holds a pyproject (hatchling, the ``zoo.plugins`` entry point, a
dependency on keras-zoo), the plugin module with its specs, one layer, one model
builder, one recipe, a README and a test module that runs the conformance kit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from zoo._base.errors import ZooError
from zoo._version import __version__

TEMPLATES = Path(__file__).resolve().parents[1] / "_templates" / "new_plugin"
_PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")

#: Template file -> path in the package, with ``{package}`` filled in.
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "__init__.py.tmpl": "{package}/__init__.py",
    "layer_scale.py.tmpl": "{package}/layer_scale.py",
    "residual_mlp.py.tmpl": "{package}/residual_mlp.py",
    "test_plugin.py.tmpl": "tests/test_{plugin}.py",
}


def check_plugin_name(name: str) -> str:
    """A new plugin's name: lowercase letters, digits and '_', starting with a letter."""
    if not isinstance(name, str) or not _PLUGIN_NAME.match(name) or name == "zoo":
        raise ZooError(
            "A plugin name is lowercase letters, digits and '_', starting with a letter "
            f"(it becomes the package zoo_<name> and the id prefix <name>/). Received: {name!r}. "
            "Example: 'astro'."
        )
    return name


def new_plugin(
    name: str, directory: str | os.PathLike[str] | None = None, *, check_installed: bool = True
) -> list[Path]:
    """Write the package of a new plugin ``name`` into ``directory`` (default ``zoo-<name>``).

    Args:
        name: the plugin name: the entry-point name and the first part of every id.
        directory: where to write; it must not exist, or be empty.
        check_installed: refuse a name an installed plugin already uses.

    Returns:
        The files written, in order.
    """
    check_plugin_name(name)
    if check_installed:
        from zoo._registry import default_registry

        taken = {info.name: info for info in default_registry().plugins()}
        if name in taken:
            source = taken[name].distribution or taken[name].value or "code"
            raise ZooError(
                f"Plugin names are unique. Received: {name!r}, already used by {source}. "
                "Choose another name."
            )
    package = f"zoo_{name}"
    distribution = f"zoo-{name.replace('_', '-')}"
    root = Path(directory) if directory is not None else Path(distribution)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ZooError(
            f"new-plugin writes into a new or empty folder. Received: {str(root)!r}, which "
            "exists and is not empty. Choose another --directory."
        )
    major, minor = __version__.split(".")[:2]
    values = {
        "__PLUGIN__": name,
        "__PACKAGE__": package,
        "__DISTRIBUTION__": distribution,
        "__ZOO_REQUIREMENT__": f"keras-zoo>={major}.{minor}",
    }
    written = []
    for template, target in FILES.items():
        text = (TEMPLATES / template).read_text()
        for key, value in values.items():
            text = text.replace(key, value)
        path = root / target.format(package=package, plugin=name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
