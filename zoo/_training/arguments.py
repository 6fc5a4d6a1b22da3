"""What a run builds: the recipe or builder to train, and the arguments the data implies.

`zoo.fit`, `zoo.hypermodel` and the scikit-learn estimators fill in the builder
arguments a data source implies (input shape, number of classes, ...) the same way:
for the arguments the builder accepts and the user did not set; an override that
contradicts the data is an error naming both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError, ZooError
from zoo._base.jsonable import jsonable

if TYPE_CHECKING:
    from zoo._data.splits import DataInfo
    from zoo._registry.registry import Registry
    from zoo._specs.component import Entry


def model_entry(
    model_or_name: Any, overrides: Mapping[str, Any], registry: Registry
) -> tuple[Entry | None, Any]:
    """``(entry, None)`` for a name, ``(its entry or None, model)`` for a model."""
    from zoo._specs.component import Recipe

    if isinstance(model_or_name, str):
        entry = registry.resolve(model_or_name)
        if not isinstance(entry, Recipe) and entry.kind != "model":
            raise ZooError(
                f"zoo.fit trains recipes and model builders. Received: {entry.id!r}, a "
                f"{entry.kind}. Name a model (`python -m zoo list --kind model`)."
            )
        return entry, None
    if overrides:
        raise ArgumentError(
            "Builder overrides apply when zoo.fit builds the model from a name. Received: "
            f"a model and overrides {sorted(overrides)}. Pass the recipe's name instead."
        )
    entry_id = getattr(model_or_name, "zoo_id", None)
    return (registry.resolve(entry_id) if entry_id else None), model_or_name


def builder_id(entry: Entry | None, registry: Registry) -> str | None:
    """The id of the model builder behind ``entry`` (None: no entry, or a graph recipe)."""
    from zoo._specs.component import Recipe

    if entry is None:
        return None
    if isinstance(entry, Recipe):
        return None if entry.graph is not None else registry.builder_of(entry).id
    return entry.id


def accepted_arguments(entry: Entry, registry: Registry) -> set[str] | None:
    """The argument names the entry's builder accepts (None: a graph recipe, no builder)."""
    from zoo._base.arguments import parameters
    from zoo._specs.component import Recipe

    if isinstance(entry, Recipe):
        if entry.graph is not None:
            return None
        entry = registry.builder_of(entry)
    return {p.name for p in parameters(registry.get(entry.id))}


def implied_arguments(
    entry: Entry, overrides: Mapping[str, Any], info: DataInfo, registry: Registry
) -> dict[str, Any]:
    """The user's overrides plus what the data implies, for the arguments the builder takes.

    An override that contradicts the data is a ZooError naming both.
    """
    accepted = accepted_arguments(entry, registry)
    if accepted is None:
        return dict(overrides)
    result = dict(overrides)
    for name, implied in info.builder_arguments.items():
        if name not in accepted:
            continue
        if name in overrides:
            if jsonable(overrides[name]) != jsonable(implied):
                raise ZooError(
                    f"The override {name}={overrides[name]!r} contradicts the data: "
                    f"{info.source} implies {name}={implied!r}. Received: both. Drop the "
                    "override or use data that fits it."
                )
            continue
        result[name] = implied
    return result


__all__ = ["accepted_arguments", "builder_id", "implied_arguments", "model_entry"]
