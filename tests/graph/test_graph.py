"""Graph specs (zoo._graph): the format, validation before building, overrides.

Written against Keras built-ins and the toy plugin only, so each test needs only
what it names. Recipes in registry files: test_graph_recipes.py; to_spec and .keras
round trips: test_graph_roundtrip.py; pictures: test_graph_draw.py; random specs:
test_graph_property.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from graph_helpers import wiring, write_recipe

import zoo
from zoo._factory.build import build
from zoo._graph import parse_graph
from zoo._registry import Registry


def two_input_spec() -> dict[str, Any]:
    """x -> hidden (relu) -> merge with y -> out; a second head from hidden."""
    return {
        "name": "two_inputs",
        "inputs": {"x": {"shape": [4]}, "y": {"shape": [3]}},
        "nodes": [
            {
                "name": "hidden",
                "layer": "keras/Dense",
                "args": {"units": 5, "activation": "relu"},
                "inputs": "x",
            },
            {"name": "merge", "layer": "keras/Concatenate", "inputs": ["hidden", "y"]},
            {"name": "out", "layer": "keras/Dense", "args": {"units": 2}},
            {"name": "side", "layer": "keras/Dense", "args": {"units": 1}, "inputs": "hidden"},
        ],
        "outputs": {"main": "out", "side": "side"},
    }


# === The format ===


def test_shorthand_merges_several_inputs_and_named_outputs(isolated_registry) -> None:
    model = zoo.build_graph(two_input_spec())
    assert model.name == "two_inputs"
    assert [t.name for t in model.inputs] == ["x", "y"]
    assert wiring(model) == {
        "x": [],
        "y": [],
        "hidden": ["x"],
        "merge": ["hidden", "y"],
        "out": ["merge"],  # the sequential shorthand: the previous node
        "side": ["hidden"],
    }
    # The numbers, from the definition with the model's own weights.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 3)).astype("float32")
    got = model.predict({"x": x, "y": y}, verbose=0)
    assert sorted(got) == ["main", "side"]
    w_h, b_h = model.get_layer("hidden").get_weights()
    w_o, b_o = model.get_layer("out").get_weights()
    w_s, b_s = model.get_layer("side").get_weights()
    hidden = np.maximum(x @ w_h + b_h, 0)
    expected = np.concatenate([hidden, y], 1) @ w_o + b_o
    np.testing.assert_allclose(got["main"], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got["side"], hidden @ w_s + b_s, rtol=1e-5, atol=1e-5)


def test_first_node_takes_the_only_input(isolated_registry) -> None:
    spec = {
        "inputs": {"x": {"shape": [2]}},
        "nodes": [{"layer": "keras/Dense", "args": {"units": 3}}],
    }
    model = zoo.build_graph(spec)
    assert wiring(model) == {"x": [], "dense": ["x"]}
    assert model.output_shape == (None, 3)


def test_repeat_with_first_args_chains_copies(isolated_registry) -> None:
    spec = {
        "inputs": {"image": {"shape": [16, 16, 3]}},
        "nodes": [
            {
                "name": "stage",
                "layer": "keras/Conv2D",
                "repeat": 3,
                "args": {"filters": 8, "kernel_size": 3, "padding": "same"},
                "first_args": {"strides": 2},
            },
            {"name": "pool", "layer": "keras/GlobalAveragePooling2D", "inputs": "stage"},
        ],
    }
    model = zoo.build_graph(spec)
    assert wiring(model) == {
        "image": [],
        "stage_1": ["image"],
        "stage_2": ["stage_1"],
        "stage_3": ["stage_2"],
        "pool": ["stage_3"],  # the node's name is its last copy
    }
    strides = [model.get_layer(f"stage_{i}").strides for i in (1, 2, 3)]
    assert strides == [(2, 2), (1, 1), (1, 1)]
    assert model.get_layer("stage_3").output.shape == (None, 8, 8, 8)


def test_each_gives_one_value_per_copy(isolated_registry) -> None:
    spec = {
        "inputs": {"x": {"shape": [6]}},
        "nodes": [
            {
                "name": "mlp",
                "layer": "keras/Dense",
                "args": {"activation": "relu"},
                "each": {"units": [16, 8, 4]},
            }
        ],
    }
    model = zoo.build_graph(spec)
    assert [model.get_layer(f"mlp_{i}").units for i in (1, 2, 3)] == [16, 8, 4]
    assert {model.get_layer(f"mlp_{i}").get_config()["activation"] for i in (1, 2, 3)} == {"relu"}


def test_unnamed_nodes_get_keras_style_names(isolated_registry) -> None:
    spec = {
        "inputs": {"x": {"shape": [4]}},
        "nodes": [
            {"layer": "keras/Dense", "args": {"units": 4}},
            {"layer": "keras/ReLU"},
            {"name": "dense_1", "layer": "keras/Dense", "args": {"units": 4}},
            {"layer": "keras/Dense", "args": {"units": 2}},
        ],
    }
    parsed = parse_graph(spec)
    assert [n.name for n in parsed.nodes] == ["dense", "re_lu", "dense_1", "dense_2"]
    assert [n.inputs for n in parsed.nodes] == [("x",), ("dense",), ("re_lu",), ("dense_1",)]
    assert zoo.build_graph(spec).output_shape == (None, 2)


def test_output_styles(isolated_registry) -> None:
    base = {"inputs": {"x": {"shape": [2]}}, "nodes": [{"name": "a", "layer": "keras/Identity"}]}
    single = zoo.build_graph({**base, "outputs": "a"})
    listed = zoo.build_graph({**base, "outputs": ["a"]})
    named = zoo.build_graph({**base, "outputs": {"value": "a"}})
    x = np.ones((1, 2), "float32")
    assert not isinstance(single(x), (list, dict)) and single(x).shape == (1, 2)
    assert single.get_config()["output_layers"] == ["a", 0, 0]
    assert listed.get_config()["output_layers"] == [["a", 0, 0]]  # keras.Model(x, [a])
    assert list(named(x)) == ["value"]


def test_a_toml_file_with_free_dimensions(isolated_registry, tmp_path: Path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(
        'name = "fully_conv"\n'
        'inputs.image = { shape = ["None", "None", 3] }\n'
        "[[nodes]]\n"
        'name = "conv"\n'
        'layer = "keras/Conv2D"\n'
        "args = { filters = 2, kernel_size = 3, padding = 'same' }\n"
    )
    model = zoo.build_graph(path)
    assert model.name == "fully_conv" and model.input_shape == (None, None, None, 3)
    assert model(np.zeros((1, 5, 7, 3), "float32")).shape == (1, 5, 7, 2)
    assert model(np.zeros((1, 9, 4, 3), "float32")).shape == (1, 9, 4, 2)


def test_registered_components_by_id_and_short_name(toy_registry) -> None:
    import zoo_toy.affine

    spec = {
        "inputs": {"x": {"shape": [4]}},
        "nodes": [
            {"name": "a", "layer": "toy/Affine", "args": {"units": 3}},
            {"name": "b", "layer": "Affine", "args": {"units": 2, "use_bias": False}},
        ],
    }
    model = zoo.build_graph(spec)
    assert all(type(model.get_layer(n)) is zoo_toy.affine.Affine for n in "ab")
    assert model.get_layer("b").use_bias is False and model.output_shape == (None, 2)


# === Validation: every failure is a ZooError naming the file, the key and the node ===

GOOD = {
    "inputs": {"x": {"shape": [4]}, "y": {"shape": [3]}},
    "nodes": [
        {"name": "hidden", "layer": "keras/Dense", "args": {"units": 3}, "inputs": "x"},
        {"name": "merge", "layer": "keras/Add", "inputs": ["hidden", "y"]},
    ],
}


def _with_node(index: int, **changes: Any) -> dict[str, Any]:
    nodes = [dict(n) for n in GOOD["nodes"]]
    nodes[index] = {k: v for k, v in {**nodes[index], **changes}.items() if v is not ...}
    return {**GOOD, "nodes": nodes}


def _plus(*nodes: dict[str, Any], outputs: Any = None) -> dict[str, Any]:
    spec = {**GOOD, "nodes": [*GOOD["nodes"], *nodes]}
    if outputs is not None:
        spec["outputs"] = outputs
    return spec


# (spec, the key the message names after the recipe's graph key, a pattern it contains)
INVALID = {
    "unknown keras layer": (
        _with_node(0, layer="keras/Dence"),
        "nodes[0] (node 'hidden')",
        "Did you mean 'keras/Dense'",
    ),
    "unknown plugin component": (
        _with_node(0, layer="toy/Afine"),
        "nodes[0] (node 'hidden')",
        "Did you mean 'toy/Affine'",
    ),
    "unknown argument": (
        _with_node(0, args={"units": 3, "unitz": 4}),
        "nodes[0] (node 'hidden')",
        "does not accept the argument 'unitz'.*Did you mean 'units'.*Accepted arguments: .*units",
    ),
    "mistyped argument": (
        _with_node(0, args={"units": 3, "use_bias": "yes"}),
        "nodes[0] (node 'hidden')",
        "expects use_bias of type bool. Received: use_bias='yes'",
    ),
    "mistyped argument of a plugin layer": (
        _with_node(0, layer="toy/Affine", args={"units": 3, "use_bias": 1}),
        "nodes[0] (node 'hidden')",
        "toy/Affine expects use_bias of type bool",
    ),
    "missing argument": (
        _with_node(0, args=...),
        "nodes[0] (node 'hidden')",
        "requires the argument\\(s\\) units",
    ),
    "argument the constructor refuses": (
        _with_node(0, args={"units": -3}),
        "nodes[0] (node 'hidden')",
        "refused its arguments.*expected a positive integer",
    ),
    "duplicate node names": (
        _plus({"name": "hidden", "layer": "keras/ReLU", "inputs": "merge"}),
        "nodes[2] (node 'hidden')",
        "unique. Received: 'hidden', already used by .*nodes\\[0\\]",
    ),
    "a node named like an input": (
        _with_node(0, name="y"),
        "nodes[0] (node 'y')",
        "unique. Received: 'y', already used by .*inputs.y",
    ),
    "a repeated node's copies clash": (
        _plus(
            {"name": "block", "layer": "keras/ReLU", "repeat": 2, "inputs": "merge"},
            {"name": "block_2", "layer": "keras/ReLU"},
        ),
        "nodes[3] (node 'block_2')",
        "already used by .*node 'block'",
    ),
    "reference to a missing node": (
        _with_node(1, inputs=["hiden", "y"]),
        "nodes[1] (node 'merge')",
        "Received: 'hiden', which is neither. Did you mean 'hidden'",
    ),
    "an output naming no node": (
        {**GOOD, "outputs": ["merg"]},
        "outputs",
        "Received: merg='merg', which is no node. Did you mean 'merge'",
    ),
    "a cycle": (
        _plus(
            {"name": "a", "layer": "keras/ReLU", "inputs": "b"},
            {"name": "b", "layer": "keras/ReLU", "inputs": "a"},
            {"name": "c", "layer": "keras/Add", "inputs": ["merge", "b"]},
        ),
        "nodes[2] (node 'a')",
        "no cycles.*Received the cycle a -> b -> a",
    ),
    "a node taking itself": (
        _with_node(1, inputs=["merge", "y"]),
        "nodes[1] (node 'merge')",
        "cannot take its own output",
    ),
    "an unused input": (
        {**GOOD, "inputs": {**GOOD["inputs"], "z": {"shape": [2]}}},
        "inputs.z",
        "every input feeds a node. Received: the input 'z'",
    ),
    "an unused node": (
        _plus({"name": "dead", "layer": "keras/ReLU", "inputs": "hidden"}, outputs="merge"),
        "nodes[2] (node 'dead')",
        "nothing takes the output of 'dead'",
    ),
    "a shape mismatch at a merge": (
        _with_node(0, args={"units": 5}),
        "nodes[1] (node 'merge')",
        "cannot take its input\\(s\\).*hidden \\(None, 5\\).*y \\(None, 3\\)",
    ),
    "a refused built-in": (
        _with_node(0, layer="keras/Lambda", args={"function": "x"}),
        "nodes[0] (node 'hidden')",
        "may not use keras/Lambda: it runs arbitrary Python code",
    ),
    "a component that is no layer": (
        _with_node(0, layer="toy/ScaledMSE", args={}),
        "nodes[0] (node 'hidden')",
        "Received: 'toy/ScaledMSE', a loss",
    ),
}

# Problems found when the registry loads (no import needed): RegistryFileError.
AT_LOAD = {
    "unknown plugin component",
    "a component that is no layer",
    "duplicate node names",
    "a node named like an input",
    "a repeated node's copies clash",
    "reference to a missing node",
    "an output naming no node",
    "a cycle",
    "a node taking itself",
    "an unused input",
    "an unused node",
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_graph_recipes_name_file_key_and_node(toy_registry, tmp_path, case) -> None:
    import zoo_toy

    spec, where, pattern = INVALID[case]
    path = write_recipe(tmp_path / "lab.toml", spec)
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    prefix = f"{path}: recipes.lab.r.graph.{where}"
    if case in AT_LOAD:
        with pytest.raises(zoo.RegistryFileError) as info:
            registry.register_plugin(zoo_toy, "toy")
    else:
        registry.register_plugin(zoo_toy, "toy")
        with pytest.raises(zoo.GraphError) as info:
            build("lab/r", registry=registry)
    message = str(info.value)
    assert message.startswith(prefix), message
    assert re.search(pattern, message), message


def test_a_builtin_without_its_namespace(toy_registry, tmp_path: Path) -> None:
    spec = _with_node(0, layer="Dense")
    with pytest.raises(zoo.GraphError, match="Did you mean 'keras/Dense' \\(a Keras built-in\\)"):
        zoo.build_graph(spec)
    # In a registry file the short name may belong to a plugin registered later in code,
    # so the recipe is only unavailable, with a hint.
    path = write_recipe(tmp_path / "lab.toml", spec)
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    assert registry.entries() == []
    with pytest.raises(zoo.NotFoundError, match="is written 'keras/Dense'"):
        build("lab/r", registry=registry)


SCHEMA = {
    "unknown node key": (
        {"layr": "keras/ReLU"},
        "unknown key. A node takes the keys .*Did you mean 'layer'",
    ),
    "no layer": ({"args": {}}, "a node needs a layer"),
    "an import path": ({"layer": "os:system"}, "never an import path"),
    "repeat zero": ({"layer": "keras/ReLU", "repeat": 0}, "repeat is a positive integer"),
    "repeat a bool": ({"layer": "keras/ReLU", "repeat": True}, "repeat is a positive integer"),
    "each of unequal lengths": (
        {"layer": "keras/Dense", "each": {"units": [1, 2], "use_bias": [True]}},
        "same length",
    ),
    "each and repeat disagree": (
        {"layer": "keras/Dense", "repeat": 3, "each": {"units": [1, 2]}},
        "repeat and the lists in each must agree",
    ),
    "each not a list": ({"layer": "keras/Dense", "each": {"units": 4}}, "one value per copy"),
    "first_args without repeat": (
        {"layer": "keras/Dense", "args": {"units": 2}, "first_args": {"units": 3}},
        "first_args only makes sense for a repeated node",
    ),
    "name in args": ({"layer": "keras/ReLU", "args": {"name": "x"}}, "set name on the node"),
    "bad node name": ({"name": "my-node", "layer": "keras/ReLU"}, "letters, digits and '_'"),
    "inputs not names": ({"layer": "keras/ReLU", "inputs": [1]}, "inputs is a node or input name"),
}


@pytest.mark.parametrize("case", list(SCHEMA))
def test_malformed_nodes(case: str) -> None:
    node, pattern = SCHEMA[case]
    spec = {"inputs": {"x": {"shape": [2]}}, "nodes": [{"name": "n", **node}]}
    if "name" in node:
        spec["nodes"] = [node]
    with pytest.raises(zoo.GraphError, match=pattern) as info:
        parse_graph(spec, source="my.toml", key="graph")
    assert str(info.value).startswith("my.toml: graph.nodes[0]")
    if node.get("name", "n") == "n":
        assert "(node 'n')" in str(info.value)


@pytest.mark.parametrize(
    ("spec", "key", "pattern"),
    [
        ({"nodes": [{"layer": "keras/ReLU"}]}, "graph", "a graph needs inputs"),
        ({"inputs": {}, "nodes": []}, "graph.inputs", "at least one input"),
        ({"inputs": {"x": {"shape": [2]}}}, "graph.nodes", "a graph needs nodes"),
        ({"inputs": {"x": {"shape": [0]}}, "nodes": []}, "graph.inputs.x.shape", "positive"),
        ({"inputs": {"x": {"shape": 3}}, "nodes": []}, "graph.inputs.x.shape", "a list"),
        ({"inputs": {"x": {"shape": [2], "dtype": "float"}}}, "graph.inputs.x.dtype", "float32"),
        ({"inputs": {"x": {}}, "nodes": []}, "graph.inputs.x", "needs a shape"),
        ({"inputs": {"x": {"shape": [2]}}, "nodez": []}, "graph.nodez", "Did you mean 'nodes'"),
        (
            {
                "inputs": {"x": {"shape": [2]}, "y": {"shape": [2]}},
                "nodes": [{"layer": "keras/Add"}],
            },
            "graph.nodes[0]",
            "this graph has 2 inputs.*inputs = \\['x', 'y'\\]",
        ),
        (
            {"inputs": {"x": {"shape": [2]}}, "nodes": [{"layer": "keras/ReLU"}], "outputs": 3},
            "graph.outputs",
            "outputs is a node name",
        ),
        ([1, 2], "graph", "expected a table"),
    ],
)
def test_malformed_graphs(spec: Any, key: str, pattern: str) -> None:
    with pytest.raises(zoo.GraphError, match=pattern) as info:
        parse_graph(spec)
    assert str(info.value).startswith(f"{key}: ") or str(info.value).startswith(f"{key} ")


def test_nothing_is_built_when_a_later_node_is_invalid(isolated_registry, monkeypatch) -> None:
    import keras

    built = []
    original = keras.layers.Dense.from_config

    def recording(config):
        built.append(config["name"])
        return original(config)

    monkeypatch.setattr(keras.layers.Dense, "from_config", recording)
    assert zoo.build_graph(GOOD) and built == ["hidden"]  # the recorder works
    built.clear()
    spec = _plus(
        {"name": "late", "layer": "keras/ReLU", "args": {"max_valeu": 1.0}, "inputs": "merge"}
    )
    with pytest.raises(zoo.GraphError, match="'max_valeu'.*Did you mean 'max_value'"):
        zoo.build_graph(spec)
    assert built == []  # the valid Dense node before it was never constructed


# === Overrides ===


def test_overrides_reach_into_the_spec(isolated_registry) -> None:
    spec = {
        "inputs": {"x": {"shape": [6]}},
        "nodes": [
            {
                "name": "deep",
                "layer": "keras/Dense",
                "args": {"activation": "relu"},
                "each": {"units": [8, 4]},
            },
            {"name": "head", "layer": "keras/Dense", "args": {"units": 1}},
            {"name": "stack", "layer": "keras/ReLU", "repeat": 2},
        ],
    }
    model = zoo.build_graph(spec, deep_units=[32, 16, 8], head_use_bias=False, name="big")
    assert [model.get_layer(f"deep_{i}").units for i in (1, 2, 3)] == [32, 16, 8]
    assert model.get_layer("head").use_bias is False and model.name == "big"
    model = zoo.build_graph(spec, **{"deep.units": [5], "stack.repeat": 3, "x.shape": [7]})
    assert model.get_layer("deep").units == 5  # one copy: named after the node
    assert [layer.name for layer in model.layers][-3:] == ["stack_1", "stack_2", "stack_3"]
    assert model.input_shape == (None, 7)


@pytest.mark.parametrize(
    ("overrides", "error", "pattern"),
    [
        (
            {"deep_unitz": [4]},
            zoo.ArgumentError,
            "'unitz' \\(set by the override 'deep_unitz'\\).*Did you mean 'units'",
        ),
        ({"dep.units": [4]}, zoo.ArgumentError, "Received: 'dep.units'. Did you mean 'deep.units'"),
        ({"units": [4]}, zoo.ArgumentError, "takes overrides named .*Received: 'units'"),
        ({"deep.units": 4}, zoo.ArgumentError, "a non-empty list"),
        ({"head_use_bias": "no"}, zoo.ArgumentError, "expects use_bias of type bool"),
        ({"head_units": -1}, zoo.ArgumentError, "overridden: head_units"),
        ({"deep_repeat": 3}, zoo.ArgumentError, "repeats once per value of each"),
        ({"x.shape": [0]}, zoo.ArgumentError, "the overrides make the graph invalid.*positive"),
        ({"name": 3}, zoo.ArgumentError, "model name is a non-empty string"),
    ],
)
def test_bad_overrides_are_argument_errors(isolated_registry, overrides, error, pattern) -> None:
    spec = {
        "inputs": {"x": {"shape": [6]}},
        "nodes": [
            {"name": "deep", "layer": "keras/Dense", "each": {"units": [8, 4]}},
            {"name": "head", "layer": "keras/Dense", "args": {"units": 1}},
        ],
    }
    with pytest.raises(error, match=pattern):
        zoo.build_graph(spec, **overrides)
