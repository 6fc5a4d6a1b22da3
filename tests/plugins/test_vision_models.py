"""PSNR and SSIM against tf.image, the espcn and mnist_cnn builders, the docstring
examples, and the vision plugin's lazy declarations."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import keras
import numpy as np
import pytest
from zoo_vision.psnr import PSNR
from zoo_vision.ssim import SSIM
from zoo_vision.sub_pixel_upsampling import SubPixelUpsampling

import zoo

RNG = np.random.default_rng(2)


def noisy_pair(shape, noise=0.1, scale=1.0):
    clean = RNG.uniform(0, 1, shape).astype("float32")
    noisy = np.clip(clean + RNG.normal(0, noise, shape), 0, 1).astype("float32")
    return clean * scale, noisy * scale


# === Metrics ===


def test_psnr_matches_the_definition_and_tf_image():
    tf = pytest.importorskip("tensorflow")
    y_true, y_pred = noisy_pair((3, 9, 7, 3))
    mse = ((y_true - y_pred) ** 2).mean(axis=(1, 2, 3))
    metric = PSNR()
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == pytest.approx(np.mean(10 * np.log10(1 / mse)), rel=1e-5)
    assert float(metric.result()) == pytest.approx(
        float(tf.reduce_mean(tf.image.psnr(y_true, y_pred, 1.0))), rel=1e-5
    )


@pytest.mark.parametrize("shape, max_val", [((2, 16, 16, 3), 1.0), ((3, 23, 12, 1), 255.0)])
def test_ssim_matches_tf_image_ssim(shape, max_val):
    tf = pytest.importorskip("tensorflow")
    y_true, y_pred = noisy_pair(shape, scale=max_val)
    metric = SSIM(max_val=max_val)
    metric.update_state(y_true, y_pred)
    expected = tf.reduce_mean(tf.image.ssim(y_true, y_pred, max_val))
    assert float(metric.result()) == pytest.approx(float(expected), abs=1e-5)
    small = SSIM(max_val=max_val, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05)
    small.update_state(y_true, y_pred)
    expected = tf.image.ssim(
        y_true, y_pred, max_val, filter_size=5, filter_sigma=0.8, k1=0.02, k2=0.05
    )
    assert float(small.result()) == pytest.approx(float(tf.reduce_mean(expected)), abs=1e-5)


def test_metrics_average_over_images_and_batches_with_weights():
    a_true, a_pred = noisy_pair((2, 12, 12, 3), noise=0.05)
    b_true, b_pred = noisy_pair((1, 12, 12, 3), noise=0.2)
    for metric_class in (PSNR, SSIM):
        per_image = []
        for t, p in zip(np.concatenate([a_true, b_true]), np.concatenate([a_pred, b_pred])):
            single = metric_class()
            single.update_state(t[None], p[None])
            per_image.append(float(single.result()))
        metric = metric_class()
        metric.update_state(a_true, a_pred)
        metric.update_state(b_true, b_pred)
        assert float(metric.result()) == pytest.approx(np.mean(per_image), rel=1e-5)
        metric.reset_state()
        metric.update_state(a_true, a_pred, sample_weight=np.array([1.0, 3.0]))
        assert float(metric.result()) == pytest.approx(
            (per_image[0] + 3 * per_image[1]) / 4, rel=1e-5
        )


def test_metrics_in_compile_and_evaluate():
    y_true, y_pred = noisy_pair((4, 12, 12, 1))
    inputs = keras.Input((12, 12, 1))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    model.compile(loss="mse", metrics=[PSNR(), SSIM()])
    scores = model.evaluate(y_pred, y_true, batch_size=2, verbose=0, return_dict=True)
    mse = ((y_true - y_pred) ** 2).mean(axis=(1, 2, 3))
    assert scores["psnr"] == pytest.approx(np.mean(10 * np.log10(1 / mse)), rel=1e-4)
    assert 0 < scores["ssim"] < 1


def test_metric_errors():
    with pytest.raises(ValueError, match="max_val is the largest pixel value"):
        PSNR(max_val=0)
    with pytest.raises(ValueError, match="images must be at least filter_size pixels"):
        SSIM().update_state(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match="batches of images"):
        PSNR().update_state(np.zeros((8, 8)), np.zeros((8, 8)))


# === espcn ===


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_espcn_recipes_upscale_by_their_factor(scale):
    model = zoo.build(f"espcn_x{scale}")
    assert tuple(model.input.shape) == (None, 17, 17, 1)
    assert tuple(model.output.shape) == (None, 17 * scale, 17 * scale, 1)
    # 5x5x1x64 + 3x3x64x32 + 3x3x32x(scale**2), with biases: the paper's layers.
    expected = (25 * 64 + 64) + (9 * 64 * 32 + 32) + (9 * 32 * scale**2 + scale**2)
    assert model.count_params() == expected
    assert [type(layer).__name__ for layer in model.layers[-1:]] == ["SubPixelUpsampling"]


def test_espcn_takes_any_size_and_starts_without_checkerboard():
    model = zoo.build("espcn_x3", input_shape=[None, None], channels=3)
    x = RNG.uniform(size=(1, 7, 5, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x))
    assert out.shape == (1, 21, 15, 3)
    blocks = out.reshape(1, 7, 3, 5, 3, 3)
    np.testing.assert_allclose(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))


def test_espcn_arguments_are_checked():
    with pytest.raises(zoo.ZooError, match="scale is a positive integer"):
        zoo.build("espcn", scale=0)
    with pytest.raises(zoo.ArgumentError, match="filters of type tuple\\[int, int\\]"):
        zoo.build("espcn", filters=[64])
    with pytest.raises(ValueError, match="filters gives the two feature layers"):
        zoo.get("vision/espcn")(filters=(64, 0))
    with pytest.raises(zoo.ArgumentError, match="order"):
        zoo.build("espcn", order="XYZ")


# === mnist_cnn ===


def test_mnist_cnn_is_the_classic_network():
    model = zoo.build("mnist_cnn")
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == [
        "Conv2D",
        "Conv2D",
        "MaxPooling2D",
        "Dropout",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
    ]
    assert model.count_params() == 1_199_882  # the classic Keras example's count
    assert tuple(model.output.shape) == (None, 10)
    small = zoo.build("mnist_cnn", input_shape=[8, 8, 1], num_classes=3, dropout=[0.0, 0.0])
    assert tuple(small.output.shape) == (None, 3)
    with pytest.raises(zoo.ZooError, match="height and width at least 6"):
        zoo.build("mnist_cnn", input_shape=[5, 5, 1])


# === Docstring examples and the lazy contract ===

MODULES = [
    "pixel_shuffle",
    "icnr",
    "sub_pixel_upsampling",
    "basic_block",
    "bottleneck_block",
    "pre_activation_block",
    "fused_batch_norm",
    "decode_and_resize",
    "image_normalization",
    "random_color_distortion",
    "image_augmentation",
    "psnr",
    "ssim",
]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(f"zoo_vision.{module_name}")
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, globs={"np": np, **vars(module)}) if t.examples]
    assert tests, f"{module_name} has no Example"
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_listing_the_vision_plugin_imports_no_implementation():
    code = (
        "import sys, zoo\n"
        "names = [e.id for e in zoo.list_components(plugin='vision')]\n"
        "assert 'vision/PixelShuffle' in names and 'vision/resnet_small' in names, names\n"
        "heavy = [m for m in sys.modules if m in ('keras', 'tensorflow') "
        "or (m.startswith('zoo_vision.'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_sub_pixel_upsampling_config_keeps_the_base_initializer():
    layer = SubPixelUpsampling(4, upscale_factor=3, kernel_initializer="glorot_uniform")
    clone = SubPixelUpsampling.from_config(layer.get_config())
    assert isinstance(clone.conv.kernel_initializer.initializer, keras.initializers.GlorotUniform)
    assert clone.conv.kernel_initializer.upscale_factor == 3
