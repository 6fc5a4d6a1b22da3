"""Property tests: random valid graph specs build with the output width they predict;
random corruptions of them raise zoo.ZooError (naming the node they touch), nothing else."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zoo


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@st.composite
def valid_specs(draw: Any) -> tuple[dict[str, Any], int]:
    """A random DAG of Keras built-ins over 1-2 inputs, and the output width it must have."""
    widths: dict[str, int] = {}
    inputs = {}
    for i in range(draw(st.integers(1, 2))):
        width = draw(st.integers(2, 5))
        inputs[f"in{i}"] = {"shape": [width]}
        widths[f"in{i}"] = width
    consumed: set[str] = set()
    nodes: list[dict[str, Any]] = []
    previous = next(iter(inputs)) if len(inputs) == 1 else None
    for k in range(draw(st.integers(1, 6))):
        name = f"n{k}"
        kind = draw(st.sampled_from(["dense", "mlp", "activation", "norm", "merge", "merge"]))
        names = list(widths)
        node: dict[str, Any] = {"name": name}
        if kind == "merge" and len(names) >= 2:
            a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
            if widths[a] == widths[b] and draw(st.booleans()):
                node.update(layer=draw(st.sampled_from(["keras/Add", "keras/Multiply"])))
                width = widths[a]
            else:
                node.update(layer="keras/Concatenate")
                width = widths[a] + widths[b]
            node["inputs"] = [a, b]
            sources = [a, b]
        else:
            source = draw(st.sampled_from(names))
            sources = [source]
            if kind == "mlp":
                units = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
                node.update(layer="keras/Dense", args={"activation": "relu"}, each={"units": units})
                width = units[-1]
            elif kind in ("dense", "merge"):
                width = draw(st.integers(1, 6))
                node.update(layer="keras/Dense", args={"units": width})
                if draw(st.booleans()):
                    node.update(repeat=2, first_args={"use_bias": False})
            elif kind == "activation":
                node.update(layer="keras/Activation", args={"activation": "tanh"})
                width = widths[source]
            else:
                node.update(layer="keras/LayerNormalization")
                width = widths[source]
            if source != previous or draw(st.booleans()):
                node["inputs"] = source if draw(st.booleans()) else [source]
        consumed.update(sources)
        nodes.append(node)
        widths[name] = width
        previous = name
    sinks = [n for n in widths if n not in consumed]
    if len(sinks) > 1:
        nodes.append({"name": "final", "layer": "keras/Concatenate", "inputs": sinks})
        output, width = "final", sum(widths[s] for s in sinks)
    else:
        output, width = sinks[0], widths[sinks[0]]
    return {"inputs": inputs, "nodes": nodes, "outputs": output}, width


@_settings(15)
@given(valid_specs())
def test_random_valid_specs_build(isolated_registry, case: tuple[dict[str, Any], int]) -> None:
    spec, width = case
    model = zoo.build_graph(spec)
    assert model.output_shape == (None, width)
    x = [np.ones((2, *i["shape"]), "float32") for i in spec["inputs"].values()]
    y = np.asarray(model(x if len(x) > 1 else x[0]))
    assert y.shape == (2, width) and np.all(np.isfinite(y))


# === Corruptions: each returns the node name the error must mention (or None) ===


def _node(spec: dict, data: Any) -> dict:
    return data.draw(st.sampled_from(spec["nodes"]))


def unknown_layer(spec, data):
    node = _node(spec, data)
    node["layer"] += "x"
    return node["name"]


def unknown_argument(spec, data):
    node = _node(spec, data)
    node.setdefault("args", {})["bogus_argument"] = 1
    return node["name"]


def mistyped_argument(spec, data):
    node = _node(spec, data)
    node.setdefault("args", {})["trainable"] = "yes"
    return node["name"]


def refused_value(spec, data):
    node = _node(spec, data)
    node.setdefault("args", {})["dtype"] = "not_a_dtype"
    return node["name"]


def duplicate_name(spec, data):
    if len(spec["nodes"]) < 2:
        spec["nodes"].append({**spec["nodes"][0]})
    first, second = data.draw(
        st.lists(st.sampled_from(range(len(spec["nodes"]))), min_size=2, max_size=2, unique=True)
    )
    spec["nodes"][max(first, second)]["name"] = spec["nodes"][min(first, second)]["name"]
    return spec["nodes"][min(first, second)]["name"]


def missing_reference(spec, data):
    node = _node(spec, data)
    node["inputs"] = ["nowhere"]
    return node["name"]


def cycle(spec, data):
    first = spec["nodes"][0]
    first["inputs"] = [spec["outputs"]]  # every node flows into the output
    return None


def unused_input(spec, data):
    spec["inputs"]["extra"] = {"shape": [3]}
    return None


def unused_node(spec, data):
    spec["nodes"].append({"name": "dangling", "layer": "keras/ReLU", "inputs": spec["outputs"]})
    return "dangling"


def shape_mismatch(spec, data):
    # Two widths that cannot broadcast (the output's own width may be 1, which would).
    out = spec["outputs"]
    for name, units in (("wider", 99), ("narrower", 98)):
        spec["nodes"].append(
            {"name": name, "layer": "keras/Dense", "args": {"units": units}, "inputs": out}
        )
    spec["nodes"].append({"name": "bad_add", "layer": "keras/Add", "inputs": ["wider", "narrower"]})
    spec["outputs"] = "bad_add"
    return "bad_add"


def bad_repeat(spec, data):
    node = _node(spec, data)
    node["repeat"] = data.draw(st.sampled_from([0, -1, "2", True]))
    node.pop("each", None)
    return node["name"]


def lambda_layer(spec, data):
    node = _node(spec, data)
    node["layer"] = "keras/Lambda"
    return node["name"]


def bad_input_shape(spec, data):
    spec["inputs"]["in0"]["shape"] = data.draw(st.sampled_from([[0], [-2], "4", [1.5]]))
    return None


def not_a_layer_name(spec, data):
    node = _node(spec, data)
    node["layer"] = data.draw(st.sampled_from([7, "", "os:system", "a/b/c"]))
    return None


def no_nodes(spec, data):
    spec["nodes"] = data.draw(st.sampled_from([[], None, {"a": 1}]))
    return None


CORRUPTIONS = [
    unknown_layer,
    unknown_argument,
    mistyped_argument,
    refused_value,
    duplicate_name,
    missing_reference,
    cycle,
    unused_input,
    unused_node,
    shape_mismatch,
    bad_repeat,
    lambda_layer,
    bad_input_shape,
    not_a_layer_name,
    no_nodes,
]


@_settings(40)
@given(valid_specs(), st.sampled_from(CORRUPTIONS), st.data())
def test_random_corrupted_specs_raise_zoo_errors(
    isolated_registry, case: tuple[dict[str, Any], int], corrupt: Any, data: Any
) -> None:
    spec = copy.deepcopy(case[0])
    node = corrupt(spec, data)
    with pytest.raises(zoo.ZooError) as info:  # any other exception fails the test
        zoo.build_graph(spec)
    if node is not None:
        assert f"(node '{node}')" in str(info.value), (corrupt.__name__, str(info.value))
