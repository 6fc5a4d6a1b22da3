"""Plugin discovery: entry points, plugin control, isolation helpers.

What the registry needs to find and load plugins without holding any of them: the
entry-point group and the names reserved for the core, the ``ZOO_*`` control
(`disabled_reason`), an entry point's validity and distribution (read from its
METADATA once), pluggy's hashable plugin objects, the API-version handshake, and
`Interrupts`, which tells a user's Ctrl-C from a plugin's own KeyboardInterrupt.
Stdlib only (and the spec classes): nothing here imports a plugin.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import re
import threading
import traceback
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from zoo._base.errors import PluginError, ZooError, ZooWarning, clause, did_you_mean
from zoo._registry.files import RegistryConfig
from zoo._specs.component import ComponentSpec, PluginInfo, Recipe, check_name

ENTRY_POINT_GROUP = "zoo.plugins"
_TRUE = ("1", "true", "yes", "on")

#: The namespace of the core's own components and recipes; no third-party plugin takes it.
CORE_NAMESPACE = "zoo"
#: The distribution of the core (the only one whose entry point may be called ``zoo``).
CORE_DISTRIBUTION = "keras-zoo"
#: Modules a plugin should not import while the zoo lists (``zoo plugins`` flags them).
HEAVY_MODULES = ("tensorflow", "keras", "torch", "jax")
#: An entry point's value: ``module.path`` or ``module.path:object.attr`` (extras allowed).
_EP_VALUE = re.compile(r"\s*[\w.]+\s*(:\s*[\w.]+\s*)?(\[[\w\s,.-]*\])?\s*\Z")


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in _TRUE


def env_names(environ: Mapping[str, str], name: str) -> list[str] | None:
    if name not in environ:
        return None
    return [part.strip() for part in environ[name].split(",") if part.strip()]


def describe_error(error: BaseException) -> str:
    """``"Type: message"`` without a final full stop, to embed in a sentence."""
    text = clause(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def is_core_module(plugin: object) -> bool:
    name = getattr(plugin, "__name__", "")
    return isinstance(name, str) and (name == "zoo" or name.startswith("zoo."))


class Interrupts:
    """Tell a user's Ctrl-C from a KeyboardInterrupt a plugin raises itself.

    While plugins load, SIGINT goes through a handler that notes it and then does what
    the previous handler did (Python's default raises KeyboardInterrupt). A caught
    KeyboardInterrupt without that note came from the plugin. Signals reach only the
    main thread: in another thread, every KeyboardInterrupt is the plugin's.
    """

    def __init__(self) -> None:
        self.real = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Interrupts:
        import signal

        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.getsignal(signal.SIGINT)
                signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except (ValueError, TypeError, OSError):  # pragma: no cover - no signals here
                self._installed = False
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            import signal

            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        import signal

        self.real = True
        if callable(self._previous):
            self._previous(signum, frame)
        elif self._previous != signal.SIG_IGN:
            raise KeyboardInterrupt


def hashable_plugin(plugin: object, name: str) -> object:
    """``plugin``, or a module holding its attributes when it cannot be hashed.

    pluggy keys plugins by identity in dicts; an object that defines ``__eq__`` without
    ``__hash__`` (a ``types.SimpleNamespace``, a dataclass) is as good a plugin.
    """
    try:
        hash(plugin)
    except TypeError:
        holder = types.ModuleType(f"zoo_plugin_{name}")
        for attribute in dir(plugin):
            if not attribute.startswith("__"):
                setattr(holder, attribute, getattr(plugin, attribute))
        return holder
    return plugin


def collector(plugin: str, declarations: list[ComponentSpec | Recipe]) -> Callable[[Any], None]:
    def register(item: Any) -> None:
        if not isinstance(item, (ComponentSpec, Recipe)):
            raise PluginError(
                "register() takes a zoo.ComponentSpec or a zoo.Recipe. "
                f"Received: {item!r} from plugin {plugin!r}."
            )
        declarations.append(item)

    return register


def api_versions(declared: list[Any]) -> set[int] | None:
    if not declared:
        return None
    versions: set[int] = set()
    for value in declared:
        items = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for item in items:
            if not isinstance(item, int) or isinstance(item, bool):
                raise PluginError(
                    f"zoo_plugin_api returns an int or a list of ints. Received: {value!r}."
                )
            versions.add(item)
    return versions


def failed(info: PluginInfo, what: str, error: BaseException) -> PluginInfo:
    where = error_location(error)
    if isinstance(error, SyntaxError) and where:  # its own "(file.py, line N)" is the short name
        described = f"{type(error).__name__}: {clause(error.msg)} at {where}"
    else:
        described = describe_error(error) + (f" (at {where})" if where else "")
    return dataclasses.replace(info, status="failed", reason=f"{what}: {described}")


def error_location(error: BaseException) -> str:
    """``"FILE, line N"``: where ``error`` arose (a syntax error: its own place), or ``""``."""
    if isinstance(error, SyntaxError) and error.filename:
        return f"{error.filename}, line {error.lineno}"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if "importlib" not in frame.filename and not frame.filename.startswith("<")
    ]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else ""


def entry_point_problem(ep: importlib.metadata.EntryPoint, info: PluginInfo) -> str | None:
    """Why an entry point cannot be a plugin (its name or its value), or None."""
    where = f"the entry point {ep.name!r} = {ep.value!r} of {source_of(ep)}"
    try:
        check_name(ep.name, "plugin name")
    except ZooError as error:
        return f"{where} has an invalid name: {error}"
    if not isinstance(ep.value, str) or not _EP_VALUE.match(ep.value):
        return (
            f"{where} is not 'package.module' or 'package.module:object'. Fix the "
            f'[project.entry-points."{ENTRY_POINT_GROUP}"] table of that distribution.'
        )
    if ep.name == CORE_NAMESPACE:
        module = ep.value.partition(":")[0].strip()
        core = module == "zoo" or module.startswith("zoo.")
        if not (core and info.distribution == CORE_DISTRIBUTION):
            return (
                f"{where}: the plugin name {CORE_NAMESPACE!r} is reserved for keras-zoo's own "
                "components. Rename the entry point in that distribution."
            )
    return None


_DISTRIBUTIONS: dict[str, tuple[str, str]] = {}


def distribution_of(ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
    """The name and version of the distribution of ``ep`` (``("", "")`` if unknown).

    Read from the first lines of its METADATA, once per distribution: the full
    ``dist.metadata`` goes through the email parser, which costs more than the rest of
    ``zoo list``.
    """
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    key = str(getattr(dist, "_path", "")) or f"id:{id(dist)}"
    if key not in _DISTRIBUTIONS:
        _DISTRIBUTIONS[key] = _name_and_version(dist)
    return _DISTRIBUTIONS[key]


def _name_and_version(dist: Any) -> tuple[str, str]:
    text = None
    read = getattr(dist, "read_text", None)
    if read is not None:
        for filename in ("METADATA", "PKG-INFO"):
            with contextlib.suppress(Exception):
                text = read(filename)
            if text:
                break
    if not text:
        return dist.metadata["Name"] or "", dist.version or ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the end of the headers
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in fields:
            fields[key] = value.strip()
    return fields.get("Name", ""), fields.get("Version", "")


def source_of(ep: importlib.metadata.EntryPoint) -> str:
    name, version = distribution_of(ep)
    return f"{name} {version}".strip() or "unknown distribution"


def disabled_reason(environ: Mapping[str, str], config: RegistryConfig, name: str) -> str | None:
    """Why the plugin ``name`` is not to be loaded (ZOO_* variables, registry files), or None."""
    if env_flag(environ, "ZOO_DISABLE_PLUGIN_AUTOLOAD"):
        return "autoload is off (ZOO_DISABLE_PLUGIN_AUTOLOAD=1)"
    if not config.autoload:
        return "autoload is off (plugins.autoload = false in a registry file)"
    allow = env_names(environ, "ZOO_PLUGINS")
    if allow is not None and name not in allow:
        return "not listed in ZOO_PLUGINS"
    if allow is None and config.allow is not None and name not in config.allow:
        return "not listed in plugins.allow of a registry file"
    if name in (env_names(environ, "ZOO_DISABLE_PLUGINS") or []):
        return "listed in ZOO_DISABLE_PLUGINS"
    if name in config.deny:
        return "listed in plugins.deny of a registry file"
    return None


def warn_unknown_names(environ: Mapping[str, str], installed: list[str]) -> None:
    """Warn when ZOO_PLUGINS or ZOO_DISABLE_PLUGINS names no installed plugin."""
    for variable in ("ZOO_PLUGINS", "ZOO_DISABLE_PLUGINS"):
        for name in env_names(environ, variable) or []:
            if name not in installed:
                warnings.warn(
                    f"{variable} names installed plugins. Received: {name!r}, which "
                    f"matches none.{did_you_mean(name, installed)} Installed: "
                    f"{', '.join(installed) or '(none)'}.",
                    ZooWarning,
                    stacklevel=6,
                )


def discover(
    entry_points: list[importlib.metadata.EntryPoint] | None,
) -> list[importlib.metadata.EntryPoint]:
    """The entry points given, or the installed ones of the group ``zoo.plugins``."""
    if entry_points is not None:
        return entry_points
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
