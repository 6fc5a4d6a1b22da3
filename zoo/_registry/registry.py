"""The registry: plugins, components and recipes, discovered, validated and resolved.

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

The registry builds nothing (the factory, `zoo._factory.build`, does): it knows no factory,
and the recipe checks it runs are passed in (`zoo._registry.recipes`). Nothing here
imports TensorFlow, Keras or an implementation module; ``get`` imports an
implementation on first use.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from zoo._base.errors import (
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
from zoo._base.places import registry_paths
from zoo._registry import core
from zoo._registry.files import RegistryConfig, load_registry_config
from zoo._registry.implementations import check_backend, check_keras_name, import_target
from zoo._registry.loading import Loaded, PluginLoader
from zoo._registry.plugins import (
    CORE_DISTRIBUTION,
    CORE_NAMESPACE,
    env_flag,
    hashable_plugin,
    is_core_module,
)
from zoo._registry.recipes import RecipeChecker, check_recipe, strip_source
from zoo._specs.component import (
    KINDS,
    ComponentSpec,
    Entry,
    PluginInfo,
    Recipe,
    check_name,
    natural_key,
)
from zoo._specs.listing import filter_entries
from zoo._version import __version__


def _is_recipe(entry: Entry) -> bool:
    return isinstance(entry, Recipe)


class Registry:
    """Plugins, components and recipes, discovered lazily on first use.

    Args:
        environ: the environment to read ``ZOO_*`` variables from (default: ``os.environ``).
        registry_files: extra registry files, read after the default one and ``ZOO_REGISTRY``.
        include_default_file: read the project's own ``registry.toml``.
        entry_points: the entry points to load (default: the installed ``zoo.plugins`` group).
        recipe_checker: decides, for each recipe, whether it can be built here (see
            `zoo._registry.recipes`; default: `check_recipe`, for builder and graph
            recipes).
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        registry_files: Sequence[str | Path] = (),
        include_default_file: bool = True,
        entry_points: Iterable[importlib.metadata.EntryPoint] | None = None,
        recipe_checker: RecipeChecker = check_recipe,
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._extra_files = [Path(p) for p in registry_files]
        self._include_default_file = include_default_file
        self._entry_points = None if entry_points is None else list(entry_points)
        self._recipe_checker = recipe_checker
        self._lock = threading.RLock()
        self._loaded = False
        self._error: ZooError | None = None
        self._config = RegistryConfig()
        self._loader = PluginLoader()
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
        return env_flag(self._environ, "ZOO_STRICT_PLUGINS") or self._config.strict

    def _load_entry_points(self) -> None:
        records, refused = self._loader.load_entry_points(
            self._entry_points,
            self._environ,
            self._config,
            core_loaded=CORE_NAMESPACE in self._plugins,
        )
        self._refused += refused
        for loaded in records:
            self._keep(loaded)

    def _load_core_plugin(self) -> None:
        """The core's own components (the data sources ``zoo/npz``, ``zoo/csv``): plugin ``zoo``.

        They come with the project's own registry file (whose ``zoo/`` graph recipes share
        the namespace), so a registry built without it holds only what it is given.
        """
        if not self._include_default_file:
            return
        info = PluginInfo(core.PLUGIN, "disabled", CORE_DISTRIBUTION, __version__, core.__name__)
        self._keep(self._loader.add(core, info))

    def _keep(self, loaded: Loaded) -> PluginInfo:
        """Record a plugin and keep what it declares (a loaded one's specs and recipes)."""
        info = loaded.info
        if info.status == "loaded":
            self._specs.update((spec.id, spec) for spec in loaded.specs)
            self._recipes.update((recipe.id, recipe) for recipe in loaded.recipes)
            owned = [spec.id for spec in loaded.specs] + [recipe.id for recipe in loaded.recipes]
            self._owned[info.name] = owned
        # Two failed twins share a name; keep the first record, whose reason names both.
        self._plugins.setdefault(info.name, info)
        return info

    def _refresh_recipes(self) -> None:
        """Place the registry files' recipes beside the plugins' ones and decide availability."""
        self._place_file_recipes()
        self._by_name = {}
        for spec in self._specs.values():
            self._by_name.setdefault(spec.name, []).append(spec.id)
        self._check_recipes()
        for recipe in self._recipes.values():
            if recipe.id not in self._unavailable:
                self._by_name.setdefault(recipe.name, []).append(recipe.id)
        for name, info in self._plugins.items():  # a loaded plugin's reason: its bad recipes
            if info.status == "loaded":
                bad = [i for i in self._owned.get(name, []) if i in self._invalid]
                reason = "; ".join(f"recipe {i} is unavailable: {self._invalid[i]}" for i in bad)
                if reason != info.reason:
                    self._plugins[name] = dataclasses.replace(info, reason=reason)

    def _place_file_recipes(self) -> None:
        """Add the registry files' recipes; an id that is taken already is an error."""
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

    def _check_recipes(self) -> None:
        """Run the recipe checker over every recipe: note the unavailable and invalid ones.

        A registry file's mistake raises; a plugin's makes that recipe unavailable (and
        invalid: strict mode and `register_plugin` refuse it), the rest keeps working.
        """
        self._unavailable.clear()
        self._invalid.clear()
        from_plugins = {i for owned in self._owned.values() for i in owned}
        for recipe in self._recipes.values():
            try:
                reason = self._recipe_checker(recipe, self)
            except RegistryFileError as error:
                if recipe.id not in from_plugins:
                    raise
                reason = self._invalid[recipe.id] = strip_source(str(error), recipe)
            if reason is not None:
                self._unavailable[recipe.id] = reason

    # === What a recipe checker asks (zoo._registry.recipes.RecipeLookup) ===

    def plugin_known(self, name: str) -> bool:
        """Whether a plugin of that name was discovered or registered (whatever its status)."""
        return name in self._plugins

    def has_component(self, component_id: str) -> bool:
        """Whether a component (not a recipe) has this exact id."""
        return component_id in self._specs

    def component(self, name: str) -> Entry:
        """The component (never a recipe) called ``name``: an id or a unique short name."""
        return self._resolve(name, include_recipes=False)

    def unloaded(self, plugin_name: str) -> str | None:
        """``"the plugin 'x', which is disabled: <why>"`` if ``plugin_name`` is not loaded."""
        info = self._plugins.get(plugin_name)
        if info is None:
            return f"the plugin {plugin_name!r}, which is not installed"
        if info.status == "loaded":
            return None
        why = f": {clause(info.reason)}" if info.reason else ""
        if info.status == "failed":  # enabling it would not help: it is broken
            return (
                f"the plugin {plugin_name!r}, which failed to load{why} (enabling it will not "
                "help: fix the plugin or reinstall it)"
            )
        return f"the plugin {plugin_name!r}, which is {info.status}{why}"

    def _check_strict(self) -> None:
        bad = [p for p in self._plugins.values() if p.status in ("failed", "incompatible")]
        bad += self._refused
        details = [f"{p.name} ({p.status}): {clause(p.reason)}" for p in bad]
        details += [f"recipe {i}: {clause(why)}" for i, why in self._invalid.items()]
        if details:
            received = "; ".join(details)
            raise PluginError(
                f"Strict plugin mode allows no plugin failure. Received: {received}. Fix or "
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
            name = self._free_plugin_name(plugin, name)
            info = PluginInfo(name, "disabled", distribution, version, repr(plugin))
            loaded = self._loader.add(hashable_plugin(plugin, name), info)
            if loaded.info.status != "loaded":
                raise PluginError(f"Plugin {name!r} is {loaded.info.status}: {loaded.info.reason}")
            info = self._keep(loaded)
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

    def _free_plugin_name(self, plugin: object, name: str | None) -> str:
        """The name to register ``plugin`` under: valid, not the core's, not taken."""
        if name is None:
            name = getattr(plugin, "zoo_name", None) or getattr(plugin, "__name__", None)
        name = check_name(name, "plugin name")
        if name == CORE_NAMESPACE and not is_core_module(plugin):
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
        return name

    def unregister_plugin(self, name: str) -> None:
        """Remove a plugin and everything it declared."""
        with self._lock:
            if name not in self._plugins:
                raise NotFoundError(
                    f"Only a registered plugin can be unregistered. Received: {name!r}."
                    f"{did_you_mean(name, self._plugins)}"
                )
            del self._plugins[name]
            self._loader.remove(name)
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
        return self._loader.plugin_object(name)

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
        namespaces = {s.plugin for s in self._specs.values()}
        namespaces |= {r.plugin for r in self._recipes.values()}
        if plugin in namespaces and plugin not in self._plugins:
            return  # recipes of the registry files' own namespace (zoo/...)
        if plugin not in self._plugins:
            known = sorted(set(self._plugins) | namespaces)
            raise NotFoundError(
                f"No plugin is called {plugin!r}. Received: plugin={plugin!r}."
                f"{did_you_mean(plugin, known)} Installed: {', '.join(known) or '(none)'}; "
                "`python -m zoo plugins` shows each one's status."
            )
        if (why := self.unloaded(plugin)) is not None:
            what_to_do = (
                ""
                if self._plugins[plugin].status == "failed"  # `why` says what to do
                else " Enable it (see `python -m zoo plugins`) to list its components."
            )
            warnings.warn(
                f"{why[0].upper()}{why[1:]}, so it lists nothing.{what_to_do}",
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
            found: Entry | None = self._specs.get(name)
            if found is None and include_recipes and name not in self._unavailable:
                found = self._recipes.get(name)
            if found is not None:
                return found
            if include_recipes and name in self._unavailable:
                raise NotFoundError(
                    f"The recipe {name!r} cannot be built: {self._unavailable[name]}."
                )
            plugin_name = name.partition("/")[0]
            if plugin_name in self._plugins and (why := self.unloaded(plugin_name)):
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

        A recipe has none: the factory builds it (`zoo.get` returns a callable that
        does, `zoo.build` the model).
        """
        entry = self.resolve(name)
        if isinstance(entry, Recipe):
            raise ZooError(
                f"A recipe is built, not imported. Received: {entry.id!r}, a recipe. Use "
                f"zoo.build({entry.id!r}, ...) or zoo.get({entry.id!r})(...)."
            )
        with self._lock:
            implementation = self._implementations.get(entry.id)
        if implementation is None:
            check_backend(entry)
            implementation = import_target(entry)
            with self._lock:
                self._implementations[entry.id] = implementation
        check_keras_name(entry, implementation)
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
