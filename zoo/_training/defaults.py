"""Training defaults of a registered entry: its builder's table, then the recipe's.

The table format and its checks (`TrainingDefaults`, `check_training`, `check_object`)
are data that specs validate at registration; they live in `zoo._specs.training`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoo._specs.training import (
    FIELDS,
    MODES,
    SCHEDULES,
    TrainingDefaults,
    check_object,
    check_training,
)

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import Entry

__all__ = [
    "FIELDS",
    "MODES",
    "SCHEDULES",
    "TrainingDefaults",
    "check_object",
    "check_training",
    "training_defaults",
]


def training_defaults(entry: Entry, registry: Registry | None = None) -> TrainingDefaults:
    """The training defaults of a recipe or model builder: the builder's, then the recipe's.

    ``entry`` is a `zoo.Recipe` or a model `zoo.ComponentSpec`; graph recipes have only
    their own table.
    """
    from zoo._specs.component import Recipe

    if registry is None:
        from zoo._registry import default_registry

        registry = default_registry()
    defaults = TrainingDefaults()
    if isinstance(entry, Recipe):
        if entry.graph is None:
            defaults = defaults.merged(registry.builder_of(entry).training)
        return defaults.merged(entry.training)
    return defaults.merged(getattr(entry, "training", None))
