"""resnet_cifar as a backbone (include_top=False, pooling) and a feature extractor (features)."""

from __future__ import annotations

import ast
import re

import keras
import numpy as np
import pytest
from zoo_vision.resnet_cifar import STAGES, feature_shapes

import zoo
import zoo.testing
from zoo._cli import main

RNG = np.random.default_rng(15)
SMALL = {"depth": 8, "width": 4, "input_shape": [9, 9, 3]}


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


def copy_by_name(source, target):
    for layer in target.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())


def test_resnet_small_backbone_shapes_follow_pooling():
    assert zoo.build("resnet_small", include_top=False).output_shape == (None, 8, 8, 64)
    assert zoo.build("resnet_small", include_top=False, pooling="avg").output_shape == (None, 64)
    assert zoo.build("resnet_small", include_top=False, pooling="max").output_shape == (None, 64)


def test_resnet_small_feature_shapes_are_the_documented_ones():
    model = zoo.build("resnet_small", features=["stage1", "stage2", "stage3"])
    outputs = model(np.zeros((2, 32, 32, 3), "float32"))
    assert list(outputs) == ["stage1", "stage2", "stage3"]
    shapes = {k: tuple(v.shape[1:]) for k, v in outputs.items()}
    assert shapes == {"stage1": (32, 32, 16), "stage2": (16, 16, 32), "stage3": (8, 8, 64)}
    documented = feature_shapes((32, 32, 3), 16)
    assert shapes == {k: documented[k] for k in shapes}
    assert documented["stem"] == (32, 32, 16)


@pytest.mark.parametrize("preactivation", [False, True])
def test_features_and_pooling_compute_the_full_networks_intermediate_values(preactivation):
    full = zoo.build("resnet_cifar", **SMALL, preactivation=preactivation)
    x = RNG.standard_normal((3, 9, 9, 3)).astype("float32")
    last = "final_relu" if preactivation else "stage3_block1"
    stem = "stem_conv" if preactivation else "stem_relu"
    names = {"stem": stem, "stage1": "stage1_block1", "stage2": "stage2_block1", "stage3": last}
    probe = keras.Model(full.input, {k: full.get_layer(v).output for k, v in names.items()})
    expected = {k: numpy_of(v) for k, v in probe(x).items()}

    features = zoo.build("resnet_cifar", **SMALL, preactivation=preactivation, features=STAGES)
    copy_by_name(full, features)
    for stage, value in features(x).items():
        np.testing.assert_allclose(numpy_of(value), expected[stage], rtol=1e-5, atol=1e-5)
        assert value.shape[1:] == feature_shapes(SMALL["input_shape"], SMALL["width"])[stage]

    for pooling, reduce in ((None, None), ("avg", np.mean), ("max", np.max)):
        backbone = zoo.build(
            "resnet_cifar", **SMALL, preactivation=preactivation, include_top=False, pooling=pooling
        )
        copy_by_name(full, backbone)
        want = expected["stage3"] if reduce is None else reduce(expected["stage3"], axis=(1, 2))
        np.testing.assert_allclose(numpy_of(backbone(x)), want, rtol=1e-5, atol=1e-5)


def test_a_feature_extractor_holds_only_the_layers_its_stages_need():
    model = zoo.build("resnet_cifar", **SMALL, features=["stem", "stage1"])
    names = [layer.name for layer in model.layers]
    assert names == ["images", "stem_conv", "stem_bn", "stem_relu", "stage1_block1"]
    backbone = zoo.build("resnet_cifar", **SMALL, include_top=False, pooling="avg")
    assert "classifier" not in [layer.name for layer in backbone.layers]


@pytest.mark.slow
def test_the_feature_extractor_passes_the_kit():
    example = {"kwargs": {**SMALL, "input_shape": [8, 8, 3], "features": list(STAGES)}}
    report = zoo.testing.check("vision/resnet_cifar", example=example)
    assert report.ok, str(report)
    passed = {r.check for r in report.results if r.status == "passed"}
    assert {"config", "keras_file", "gradients", "shapes", "batch_independence"} <= passed


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"features": ["stage4"]}, r"Received: 'stage4'.*Did you mean 'stage3'"),
        ({"features": ["stem", "stem"]}, "names each stage once"),
        ({"features": "stage1"}, "features .*Received: features='stage1'"),
        ({"features": []}, "non-empty list of stage names"),
        ({"pooling": "avg"}, "pooling applies to a backbone"),
        ({"include_top": False, "pooling": "sum"}, "pooling .*Received: pooling='sum'"),
        ({"include_top": "no"}, "include_top .*Received: include_top='no'"),
    ],
)
def test_backbone_arguments_are_checked(overrides, match):
    with pytest.raises(zoo.ZooError, match=match):
        zoo.build("resnet_small", **overrides)


def test_zoo_info_lists_the_stages_and_their_shapes(capsys):
    assert main(["info", "resnet_small"]) == 0
    out = capsys.readouterr().out
    shown = dict(re.findall(r"``(stem|stage\d)``: ``[^`]*`` \[(\([\d, ]+\))\]", out))
    assert list(shown) == list(STAGES)
    built = zoo.build("resnet_small", features=list(STAGES)).output
    assert {k: ast.literal_eval(v) for k, v in shown.items()} == {
        k: tuple(v.shape[1:]) for k, v in built.items()
    }
