"""Shared by the graph tests and the wide & deep example's: a tiny TOML writer, a model's wiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def toml_value(value: Any) -> str:
    """``value`` as an inline TOML value (None, which TOML lacks, as the string "None")."""
    if value is None:
        return '"None"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TypeError(value)


def write_recipe(
    path: Path, graph: dict[str, Any], name: str = "r", namespace: str = "lab"
) -> Path:
    """A registry file with one graph recipe, ``[recipes.<namespace>.<name>]``."""
    path.write_text(
        f"[recipes.{namespace}.{name}]\nsummary = 'A test graph.'\ngraph = {toml_value(graph)}\n"
    )
    return path


def wiring(model: Any) -> dict[str, list[str]]:
    """Each layer's name -> the names of the layers whose outputs it takes, from the config."""

    def sources(value: Any) -> list[str]:
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                return [value["config"]["keras_history"][0]]
            return [s for v in value.values() for s in sources(v)]
        if isinstance(value, (list, tuple)):
            return [s for v in value for s in sources(v)]
        return []

    return {
        entry["name"]: [s for call in entry["inbound_nodes"] for s in sources(call["args"])]
        for entry in model.get_config()["layers"]
    }


def canonical(config: Any) -> str:
    """A config as sorted JSON (tuples and lists alike)."""
    return json.dumps(config, sort_keys=True, default=repr)
