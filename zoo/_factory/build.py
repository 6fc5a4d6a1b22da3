"""The factory: one path from a name to a ``keras.Model``, for builders and graph recipes.

    zoo.build(name, **overrides)
      -> build(name, overrides)          resolve the name through the registry
         -> a graph recipe:   zoo._graph.build_recipe_graph (nodes, overrides, Keras)
         -> a builder recipe or a model builder:
              call_builder(implementation, arguments)   argument checks, then the call
      -> the model, tagged with what built it (``zoo_id``, ``zoo_arguments``)

The registry resolves and validates; it builds nothing and knows no factory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from zoo._base.arguments import check_arguments, parameters, python_numbers
from zoo._base.errors import ArgumentError, ZooError
from zoo._base.limits import build_limits, check_integers
from zoo._specs.component import ComponentSpec, Entry, Recipe

if TYPE_CHECKING:
    from zoo._registry import Registry


def build(
    name: str, overrides: Mapping[str, Any] | None = None, *, registry: Registry | None = None
) -> Any:
    """Build the model of a recipe or model builder; see `zoo.build`.

    Args:
        name: the id or unique short name of a recipe or model builder.
        overrides: builder arguments (graph recipes: ``<node>.<argument>`` keys) over
            the recipe's; checked before anything is built.
        registry: the registry that resolves names (default: the process-wide one).
    """
    registry = _registry(registry)
    overrides = dict(overrides or {})
    entry = registry.resolve(name)
    if isinstance(entry, Recipe) and entry.graph is not None:
        from zoo._graph import build_recipe_graph

        return tag(build_recipe_graph(entry, overrides, registry), entry.id, overrides)
    builder, arguments, label = _builder_call(entry, overrides, registry)
    implementation = registry.get(builder.id)
    model = call_builder(implementation, arguments, label)
    return tag(model, entry.id, {**signature_defaults(implementation), **arguments})


def get(name: str, *, registry: Registry | None = None) -> Any:
    """The implementation of a component; for a recipe, a callable that builds it.

    ``get("resnet_small")(num_classes=10)`` is ``build("resnet_small", {"num_classes": 10})``.
    """
    registry = _registry(registry)
    entry = registry.resolve(name)
    if isinstance(entry, Recipe):
        return functools.partial(_build_with, entry.id, registry)
    return registry.get(entry.id)


def _build_with(name: str, registry: Registry, /, **overrides: Any) -> Any:
    return build(name, overrides, registry=registry)


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from zoo._registry import default_registry

    return default_registry()


def _builder_call(
    entry: Entry, overrides: dict[str, Any], registry: Registry
) -> tuple[ComponentSpec, dict[str, Any], str]:
    """The model builder an entry calls, with which arguments, and its label in errors."""
    if isinstance(entry, Recipe):
        from zoo._specs.search_keys import check_search_keys_at_build

        builder = registry.builder_of(entry)
        check_search_keys_at_build(entry, builder, registry.get(builder.id))
        return builder, {**entry.args, **overrides}, f"recipe {entry.id} (builder {builder.id})"
    if entry.kind == "model":
        return entry, overrides, entry.id
    raise ZooError(
        f"zoo.build makes models from recipes and model builders. Received: {entry.id!r}, "
        f"a {entry.kind}. Use zoo.get({entry.id!r})(...) to construct it."
    )


def call_builder(builder: Callable[..., Any], arguments: Mapping[str, Any], label: str) -> Any:
    """Call ``builder(**arguments)`` after validating the arguments; return a keras.Model.

    NumPy numbers are passed as Python ones. A ValueError raised by the builder's own
    argument checks becomes a `zoo.ArgumentError` (itself a ValueError) that names
    ``label``; a model above the parameter limit, an integer argument beyond any Keras
    size, or an allocation failure is a ZooError too (``zoo._base.limits``); other exceptions
    are bugs and propagate unchanged.
    """
    arguments = {name: python_numbers(value) for name, value in arguments.items()}
    check_arguments(builder, arguments, label)
    check_integers(arguments, label)
    import keras

    try:
        with build_limits(label, arguments):
            model = builder(**arguments)
    except ZooError:
        raise
    except ValueError as error:
        raise ArgumentError(f"Building {label} failed: {error}") from error
    if not isinstance(model, keras.Model):
        raise ZooError(
            f"A model builder returns a keras.Model. Received: {type(model).__name__} from "
            f"{label}. Fix the builder to return keras.Model(inputs, outputs)."
        )
    return model


def signature_defaults(fn: Any) -> dict[str, Any]:
    """The default values of ``fn``'s optional parameters."""
    return {p.name: p.default for p in parameters(fn) if not p.required}


def tag(model: Any, entry_id: str, arguments: Mapping[str, Any]) -> Any:
    """Record on ``model`` what built it (``zoo_id``, ``zoo_arguments``), for zoo.compile/fit.

    Set past Keras' attribute tracking: plain data, not part of the saved model.
    """
    object.__setattr__(model, "zoo_id", entry_id)
    object.__setattr__(model, "zoo_arguments", dict(arguments))
    return model
