"""Graph recipes: in registry files, built with zoo.build, overridden, listed and described.

The project's own graph recipes (zoo/wide_deep, zoo/digits_aux, vision/espcn_graph)
are checked against their definitions; registry behaviour is checked with the toy
plugin and files written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from graph_helpers import toml_value, wiring, write_recipe

import zoo
from zoo._cli import main
from zoo._factory.build import build
from zoo._registry import Registry, set_default_registry

ROOT = Path(__file__).resolve().parents[2]

TOY_GRAPH = {
    "inputs": {"x": {"shape": [4]}},
    "nodes": [
        {"name": "hidden", "layer": "toy/Affine", "args": {"units": 3}},
        {"name": "out", "layer": "keras/Softmax"},
    ],
}


@pytest.fixture
def project_registry():
    """The installed plugins and the project's registry.toml, as the default registry."""
    registry = Registry(environ={})
    previous = set_default_registry(registry)
    try:
        yield registry
    finally:
        set_default_registry(previous)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _multi_hot(ids: np.ndarray, size: int) -> np.ndarray:
    hot = np.zeros((len(ids), size), "float32")
    np.put_along_axis(hot, ids, 1.0, axis=1)
    return hot


# === The project's recipes ===


def test_wide_deep_computes_the_wide_and_deep_sum(project_registry) -> None:
    model = zoo.build("wide_deep")
    assert [t.name for t in model.inputs] == ["sparse", "crossed", "numeric"]
    assert model.output_shape == (None, 1)
    links = wiring(model)
    assert links["logit"] == ["wide", "deep_logit"] and links["embed"] == ["sparse"]
    assert links["deep_input"] == ["embed_flat", "numeric"]
    rng = np.random.default_rng(0)
    sparse = rng.integers(0, 46, size=(5, 8)).astype("int32")
    crossed = rng.integers(0, 98, size=(5, 3)).astype("int32")
    numeric = rng.normal(size=(5, 8)).astype("float32")
    got = model.predict({"sparse": sparse, "crossed": crossed, "numeric": numeric}, verbose=0)
    # The paper's P(y=1|x) = sigmoid(w_wide . [x, phi(x)] + w_deep . a + b), from the weights.
    w, b = model.get_layer("wide").get_weights()
    wide = np.concatenate([_multi_hot(sparse, 46), _multi_hot(crossed, 98)], 1) @ w + b
    (table,) = model.get_layer("embed").get_weights()
    a = np.concatenate([table[sparse].reshape(5, -1), numeric], 1)
    for name in ("deep_1", "deep_2"):
        kernel, bias = model.get_layer(name).get_weights()
        a = np.maximum(a @ kernel + bias, 0)
    kernel, bias = model.get_layer("deep_logit").get_weights()
    np.testing.assert_allclose(got, _sigmoid(wide + a @ kernel + bias), rtol=1e-4, atol=1e-6)


def test_wide_deep_overrides_from_python_and_the_cli(project_registry, capsys) -> None:
    model = zoo.build("wide_deep", deep_units=[256, 128])
    assert [model.get_layer(n).units for n in ("deep_1", "deep_2")] == [256, 128]
    params = 46 * 8 + (144 + 1) + (72 * 256 + 256) + (256 * 128 + 128) + (128 + 1)
    assert model.count_params() == params
    assert main(["build", "wide_deep", "--set", "deep.units=[256, 128]"]) == 0
    assert f"built wide_deep: {params:,} parameters" in capsys.readouterr().out
    assert main(["build", "wide_deep", "--set", "deep.unit=[8]"]) == 1
    err = capsys.readouterr().err
    assert "recipes.zoo.wide_deep.graph.nodes[7] (node 'deep')" in err
    assert "'unit' (set by the override 'deep.unit')" in err and "Did you mean 'units'" in err
    with pytest.raises(zoo.ArgumentError, match="Did you mean 'deep.units'"):
        zoo.build("wide_deep", **{"dep.units": [8]})


def test_info_lists_the_nodes_of_a_graph_recipe(project_registry, capsys) -> None:
    assert main(["info", "wide_deep"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "zoo/wide_deep\n  A graph recipe: 11 nodes from the input(s) sparse, crossed, numeric "
        "to the output(s) affair.\n"
    )
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.startswith("     ")}
    assert rows["deep"][1:4] == ["keras/Dense", "x2", "deep_input"]
    assert rows["logit"][1:4] == ["keras/Add", "wide,", "deep_logit"]
    assert rows["sparse"][1:] == ["(8,)", "int32"]
    assert "outputs:      affair" in out
    assert main(["info", "digits_aux", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["graph"]["outputs"] == {"digit": "digit", "aux": "aux"}
    assert [n["name"] for n in info["graph"]["nodes"]][-3:] == ["aux_pool", "aux_features", "aux"]
    assert main(["list", "--tag", "graph", "--json"]) == 0
    listed = {e["id"]: e for e in json.loads(capsys.readouterr().out)["components"]}
    assert {"zoo/wide_deep", "zoo/digits_aux", "vision/espcn_graph"} <= set(listed)
    assert listed["zoo/wide_deep"]["builder"] is None and listed["zoo/wide_deep"]["graph"]["nodes"]


def test_digits_aux_trains_with_one_loss_per_output(project_registry) -> None:
    import keras
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images[:512] / 16.0)[..., None].astype("float32")
    y = digits.target[:512]
    keras.utils.set_random_seed(0)
    model = zoo.build("digits_aux")
    assert sorted(model.output_names) == ["aux", "digit"]
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss={"digit": "sparse_categorical_crossentropy", "aux": "sparse_categorical_crossentropy"},
        loss_weights={"digit": 1.0, "aux": 0.3},
    )
    targets = {"digit": y, "aux": y}
    before = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert sorted(before) == ["aux_loss", "digit_loss", "loss"]
    np.testing.assert_allclose(
        before["loss"], before["digit_loss"] + 0.3 * before["aux_loss"], rtol=1e-4
    )
    for step in range(40):
        batch = slice(64 * (step % 8), 64 * (step % 8 + 1))
        model.train_on_batch(x[batch], {"digit": y[batch], "aux": y[batch]})
    after = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert after["digit_loss"] < 0.8 * before["digit_loss"], (before, after)
    assert after["aux_loss"] < 0.8 * before["aux_loss"], (before, after)


def test_espcn_graph_is_convolutions_then_pixel_shuffle(project_registry) -> None:
    import keras
    import tensorflow as tf

    graph = zoo.build("vision/espcn_graph")
    assert type(graph.get_layer("upsample")) is zoo.get("vision/PixelShuffle")
    # The same architecture as the vision plugin's ESPCN builder, parameter for parameter.
    assert graph.count_params() == zoo.build("vision/espcn_x2").count_params() == 21284
    x = np.random.default_rng(1).uniform(size=(2, 17, 17, 1)).astype("float32")
    features = graph.get_layer("subpixel").output
    before_shuffle = keras.Model(graph.inputs[0], features)(x)
    expected = tf.nn.depth_to_space(before_shuffle, 2).numpy()  # TensorFlow's DCR order
    np.testing.assert_allclose(graph.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert graph.output_shape == (None, 34, 34, 1)


def test_resnet20_spec_file_matches_the_resnet_small_builder(project_registry) -> None:
    graph = zoo.build_graph(ROOT / "docs" / "graphs" / "resnet20.toml")
    builder = zoo.build("vision/resnet_small")
    assert graph.count_params() == builder.count_params() == 271098
    for stage in (1, 2, 3):
        for index in (1, 2, 3):
            mine = graph.get_layer(f"stage{stage}_{index}").get_config()
            theirs = builder.get_layer(f"stage{stage}_block{index}").get_config()
            for key in ("filters", "strides", "shortcut"):
                assert mine[key] == theirs[key], (stage, index, key)
    assert graph.output_shape == builder.output_shape == (None, 10)


# === Registry files and plugins ===


def _registry(tmp_path: Path, text: str, **kwargs) -> Registry:
    path = tmp_path / "lab.toml"
    path.write_text(text)
    return Registry(environ={}, include_default_file=False, registry_files=[path], **kwargs)


def test_inline_and_sub_table_forms_are_one_schema(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    text = (
        f"[recipes.lab.inline]\ngraph = {toml_value(TOY_GRAPH)}\n\n"
        "[recipes.lab.tables.graph]\n"
        "inputs.x = { shape = [4] }\n"
        "[[recipes.lab.tables.graph.nodes]]\n"
        'name = "hidden"\nlayer = "toy/Affine"\nargs = { units = 3 }\n'
        "[[recipes.lab.tables.graph.nodes]]\n"
        'name = "out"\nlayer = "keras/Softmax"\n'
    )
    registry = _registry(tmp_path, text, entry_points=[])
    registry.register_plugin(zoo_toy, "toy")
    inline, tables = registry.resolve("lab/inline"), registry.resolve("lab/tables")
    assert inline.graph == tables.graph == TOY_GRAPH
    model = build("lab/tables", registry=registry)
    assert model.name == "tables" and type(model.get_layer("hidden")).__name__ == "Affine"
    np.testing.assert_allclose(model.predict(np.ones((2, 4)), verbose=0).sum(1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("text", "key", "pattern"),
    [
        (
            "[recipes.lab.r]\nbuilder = 'toy/toy_mlp'\ngraph = { inputs = {}, nodes = [] }\n",
            "recipes.lab.r",
            "either a builder \\(with args\\) or a graph",
        ),
        ("[recipes.lab.r]\ngraph = 3\n", "recipes.lab.r.graph", "expected a table"),
        (
            f"[recipes.lab.r]\ngraph = {toml_value(TOY_GRAPH)}\n"
            "search = { 'hiden.units' = { type = 'choice', values = [2, 4] } }\n",
            "recipes.lab.r",
            "search.hiden.units of recipe 'r' takes overrides .*Did you mean 'hidden.units'",
        ),
        ("[recipes.lab.r]\nsummary = 'x'\n", "recipes.lab.r", "needs a builder .* or a graph"),
        (
            "[recipes.lab.r.graph]\ninputs.x = { shape = [2] }\nnodes = [{ layer = 'keras/ReLU', "
            "inputs = 'y' }]\n",
            "recipes.lab.r.graph.nodes[0] (node 're_lu')",
            "Received: 'y', which is neither",
        ),
    ],
)
def test_malformed_graph_recipes(tmp_path: Path, text: str, key: str, pattern: str) -> None:
    from zoo._registry.files import load_registry_config

    path = tmp_path / "lab.toml"
    path.write_text(text)
    with pytest.raises(zoo.RegistryFileError, match=pattern) as info:
        load_registry_config([path])
    assert str(info.value).startswith(f"{path}: {key}")


def _toy_graph_using(layer: str) -> dict:
    """TOY_GRAPH with its first node's layer replaced."""
    first, second = TOY_GRAPH["nodes"]
    return {**TOY_GRAPH, "nodes": [{**first, "layer": layer}, second]}


def test_graph_recipe_of_a_disabled_or_missing_plugin_is_hidden(make_plugin, tmp_path) -> None:
    body = '    register(zoo.ComponentSpec("Affine", kind="layer", target="zoo_toy.affine:Affine"))'
    path = tmp_path / "lab.toml"
    path.write_text(
        f"[recipes.lab.uses_off]\ngraph = {toml_value(_toy_graph_using('off/Affine'))}\n"
        f"[recipes.lab.uses_absent]\ngraph = {toml_value(_toy_graph_using('absent/Affine'))}\n"
    )
    registry = Registry(
        environ={"ZOO_DISABLE_PLUGINS": "off"},
        include_default_file=False,
        entry_points=[make_plugin("off", body)],
        registry_files=[path],
    )
    assert registry.entries() == []
    with pytest.raises(
        zoo.NotFoundError,
        match="node 'hidden' uses 'off/Affine' from the plugin 'off', which is disabled",
    ):
        registry.resolve("uses_off")
    with pytest.raises(zoo.NotFoundError, match="'absent', which is not installed"):
        registry.resolve("lab/uses_absent")


def test_ambiguous_short_name_in_a_graph_names_the_node(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    class Twin:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.ComponentSpec("Affine", kind="layer", target="zoo_toy.affine:Affine"))

    path = write_recipe(tmp_path / "lab.toml", _toy_graph_using("Affine"))
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    registry.register_plugin(zoo_toy, "toy")
    with pytest.raises(zoo.RegistryFileError) as info:
        registry.register_plugin(Twin(), "twin")
    message = str(info.value)
    assert message.startswith(f"{path}: recipes.lab.r.graph.nodes[0] (node 'hidden'): ")
    assert "toy/Affine, twin/Affine" in message


def test_a_plugin_may_register_a_graph_recipe(isolated_registry) -> None:
    import zoo_toy

    class Graphs:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.Recipe("toy_graph", graph=TOY_GRAPH, summary="Affine then softmax."))

    zoo.register_plugin(zoo_toy, "toy")
    zoo.register_plugin(Graphs(), "graphs")
    try:
        model = zoo.build("toy_graph", hidden_units=5)
        assert model.get_layer("hidden").units == 5 and model.name == "toy_graph"
        with pytest.raises(zoo.ZooError, match="is a graph recipe: it has nodes, not a builder"):
            isolated_registry.builder_of(zoo.get_spec("toy_graph"))
    finally:
        zoo.unregister_plugin("graphs")
        zoo.unregister_plugin("toy")


def test_listing_graph_recipes_imports_nothing_heavy(toy_env, tmp_path: Path) -> None:
    path = write_recipe(tmp_path / "lab.toml", TOY_GRAPH)
    env = {**toy_env, "ZOO_REGISTRY": str(path)}
    probe = (
        "import sys, zoo\n"
        "ids = [e.id for e in zoo.list_components()]\n"
        "info = __import__('zoo._cli.listing', fromlist=['describe']).describe('lab/r')\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'zoo_toy.affine') if m in sys.modules]\n"
        "print(ids, [n['layer'] for n in info['graph']['nodes']], heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "'lab/r'" in out.stdout and "['toy/Affine', 'keras/Softmax'] []" in out.stdout
