"""Preset folders, weights by layer name, zoo.from_preset and the `zoo preset` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from zoo._cli import main
from zoo._presets import folder as preset_folder
from zoo._presets.folder import read_preset, sha256_of

SMALL = {"depth": 8, "width": 4, "input_shape": [8, 8, 1]}
RNG = np.random.default_rng(15)
X = RNG.random((6, 8, 8, 1)).astype("float32")


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


def trained_like(model, seed=3):
    """Give every weight distinct non-initial values, as training would."""
    rng = np.random.default_rng(seed)
    weights = model.get_weights()
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in weights])
    return model


def write_run(run: Path, *, status="completed", num_classes=5) -> keras.Model:
    """A run folder as zoo.fit writes it (the contract's run.json, metrics.json, best.keras)."""
    run.mkdir()
    model = trained_like(zoo.build("resnet_small", **SMALL, num_classes=num_classes))
    zoo.save(model, run / "best.keras")
    record = {
        "recipe": "vision/resnet_small",
        "builder": "vision/resnet_cifar",
        "arguments": {"depth": 8, "width": 4, "input_shape": [8, 8, 1], "num_classes": 5},
        "overrides": {"width": 4},
        "data": {
            "source": "vision/digits",
            "arguments": {"classes": [0, 1, 2, 3, 4]},
            "task": "classification",
            "input_shape": [8, 8, 1],
            "input_dtype": "float32",
            "target_shape": [],
            "target_dtype": "int32",
            "num_classes": 5,
            "class_names": ["0", "1", "2", "3", "4"],
            "sizes": {"train": 650, "validation": 72, "test": 180},
            "split": {"seed": 0, "validation": 0.1, "test": 0.2, "stratified": True},
            "builder_arguments": {"input_shape": [8, 8, 1], "num_classes": 5},
            "preprocessing": {"scale": 0.0625},
        },
        "training": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
        "seed": 0,
        "precision": "float32",
        "epochs": 7,
        "versions": {"zoo": zoo.__version__},
        "status": status,
        "started": "2026-12-02T03:00:00+00:00",
        "finished": "2026-12-02T03:01:00+00:00",
        "best_epoch": 6,
    }
    (run / "run.json").write_text(json.dumps(record))
    metrics = {"test": {"loss": 0.1234, "accuracy": 0.9611}, "validation": {"accuracy": 0.95}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    return model


@pytest.fixture
def run_and_model(tmp_path):
    run = tmp_path / "run"
    return run, write_run(run)


@pytest.fixture
def preset(tmp_path, run_and_model):
    run, model = run_and_model
    return zoo.save_preset(run, tmp_path / "P"), model


# === Preset folders ===


def test_a_preset_from_a_run_records_the_recipe_contract_and_metrics(preset):
    folder, _ = preset
    assert sorted(os.listdir(folder)) == ["README.md", "model.keras", "preset.json"]
    info = json.loads((folder / "preset.json").read_text())
    assert info["recipe"] == "vision/resnet_small" and info["builder"] == "vision/resnet_cifar"
    assert info["arguments"]["num_classes"] == 5
    assert info["training"]["loss"] == "sparse_categorical_crossentropy"
    assert info["input"] == {
        "shape": [8, 8, 1],
        "dtype": "float32",
        "preprocessing": {"scale": 0.0625},
    }
    assert info["class_names"] == ["0", "1", "2", "3", "4"]
    assert info["data"]["split"]["seed"] == 0 and info["epochs"] == 7
    assert info["metrics"]["test"]["accuracy"] == 0.9611
    assert info["model"]["sha256"] == sha256_of(folder / "model.keras")
    card = (folder / "README.md").read_text()
    for text in ("vision/digits", "| test | accuracy | 0.9611 |", "Epochs: 7", "## License"):
        assert text in card
    assert f"keras-zoo {zoo.__version__}" in card and "## Intended use" in card


def test_from_preset_predicts_exactly_as_the_runs_best_model(preset, tmp_path):
    folder, model = preset
    loaded = zoo.from_preset(folder)
    np.testing.assert_array_equal(numpy_of(loaded(X)), numpy_of(model(X)))
    best = zoo.load(tmp_path / "run" / "best.keras")
    np.testing.assert_array_equal(numpy_of(loaded(X)), numpy_of(best(X)))


@pytest.mark.slow
def test_zoo_preset_command_and_from_preset_in_a_fresh_process(run_and_model, tmp_path, capsys):
    run, model = run_and_model
    out = tmp_path / "P"
    assert main(["preset", str(run), "--out", str(out), "--license", "Apache-2.0"]) == 0
    assert "accuracy 0.9611" in capsys.readouterr().out
    assert "Apache-2.0" in (out / "README.md").read_text()
    np.save(tmp_path / "x.npy", X)
    script = (
        "import sys, numpy as np, zoo, keras\n"
        "x = np.load(sys.argv[2])\n"
        "a = keras.ops.convert_to_numpy(zoo.from_preset(sys.argv[1])(x))\n"
        "b = keras.ops.convert_to_numpy(zoo.load(sys.argv[3])(x))\n"
        "assert np.array_equal(a, b), (a, b)\n"
        "np.save(sys.argv[4], a)\n"
    )
    args = [str(out), str(tmp_path / "x.npy"), str(run / "best.keras"), str(tmp_path / "y.npy")]
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), numpy_of(model(X)))


def test_a_preset_from_a_model_records_its_input(tmp_path):
    model = trained_like(zoo.build("resnet_cifar", **SMALL))
    folder = zoo.save_preset(model, tmp_path / "M")
    info = read_preset(folder).info
    assert info["input"]["shape"] == [8, 8, 1] and info["input"]["dtype"] == "float32"
    assert info["data"] is None and "Not recorded" in (folder / "README.md").read_text()
    np.testing.assert_array_equal(numpy_of(zoo.from_preset(folder)(X)), numpy_of(model(X)))


def test_writing_is_atomic_and_replaces_only_a_preset(tmp_path, monkeypatch, run_and_model):
    run, _ = run_and_model
    folder = zoo.save_preset(run, tmp_path / "P")
    before = (folder / "preset.json").read_text()

    def broken(info):
        raise RuntimeError("disk full")

    monkeypatch.setattr(preset_folder, "model_card", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        zoo.save_preset(run, folder)
    with pytest.raises(RuntimeError, match="disk full"):
        zoo.save_preset(run, tmp_path / "new")
    assert (folder / "preset.json").read_text() == before  # the old preset is intact
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P", "run"]  # no hidden leftovers
    monkeypatch.undo()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(zoo.ZooError, match="replaces only an older preset folder"):
        zoo.save_preset(run, other)
    assert (other / "notes.txt").read_text() == "mine"


# === Weights by name ===


def test_weights_load_by_name_and_the_reshaped_classifier_is_named(preset):
    folder, source = preset
    with pytest.warns(zoo.ZooWarning, match=r"1 keep fresh weights: classifier \("):
        model = zoo.build("resnet_small", **SMALL, num_classes=3, weights=folder)
    fresh = zoo.build("resnet_small", **SMALL, num_classes=3)
    for layer in model.layers:
        if not layer.weights:
            continue
        theirs = source.get_layer(layer.name).get_weights()
        if layer.name == "classifier":
            assert layer.get_weights()[0].shape == (16, 3)
            continue
        for mine, saved in zip(layer.get_weights(), theirs):
            np.testing.assert_array_equal(mine, saved)
    assert not np.array_equal(
        fresh.get_layer("stem_conv").get_weights()[0],
        model.get_layer("stem_conv").get_weights()[0],
    )


def test_strict_refuses_a_layer_it_cannot_fill(preset):
    folder, _ = preset
    with pytest.raises(zoo.ZooError, match=r"strict=True.*classifier"):
        zoo.build("resnet_small", **SMALL, num_classes=3, weights=folder, strict=True)


def test_the_same_shapes_load_everything_without_a_warning(preset):
    folder, source = preset
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = zoo.build("resnet_small", **SMALL, num_classes=5, weights=folder, strict=True)
    np.testing.assert_array_equal(numpy_of(model(X)), numpy_of(source(X)))


def test_a_full_preset_loads_into_a_backbone_and_a_feature_extractor(preset):
    folder, source = preset
    backbone = zoo.build("resnet_small", **SMALL, include_top=False, weights=folder, strict=True)
    probe = keras.Model(source.input, source.get_layer("stage3_block1").output)
    np.testing.assert_allclose(numpy_of(backbone(X)), numpy_of(probe(X)), rtol=1e-6, atol=1e-6)
    features = zoo.build("resnet_small", **SMALL, features=["stage2"], weights=folder, strict=True)
    probe = keras.Model(source.input, source.get_layer("stage2_block1").output)
    np.testing.assert_allclose(
        numpy_of(features(X)["stage2"]), numpy_of(probe(X)), rtol=1e-6, atol=1e-6
    )


def test_weights_from_a_keras_file(tmp_path):
    source = trained_like(zoo.build("resnet_cifar", **SMALL))
    path = zoo.save(source, tmp_path / "plain.keras")
    model = zoo.build("resnet_cifar", **SMALL, weights=str(path))
    np.testing.assert_array_equal(numpy_of(model(X)), numpy_of(source(X)))


# === Bad input: one ZooError sentence each ===


def test_a_preset_without_preset_json_is_refused(preset):
    folder, _ = preset
    (folder / "preset.json").unlink()
    with pytest.raises(zoo.ZooError, match="holds preset.json beside model.keras. Received"):
        zoo.from_preset(folder)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda info: "{not json", "preset.json is JSON"),
        (lambda info: {**info, "model": {**info["model"], "sha256": "0" * 64}}, "sha256"),
        (lambda info: {k: v for k, v in info.items() if k != "input"}, "missing input"),
        (
            lambda info: {**info, "input": {**info["input"], "shape": [28, 28, 1]}},
            r"says \[28, 28, 1\] but model.keras takes \[8, 8, 1\]",
        ),
        (lambda info: {**info, "format": 99}, "preset format 1"),
    ],
)
def test_an_edited_preset_json_is_refused(preset, edit, match):
    folder, _ = preset
    path = folder / "preset.json"
    edited = edit(json.loads(path.read_text()))
    path.write_text(edited if isinstance(edited, str) else json.dumps(edited))
    with pytest.raises(zoo.ZooError, match=match):
        zoo.from_preset(folder)
    with pytest.raises(zoo.ZooError, match=match):
        zoo.build("resnet_small", **SMALL, weights=folder)


def test_a_replaced_model_file_is_refused(preset, tmp_path):
    folder, _ = preset
    other = zoo.build("resnet_small", **SMALL, num_classes=5)
    zoo.save(other, folder / "model.keras")
    with pytest.raises(zoo.ZooError, match="hashes to .* but preset.json says"):
        zoo.build("resnet_small", **SMALL, weights=folder)


def test_a_keras_file_whose_layers_match_nothing_is_refused(tmp_path):
    inputs = keras.Input((4,))
    other = keras.Model(inputs, keras.layers.Dense(2, name="head")(inputs))
    path = zoo.save(other, tmp_path / "other.keras")
    with pytest.raises(zoo.ZooError, match=r"layers \(head\) match none of"):
        zoo.build("resnet_cifar", **SMALL, weights=path)


@pytest.mark.parametrize(
    "source, match",
    [
        ("resnet_smal_digits", "none of them"),
        ("missing.keras", "must exist"),
        (42, "Received: 42"),
    ],
)
def test_an_unknown_weights_source_is_refused(source, match):
    with pytest.raises(zoo.ZooError, match=match):
        zoo.build("resnet_cifar", **SMALL, weights=source)


def test_an_unfinished_or_incomplete_run_is_refused(tmp_path):
    write_run(tmp_path / "running", status="running")
    with pytest.raises(zoo.ZooError, match="completed run. Received: .* status 'running'"):
        zoo.save_preset(tmp_path / "running", tmp_path / "P")
    run = tmp_path / "run"
    write_run(run)
    (run / "metrics.json").unlink()
    with pytest.raises(zoo.ZooError, match="holds metrics.json"):
        zoo.save_preset(run, tmp_path / "P")
    with pytest.raises(zoo.ZooError, match="takes a keras.Model or a run folder"):
        zoo.save_preset(3, tmp_path / "P")
    assert main(["preset", str(tmp_path / "nowhere"), "--out", str(tmp_path / "P")]) == 1
