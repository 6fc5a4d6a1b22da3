"""Reading ``registry.toml`` files: plugin control, plugin settings and recipes.

The format is declarative and never executable: there are no import paths and no
expressions, only TOML data. A file has three optional tables::

    [plugins]                      # the same control as the ZOO_* environment variables
    autoload = true                # false: only plugins registered in code
    allow = ["vision", "text"]     # load only these entry points (ZOO_PLUGINS)
    deny = ["hub"]                 # never load these (ZOO_DISABLE_PLUGINS)
    strict = false                 # a plugin failure raises (ZOO_STRICT_PLUGINS)

    [settings.hub]                 # free-form settings, read with zoo.plugin_settings("hub")
    trusted_handles = ["/models/encoder"]

    [recipes.vision.resnet_small]  # id "vision/resnet_small"
    builder = "vision/resnet_cifar"
    summary = "CIFAR ResNet-20."
    tags = ["classification"]
    args = { depth = 20 }
    search = { width = { type = "choice", values = [1, 2] } }
    training = { epochs = 30, monitor = "val_accuracy", mode = "max" }   # zoo._training.defaults

    [recipes.lab.wide_deep]        # a graph recipe: a model described as data
    summary = "Wide & Deep."
    [recipes.lab.wide_deep.graph]  # or graph = { ... } inline; see docs/graphs.md
    inputs.x = { shape = [8] }
    nodes = [{ name = "out", layer = "keras/Dense", args = { units = 1 } }]

The project's own file sits at the repository root and ships inside the wheel as
``zoo/registry.toml``. Users add files with ``ZOO_REGISTRY`` (paths separated by
``os.pathsep``) or ``--registry``; later files override ``autoload``, ``strict`` and
``allow``, add to ``deny``, and add recipes, which never replace an existing id.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo._base.errors import RegistryFileError, ZooError, did_you_mean
from zoo._base.nesting import MAX_NESTING, too_deep
from zoo._specs.component import Recipe, check_name
from zoo._specs.graph import GraphError

_TOP_KEYS = ("plugins", "settings", "recipes")
_PLUGIN_KEYS = ("autoload", "allow", "deny", "strict")
_RECIPE_KEYS = ("builder", "args", "summary", "tags", "search", "graph", "training")


@dataclass
class RegistryConfig:
    """The merged content of every registry file in use."""

    files: list[Path] = field(default_factory=list)
    autoload: bool = True
    allow: list[str] | None = None
    deny: list[str] = field(default_factory=list)
    strict: bool = False
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    recipes: list[Recipe] = field(default_factory=list)


def _fail(path: Path, key: str, message: str) -> RegistryFileError:
    where = f"{path}: {key}: " if key else f"{path}: "
    return RegistryFileError(where + message)


def _check_keys(path: Path, key: str, table: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for name in table:
        if name not in allowed:
            full = f"{key}.{name}" if key else name
            raise _fail(
                path,
                full,
                f"unknown key. Expected one of: {', '.join(allowed)}. "
                f"Received: {name!r}.{did_you_mean(name, allowed)}",
            )


def _table(path: Path, key: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, key, f"expected a table. Received: {value!r}.")
    return value


def _names(path: Path, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, f"expected a list of plugin names. Received: {value!r}.")
    return list(value)


def _bool(path: Path, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, key, f"expected true or false. Received: {value!r}.")
    return value


def read_registry_file(path: Path, config: RegistryConfig) -> None:
    """Validate ``path`` and merge it into ``config``; raise RegistryFileError if malformed."""
    path = Path(path)
    data = _read_toml(path)
    _check_keys(path, "", data, _TOP_KEYS)
    _merge_plugins(path, _table(path, "plugins", data.get("plugins", {})), config)
    settings = _table(path, "settings", data.get("settings", {}))
    for plugin, values in settings.items():
        config.settings.setdefault(plugin, {}).update(_table(path, f"settings.{plugin}", values))
    recipes = _table(path, "recipes", data.get("recipes", {}))
    for namespace, group in recipes.items():
        group_key = f"recipes.{namespace}"
        for name, body in _table(path, group_key, group).items():
            config.recipes.append(_read_recipe(path, namespace, name, body))
    config.files.append(path)


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML data of ``path``, no deeper than `MAX_NESTING`; errors name the file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise RegistryFileError(
            f"{path}: registry file not found. Check the path given in ZOO_REGISTRY or --registry."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryFileError(f"{path}: not valid TOML: {error}. Fix the syntax there.") from None
    except OSError as error:
        raise RegistryFileError(f"{path}: cannot be read: {error}.") from None
    except UnicodeDecodeError as error:
        raise RegistryFileError(
            f"{path}: a registry file is UTF-8 text (TOML). Received: the byte "
            f"{error.object[error.start : error.start + 1]!r} at offset {error.start}, which is "
            "not UTF-8. Save the file as UTF-8."
        ) from None
    except RecursionError:
        raise RegistryFileError(
            f"{path}: tables and lists nest at most {MAX_NESTING} deep in a registry file. "
            "Received: nesting too deep for the TOML parser. Flatten the values."
        ) from None
    deep = too_deep(data)
    if deep is not None:
        raise _fail(
            path,
            deep,
            f"tables and lists nest at most {MAX_NESTING} deep in a registry file. Received: "
            "a value nested deeper. Flatten it.",
        )
    return data


def _merge_plugins(path: Path, plugins: Mapping[str, Any], config: RegistryConfig) -> None:
    """Merge a file's ``[plugins]`` table: the same control as the ZOO_* variables."""
    _check_keys(path, "plugins", plugins, _PLUGIN_KEYS)
    if "autoload" in plugins:
        config.autoload = _bool(path, "plugins.autoload", plugins["autoload"])
    if "strict" in plugins:
        config.strict = _bool(path, "plugins.strict", plugins["strict"])
    if "allow" in plugins:
        config.allow = _names(path, "plugins.allow", plugins["allow"])
    if "deny" in plugins:
        config.deny += _names(path, "plugins.deny", plugins["deny"])


def _read_recipe(path: Path, namespace: str, name: str, body: object) -> Recipe:
    """The recipe ``[recipes.<namespace>.<name>]`` of ``path``; errors name the file and key."""
    key = f"recipes.{namespace}.{name}"
    body = _table(path, key, body)
    _check_keys(path, key, body, _RECIPE_KEYS)
    if "builder" not in body and "graph" not in body:
        raise _fail(
            path,
            key,
            "a recipe needs a builder (the id of a registered model builder) or a "
            "graph (a model described as data, see docs/graphs.md).",
        )
    graph = body.get("graph")
    if graph is not None:
        graph = dict(_table(path, f"{key}.graph", graph))
    try:
        check_name(namespace, "recipe namespace")
        return Recipe(
            name=name,
            builder=body.get("builder", ""),
            args=dict(_table(path, f"{key}.args", body.get("args", {}))),
            summary=body.get("summary", ""),
            tags=body.get("tags", ()),
            search=dict(_table(path, f"{key}.search", body.get("search", {}))),
            namespace=namespace,
            source=str(path),
            graph=graph,
            training=dict(_table(path, f"{key}.training", body.get("training", {}))),
        )
    except RegistryFileError:
        raise
    except GraphError as error:  # already names the file and the key
        raise RegistryFileError(str(error)) from None
    except (ZooError, TypeError) as error:
        raise _fail(path, key, str(error)) from None


def load_registry_config(paths: Sequence[Path]) -> RegistryConfig:
    """Read and merge ``paths`` in order."""
    config = RegistryConfig()
    for path in paths:
        read_registry_file(path, config)
    return config
