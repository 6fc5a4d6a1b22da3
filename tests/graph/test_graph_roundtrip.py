"""Round trips: a graph-built model through .keras files, and zoo.to_spec back to a spec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from graph_helpers import canonical, wiring

import zoo

REPEATED = {
    "name": "toy_stack",
    "inputs": {"x": {"shape": [6]}, "mask": {"shape": [4]}},
    "nodes": [
        {"name": "proj", "layer": "toy/Affine", "args": {"units": 4}, "inputs": "x"},
        {"name": "norm", "layer": "keras/LayerNormalization"},
        {
            "name": "stack",
            "layer": "keras/Dense",
            "repeat": 2,
            "args": {"units": 4, "activation": "tanh"},
            "first_args": {"use_bias": False},
        },
        {"name": "gate", "layer": "keras/Multiply", "inputs": ["stack", "mask"]},
        {"name": "head", "layer": "keras/Dense", "args": {"units": 3}},
        {"name": "side", "layer": "toy/Affine", "args": {"units": 1}, "inputs": "norm"},
    ],
    "outputs": {"head": "head", "side": "side"},
}


def _inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "x": rng.normal(size=(5, 6)).astype("float32"),
        "mask": rng.uniform(size=(5, 4)).astype("float32"),
    }


def _same_outputs(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        np.testing.assert_allclose(np.asarray(a[key]), np.asarray(b[key]), rtol=1e-5, atol=1e-5)


def test_keras_file_round_trip_keeps_outputs(toy_registry, tmp_path: Path) -> None:
    import keras

    model = zoo.build_graph(REPEATED)
    x = _inputs(np.random.default_rng(0))
    path = tmp_path / "graph.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    _same_outputs(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert canonical(loaded.get_config()) == canonical(model.get_config())


def test_project_recipe_keras_round_trip(tmp_path: Path) -> None:
    import keras

    model = zoo.build("wide_deep")
    rng = np.random.default_rng(3)
    x = {
        "sparse": rng.integers(0, 46, (4, 8)).astype("int32"),
        "crossed": rng.integers(0, 98, (4, 3)).astype("int32"),
        "numeric": rng.normal(size=(4, 8)).astype("float32"),
    }
    path = tmp_path / "wide_deep.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_to_spec_rebuilds_the_same_configs_and_wiring(toy_registry) -> None:
    model = zoo.build_graph(REPEATED)
    spec = zoo.to_spec(model)
    json.dumps(spec)  # plain data
    assert spec["inputs"] == {
        "x": {"shape": [6], "dtype": "float32"},
        "mask": {"shape": [4], "dtype": "float32"},
    }
    nodes = {n["name"]: n for n in spec["nodes"]}
    assert nodes["proj"] == {
        "name": "proj",
        "layer": "toy/Affine",
        "args": {"units": 4},
        "inputs": ["x"],
    }
    assert nodes["stack_1"]["args"] == {"units": 4, "activation": "tanh", "use_bias": False}
    assert nodes["gate"]["inputs"] == ["stack_2", "mask"]
    assert spec["outputs"] == {"head": "head", "side": "side"}
    clone = zoo.build_graph(spec)
    assert canonical(clone.get_config()) == canonical(model.get_config())
    assert wiring(clone) == wiring(model)
    clone.set_weights(model.get_weights())
    x = _inputs(np.random.default_rng(1))
    _same_outputs(model.predict(x, verbose=0), clone.predict(x, verbose=0))


def test_to_spec_of_a_handwritten_functional_model(toy_registry) -> None:
    import keras
    from zoo_toy.affine import Affine

    image = keras.Input((8, 8, 1), name="image")
    x = keras.layers.Conv2D(4, 3, strides=2, kernel_initializer="he_normal", name="conv")(image)
    x = keras.layers.BatchNormalization(momentum=0.9)(x)
    x = keras.layers.Flatten()(x)
    a = Affine(5, name="a")(x)
    b = keras.layers.Dense(5, activation="relu", name="b")(x)
    out = keras.layers.Concatenate(name="merge")([a, b])
    model = keras.Model(image, [out, a], name="hand")
    spec = zoo.to_spec(model)
    assert spec["outputs"] == ["merge", "a"] and spec["name"] == "hand"
    nodes = {n["name"]: n for n in spec["nodes"]}
    assert nodes["batch_normalization"]["args"] == {"momentum": 0.9}  # only what differs
    assert nodes["conv"]["args"]["strides"] == [2, 2]
    assert nodes["a"]["layer"] == "toy/Affine" and nodes["merge"]["inputs"] == ["a", "b"]
    clone = zoo.build_graph(spec)
    assert canonical(clone.get_config()) == canonical(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(2).normal(size=(3, 8, 8, 1)).astype("float32")
    for mine, theirs in zip(model.predict(x, verbose=0), clone.predict(x, verbose=0)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-5)


def _unsupported_models():
    import keras

    class Custom(keras.layers.Layer):
        def call(self, x):
            return x

    x = keras.Input((3,), name="x")
    shared = keras.layers.Dense(3, name="shared")
    yield "shared", keras.Model(x, shared(shared(x))), "called 2 times"
    inner = keras.Model(x, keras.layers.Dense(2)(x), name="inner")
    outer_in = keras.Input((3,), name="outer_in")
    yield "nested", keras.Model(outer_in, inner(outer_in)), "a Functional model nested"
    yield "op", keras.Model(x, x + 1.0), "operation"
    yield (
        "unregistered",
        keras.Model(x, Custom(name="custom")(x)),
        "is a Keras built-in or a registered",
    )
    yield "lambda", keras.Model(x, keras.layers.Lambda(lambda t: t, name="lam")(x)), "keras/Lambda"
    dropped = keras.layers.Dropout(0.5, name="mc")(x, training=True)
    yield "training flag", keras.Model(x, dropped), "training"
    yield "sequential", keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), "Functional"
    indexed = keras.Input((3,), name="x", batch_size=4)
    yield "fixed batch", keras.Model(indexed, keras.layers.Dense(2)(indexed)), "free batch"


def test_to_spec_refuses_what_a_spec_cannot_hold(toy_registry) -> None:
    cases = list(_unsupported_models())
    assert len(cases) == 8
    for case, model, pattern in cases:
        with pytest.raises(zoo.ZooError, match=pattern) as info:
            zoo.to_spec(model)
        assert str(info.value).startswith(f"zoo.to_spec({model.name!r}): "), case
    with pytest.raises(zoo.ZooError, match="takes a keras.Model"):
        zoo.to_spec("model")


def test_zoo_save_and_load_of_a_graph_with_a_plugin_layer(tmp_path: Path) -> None:
    model = zoo.build("vision/espcn_graph")
    x = np.random.default_rng(4).uniform(size=(2, 17, 17, 1)).astype("float32")
    path = zoo.save(model, tmp_path / "espcn_graph.keras")
    loaded = zoo.load(path)
    assert type(loaded.get_layer("upsample")) is zoo.get("vision/PixelShuffle")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
