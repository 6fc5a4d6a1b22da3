"""The registry layer: discovery, validation and resolution of plugins, components, recipes.

    registry.py         the `Registry`: loads plugins and registry files, keeps what they
                        declare, resolves names (ids and unique short names)
    loading.py          the `PluginLoader`: entry points and plugin objects through pluggy
    plugins.py          entry points, plugin control (ZOO_*), isolation, distributions
    recipes.py          recipe checks (passed in to the Registry; builder and graph recipes)
    implementations.py  a component's implementation: imported from its target, checked
    core.py             the core's own components (plugin ``zoo``: the data sources)
    default.py          the process-wide registry

It builds nothing and imports no layer above it (factory, graphs, training, data):
`zoo._factory.build` builds models from what the registry resolves.
"""

from __future__ import annotations

from zoo._registry.default import default_registry, default_registry_made, set_default_registry
from zoo._registry.plugins import (
    CORE_DISTRIBUTION,
    CORE_NAMESPACE,
    ENTRY_POINT_GROUP,
    HEAVY_MODULES,
)
from zoo._registry.recipes import RecipeChecker, RecipeLookup, check_recipe
from zoo._registry.registry import Registry

__all__ = [
    "CORE_DISTRIBUTION",
    "CORE_NAMESPACE",
    "ENTRY_POINT_GROUP",
    "HEAVY_MODULES",
    "RecipeChecker",
    "RecipeLookup",
    "Registry",
    "check_recipe",
    "default_registry",
    "default_registry_made",
    "set_default_registry",
]
