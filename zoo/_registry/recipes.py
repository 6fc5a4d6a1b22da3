"""Recipe checks: does a recipe name components that exist here, and of the right kind?

The registry runs a checker over every recipe whenever its plugins change; the checker
says why a recipe cannot be built here (a plugin it needs is not loaded: the recipe is
unavailable) or raises RegistryFileError for a mistake in the recipe itself. It is
passed in (``Registry(recipe_checker=...)``); `check_recipe` is the default, for
builder recipes and graph recipes alike. A checker sees the registry through
`RecipeLookup` only and imports no component: graph recipes are read with the spec
level's `zoo._specs.graph`, and a builder's search keys are checked from its source
(`zoo._specs.search_keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from zoo._base.errors import AmbiguousNameError, NotFoundError, RegistryFileError
from zoo._specs.component import ComponentSpec, Entry, Recipe
from zoo._specs.graph import KERAS_NAMESPACE


class RecipeLookup(Protocol):
    """What a recipe checker may ask the registry."""

    def plugin_known(self, name: str) -> bool:
        """Whether a plugin of that name was discovered (whatever its status)."""

    def unloaded(self, plugin_name: str) -> str | None:
        """``"the plugin 'x', which is disabled: <why>"`` if it is not loaded, else None."""

    def has_component(self, component_id: str) -> bool:
        """Whether a component (not a recipe) has this exact id."""

    def component(self, name: str) -> Entry:
        """The component (never a recipe) called ``name``: an id or a unique short name."""


#: ``checker(recipe, lookup)`` -> why the recipe is unavailable, or None; raises
#: RegistryFileError for a recipe that is wrong wherever it is loaded.
RecipeChecker = Callable[[Recipe, RecipeLookup], "str | None"]


def check_recipe(recipe: Recipe, lookup: RecipeLookup) -> str | None:
    """Why ``recipe`` cannot be built here (a plugin it needs is not loaded), or None.

    A builder id naming a component that a loaded plugin lacks, an ambiguous short
    name, or a builder that is not a model is an error in the recipe: it raises
    RegistryFileError with the file and key. Graph recipes: `check_graph_recipe`.
    """
    if recipe.graph is not None:
        return check_graph_recipe(recipe, lookup)
    if lookup.plugin_known(recipe.namespace) and (why := lookup.unloaded(recipe.namespace)):
        return f"it needs {why}"
    plugin_name, slash, _ = recipe.builder.partition("/")
    where = f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}.builder"
    if slash and not lookup.has_component(recipe.builder) and (why := lookup.unloaded(plugin_name)):
        return f"its builder {recipe.builder!r} comes from {why}"
    try:
        builder = lookup.component(recipe.builder)
    except AmbiguousNameError as error:
        raise RegistryFileError(f"{where}: {error}") from None
    except NotFoundError as error:
        if "/" not in recipe.builder:
            # A short name may belong to a plugin registered later in code.
            return f"its builder {recipe.builder!r} matches no registered component ({error})"
        raise RegistryFileError(f"{where}: {error}") from None
    if builder.kind != "model":
        raise RegistryFileError(
            f"{where}: a recipe's builder is a registered model builder. Received: "
            f"{builder.id!r}, a {builder.kind}. Name a component of kind 'model'."
        )
    if isinstance(builder, ComponentSpec):
        from zoo._specs.search_keys import (
            check_search_keys_statically,  # reads source: on first use
        )

        check_search_keys_statically(recipe, builder)  # else checked when built
    return None


def check_graph_recipe(recipe: Recipe, lookup: RecipeLookup) -> str | None:
    """`check_recipe` for a graph recipe: every node's component, without imports.

    A node naming a component of a plugin that is not loaded (or not installed)
    makes the recipe unavailable; a component a loaded plugin lacks, an ambiguous
    short name, or a component that is not a layer raises RegistryFileError naming
    the file, the key and the node. Keras built-ins (``keras/...``) are checked
    when the recipe is built.
    """
    if lookup.plugin_known(recipe.namespace) and (why := lookup.unloaded(recipe.namespace)):
        return f"it needs {why}"
    spec = recipe.parsed_graph()
    for node in spec.nodes:
        plugin_name, slash, _ = node.layer.partition("/")
        if slash and plugin_name == KERAS_NAMESPACE:
            continue
        if slash and not lookup.has_component(node.layer) and (why := lookup.unloaded(plugin_name)):
            return f"its node {node.name!r} uses {node.layer!r} from {why}"
        try:
            entry = lookup.component(node.layer)
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


def strip_source(message: str, recipe: Recipe) -> str:
    """A RegistryFileError about a plugin's recipe, without the ``<source>: `` prefix."""
    prefix = f"{recipe.source}: "
    message = message[len(prefix) :] if message.startswith(prefix) else message
    return message.rstrip(".")
