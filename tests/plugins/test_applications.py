"""The applications plugin: keras.applications' families as zoo model builders."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo

FAMILIES = (
    "vgg16",
    "resnet50_v2",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_v2_b0",
    "convnext_tiny",
)
# Each family takes a few seconds to build on a 2-core CPU; the quick leg builds one.
QUICK = {"mobilenet_v3_small"}


def _families() -> list[object]:
    return [f if f in QUICK else pytest.param(f, marks=pytest.mark.slow) for f in FAMILIES]


def test_listing_the_plugin_imports_nothing_heavy() -> None:
    probe = (
        "import json, runpy, sys\n"
        "sys.argv = ['zoo', 'list', '--plugin', 'applications', '--json']\n"
        "try:\n"
        "    runpy.run_module('zoo', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'numpy') if m in sys.modules)\n"
        "impl = sorted(m for m in sys.modules if m.startswith('zoo_applications.'))\n"
        "print(json.dumps({'heavy': heavy, 'impl': impl}), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ZOO_LIST_CACHE": "0"},
    )
    assert out.returncode == 0, out.stderr
    listed = {entry["id"] for entry in json.loads(out.stdout)["components"]}
    assert {f"applications/{f}" for f in FAMILIES} <= listed
    assert "applications/vgg16_transfer" in listed
    result = json.loads(out.stderr.strip().splitlines()[-1])
    assert result == {"heavy": [], "impl": []}


def test_pooled_features_of_a_backbone() -> None:
    model = zoo.build("mobilenet_v3_small", include_top=False, pooling="avg", weights=None)
    assert tuple(model.output.shape) == (None, 576)
    x = np.random.default_rng(0).uniform(0, 255, (2, 224, 224, 3)).astype("float32")
    assert model.predict_on_batch(x).shape == (2, 576)


def test_a_classifier_at_a_small_size() -> None:
    model = zoo.build("mobilenet_v3_small", input_shape=(32, 32, 3), num_classes=4)
    assert tuple(model.output.shape) == (None, 4)
    assert model.name == "mobilenet_v3_small"
    assert model.zoo_arguments["pretrained"] is None


@pytest.mark.parametrize("family", _families())
def test_feature_stages_have_the_documented_shapes(family: str) -> None:
    builder = zoo.get(family)
    model = zoo.build(family, input_shape=(64, 64, 3), features=list(builder.stages))
    shapes = {name: tuple(tensor.shape[1:]) for name, tensor in model.output.items()}
    assert shapes == builder.feature_shapes((64, 64, 3))
    assert [int(s[6:]) for s in builder.stages] == sorted(int(s[6:]) for s in builder.stages)


def test_features_keep_only_the_stages_asked_for() -> None:
    model = zoo.build("mobilenet_v3_small", input_shape=(32, 32, 3), features=["stride8"])
    assert list(model.output) == ["stride8"]
    assert tuple(model.output["stride8"].shape) == (None, 4, 4, 24)
    names = {layer.name for layer in model.layers}
    assert "expanded_conv_10_add" not in names  # nothing past the stage is built in


@pytest.mark.parametrize(
    ("family", "function"),
    [
        ("vgg16", "keras.applications.vgg16.preprocess_input"),
        ("resnet50_v2", "keras.applications.resnet_v2.preprocess_input"),
    ],
)
def test_in_model_preprocessing_is_the_family_s_own(family: str, function: str) -> None:
    import keras

    model = zoo.build(family, input_shape=(32, 32, 3), include_top=False)
    front = keras.Model(model.input, model.get_layer("preprocessing").output)
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    module, _, name = function.rpartition(".")
    expected = getattr(eval(module, {"keras": keras}), name)(x.copy())
    np.testing.assert_allclose(np.asarray(front(x)), expected, atol=1e-4)
    contract = zoo.get(family).input_contract(input_shape=(32, 32, 3))
    assert contract["shape"] == [32, 32, 3]
    assert contract["preprocessing"]["in_model"] is True
    assert contract["preprocessing"]["input"] == "RGB pixels in [0, 255]"


def test_without_preprocessing_the_contract_says_what_to_apply() -> None:
    model = zoo.build(
        "vgg16", input_shape=(32, 32, 3), include_top=False, include_preprocessing=False
    )
    assert "preprocessing" not in {layer.name for layer in model.layers}
    contract = zoo.get("vgg16").input_contract(include_preprocessing=False)
    assert contract["preprocessing"]["in_model"] is False
    assert "keras.applications.vgg16.preprocess_input" in contract["preprocessing"]["input"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"features": ["stride3"]}, "Did you mean 'stride32'"),
        ({"features": []}, "non-empty list of stage names"),
        ({"include_top": True, "pooling": "avg"}, "pooling applies to a backbone"),
        ({"pooling": "mean", "include_top": False}, "expects pooling of type"),
        ({"input_shape": (16, 16, 3)}, "at least 32"),
        ({"pretrained": "imagenet", "num_classes": 10}, "1000 classes"),
        ({"pretrained": "imagenet", "input_shape": (64, 64, 3)}, "takes (224, 224, 3)"),
        ({"pretrained": "imagenet", "input_shape": (64, 64, 1), "include_top": False}, "RGB"),
        ({"pretrained": ""}, "pretrained is None"),
        ({"num_classes": 0}, "num_classes is a positive integer"),
    ],
)
def test_argument_errors_state_the_rule(overrides: dict, message: str) -> None:
    with pytest.raises(zoo.ArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        zoo.build("mobilenet_v3_small", **overrides)


def test_transfer_classifier_freezes_a_pretrained_backbone(tmp_path) -> None:
    fresh = zoo.build(
        "transfer_classifier",
        backbone="mobilenet_v3_small",
        input_shape=(32, 32, 3),
        num_classes=5,
        dropout=0.2,
    )
    assert [layer.name for layer in fresh.layers] == [
        "images",
        "mobilenet_v3_small",
        "pool",
        "dropout",
        "classifier",
    ]
    assert fresh.get_layer("mobilenet_v3_small").trainable  # fresh weights: all train
    assert tuple(fresh.output.shape) == (None, 5)
    # A weights file of the backbone (pretrained= takes a path as keras.applications does).
    path = tmp_path / "backbone.weights.h5"
    fresh.get_layer("mobilenet_v3_small").save_weights(path)
    model = zoo.build(
        "transfer_classifier",
        backbone="mobilenet_v3_small",
        input_shape=(32, 32, 3),
        num_classes=5,
        pretrained=str(path),
    )
    backbone = model.get_layer("mobilenet_v3_small")
    assert not backbone.trainable
    assert len(model.trainable_weights) == 2  # the classifier's kernel and bias
    for mine, theirs in zip(backbone.weights, fresh.get_layer("mobilenet_v3_small").weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    unfrozen = zoo.build(
        "transfer_classifier",
        backbone="mobilenet_v3_small",
        input_shape=(32, 32, 3),
        pretrained=str(path),
        freeze_backbone=False,
    )
    assert unfrozen.get_layer("mobilenet_v3_small").trainable


def test_transfer_classifier_names_the_backbones() -> None:
    with pytest.raises(zoo.ArgumentError, match="Did you mean 'vgg16'"):
        zoo.build("transfer_classifier", backbone="vgg61")


def test_vgg16_transfer_recipe() -> None:
    spec = zoo.get_spec("vgg16_transfer")
    assert spec.builder == "applications/transfer_classifier"
    model = zoo.build("vgg16_transfer", num_classes=5, input_shape=(32, 32, 3))
    assert [layer.name for layer in model.layers] == ["images", "vgg16", "pool", "classifier"]
    assert tuple(model.output.shape) == (None, 5)
    assert model.get_layer("vgg16").trainable  # no pretrained weights were asked for


@pytest.mark.slow
def test_cli_builds_the_transfer_recipe() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "zoo", "build", "vgg16_transfer", "--set", "num_classes=5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "vgg16_transfer" in out.stdout
