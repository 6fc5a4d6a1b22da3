"""zoo.export: SavedModel and TFLite artifacts run by TensorFlow match the Keras model.

Each round trip runs the artifact itself (TensorFlow's SavedModel loader, the TFLite
interpreter) and compares its outputs with the Keras model's, within the tolerances
of ``zoo._export.TOLERANCES`` (relative to ``max(1, |Keras output|)``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._export import (
    TOLERANCES,
    artifact_size,
    max_difference,
    run_saved_model,
    run_tflite,
    saved_model_signature,
)

TFLITE = [None, "dynamic_range", "float16"]


def keras_outputs(model, x) -> list[np.ndarray]:
    import keras

    return [np.asarray(v) for v in keras.tree.flatten(model(x, training=False))]


def check_saved_model(model, x, folder: Path) -> float:
    """Export, check the serving signature against the model, run it, return the difference."""
    zoo.export(model, folder)
    _loaded, signature = saved_model_signature(folder)
    inputs = signature.structured_input_signature[1]
    assert sorted(inputs) == sorted(t.name for t in model.inputs)
    for tensor in model.inputs:
        spec = inputs[tensor.name]
        assert spec.dtype.name == str(tensor.dtype)
        assert tuple(spec.shape) == tuple(tensor.shape)
    outputs = signature.structured_outputs
    assert sorted(outputs) == [f"output_{i}" for i in range(len(model.outputs))]
    for i, tensor in enumerate(model.outputs):
        assert tuple(outputs[f"output_{i}"].shape) == tuple(tensor.shape)
    names = [t.name for t in model.inputs]
    return max_difference(keras_outputs(model, x), run_saved_model(folder, [x], names))


def check_tflite(model, x, path: Path, quantization: str | None) -> float:
    zoo.export(model, path, format="tflite", quantization=quantization)
    names = [t.name for t in model.inputs]
    return max_difference(keras_outputs(model, x), run_tflite(path, [x], names))


def tolerance(fmt: str, quantization: str | None = None) -> float:
    return TOLERANCES[fmt + (f"/{quantization}" if quantization else "")]


# === First-party models: a classifier, a text model, a super-resolution model ===


@pytest.mark.slow
def test_resnet_small_round_trips(tmp_path: Path) -> None:
    model = zoo.build("resnet_small", classifier_activation=None)  # compare raw logits
    x = np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 3)).astype("float32")
    assert check_saved_model(model, x, tmp_path / "resnet") <= tolerance("saved_model")
    path = tmp_path / "resnet.tflite"
    diff = check_tflite(model, x, path, "dynamic_range")
    assert diff <= tolerance("tflite", "dynamic_range")
    # 0.27M float32 weights take 1.1 MB; stored as int8 they take a quarter of that.
    assert artifact_size(path) < 0.35 * 4 * model.count_params()


@pytest.mark.slow
def test_text_classifier_round_trips(tmp_path: Path) -> None:
    model = zoo.build("imdb_bag_of_embeddings")
    length = model.inputs[0].shape[1]
    x = np.random.default_rng(1).integers(0, 10_000, (3, length)).astype("int32")
    assert "int" in str(model.inputs[0].dtype)
    assert check_saved_model(model, x, tmp_path / "text") <= tolerance("saved_model")
    for quantization in (None, "dynamic_range"):
        diff = check_tflite(model, x, tmp_path / f"text.{quantization}.tflite", quantization)
        assert diff <= tolerance("tflite", quantization), (quantization, diff)


@pytest.mark.slow
def test_super_resolution_round_trips_at_any_image_size(tmp_path: Path) -> None:
    model = zoo.build("espcn_x2", input_shape=[None, None])
    rng = np.random.default_rng(2)
    small = rng.uniform(0, 1, (2, 17, 17, 1)).astype("float32")
    large = rng.uniform(0, 1, (1, 24, 40, 1)).astype("float32")
    assert check_saved_model(model, small, tmp_path / "espcn") <= tolerance("saved_model")
    sizes = {}
    for quantization in TFLITE:
        path = tmp_path / f"espcn.{quantization}.tflite"
        diff = check_tflite(model, small, path, quantization)
        assert diff <= tolerance("tflite", quantization), (quantization, diff)
        out = run_tflite(path, [large])
        assert out[0].shape == (1, 48, 80, 1)
        diff = max_difference(keras_outputs(model, large), out)
        assert diff <= tolerance("tflite", quantization), (quantization, diff)
        sizes[quantization] = artifact_size(path)
    # int8 weights take about a quarter of the float32 bytes, float16 about half.
    assert sizes["dynamic_range"] < 0.4 * sizes[None]
    assert sizes["float16"] < 0.6 * sizes[None]


# === What cannot be exported says why ===


def _model_with(call):
    import keras

    class Custom(keras.layers.Layer):
        def call(self, x):
            return call(x)

        def compute_output_shape(self, input_shape):
            return input_shape

    inputs = keras.Input((3,), name="features")
    return keras.Model(inputs, Custom()(inputs), name="custom")


def test_python_in_the_graph_is_not_servable(tmp_path: Path) -> None:
    import tensorflow as tf

    model = _model_with(lambda x: tf.numpy_function(np.sort, [x], tf.float32, stateful=False))
    old = tmp_path / "served"
    old.mkdir()
    (old / "saved_model.pb").write_bytes(b"the old export")
    with pytest.raises(zoo.ZooError) as info:
        zoo.export(model, old)
    message = str(info.value)
    assert "A servable SavedModel runs without Python" in message
    assert "'custom' calls Python through PyFuncStateless" in message
    assert (old / "saved_model.pb").read_bytes() == b"the old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["served"]


def test_ops_tflite_lacks_are_named(tmp_path: Path) -> None:
    import tensorflow as tf

    path = tmp_path / "m.tflite"
    with pytest.raises(zoo.ZooError) as info:
        zoo.export(_model_with(tf.math.sinh), path, format="tflite")
    message = str(info.value)
    assert "uses TensorFlow ops without a TFLite builtin: Sinh" in message
    assert "select_tf_ops=True" in message
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(zoo.ZooError, match="nor its TensorFlow fallback has: Digamma"):
        zoo.export(_model_with(tf.math.digamma), path, format="tflite", select_tf_ops=True)
    # With select TF ops the file is written; this interpreter cannot run it, and says so.
    zoo.export(_model_with(tf.math.sinh), path, format="tflite", select_tf_ops=True)
    with pytest.raises(zoo.ZooError, match="has no Flex delegate"):
        run_tflite(path, np.ones((1, 3), "float32"))


def test_export_replaces_an_existing_artifact(toy_registry, tmp_path: Path) -> None:
    model = zoo.build("toy_small")
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "stale.txt").write_text("from an older export")
    zoo.export(model, folder)
    assert not (folder / "stale.txt").exists() and (folder / "saved_model.pb").exists()
    path = tmp_path / "m.tflite"
    path.write_bytes(b"old")
    zoo.export(model, path, format="tflite")
    assert path.read_bytes()[4:8] == b"TFL3"  # the FlatBuffer identifier of a TFLite file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "served"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format": "onnx"}, "format is one of 'saved_model', 'tflite'. Received: format='onnx'"),
        ({"quantization": "int4", "format": "tflite"}, "quantization is one of"),
        # The path ends in .tflite: only an explicit saved_model refuses TFLite options.
        ({"quantization": "float16", "format": "saved_model"}, "applies to TFLite exports"),
        ({"select_tf_ops": True, "format": "saved_model"}, "select_tf_ops applies to TFLite"),
    ],
)
def test_bad_arguments(toy_registry, tmp_path: Path, kwargs, message: str) -> None:
    with pytest.raises(zoo.ZooError, match=message):
        zoo.export(zoo.build("toy_small"), tmp_path / "out.tflite", **kwargs)


def test_bad_paths_and_objects(toy_registry, tmp_path: Path) -> None:
    import keras

    model = zoo.build("toy_small")
    with pytest.raises(zoo.ZooError, match=r"A TFLite file ends in \.tflite"):
        zoo.export(model, tmp_path / "m.lite", format="tflite")
    with pytest.raises(zoo.ZooError, match="A SavedModel is a folder"):
        zoo.export(model, tmp_path / "m.keras")
    with pytest.raises(zoo.ZooError, match="The folder to save into must exist"):
        zoo.export(model, tmp_path / "missing" / "served")
    with pytest.raises(zoo.ZooError, match="exports a keras.Model. Received: Dense"):
        zoo.export(keras.layers.Dense(2), tmp_path / "served")
    with pytest.raises(zoo.ZooError, match="not built"):
        zoo.export(keras.Sequential([keras.layers.Dense(2)]), tmp_path / "served")


# === The command line ===


def test_cli_exports_a_recipe_and_a_file(toy_registry, tmp_path: Path, capsys) -> None:
    from zoo._cli import main

    out = tmp_path / "toy.tflite"
    args = ["export", "toy/toy_small", "--set", "hidden=5", "--format", "tflite", "-o", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"exported toy_mlp to {out} as tflite: {out.stat().st_size:,} bytes" in printed
    assert "largest output difference from Keras on 8 random inputs:" in printed

    saved = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    served = tmp_path / "served"
    assert main(["export", str(saved), "-o", str(served), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "saved_model" and result["samples"] == 8
    assert result["max_difference"] <= TOLERANCES["saved_model"]
    assert result["bytes"] == artifact_size(served)

    assert main(["export", str(saved), "--set", "hidden=3", "-o", str(served)]) == 1
    assert "--set applies to a recipe or builder, not a file" in capsys.readouterr().err


# === The table of formats ===


def test_the_table_answers_by_name_and_by_suffix() -> None:
    from zoo._export import formats
    from zoo._kit.checks import EXPORT_TAGS

    assert formats.names() == ("saved_model", "tflite")
    assert formats.format_for_path("m.TFLITE").name == "tflite"
    assert formats.format_for_path("serving/v1").name == "saved_model"
    assert formats.format_named("tflite").tag == "export:tflite"
    assert formats.quantizations() == ("dynamic_range", "float16", "int8")
    assert EXPORT_TAGS == {"export:saved_model": "saved_model", "export:tflite": "tflite"}
    assert formats.tolerances() == TOLERANCES
    with pytest.raises(zoo.ZooError, match="format is one of 'saved_model', 'tflite'"):
        formats.format_named("onnx")


def _keras_format(formats):
    """A format as a new one comes: one module's functions (here a .keras file) and a row."""
    import keras

    from zoo._saving.save import check_destination

    def run_keras(path, inputs, input_names=None):
        model = zoo.load(path, compile=False)
        return [np.asarray(v) for v in keras.tree.flatten(model(inputs[0]))]

    return formats.ExportFormat(
        name="keras",
        title="Keras",
        suffix=".keras",
        description="one .keras file",
        check_path=lambda path: check_destination(path, ".keras", "A Keras file"),
        export=lambda model, path, options: zoo.save(model, path),
        run=run_keras,
        tolerances={None: 1e-6},
        backends=("tensorflow", "jax", "torch"),
        runtime="Keras",
    )


def test_a_new_format_is_one_row_that_export_the_cli_and_the_kit_consult(
    toy_registry, tmp_path: Path, monkeypatch, capsys
) -> None:
    import dataclasses
    from types import SimpleNamespace

    from zoo._cli import main
    from zoo._export import export_format, formats
    from zoo._kit.checks import export_check

    row = _keras_format(formats)
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, row))
    monkeypatch.setattr(formats, "BY_NAME", {**formats.BY_NAME, row.name: row})
    model = zoo.build("toy_small")
    x = np.random.default_rng(0).uniform(0, 1, (3, *model.inputs[0].shape[1:])).astype("float32")

    assert export_format(tmp_path / "m.keras") == "keras"
    path = zoo.export(model, tmp_path / "m.keras")
    assert max_difference(keras_outputs(model, x), row.run(path, [x])) <= 1e-6
    with pytest.raises(zoo.ZooError, match="Quantization applies to TFLite exports. Received: "):
        zoo.export(model, tmp_path / "q.keras", quantization="float16")
    export_check(SimpleNamespace(tags=("export:keras",)), model, x)  # passes

    out = tmp_path / "cli.keras"
    assert main(["export", "toy/toy_small", "-o", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "keras" and result["samples"] == 8

    missing = dataclasses.replace(row, requires={"zoo_no_such_module": "zoo-no-such-package"})
    monkeypatch.setattr(formats, "BY_NAME", {**formats.BY_NAME, row.name: missing})
    with pytest.raises(zoo.ZooError, match="Keras exports need zoo-no-such-package"):
        zoo.export(model, tmp_path / "n.keras")
