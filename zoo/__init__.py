"""keras-zoo: a plugin-based component zoo for Keras 3.

    import zoo
    zoo.list_components(kind="layer")
    model = zoo.build("resnet_small", num_classes=100)
    layer = zoo.get("vision/PixelShuffle")(upscale_factor=2)
    zoo.save(model, "model.keras"); model = zoo.load("model.keras")
    zoo.export(model, "model.tflite", quantization="dynamic_range")  # TFLite: the suffix
    result = zoo.fit("resnet_small", "vision/digits", out="runs/digits")   # a run folder

Importing ``zoo`` and listing components never imports TensorFlow, Keras or a
plugin's implementation; ``get`` and ``build`` do, on first use. Imported before
TensorFlow on x86-64 Linux, it turns TensorFlow's oneDNN kernels on where TensorFlow
leaves them off (``zoo._base.onednn``; a ``TF_ENABLE_ONEDNN_OPTS`` of yours wins).

Two faces, as keras-hub keeps its namespaces apart: this module is the user's (build,
fit, tune, load, export, ...); plugin authors write with `zoo.data` (data sources),
`zoo.testing` (the conformance kit) and `zoo.hookspecs` / `zoo.hookimpl` (registering
specs), plus the spec classes here (`zoo.ComponentSpec`, `zoo.Recipe`). Names under
``zoo._...`` are private: first-party plugins do without them, and so can yours.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._base.errors import (
    AmbiguousNameError,
    ArgumentError,
    NotFoundError,
    PluginError,
    RegistryFileError,
    ZooError,
    ZooWarning,
)
from zoo._base.onednn import prefer_onednn
from zoo._base.quiet import quiet_for_library
from zoo._specs.listing import KINDS
from zoo._version import PLUGIN_API_VERSION, __version__
from zoo.hookspecs import hookimpl

if TYPE_CHECKING:
    from zoo._graph import GraphError, build_graph, to_spec
    from zoo._registry import Registry
    from zoo._specs.component import ComponentSpec, Example, PluginInfo, PresetSource, Recipe

# TensorFlow's fastest CPU kernels where it leaves them off (x86-64 CPUs without AVX-512
# VNNI/BF16): set before TensorFlow starts, never over TF_ENABLE_ONEDNN_OPTS.
prefer_onednn()
quiet_for_library()  # TensorFlow's C++ log lines off stderr, as in the CLI

__all__ = [
    "KINDS",
    "PLUGIN_API_VERSION",
    "AmbiguousNameError",
    "ArgumentError",
    "ComponentSpec",
    "DataInfo",
    "DataSplits",
    "Example",
    "FitResult",
    "GraphError",
    "NotFoundError",
    "PluginError",
    "PluginInfo",
    "PresetSource",
    "Recipe",
    "RegistryFileError",
    "TrainingDefaults",
    "TuneResult",
    "ZooError",
    "ZooWarning",
    "__version__",
    "build",
    "build_graph",
    "compile",
    "export",
    "fit",
    "from_preset",
    "get",
    "get_spec",
    "hookimpl",
    "hypermodel",
    "list_components",
    "list_plugins",
    "load",
    "load_data",
    "plugin_settings",
    "register_plugin",
    "registry_files",
    "save",
    "save_preset",
    "serializable",
    "to_spec",
    "tune",
    "unregister_plugin",
]


#: Public names imported on first access (they import NumPy, or modules that a cached
#: ``python -m zoo list`` does not need): name -> module.
_LAZY = {
    "ComponentSpec": "zoo._specs.component",
    "Example": "zoo._specs.component",
    "PluginInfo": "zoo._specs.component",
    "PresetSource": "zoo._specs.component",
    "Recipe": "zoo._specs.component",
    "GraphError": "zoo._graph",
    "build_graph": "zoo._graph",
    "to_spec": "zoo._graph",
    "load_data": "zoo._data.resolve",
    "DataInfo": "zoo._data.splits",
    "DataSplits": "zoo._data.splits",
    "fit": "zoo._training.fitting",
    "FitResult": "zoo._training.fitting",
    "compile": "zoo._training.compiling",
    "TrainingDefaults": "zoo._specs.training",
    "export": "zoo._export",
    "load": "zoo._saving.load",
    "save": "zoo._saving.save",
    "serializable": "zoo._registry.serializable",
    "from_preset": "zoo._presets",
    "save_preset": "zoo._presets",
    "hypermodel": "zoo._tuning.hypermodel",
    "tune": "zoo._tuning.search",
    "TuneResult": "zoo._tuning.search",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _default_registry() -> Registry:
    from zoo._registry import default_registry

    return default_registry()


def list_components(
    pattern: str | None = None,
    *,
    kind: str | None = None,
    tag: str | None = None,
    plugin: str | None = None,
) -> list[ComponentSpec | Recipe]:
    """Registered components and recipes, filtered, sorted naturally by id.

    Args:
        pattern: fnmatch pattern on the id or short name (``"resnet*"``, ``"vision/*"``).
        kind: one of ``zoo.KINDS`` (``"model"``: model builders and recipes), or
            ``"recipe"`` for recipes only.
        tag: a tag the component carries.
        plugin: the plugin (entry-point) name.

    Raises:
        zoo.ArgumentError: ``kind`` is not a kind (with close matches).
        zoo.NotFoundError: no plugin is called ``plugin`` (with close matches). A plugin
            that is installed but disabled or failed warns (`zoo.ZooWarning`) instead.
    """
    return _default_registry().entries(pattern, kind=kind, tag=tag, plugin=plugin)


def list_plugins() -> list[PluginInfo]:
    """Every discovered plugin with its status: loaded, disabled, failed or incompatible."""
    return _default_registry().plugins()


def get_spec(name: str) -> ComponentSpec | Recipe:
    """The spec of a component or recipe, by id (``"vision/PixelShuffle"``) or short name."""
    return _default_registry().resolve(name)


def get(name: str) -> Any:
    """The implementation (class or builder function) of a component, imported on first use.

    For a recipe, a callable that builds it: ``zoo.get("resnet_small")(num_classes=10)``.
    """
    from zoo._factory.build import get as factory_get

    return factory_get(name)


def build(name: str, /, *, weights: Any = None, strict: bool = False, **overrides: Any) -> Any:
    """Build a ``keras.Model`` from a recipe or model builder.

    Overrides are checked against the builder's signature before anything is built;
    an unknown or mistyped argument raises `zoo.ArgumentError` naming it and the
    accepted ones.

    ``weights`` (a preset folder, a ``.keras`` file or a declared preset id) loads
    trained weights by layer name where the shapes match; the layers an override
    reshaped (a new ``num_classes``) keep fresh weights and a `zoo.ZooWarning` names
    them, or ``strict=True`` refuses with a ZooError.
    """
    from zoo._factory.build import build as factory_build

    model = factory_build(name, overrides)
    if weights is None:
        return model
    from zoo._presets.weights import load_weights_by_name

    return load_weights_by_name(model, weights, strict=strict)


def register_plugin(
    plugin: object, name: str | None = None, *, distribution: str = "", version: str = ""
) -> PluginInfo:
    """Register a plugin object (a module or any object with ``@zoo.hookimpl`` functions)."""
    return _default_registry().register_plugin(
        plugin, name, distribution=distribution, version=version
    )


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with `register_plugin` (or discovered) and its components."""
    _default_registry().unregister_plugin(name)


def plugin_settings(plugin: str) -> dict[str, Any]:
    """The ``[settings.<plugin>]`` table of the registry files in use (empty if none)."""
    return _default_registry().settings(plugin)


def registry_files() -> list[Path]:
    """The registry files in use, in the order they are read."""
    return _default_registry().registry_files()
