"""The registry: plugin discovery through pluggy and entry points, and name resolution.

Plugins are the entry points of the group ``zoo.plugins``, loaded once per registry,
in sorted name order. Control (``ZOO_DISABLE_PLUGIN_AUTOLOAD``, ``ZOO_PLUGINS``,
``ZOO_DISABLE_PLUGINS``, and ``[plugins]`` in registry files) is applied before an
entry point is imported. Each plugin is isolated: a failing import, a raising hook
(``SystemExit`` and a ``KeyboardInterrupt`` the plugin raises itself included; a
real Ctrl-C still interrupts) or an invalid spec marks that plugin ``failed`` and
the others load; a plugin recipe naming a builder or component that does not exist
is unavailable, with its reason. ``ZOO_STRICT_PLUGINS=1`` turns any failure into a
PluginError. The name ``zoo`` belongs to the core: an entry point or a plugin
registered in code under that name is refused unless it is keras-zoo's own.

Each plugin's import and hook time, and the heavy frameworks (TensorFlow, Keras,
...) its import pulled in, are recorded in its `PluginInfo` for ``zoo plugins``.

Nothing here imports TensorFlow, Keras or an implementation module; ``get`` imports
an implementation on first use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import importlib.metadata
import os
import re
import sys
import threading
import time
import types
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pluggy

from zoo import hookspecs
from zoo._errors import (
    AmbiguousNameError,
    ArgumentError,
    NotFoundError,
    PluginError,
    RegistryFileError,
    ZooError,
    ZooWarning,
    clause,
    did_you_mean,
)
from zoo._listing import filter_entries
from zoo._places import registry_paths
from zoo._registry_file import RegistryConfig, load_registry_config
from zoo._spec import KINDS, ComponentSpec, Entry, PluginInfo, Recipe, check_name, natural_key
from zoo._version import PLUGIN_API_VERSION, __version__

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


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in _TRUE


def _name_list(environ: Mapping[str, str], name: str) -> list[str] | None:
    if name not in environ:
        return None
    return [part.strip() for part in environ[name].split(",") if part.strip()]


def _describe_error(error: BaseException) -> str:
    """``"Type: message"`` without a final full stop, to embed in a sentence."""
    text = clause(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _is_core_module(plugin: object) -> bool:
    name = getattr(plugin, "__name__", "")
    return isinstance(name, str) and (name == "zoo" or name.startswith("zoo."))


class _Interrupts:
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

    def __enter__(self) -> _Interrupts:
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


class Registry:
    """Plugins, components and recipes, discovered lazily on first use.

    Args:
        environ: the environment to read ``ZOO_*`` variables from (default: ``os.environ``).
        registry_files: extra registry files, read after the default one and ``ZOO_REGISTRY``.
        include_default_file: read the project's own ``registry.toml``.
        entry_points: the entry points to load (default: the installed ``zoo.plugins`` group).
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        registry_files: Sequence[str | Path] = (),
        include_default_file: bool = True,
        entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._extra_files = [Path(p) for p in registry_files]
        self._include_default_file = include_default_file
        self._entry_points = None if entry_points is None else list(entry_points)
        self._lock = threading.RLock()
        self._loaded = False
        self._error: ZooError | None = None
        self._config = RegistryConfig()
        self._pm = pluggy.PluginManager("zoo")
        self._pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, PluginInfo] = {}
        self._specs: dict[str, ComponentSpec] = {}
        self._recipes: dict[str, Recipe] = {}
        self._unavailable: dict[str, str] = {}
        self._invalid: dict[str, str] = {}  # plugin recipes whose declaration is wrong
        self._refused: list[PluginInfo] = []  # entry points that claim the core's name
        self._by_name: dict[str, list[str]] = {}
        self._owned: dict[str, list[str]] = {}
        self._implementations: dict[str, Any] = {}

    # === Loading ===

    def registry_files(self) -> list[Path]:
        """The registry files in use, in the order they are read."""
        return registry_paths(
            self._environ, self._extra_files, include_default=self._include_default_file
        )

    def load(self) -> None:
        """Discover and load plugins and registry files, once."""
        with self._lock:
            if self._error is not None:
                raise self._error
            if self._loaded:
                return
            self._config = load_registry_config(self.registry_files())
            try:
                self._load_core_plugin()
                self._load_entry_points()
                self._loaded = True
                self._refresh_recipes()
                if self.strict:
                    self._check_strict()
            except ZooError as error:
                # Plugins were imported: keep failing the same way rather than half-loaded.
                self._error = error
                raise

    @property
    def strict(self) -> bool:
        return _flag(self._environ, "ZOO_STRICT_PLUGINS") or self._config.strict

    def _disabled_reason(self, name: str) -> str | None:
        environ, config = self._environ, self._config
        if _flag(environ, "ZOO_DISABLE_PLUGIN_AUTOLOAD"):
            return "autoload is off (ZOO_DISABLE_PLUGIN_AUTOLOAD=1)"
        if not config.autoload:
            return "autoload is off (plugins.autoload = false in a registry file)"
        allow = _name_list(environ, "ZOO_PLUGINS")
        if allow is not None and name not in allow:
            return "not listed in ZOO_PLUGINS"
        if allow is None and config.allow is not None and name not in config.allow:
            return "not listed in plugins.allow of a registry file"
        if name in (_name_list(environ, "ZOO_DISABLE_PLUGINS") or []):
            return "listed in ZOO_DISABLE_PLUGINS"
        if name in config.deny:
            return "listed in plugins.deny of a registry file"
        return None

    def _discover(self) -> list[importlib.metadata.EntryPoint]:
        if self._entry_points is not None:
            return self._entry_points
        return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))

    def _load_entry_points(self) -> None:
        by_name: dict[str, list[importlib.metadata.EntryPoint]] = {}
        for ep in self._discover():
            by_name.setdefault(ep.name, []).append(ep)
        self._warn_unknown_names(sorted(by_name, key=natural_key))
        if CORE_NAMESPACE in by_name:  # an impostor must not knock out the core's own
            eps = by_name.pop(CORE_NAMESPACE)
            for ep in eps:
                info = PluginInfo(ep.name, "failed", *_dist(ep), ep.value)
                why = _entry_point_problem(ep, info)
                if why is None and CORE_NAMESPACE in self._plugins:
                    why = f"the core's plugin {CORE_NAMESPACE!r} is built in, not an entry point"
                if why is None:
                    by_name.setdefault(CORE_NAMESPACE, []).append(ep)
                else:
                    self._refused.append(dataclasses.replace(info, reason=why))
        with _Interrupts() as interrupts:
            for name in sorted(by_name, key=natural_key):
                self._record(self._load_entry_point(name, by_name[name], interrupts))

    def _load_entry_point(
        self, name: str, eps: list[importlib.metadata.EntryPoint], interrupts: _Interrupts
    ) -> PluginInfo:
        if len(eps) > 1:
            sources = " and ".join(f"{ep.value} ({_source(ep)})" for ep in eps)
            reason = (
                f"two distributions provide the plugin {name!r}: {sources}. Neither is "
                "loaded; uninstall one of them."
            )
            for ep in eps[1:]:
                self._record(PluginInfo(name, "failed", *_dist(ep), ep.value, reason))
            return PluginInfo(name, "failed", *_dist(eps[0]), eps[0].value, reason)
        ep = eps[0]
        info = PluginInfo(name, "disabled", *_dist(ep), ep.value)
        reason = self._disabled_reason(name)
        if reason is not None:
            return dataclasses.replace(info, reason=reason)
        if (why := _entry_point_problem(ep, info)) is not None:
            return dataclasses.replace(info, status="failed", reason=why)
        before = {m for m in HEAVY_MODULES if m in sys.modules}
        start = time.perf_counter()
        try:
            plugin = ep.load()
        except KeyboardInterrupt as error:
            if interrupts.real:
                raise
            info = _failed(info, "import failed", error)
        except BaseException as error:  # SystemExit too: a plugin never ends the command
            info = _failed(info, "import failed", error)
        else:
            info = self._add_plugin(plugin, info, interrupts)
        heavy = tuple(m for m in HEAVY_MODULES if m in sys.modules and m not in before)
        return dataclasses.replace(
            info, load_seconds=time.perf_counter() - start, heavy_imports=heavy
        )

    def _warn_unknown_names(self, installed: list[str]) -> None:
        """Warn when ZOO_PLUGINS or ZOO_DISABLE_PLUGINS names no installed plugin."""
        for variable in ("ZOO_PLUGINS", "ZOO_DISABLE_PLUGINS"):
            for name in _name_list(self._environ, variable) or []:
                if name not in installed:
                    warnings.warn(
                        f"{variable} names installed plugins. Received: {name!r}, which "
                        f"matches none.{did_you_mean(name, installed)} Installed: "
                        f"{', '.join(installed) or '(none)'}.",
                        ZooWarning,
                        stacklevel=5,
                    )

    def _load_core_plugin(self) -> None:
        """The core's own components (the data sources ``zoo/npz``, ``zoo/csv``): plugin ``zoo``.

        They come with the project's own registry file (whose ``zoo/`` graph recipes share
        the namespace), so a registry built without it holds only what it is given.
        """
        if not self._include_default_file:
            return
        from zoo._data import specs

        info = PluginInfo(specs.PLUGIN, "disabled", "keras-zoo", __version__, specs.__name__)
        self._record(self._add_plugin(specs, info))

    def _record(self, info: PluginInfo) -> None:
        # Two failed twins share a name; keep the first record, whose reason names both.
        self._plugins.setdefault(info.name, info)

    def _call_hook(self, hook: str, plugin: object, **kwargs: Any) -> list[Any]:
        others = [p for p in self._pm.get_plugins() if p is not plugin]
        return self._pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)

    def _add_plugin(
        self, plugin: object, info: PluginInfo, interrupts: _Interrupts | None = None
    ) -> PluginInfo:
        """Register one plugin object with pluggy and collect its declarations, all or nothing."""
        name = info.name
        try:
            self._pm.register(plugin, name=name)
        except Exception as error:
            return dataclasses.replace(
                info, status="failed", reason=f"invalid plugin: {_describe_error(error)}"
            )
        try:
            declared = self._call_hook("zoo_plugin_api", plugin)
            versions = _api_versions(declared)
            if versions is not None and PLUGIN_API_VERSION not in versions:
                self._pm.unregister(plugin)
                return dataclasses.replace(
                    info,
                    status="incompatible",
                    reason=(
                        f"supports plugin API {', '.join(map(str, sorted(versions)))}; this "
                        f"keras-zoo speaks {PLUGIN_API_VERSION}. Install a version of "
                        f"{info.distribution or 'the plugin'} made for plugin API "
                        f"{PLUGIN_API_VERSION}, or a keras-zoo that speaks its version."
                    ),
                )
            declarations: list[ComponentSpec | Recipe] = []
            self._call_hook("zoo_register", plugin, register=_collector(name, declarations))
            specs, recipes = self._validate_declarations(info, declarations)
        except KeyboardInterrupt as error:
            self._pm.unregister(plugin)
            if interrupts is None or interrupts.real:
                raise
            return _failed(info, "a hook raised", error)
        except BaseException as error:  # SystemExit too: a plugin never ends the command
            self._pm.unregister(plugin)
            if isinstance(error, Exception):
                return dataclasses.replace(info, status="failed", reason=_describe_error(error))
            return _failed(info, "a hook raised", error)
        for spec in specs:
            self._specs[spec.id] = spec
        for recipe in recipes:
            self._recipes[recipe.id] = recipe
        self._owned[name] = [item.id for item in [*specs, *recipes]]
        return dataclasses.replace(info, status="loaded", components=len(specs) + len(recipes))

    def _validate_declarations(
        self, info: PluginInfo, declarations: list[ComponentSpec | Recipe]
    ) -> tuple[list[ComponentSpec], list[Recipe]]:
        specs: list[ComponentSpec] = []
        recipes: list[Recipe] = []
        seen: set[str] = set()
        for item in declarations:
            if item.name in seen:
                raise PluginError(
                    f"A plugin declares each name once. Received: {item.name!r} twice from "
                    f"plugin {info.name!r}. Rename or remove one."
                )
            seen.add(item.name)
            if isinstance(item, ComponentSpec):
                specs.append(
                    dataclasses.replace(
                        item, plugin=info.name, distribution=info.distribution, version=info.version
                    )
                )
            else:
                source = f"plugin {info.name} ({info.distribution} {info.version})".strip()
                recipes.append(dataclasses.replace(item, namespace=info.name, source=source))
        return specs, recipes

    def _refresh_recipes(self) -> None:
        """Place the registry files' recipes beside the plugins' ones and decide availability."""
        for recipe in self._config.recipes:
            existing = self._specs.get(recipe.id) or self._recipes.get(recipe.id)
            if existing is not None and existing is not recipe:
                if isinstance(existing, Recipe) and existing.source == recipe.source:
                    continue
                theirs = (
                    existing.source
                    if isinstance(existing, Recipe)
                    else (f"plugin {existing.plugin} ({existing.source})")
                )
                raise RegistryFileError(
                    f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}: the id "
                    f"{recipe.id!r} is already declared by {theirs}. Recipes never replace "
                    "one another; give this one another name or namespace."
                )
            self._recipes[recipe.id] = recipe
        self._by_name = {}
        for spec in self._specs.values():
            self._by_name.setdefault(spec.name, []).append(spec.id)
        self._unavailable.clear()
        self._invalid.clear()
        from_plugins = {i for owned in self._owned.values() for i in owned}
        for recipe in self._recipes.values():
            try:
                reason = self._recipe_problem(recipe)
            except RegistryFileError as error:
                if recipe.id not in from_plugins:
                    raise
                # A plugin's mistake: that recipe is unavailable, the rest keeps working.
                reason = self._invalid[recipe.id] = _strip_source(str(error), recipe)
            if reason is not None:
                self._unavailable[recipe.id] = reason
        for recipe in self._recipes.values():
            if recipe.id not in self._unavailable:
                self._by_name.setdefault(recipe.name, []).append(recipe.id)
        for name, info in self._plugins.items():  # a loaded plugin's reason: its bad recipes
            if info.status == "loaded":
                bad = [i for i in self._owned.get(name, []) if i in self._invalid]
                reason = "; ".join(f"recipe {i} is unavailable: {self._invalid[i]}" for i in bad)
                if reason != info.reason:
                    self._plugins[name] = dataclasses.replace(info, reason=reason)

    def _recipe_problem(self, recipe: Recipe) -> str | None:
        """Why ``recipe`` cannot be built here (a plugin it needs is not loaded), or None.

        A builder id naming a component that a loaded plugin lacks, an ambiguous short
        name, or a builder that is not a model is an error in the recipe: it raises
        RegistryFileError with the file and key.
        """
        if recipe.graph is not None:
            return self._graph_recipe_problem(recipe)
        if recipe.namespace in self._plugins and (why := self._unloaded(recipe.namespace)):
            return f"it needs {why}"
        plugin_name, slash, _ = recipe.builder.partition("/")
        if slash and recipe.builder not in self._specs and (why := self._unloaded(plugin_name)):
            return f"its builder {recipe.builder!r} comes from {why}"
        try:
            builder = self._resolve(recipe.builder, include_recipes=False)
        except AmbiguousNameError as error:
            raise RegistryFileError(
                f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}.builder: {error}"
            ) from None
        except NotFoundError as error:
            if "/" not in recipe.builder:
                # A short name may belong to a plugin registered later in code.
                return f"its builder {recipe.builder!r} matches no registered component ({error})"
            raise RegistryFileError(
                f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}.builder: {error}"
            ) from None
        if builder.kind != "model":
            raise RegistryFileError(
                f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}.builder: a recipe's "
                f"builder is a registered model builder. Received: {builder.id!r}, a "
                f"{builder.kind}. Name a component of kind 'model'."
            )
        if isinstance(builder, ComponentSpec):
            from zoo._search import check_search_keys_statically

            check_search_keys_statically(recipe, builder)  # else checked when built
        return None

    def _graph_recipe_problem(self, recipe: Recipe) -> str | None:
        """`_recipe_problem` for a graph recipe: every node's component, without imports.

        A node naming a component of a plugin that is not loaded (or not installed)
        makes the recipe unavailable; a component a loaded plugin lacks, an ambiguous
        short name, or a component that is not a layer raises RegistryFileError naming
        the file, the key and the node. Keras built-ins (``keras/...``) are checked
        when the recipe is built.
        """
        from zoo._graph_spec import KERAS_NAMESPACE

        if recipe.namespace in self._plugins and (why := self._unloaded(recipe.namespace)):
            return f"it needs {why}"
        spec = recipe.parsed_graph()
        for node in spec.nodes:
            plugin_name, slash, _ = node.layer.partition("/")
            if slash and plugin_name == KERAS_NAMESPACE:
                continue
            if slash and node.layer not in self._specs and (why := self._unloaded(plugin_name)):
                return f"its node {node.name!r} uses {node.layer!r} from {why}"
            try:
                entry = self._resolve(node.layer, include_recipes=False)
            except AmbiguousNameError as error:
                raise RegistryFileError(f"{spec.node_where(node)}: {error}") from None
            except NotFoundError as error:
                if not slash:
                    # A short name may belong to a plugin registered later in code.
                    return (
                        f"its node {node.name!r} uses {node.layer!r}, which matches no "
                        f"registered component (a Keras built-in is written 'keras/{node.layer}')"
                    )
                raise RegistryFileError(f"{spec.node_where(node)}: {error}") from None
            if entry.kind not in ("layer", "preprocessor"):
                raise RegistryFileError(
                    f"{spec.node_where(node)}: a node's layer is a registered layer or "
                    f"preprocessor. Received: {entry.id!r}, a {entry.kind}. Name a layer."
                )
        return None

    def _unloaded(self, plugin_name: str) -> str | None:
        """``"the plugin 'x', which is disabled: <why>"`` if ``plugin_name`` is not loaded."""
        info = self._plugins.get(plugin_name)
        if info is None:
            return f"the plugin {plugin_name!r}, which is not installed"
        if info.status == "loaded":
            return None
        why = f": {clause(info.reason)}" if info.reason else ""
        return f"the plugin {plugin_name!r}, which is {info.status}{why}"

    def _check_strict(self) -> None:
        bad = [p for p in self._plugins.values() if p.status in ("failed", "incompatible")]
        bad += self._refused
        details = [f"{p.name} ({p.status}): {clause(p.reason)}" for p in bad]
        details += [f"recipe {i}: {clause(why)}" for i, why in self._invalid.items()]
        if details:
            details = "; ".join(details)
            raise PluginError(
                f"Strict plugin mode allows no plugin failure. Received: {details}. Fix or "
                "uninstall those plugins, disable them with ZOO_DISABLE_PLUGINS, or unset "
                "ZOO_STRICT_PLUGINS."
            )

    # === Programmatic registration ===

    def register_plugin(
        self,
        plugin: object,
        name: str | None = None,
        *,
        distribution: str = "",
        version: str = "",
    ) -> PluginInfo:
        """Register a plugin object (a module or any object with hook functions) now.

        This is how tests and notebooks add a plugin without installing it; it works
        with autoload off. A failure raises PluginError instead of marking the plugin.
        """
        self.load()
        with self._lock:
            if name is None:
                name = getattr(plugin, "zoo_name", None) or getattr(plugin, "__name__", None)
            check_name(name, "plugin name")
            if name == CORE_NAMESPACE and not _is_core_module(plugin):
                raise PluginError(
                    f"The plugin name {CORE_NAMESPACE!r} is reserved for keras-zoo's own "
                    f"components. Received: {plugin!r} registered as {name!r}. Pass another "
                    "name."
                )
            if name in self._plugins:
                existing = self._plugins[name]
                raise PluginError(
                    f"Plugin names are unique. Received: {name!r}, already registered from "
                    f"{existing.distribution or existing.value or 'code'} ({existing.status}). "
                    "Unregister it first or pass another name."
                )
            info = PluginInfo(name, "disabled", distribution, version, repr(plugin))
            info = self._add_plugin(_hashable(plugin, name), info)
            if info.status != "loaded":
                raise PluginError(f"Plugin {name!r} is {info.status}: {info.reason}")
            self._plugins[name] = info
            try:
                self._refresh_recipes()
            except ZooError:
                self.unregister_plugin(name)
                raise
            invalid = [i for i in self._owned.get(name, []) if i in self._invalid]
            if invalid:
                reasons = "; ".join(f"{i}: {self._invalid[i]}" for i in invalid)
                self.unregister_plugin(name)
                raise PluginError(
                    f"A plugin's recipes name components that exist. Received: {reasons}. "
                    "Fix those recipes."
                )
            return info

    def unregister_plugin(self, name: str) -> None:
        """Remove a plugin and everything it declared."""
        with self._lock:
            if name not in self._plugins:
                raise NotFoundError(
                    f"Only a registered plugin can be unregistered. Received: {name!r}."
                    f"{did_you_mean(name, self._plugins)}"
                )
            del self._plugins[name]
            plugin = self._pm.get_plugin(name)
            if plugin is not None:
                self._pm.unregister(plugin)
            for owned_id in self._owned.pop(name, []):
                self._specs.pop(owned_id, None)
                self._recipes.pop(owned_id, None)
                self._implementations.pop(owned_id, None)
            self._refresh_recipes()

    # === Queries ===

    def plugins(self) -> list[PluginInfo]:
        """Every plugin the registry knows, whatever its status, sorted by name."""
        self.load()
        every = [*self._plugins.values(), *self._refused]
        return sorted(every, key=lambda p: natural_key(p.name))

    def plugin_object(self, name: str) -> object | None:
        """The object registered for a loaded plugin (its module, usually), or None."""
        self.load()
        return self._pm.get_plugin(name)

    def settings(self, plugin: str) -> dict[str, Any]:
        """The ``[settings.<plugin>]`` table of the registry files (empty if none)."""
        with self._lock:
            if not self._loaded:
                self._config = load_registry_config(self.registry_files())
            return dict(self._config.settings.get(plugin, {}))

    def entries(
        self,
        pattern: str | None = None,
        *,
        kind: str | None = None,
        tag: str | None = None,
        plugin: str | None = None,
    ) -> list[Entry]:
        """Components and available recipes, filtered, in natural order of their ids.

        ``pattern`` is an fnmatch pattern matched (case-insensitively) against the id and
        the short name; ``kind``, ``tag`` and ``plugin`` must match exactly. ``kind`` is
        one of ``zoo.KINDS`` (``"model"`` lists builders and recipes) or ``"recipe"``
        (recipes only). An unknown kind raises ArgumentError and an unknown plugin
        NotFoundError, with close matches; a plugin that is installed but not loaded
        warns (ZooWarning) and lists nothing.
        """
        self.load()
        self._check_filters(kind, plugin)
        entries: list[Entry] = list(self._specs.values())
        entries += [r for r in self._recipes.values() if r.id not in self._unavailable]
        found = filter_entries(entries, _is_recipe, pattern, kind=kind, tag=tag, plugin=plugin)
        return sorted(found, key=lambda e: natural_key(e.id))

    def _check_filters(self, kind: str | None, plugin: str | None) -> None:
        """`entries` filters that can only match nothing: a mistyped kind or plugin."""
        if kind is not None and kind not in (*KINDS, "recipe"):
            raise ArgumentError(
                f"kind is one of {', '.join(KINDS)}, or 'recipe' for recipes only. Received: "
                f"kind={kind!r}.{did_you_mean(str(kind), [*KINDS, 'recipe'])} Use one of those."
            )
        if plugin is None:
            return
        namespaces = {e.plugin for e in [*self._specs.values(), *self._recipes.values()]}
        if plugin in namespaces and plugin not in self._plugins:
            return  # recipes of the registry files' own namespace (zoo/...)
        if plugin not in self._plugins:
            known = sorted(set(self._plugins) | namespaces)
            raise NotFoundError(
                f"No plugin is called {plugin!r}. Received: plugin={plugin!r}."
                f"{did_you_mean(plugin, known)} Installed: {', '.join(known) or '(none)'}; "
                "`python -m zoo plugins` shows each one's status."
            )
        if (why := self._unloaded(plugin)) is not None:
            warnings.warn(
                f"{why[0].upper()}{why[1:]}, so it lists nothing. Enable it (see "
                "`python -m zoo plugins`) to list its components.",
                ZooWarning,
                stacklevel=4,
            )

    def resolve(self, name: str) -> Entry:
        """The component or recipe called ``name`` (an id or a unique short name)."""
        self.load()
        return self._resolve(name, include_recipes=True)

    def _resolve(self, name: str, *, include_recipes: bool) -> Entry:
        # Called once per recipe while loading: constant time unless the name is unknown.
        if not isinstance(name, str) or not name:
            raise NotFoundError(f"A component name is a non-empty string. Received: {name!r}.")
        if "/" in name:
            found = self._specs.get(name)
            if found is None and include_recipes and name not in self._unavailable:
                found = self._recipes.get(name)
            if found is not None:
                return found
            if include_recipes and name in self._unavailable:
                raise NotFoundError(
                    f"The recipe {name!r} cannot be built: {self._unavailable[name]}."
                )
            plugin_name = name.partition("/")[0]
            if plugin_name in self._plugins and (why := self._unloaded(plugin_name)):
                raise NotFoundError(
                    f"{name!r} comes from {why}. Run `python -m zoo plugins` to see why."
                )
        else:
            candidates = [
                i for i in self._by_name.get(name, []) if include_recipes or i in self._specs
            ]
            if len(candidates) == 1:
                return self._specs.get(candidates[0]) or self._recipes[candidates[0]]
            if len(candidates) > 1:
                raise AmbiguousNameError(
                    f"A short name must match exactly one component. Received: {name!r}, which "
                    f"matches {', '.join(sorted(candidates, key=natural_key))}. Use the full id."
                )
            if include_recipes:
                unavailable = [i for i in self._unavailable if i.endswith(f"/{name}")]
                if len(unavailable) == 1:
                    recipe_id = unavailable[0]
                    raise NotFoundError(
                        f"The recipe {recipe_id!r} cannot be built: {self._unavailable[recipe_id]}."
                    )
        known = list(self._specs) + [s.name for s in self._specs.values()]
        if include_recipes:
            recipes = [r for r in self._recipes.values() if r.id not in self._unavailable]
            known += [r.id for r in recipes] + [r.name for r in recipes]
        raise NotFoundError(
            f"No component or recipe is called {name!r}.{did_you_mean(name, known)} "
            "Run `python -m zoo list` to see what is registered, or install the plugin "
            "that provides it."
        )

    def get(self, name: str) -> Any:
        """The implementation of a component (imported on first use).

        For a recipe, a callable that builds it: ``zoo.get("resnet_small")(num_classes=10)``.
        """
        entry = self.resolve(name)
        if isinstance(entry, Recipe):
            return functools.partial(self.build, entry.id)
        with self._lock:
            implementation = self._implementations.get(entry.id)
        if implementation is None:
            _check_backend(entry)
            implementation = _import_target(entry)
            with self._lock:
                self._implementations[entry.id] = implementation
        _check_keras_name(entry, implementation)
        return implementation

    def builder_of(self, recipe: Recipe) -> ComponentSpec:
        """The model builder a recipe names (checked to be a ``model`` component on load)."""
        if recipe.graph is not None:
            raise ZooError(
                f"{recipe.id!r} is a graph recipe: it has nodes, not a builder. "
                "Build it with zoo.build, or read its graph with zoo.get_spec(...).graph."
            )
        builder = self._resolve(recipe.builder, include_recipes=False)
        if not isinstance(builder, ComponentSpec):
            raise NotFoundError(f"The builder of {recipe.id!r} is not a component.")
        return builder

    def build(self, name: str, /, **overrides: Any) -> Any:
        """Build the model of a recipe or model builder; see `zoo.build`."""
        from zoo._factory import build_model

        entry = self.resolve(name)
        if isinstance(entry, Recipe) and entry.graph is not None:
            from zoo._graph import build_recipe_graph

            return _tag(build_recipe_graph(entry, overrides, self), entry.id, overrides)
        if isinstance(entry, Recipe):
            from zoo._search import check_search_keys_at_build

            builder = self.builder_of(entry)
            check_search_keys_at_build(entry, builder, self.get(builder.id))
            arguments = {**entry.args, **overrides}
            label = f"recipe {entry.id} (builder {builder.id})"
        elif entry.kind == "model":
            builder, arguments, label = entry, dict(overrides), entry.id
        else:
            raise ZooError(
                f"zoo.build makes models from recipes and model builders. Received: {entry.id!r}, "
                f"a {entry.kind}. Use zoo.get({entry.id!r})(...) to construct it."
            )
        implementation = self.get(builder.id)
        model = build_model(implementation, arguments, label)
        return _tag(model, entry.id, {**_signature_defaults(implementation), **arguments})


def _signature_defaults(fn: Any) -> dict[str, Any]:
    from zoo._arguments import parameters

    return {p.name: p.default for p in parameters(fn) if not p.required}


def _tag(model: Any, entry_id: str, arguments: Mapping[str, Any]) -> Any:
    """Record on ``model`` what built it (``zoo_id``, ``zoo_arguments``), for zoo.compile/fit.

    Set past Keras' attribute tracking: plain data, not part of the saved model.
    """
    object.__setattr__(model, "zoo_id", entry_id)
    object.__setattr__(model, "zoo_arguments", dict(arguments))
    return model


def _hashable(plugin: object, name: str) -> object:
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


def _collector(plugin: str, declarations: list[ComponentSpec | Recipe]) -> Callable[[Any], None]:
    def register(item: Any) -> None:
        if not isinstance(item, (ComponentSpec, Recipe)):
            raise PluginError(
                "register() takes a zoo.ComponentSpec or a zoo.Recipe. "
                f"Received: {item!r} from plugin {plugin!r}."
            )
        declarations.append(item)

    return register


def _api_versions(declared: list[Any]) -> set[int] | None:
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


def _strip_source(message: str, recipe: Recipe) -> str:
    """A RegistryFileError about a plugin's recipe, without the ``<source>: `` prefix."""
    prefix = f"{recipe.source}: "
    message = message[len(prefix) :] if message.startswith(prefix) else message
    return message.rstrip(".")


def _failed(info: PluginInfo, what: str, error: BaseException) -> PluginInfo:
    return dataclasses.replace(info, status="failed", reason=f"{what}: {_describe_error(error)}")


def _entry_point_problem(ep: importlib.metadata.EntryPoint, info: PluginInfo) -> str | None:
    """Why an entry point cannot be a plugin (its name or its value), or None."""
    where = f"the entry point {ep.name!r} = {ep.value!r} of {_source(ep)}"
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


def _is_recipe(entry: Entry) -> bool:
    return isinstance(entry, Recipe)


def _dist(ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
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
    for filename in ("METADATA", "PKG-INFO") if read is not None else ():
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


def _source(ep: importlib.metadata.EntryPoint) -> str:
    name, version = _dist(ep)
    return f"{name} {version}".strip() or "unknown distribution"


def _check_backend(spec: ComponentSpec) -> None:
    if not spec.backends:
        return
    import keras

    backend = keras.config.backend()
    if backend not in spec.backends:
        raise ZooError(
            f"{spec.id} runs on the Keras backend(s) {', '.join(spec.backends)}. "
            f"Received: backend {backend!r}. Set KERAS_BACKEND={spec.backends[0]} "
            "before importing Keras."
        )


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _check_keras_name(spec: ComponentSpec, obj: Any) -> None:
    """Refuse an implementation whose ``zoo.<plugin>>Name`` Keras now maps to another class.

    Keras lets a later ``register_keras_serializable`` take a registered name silently;
    a model built from ``obj`` would then save under a name that loads the other class.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        return
    try:
        key = keras.saving.get_registered_name(obj)
    except Exception:  # not something Keras names
        return
    if not isinstance(key, str) or not key.startswith("zoo.") or ">" not in key:
        return
    active = keras.saving.get_custom_objects().get(key)
    if active is None or active is obj or _where(active) == _where(obj):
        return
    from zoo._serializable import name_clashes

    clash = next((str(c) for c in name_clashes() if c.name == key), None)
    received = clash or f"{key!r} is registered for {_where(obj)} and {_where(active)}"
    raise ZooError(
        f"A Keras name belongs to one class. Received: {received}; {spec.id} is implemented "
        f"by {_where(obj)}, so a model built from it would load as {_where(active)}. Remove "
        f"the register_keras_serializable of {_where(active)} (or uninstall the plugin that "
        "does it)."
    )


def _import_target(spec: ComponentSpec) -> Any:
    module_name, _, attribute = spec.target.partition(":")
    install = f"reinstall {spec.distribution}" if spec.distribution else "check the plugin"
    try:
        obj: Any = importlib.import_module(module_name)
    except ZooError:
        raise  # the zoo's own rule, raised while importing (a Keras name clash): as it is
    except Exception as error:
        raise ZooError(
            f"The implementation of {spec.id} could not be imported from {spec.target}. "
            f"Received: {_describe_error(error)}. Install what it names, or {install}."
        ) from error
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ZooError(
                f"The target of {spec.id} must exist. Received: {spec.target!r}, but "
                f"{module_name} has no {attribute!r}. Fix the spec, or {install}."
            ) from None
    return obj


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
