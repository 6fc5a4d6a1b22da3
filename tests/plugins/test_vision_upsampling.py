"""PixelShuffle against numpy written from its definition, ICNR's no-checkerboard
property, and SubPixelUpsampling."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vision.icnr import ICNR
from zoo_vision.pixel_shuffle import PixelShuffle
from zoo_vision.sub_pixel_upsampling import SubPixelUpsampling

import zoo

RNG = np.random.default_rng(3)


def reference_shuffle(x, r, order):
    """Channels-last pixel shuffle, one output pixel at a time, from the definitions:
    DCR (tf.nn.depth_to_space): out[h*r+i, w*r+j, c] = in[h, w, (i*r + j)*C + c];
    CRD (torch pixel_shuffle):  out[h*r+i, w*r+j, c] = in[h, w, c*r*r + i*r + j]."""
    n, height, width, channels = x.shape
    depth = channels // (r * r)
    out = np.zeros((n, height * r, width * r, depth), x.dtype)
    for h in range(height):
        for w in range(width):
            for i in range(r):
                for j in range(r):
                    for c in range(depth):
                        source = (
                            (i * r + j) * depth + c if order == "DCR" else c * r * r + i * r + j
                        )
                        out[:, h * r + i, w * r + j, c] = x[:, h, w, source]
    return out


@pytest.mark.parametrize("order", ["DCR", "CRD"])
@pytest.mark.parametrize("r, channels", [(2, 8), (3, 18), (1, 5)])
def test_pixel_shuffle_matches_the_definition(order, r, channels):
    x = RNG.standard_normal((2, 3, 4, channels)).astype("float32")
    out = keras.ops.convert_to_numpy(PixelShuffle(r, order=order)(x))
    np.testing.assert_array_equal(out, reference_shuffle(x, r, order))


@pytest.mark.parametrize("order", ["DCR", "CRD"])
def test_channels_first_is_the_transposed_channels_last(order):
    x = RNG.standard_normal((2, 3, 5, 12)).astype("float32")
    first = PixelShuffle(2, order=order, data_format="channels_first")(
        np.transpose(x, (0, 3, 1, 2))
    )
    np.testing.assert_array_equal(
        np.transpose(keras.ops.convert_to_numpy(first), (0, 2, 3, 1)),
        reference_shuffle(x, 2, order),
    )


def test_dcr_is_tensorflow_depth_to_space():
    tf = pytest.importorskip("tensorflow")
    x = RNG.standard_normal((2, 5, 3, 27)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(PixelShuffle(3)(x)), tf.nn.depth_to_space(x, 3).numpy()
    )


def test_crd_undoes_a_pytorch_style_pixel_unshuffle():
    # pixel_unshuffle in PyTorch's layout: channel c*r*r + i*r + j holds out[h*r+i, w*r+j, c].
    image = RNG.standard_normal((1, 6, 4, 2)).astype("float32")
    r = 2
    packed = image.reshape(1, 3, r, 2, r, 2).transpose(0, 1, 3, 5, 2, 4).reshape(1, 3, 2, 8)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(PixelShuffle(r, order="CRD")(packed)), image
    )


def test_unknown_spatial_size_in_a_model():
    inputs = keras.Input((None, None, 8))
    model = keras.Model(inputs, PixelShuffle(2, order="CRD")(inputs))
    assert tuple(model.output.shape) == (None, None, None, 2)
    x = RNG.standard_normal((1, 5, 7, 8)).astype("float32")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(model(x)), reference_shuffle(x, 2, "CRD")
    )


def test_indivisible_channels_fail_at_build_with_the_rule_and_a_fix():
    layer = PixelShuffle(upscale_factor=3)  # constructing is fine: channels are unknown yet
    with pytest.raises(ValueError) as error:
        layer(np.zeros((1, 2, 2, 12), "float32"))
    message = str(error.value)
    assert "upscale_factor**2 must divide the channel count" in message
    assert "Received: channels=12, upscale_factor=3" in message
    assert "Use 9 or 18 channels, or upscale_factor=2." in message
    with pytest.raises(ValueError, match="channel dimension must be known"):
        PixelShuffle(2)(keras.Input((4, 4, None)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"upscale_factor": 0}, "upscale_factor is a positive integer"),
        ({"upscale_factor": 2.0}, "upscale_factor is a positive integer"),
        ({"order": "dcr"}, "order is one of 'DCR', 'CRD'"),
        ({"data_format": "NHWC"}, "data_format is 'channels_last' or 'channels_first'"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PixelShuffle(**kwargs)


def test_zoo_get_returns_the_layer():
    assert zoo.get("vision/PixelShuffle") is PixelShuffle
    assert zoo.get("PixelShuffle")(upscale_factor=2).get_config()["order"] == "DCR"


# === ICNR ===


@pytest.mark.parametrize("order", ["DCR", "CRD"])
@pytest.mark.parametrize("r", [2, 3])
def test_icnr_then_shuffle_is_nearest_neighbour_upsampling(order, r):
    """conv_ICNR followed by PixelShuffle == nearest-neighbour upsampling of conv_sub."""
    x = RNG.standard_normal((2, 5, 6, 4)).astype("float32")
    kernel = keras.ops.convert_to_numpy(ICNR(r, order=order)((3, 3, 4, 3 * r * r)))
    # The sub-kernel ICNR drew: DCR tiles it, so it is the first block; CRD repeats each
    # channel r*r times, so it is every (r*r)-th channel.
    sub = kernel[..., :3] if order == "DCR" else kernel[..., :: r * r]

    def conv(weights):
        layer = keras.layers.Conv2D(weights.shape[-1], 3, padding="same", use_bias=False)
        layer.build(x.shape)
        layer.set_weights([weights])
        return layer(x)

    shuffled = keras.ops.convert_to_numpy(PixelShuffle(r, order=order)(conv(kernel)))
    nearest = keras.ops.convert_to_numpy(
        keras.layers.UpSampling2D(r, interpolation="nearest")(conv(sub))
    )
    np.testing.assert_allclose(shuffled, nearest, rtol=1e-6, atol=1e-6)
    assert np.std(nearest) > 0.1  # a real signal, not zeros


def test_icnr_with_the_wrong_order_does_checkerboard():
    # The property depends on the order: a DCR kernel read in CRD order is not constant
    # on each r x r block.
    kernel = keras.ops.convert_to_numpy(ICNR(2, order="DCR")((1, 1, 3, 8)))
    x = RNG.standard_normal((1, 4, 4, 3)).astype("float32")
    features = np.einsum("nhwc,cd->nhwd", x, kernel[0, 0])
    out = keras.ops.convert_to_numpy(PixelShuffle(2, order="CRD")(features))
    blocks = out.reshape(1, 4, 2, 4, 2, 2)
    assert np.abs(blocks - blocks[:, :, :1, :, :1, :]).max() > 1e-3


def test_icnr_draws_its_sub_kernel_from_the_base_initializer():
    base = keras.initializers.Constant(0.5)
    kernel = keras.ops.convert_to_numpy(ICNR(2, initializer=base)((3, 3, 2, 8)))
    np.testing.assert_array_equal(kernel, np.full((3, 3, 2, 8), 0.5, "float32"))
    config = ICNR(3, order="CRD", initializer="glorot_uniform").get_config()
    clone = ICNR.from_config(config)
    assert (clone.upscale_factor, clone.order) == (3, "CRD")
    assert isinstance(clone.initializer, keras.initializers.GlorotUniform)


def test_icnr_refuses_an_indivisible_kernel():
    with pytest.raises(ValueError, match=r"Received: channels=6, upscale_factor=2"):
        ICNR(2)((3, 3, 4, 6))
    with pytest.raises(ValueError, match="initializes convolution kernels"):
        ICNR(2)((4,))


# === SubPixelUpsampling ===


@pytest.mark.parametrize("order", ["DCR", "CRD"])
def test_fresh_sub_pixel_upsampling_has_no_checkerboard(order):
    layer = SubPixelUpsampling(filters=3, upscale_factor=2, order=order)
    x = RNG.standard_normal((2, 6, 5, 4)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 12, 10, 3)
    blocks = out.reshape(2, 6, 2, 5, 2, 3)
    # Every 2x2 output block is one value: nearest-neighbour upsampling of a convolution.
    np.testing.assert_allclose(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape))
    assert np.std(out) > 0.1


def test_sub_pixel_upsampling_is_its_convolution_then_the_shuffle():
    layer = SubPixelUpsampling(filters=2, upscale_factor=3, order="CRD", activation="relu")
    x = RNG.standard_normal((1, 4, 4, 3)).astype("float32")
    layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 3, 18)
    np.testing.assert_array_equal(bias, np.zeros(18, "float32"))
    kernel = RNG.standard_normal(kernel.shape).astype("float32")
    bias = RNG.standard_normal(bias.shape).astype("float32")
    layer.set_weights([kernel, bias])
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    features = np.zeros((1, 4, 4, 18), "float32")
    for h in range(4):
        for w in range(4):
            features[0, h, w] = np.einsum("ijc,ijcd->d", padded[0, h : h + 3, w : w + 3], kernel)
    expected = reference_shuffle(np.maximum(features + bias, 0), 3, "CRD")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-4)


def test_sub_pixel_upsampling_arguments_are_checked():
    with pytest.raises(ValueError, match="filters is a positive integer"):
        SubPixelUpsampling(filters=0)
    with pytest.raises(ValueError, match="order is one of"):
        SubPixelUpsampling(filters=3, order="XYZ")
