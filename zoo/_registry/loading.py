"""Loading plugins: entry points and plugin objects through pluggy, each one isolated.

A `PluginLoader` owns the pluggy manager. It loads the entry points it is given (in
sorted name order, control applied before any import) and registers plugin objects,
calling their hooks and checking what they declare, all or nothing: a plugin that
fails to import, whose hook raises or whose declarations are invalid comes back as
a `Loaded` record with status ``failed`` (or ``incompatible``, ``disabled``) and its
reason, and the others load. The `Registry` keeps what the loaded ones declare.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pluggy

from zoo import hookspecs
from zoo._base.errors import PluginError
from zoo._registry import plugins
from zoo._registry.files import RegistryConfig
from zoo._registry.plugins import (
    CORE_NAMESPACE,
    Interrupts,
    api_versions,
    collector,
    describe_error,
    disabled_reason,
    discover,
    distribution_of,
    entry_point_problem,
    failed,
    source_of,
    warn_unknown_names,
)
from zoo._specs.component import ComponentSpec, PluginInfo, Recipe, natural_key
from zoo._version import PLUGIN_API_VERSION


@dataclass
class Loaded:
    """One plugin's record, and what it declares when its status is ``loaded``."""

    info: PluginInfo
    specs: list[ComponentSpec] = field(default_factory=list)
    recipes: list[Recipe] = field(default_factory=list)


class PluginLoader:
    """Loads plugins into one pluggy manager; see the module docs."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager("zoo")
        self._pm.add_hookspecs(hookspecs)

    def plugin_object(self, name: str) -> object | None:
        """The object registered under ``name`` (a loaded plugin's module, usually), or None."""
        return self._pm.get_plugin(name)

    def remove(self, name: str) -> None:
        """Unregister the plugin called ``name`` from pluggy, if it is registered."""
        plugin = self._pm.get_plugin(name)
        if plugin is not None:
            self._pm.unregister(plugin)

    def load_entry_points(
        self,
        entry_points: list[importlib.metadata.EntryPoint] | None,
        environ: Mapping[str, str],
        config: RegistryConfig,
        *,
        core_loaded: bool,
    ) -> tuple[list[Loaded], list[PluginInfo]]:
        """Load the entry points (default: the installed ones); return records and refusals.

        The refusals are entry points that claim the core's name ``zoo`` without being
        keras-zoo's own (or while the core's plugin is already built in).
        """
        by_name: dict[str, list[importlib.metadata.EntryPoint]] = {}
        for ep in discover(entry_points):
            by_name.setdefault(ep.name, []).append(ep)
        warn_unknown_names(environ, sorted(by_name, key=natural_key))
        refused = self._refuse_impostors(by_name, core_loaded)
        records: list[Loaded] = []
        with Interrupts() as interrupts:
            for name in sorted(by_name, key=natural_key):
                records += self._load_entry_point(name, by_name[name], environ, config, interrupts)
        return records, refused

    @staticmethod
    def _refuse_impostors(
        by_name: dict[str, list[importlib.metadata.EntryPoint]], core_loaded: bool
    ) -> list[PluginInfo]:
        """Take out the entry points named ``zoo`` that are not the core's; return them."""
        refused: list[PluginInfo] = []
        for ep in by_name.pop(CORE_NAMESPACE, []):  # an impostor must not knock out the core
            info = PluginInfo(ep.name, "failed", *distribution_of(ep), ep.value)
            why = entry_point_problem(ep, info)
            if why is None and core_loaded:
                why = f"the core's plugin {CORE_NAMESPACE!r} is built in, not an entry point"
            if why is None:
                by_name.setdefault(CORE_NAMESPACE, []).append(ep)
            else:
                refused.append(dataclasses.replace(info, reason=why))
        return refused

    def _load_entry_point(
        self,
        name: str,
        eps: list[importlib.metadata.EntryPoint],
        environ: Mapping[str, str],
        config: RegistryConfig,
        interrupts: Interrupts,
    ) -> list[Loaded]:
        if len(eps) > 1:
            sources = " and ".join(f"{ep.value} ({source_of(ep)})" for ep in eps)
            reason = (
                f"two distributions provide the plugin {name!r}: {sources}. Neither is "
                "loaded; uninstall one of them."
            )
            twins = [*eps[1:], eps[0]]
            return [
                Loaded(PluginInfo(name, "failed", *distribution_of(ep), ep.value, reason))
                for ep in twins
            ]
        ep = eps[0]
        info = PluginInfo(name, "disabled", *distribution_of(ep), ep.value)
        if (disabled := disabled_reason(environ, config, name)) is not None:
            return [Loaded(dataclasses.replace(info, reason=disabled))]
        if (why := entry_point_problem(ep, info)) is not None:
            return [Loaded(dataclasses.replace(info, status="failed", reason=why))]
        return [self._import_and_add(ep, info, interrupts)]

    def _import_and_add(
        self, ep: importlib.metadata.EntryPoint, info: PluginInfo, interrupts: Interrupts
    ) -> Loaded:
        """Import an entry point and add its plugin, timing it and noting heavy imports."""
        before = {m for m in plugins.HEAVY_MODULES if m in sys.modules}
        start = time.perf_counter()
        try:
            plugin = ep.load()
        except KeyboardInterrupt as error:
            if interrupts.real:
                raise
            loaded = Loaded(failed(info, "import failed", error))
        except BaseException as error:  # SystemExit too: a plugin never ends the command
            loaded = Loaded(failed(info, "import failed", error))
        else:
            loaded = self.add(plugin, info, interrupts)
        heavy = tuple(m for m in plugins.HEAVY_MODULES if m in sys.modules and m not in before)
        loaded.info = dataclasses.replace(
            loaded.info, load_seconds=time.perf_counter() - start, heavy_imports=heavy
        )
        return loaded

    def add(self, plugin: object, info: PluginInfo, interrupts: Interrupts | None = None) -> Loaded:
        """Register one plugin object with pluggy and collect its declarations, all or nothing."""
        try:
            self._pm.register(plugin, name=info.name)
        except Exception as error:
            reason = f"invalid plugin: {describe_error(error)}"
            return Loaded(dataclasses.replace(info, status="failed", reason=reason))
        try:
            versions = api_versions(self._call_hook("zoo_plugin_api", plugin))
            if versions is not None and PLUGIN_API_VERSION not in versions:
                self._pm.unregister(plugin)
                return Loaded(_incompatible(info, versions))
            declarations: list[ComponentSpec | Recipe] = []
            self._call_hook("zoo_register", plugin, register=collector(info.name, declarations))
            specs, recipes = _validate_declarations(info, declarations)
        except KeyboardInterrupt as error:
            self._pm.unregister(plugin)
            if interrupts is None or interrupts.real:
                raise
            return Loaded(failed(info, "a hook raised", error))
        except BaseException as error:  # SystemExit too: a plugin never ends the command
            self._pm.unregister(plugin)
            if isinstance(error, Exception):
                reason = describe_error(error)
                return Loaded(dataclasses.replace(info, status="failed", reason=reason))
            return Loaded(failed(info, "a hook raised", error))
        count = len(specs) + len(recipes)
        return Loaded(dataclasses.replace(info, status="loaded", components=count), specs, recipes)

    def _call_hook(self, hook: str, plugin: object, **kwargs: Any) -> list[Any]:
        others = [p for p in self._pm.get_plugins() if p is not plugin]
        return self._pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)


def _incompatible(info: PluginInfo, versions: set[int]) -> PluginInfo:
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


def _validate_declarations(
    info: PluginInfo, declarations: list[ComponentSpec | Recipe]
) -> tuple[list[ComponentSpec], list[Recipe]]:
    """A plugin's specs and recipes, stamped with where they come from; names unique."""
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
