"""Overrides of a graph spec: ``deep.units=32`` (or ``deep_units=32``), ``x.shape``, ``name``.

``zoo.build(graph_recipe, **overrides)`` and ``zoo.build_graph(spec, **overrides)`` apply
them to the data and parse the result again, so every structural check still holds;
a recipe's search space is over the same keys. Data only, like `zoo._specs.graph`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from zoo._base.errors import ArgumentError, did_you_mean
from zoo._specs.graph import INPUT_KEYS, GraphArgumentError, GraphError, GraphSpec, parse_graph


def _override_targets(spec: GraphSpec) -> dict[str, tuple[str, str]]:
    """Every ``prefix`` an override key may start with: node and input names."""
    targets = {n.name: ("node", n.name) for n in spec.nodes}
    targets.update({i.name: ("input", i.name) for i in spec.inputs})
    return targets


def split_override(spec: GraphSpec, key: str, label: str) -> tuple[str, str, str]:
    """``"deep.units"`` or ``"deep_units"`` -> ``("node", "deep", "units")``.

    ``"name"`` is the model name: ``("model", "", "name")``. The underscore form takes
    the longest node or input name that the key starts with.
    """
    if key == "name":
        return "model", "", "name"
    targets = _override_targets(spec)
    if "." in key:
        owner, _, field_name = key.partition(".")
        if owner in targets and field_name.isidentifier():
            return (*targets[owner], field_name)
    else:
        matches = [t for t in targets if key.startswith(t + "_") and len(key) > len(t) + 1]
        if matches:
            owner = max(matches, key=len)
            return (*targets[owner], key[len(owner) + 1 :])
    choices = ["name"] + [
        f"{t}.<argument>" if kind == "node" else f"{t}.shape" for t, (kind, _) in targets.items()
    ]
    guesses = [f"{n.name}.{a}" for n in spec.nodes for a in [*n.args, *n.each, "repeat"]]
    guesses += [f"{i.name}.shape" for i in spec.inputs] + [f"{i.name}.dtype" for i in spec.inputs]
    raise ArgumentError(
        f"{label} takes overrides named <node>.<argument> (or <node>_<argument>), "
        f"<input>.shape, <input>.dtype or name. Received: {key!r}."
        f"{did_you_mean(key.replace('_', '.', 1) if '.' not in key else key, guesses)} "
        f"Accepted: {', '.join(choices)}."
    )


def apply_overrides(
    spec: GraphSpec, overrides: Mapping[str, Any], label: str
) -> tuple[GraphSpec, dict[tuple[str, str], str]]:
    """Return the spec with ``overrides`` applied, and which node arguments they set.

    The second value maps ``(node, argument)`` to the override key, so that argument
    checks can say an override is at fault. Unknown targets raise ArgumentError.
    """
    if not overrides:
        return spec, {}
    data = copy.deepcopy(dict(spec.data))
    if "nodes" not in data:  # pragma: no cover - parse_graph guarantees it
        raise GraphError(f"{spec.where()}: a graph needs nodes.")
    nodes = data["nodes"] = [dict(n) for n in data["nodes"]]
    index_of = {n.name: n.index for n in spec.nodes}
    touched: dict[tuple[str, str], str] = {}
    for key, value in overrides.items():
        kind, owner, field_name = split_override(spec, key, label)
        if kind == "model":
            if not isinstance(value, str) or not value:
                raise ArgumentError(
                    f"{label}: the model name is a non-empty string. Received: name={value!r}."
                )
            data["name"] = value
        elif kind == "input":
            if field_name not in INPUT_KEYS:
                raise ArgumentError(
                    f"{label}: an input's overrides are {owner}.shape and {owner}.dtype. "
                    f"Received: {key!r}."
                )
            inputs = data["inputs"] = {k: dict(v) for k, v in data["inputs"].items()}
            inputs[owner][field_name] = value
        elif _override_node(nodes[index_of[owner]], owner, field_name, key, value, label):
            touched[(owner, field_name)] = key
    try:
        new = parse_graph(data, source=spec.source, key=spec.key)
    except GraphError as error:
        raise GraphArgumentError(
            f"{label}: the overrides make the graph invalid: {error}"
        ) from None
    return new, touched


def _override_node(
    node: dict[str, Any], owner: str, field_name: str, key: str, value: Any, label: str
) -> bool:
    """Set one override on a node's data; True when it set one of the node's arguments."""
    node.setdefault("name", owner)  # an auto-named node keeps its name
    if field_name == "repeat":
        if "each" in node:
            raise ArgumentError(
                f"{label}: {owner!r} repeats once per value of each "
                f"({', '.join(node['each'])}), so its repeat is set through them. "
                f"Received: {key}={value!r}. Override "
                f"{owner}.{next(iter(node['each']))} with a list instead."
            )
        node["repeat"] = value
        return False
    if field_name in ("args", "first_args", "each", "inputs", "layer", "name"):
        raise ArgumentError(
            f"{label}: an override sets one argument of a node. Received: {key!r}. "
            f"Use {owner}.<argument>=value."
        )
    if field_name in node.get("each", {}):
        _override_each(node, owner, field_name, key, value, label)
        return True
    args = node["args"] = dict(node.get("args", {}))
    args[field_name] = value
    return True


def _override_each(
    node: dict[str, Any], owner: str, field_name: str, key: str, value: Any, label: str
) -> None:
    """Replace one list of a node's ``each``; scalar-valued sibling lists follow its length."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise ArgumentError(
            f"{label}: {owner}.{field_name} gives one value per copy of "
            f"{owner!r}, so it is a non-empty list. Received: {key}={value!r}. "
            f"Example: {owner}.{field_name}=[256, 128]."
        )
    each = node["each"] = dict(node["each"])
    each[field_name] = list(value)
    others = [k for k, v in each.items() if k != field_name and len(v) != len(value)]
    for other in others:  # a scalar-valued sibling list follows the new length
        if len({repr(v) for v in each[other]}) == 1:
            each[other] = [each[other][0]] * len(value)
        else:
            raise ArgumentError(
                f"{label}: every list in {owner}.each has one value per copy. "
                f"Received: {key} with {len(value)} value(s), but "
                f"{owner}.{other} has {len(each[other])}. Override both."
            )


def override_keys(spec: GraphSpec) -> list[tuple[str, Any]]:
    """The overridable values the spec sets, as ``(key, value)`` (for ``zoo info``)."""
    keys: list[tuple[str, Any]] = []
    for inp in spec.inputs:
        keys.append((f"{inp.name}.shape", list(inp.shape)))
    for node in spec.nodes:
        for arg, value in {**node.args, **node.each}.items():
            keys.append((f"{node.name}.{arg}", value))
        if node.repeat > 1 and not node.each:
            keys.append((f"{node.name}.repeat", node.repeat))
    return keys
