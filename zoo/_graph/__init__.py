"""Graph specs: Keras Functional models described as data (docs/graphs.md).

    model = zoo.build_graph({
        "inputs": {"x": {"shape": [8]}},
        "nodes": [
            {"name": "hidden", "layer": "keras/Dense", "args": {"units": 16}},
            {"name": "out", "layer": "keras/Dense", "args": {"units": 1}},
        ],
    })
    spec = zoo.to_spec(model)   # back to data

The format itself (parsing, the structural checks, overrides) is data at the spec
level, in `zoo._specs.graph` and `zoo._specs.graph_overrides`: recipes and registry files
parse their graphs while listing without this package. Here is the factory's side:
building (``build``), turning a model back into a spec (``to_spec``) and drawing
(``draw``), which import Keras.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._specs.graph import GraphArgumentError, GraphError, GraphSpec, parse_graph
from zoo._specs.graph_overrides import apply_overrides

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import Recipe

__all__ = [
    "GraphArgumentError",
    "GraphError",
    "GraphSpec",
    "build_graph",
    "load_graph_file",
    "parse_graph",
    "to_spec",
]


def load_graph_file(path: str | os.PathLike[str]) -> GraphSpec:
    """Read a TOML file whose top level is a graph spec (``inputs``, ``nodes``, ``outputs``)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise GraphError(f"{path}: graph file not found. Check the path.") from None
    except tomllib.TOMLDecodeError as error:
        raise GraphError(f"{path}: not valid TOML: {error}. Fix the syntax there.") from None
    except OSError as error:
        raise GraphError(f"{path}: cannot be read: {error}.") from None
    return parse_graph(data, source=str(path), key="")


def _as_spec(spec: Any) -> tuple[GraphSpec, str]:
    if isinstance(spec, GraphSpec):
        return spec, f"graph spec {spec.where()}"
    if isinstance(spec, (str, os.PathLike)):
        loaded = load_graph_file(spec)
        return loaded, f"graph file {loaded.source}"
    if isinstance(spec, Mapping):
        return parse_graph(spec), "graph spec"
    raise GraphError(
        "A graph spec is a dict (or TOML table) with inputs, nodes and outputs, or the path "
        f"of a TOML file holding one. Received: {type(spec).__name__}."
    )


def build_graph(
    spec: Any,
    /,
    *,
    registry: Registry | None = None,
    allow_files: bool | None = None,
    **overrides: Any,
) -> Any:
    """Build the ``keras.Model`` a graph spec describes.

    Args:
        spec: a dict (or TOML table) with ``inputs``, ``nodes`` and ``outputs``; the path
            of a TOML file whose top level is one; or a parsed `GraphSpec`.
        registry: the registry that resolves component names (default: the zoo's own).
        allow_files: let node arguments name files for layers to read (a vocabulary
            file, for example). Off by default, as in Keras' safe mode: a spec is data
            that may come from anyone. None reads ``ZOO_GRAPH_ALLOW_FILES``.
        **overrides: ``<node>_<argument>=value`` (or ``**{"<node>.<argument>": value}``),
            ``<input>_shape``, ``<node>_repeat``, ``name``; checked before building.

    Raises:
        zoo.GraphError: the spec is invalid (the message names the file, key and node).
        zoo.ArgumentError: an override is not accepted.
    """
    from zoo._graph.build import build_parsed_graph
    from zoo._registry import default_registry

    parsed, label = _as_spec(spec)
    parsed, touched = apply_overrides(parsed, overrides, label)
    registry = registry if registry is not None else default_registry()
    return build_parsed_graph(parsed, registry, touched, allow_files)


def build_recipe_graph(recipe: Recipe, overrides: Mapping[str, Any], registry: Registry) -> Any:
    """Build a graph recipe's model with ``overrides`` (the factory's path for graph recipes)."""
    from zoo._graph.build import build_parsed_graph

    parsed = recipe.parsed_graph()
    parsed, touched = apply_overrides(parsed, overrides, f"recipe {recipe.id} (graph)")
    if "name" not in overrides and parsed.name is None:
        parsed = dataclasses.replace(parsed, name=recipe.name)
    return build_parsed_graph(parsed, registry, touched)


def to_spec(model: Any) -> dict[str, Any]:
    """Turn a Functional model back into a graph spec (a plain dict).

    Every layer must be a Keras built-in (``keras/Dense``) or a registered zoo layer
    (``vision/PixelShuffle``), called once on one tensor or a list of tensors. Each
    becomes a node named after the layer, with the constructor arguments that differ
    from the defaults; ``zoo.build_graph(zoo.to_spec(model))`` rebuilds the same layer
    configs and wiring (with fresh weights). Anything else (a shared layer, a nested
    model, a raw ``keras.ops`` call, masking, a multi-output layer) raises a ZooError
    naming the layer.

    Example:

    ```python
    spec = zoo.to_spec(model)
    clone = zoo.build_graph(spec)
    clone.set_weights(model.get_weights())
    ```
    """
    from zoo._graph.to_spec import model_to_spec

    return model_to_spec(model)
