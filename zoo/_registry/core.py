"""The core's own components, declared as the plugin ``zoo`` (data only).

The registry adds them on load as the plugin ``zoo`` of the keras-zoo distribution,
beside the graph recipes of the same namespace: the data sources ``zoo/npz`` and
``zoo/csv``, whose targets (``zoo._data.files``) are imported only when used. This
module is a plugin like any other (``zoo_plugin_api`` and ``zoo_register`` hooks) that
lives at the registry's level, so the registry imports nothing above it to load it.
"""

from __future__ import annotations

from typing import Any

from zoo._specs.component import ComponentSpec
from zoo._version import PLUGIN_API_VERSION
from zoo.hookspecs import hookimpl

#: The plugin name of the core's own components.
PLUGIN = "zoo"


def core_specs() -> list[ComponentSpec]:
    """The ``dataset`` specs the core itself provides."""
    return [
        ComponentSpec(
            "npz",
            target="zoo._data.files:npz",
            kind="dataset",
            summary="A .npz file: keys x and y (seeded split) or x_train/y_train/x_test/y_test.",
            tags=("file", "arrays"),
        ),
        ComponentSpec(
            "csv",
            target="zoo._data.files:csv",
            kind="dataset",
            summary="A numeric .csv file with a header: a named target column against the rest.",
            tags=("file", "tabular"),
        ),
    ]


@hookimpl
def zoo_plugin_api() -> list[int]:
    return [PLUGIN_API_VERSION]


@hookimpl
def zoo_register(register: Any) -> None:
    for spec in core_specs():
        register(spec)
