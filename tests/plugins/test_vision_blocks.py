"""Residual blocks switch shortcuts correctly; the CIFAR ResNets have the paper's sizes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vision.basic_block import BasicBlock
from zoo_vision.bottleneck_block import BottleneckBlock
from zoo_vision.pre_activation_block import PreActivationBlock

import zoo

RNG = np.random.default_rng(5)


def zero_body(block):
    """Zero every body convolution: the block's output then comes from its shortcut."""
    for layer in block._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Conv2D) and "projection" not in layer.name:
            layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))


def zero_pad_reference(x, strides, channels):
    sub = x[:, ::strides, ::strides, :]
    return np.pad(sub, ((0, 0), (0, 0), (0, 0), (0, channels - x.shape[-1])))


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


@pytest.mark.parametrize(
    "cls, kwargs, in_channels, expected",
    [
        (BasicBlock, {"filters": 8}, 8, "identity"),
        (BasicBlock, {"filters": 8, "strides": 2}, 8, "projection"),
        (BasicBlock, {"filters": 16}, 8, "projection"),
        (BasicBlock, {"filters": 16, "strides": 2, "shortcut": "zero_pad"}, 8, "zero_pad"),
        (BasicBlock, {"filters": 8, "shortcut": "zero_pad"}, 8, "identity"),
        (BottleneckBlock, {"filters": 4}, 16, "identity"),
        (BottleneckBlock, {"filters": 4}, 8, "projection"),
        (BottleneckBlock, {"filters": 4, "strides": 2}, 16, "projection"),
        (PreActivationBlock, {"filters": 8}, 8, "identity"),
        (PreActivationBlock, {"filters": 8, "strides": 2}, 8, "projection"),
        (PreActivationBlock, {"filters": 8, "strides": 2, "shortcut": "zero_pad"}, 4, "zero_pad"),
    ],
)
def test_the_shortcut_follows_the_shapes(cls, kwargs, in_channels, expected):
    block = cls(**kwargs)
    x = RNG.standard_normal((2, 6, 6, in_channels)).astype("float32")
    y = block(x)
    assert block.shortcut_type == expected
    strides = kwargs.get("strides", 1)
    out_channels = kwargs["filters"] * (4 if cls is BottleneckBlock else 1)
    assert tuple(y.shape) == (2, 6 // strides, 6 // strides, out_channels)
    projection_weights = [w for w in block.weights if "projection" in w.path]
    assert bool(projection_weights) == (expected == "projection")


def test_basic_block_identity_and_zero_pad_paths_carry_the_input():
    x = RNG.standard_normal((2, 6, 6, 4)).astype("float32")
    identity = BasicBlock(4)
    identity(x)
    zero_body(identity)
    # Inference batch norm of zeros is zero (fresh moving statistics), so only relu(x) remains.
    np.testing.assert_allclose(numpy_of(identity(x)), np.maximum(x, 0), atol=1e-6)

    padded = BasicBlock(8, strides=2, shortcut="zero_pad")
    padded(x)
    zero_body(padded)
    expected = np.maximum(zero_pad_reference(x, 2, 8), 0)
    np.testing.assert_allclose(numpy_of(padded(x)), expected, atol=1e-6)


def test_basic_block_parameter_counts():
    x = np.zeros((1, 8, 8, 16), "float32")
    # Two 3x3 convolutions without bias, two batch norms (4 values per channel).
    body = 3 * 3 * 16 * 32 + 3 * 3 * 32 * 32 + 2 * 4 * 32
    zero_pad = BasicBlock(32, strides=2, shortcut="zero_pad")
    zero_pad(x)
    assert zero_pad.count_params() == body
    projection = BasicBlock(32, strides=2, shortcut="projection")
    projection(x)
    assert projection.count_params() == body + 16 * 32 + 4 * 32


def test_bottleneck_expands_and_projects():
    x = RNG.standard_normal((2, 8, 8, 8)).astype("float32")
    block = BottleneckBlock(4, strides=2)
    y = block(x)
    assert tuple(y.shape) == (2, 4, 4, 16)
    kernels = {w.path.split("/")[-2]: tuple(w.shape) for w in block.weights if "kernel" in w.path}
    assert kernels == {
        "conv1": (1, 1, 8, 4),
        "conv2": (3, 3, 4, 4),
        "conv3": (1, 1, 4, 16),
        "projection": (1, 1, 8, 16),
    }
    assert BottleneckBlock(4, expansion=2)(x).shape[-1] == 8


def test_pre_activation_block_adds_without_a_final_activation():
    x = RNG.standard_normal((2, 6, 6, 4)).astype("float32")
    block = PreActivationBlock(4)
    block(x)
    zero_body(block)
    # The identity path is clean: negative inputs pass through unchanged.
    np.testing.assert_allclose(numpy_of(block(x)), x, atol=1e-6)

    padded = PreActivationBlock(8, strides=2, shortcut="zero_pad")
    padded(x)
    zero_body(padded)
    np.testing.assert_allclose(numpy_of(padded(x)), zero_pad_reference(x, 2, 8), atol=1e-6)


def test_pre_activation_projection_reads_the_preactivated_input():
    x = RNG.standard_normal((2, 6, 6, 4)).astype("float32")
    block = PreActivationBlock(8, strides=2)
    block(x)
    zero_body(block)
    kernel = block.projection[0].kernel
    weights = RNG.standard_normal(kernel.shape).astype("float32")
    kernel.assign(weights)
    bn = block.bn1
    scale = numpy_of(bn.gamma) / np.sqrt(numpy_of(bn.moving_variance) + bn.epsilon)
    pre = np.maximum((x - numpy_of(bn.moving_mean)) * scale + numpy_of(bn.beta), 0)
    expected = np.einsum("nhwc,cd->nhwd", pre[:, ::2, ::2], weights[0, 0])
    np.testing.assert_allclose(numpy_of(block(x)), expected, atol=1e-5)


def test_zero_pad_cannot_narrow():
    with pytest.raises(ValueError) as error:
        BasicBlock(4, shortcut="zero_pad")(np.zeros((1, 4, 4, 8), "float32"))
    message = str(error.value)
    assert "a zero_pad shortcut can only widen the channels" in message
    assert "Received: 8 input channels, 4 output channels" in message
    assert 'Use shortcut="projection"' in message


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": 0}, "filters is a positive integer"),
        ({"filters": 8, "strides": 0}, "strides is a positive integer"),
        ({"filters": 8, "shortcut": "B"}, "shortcut is one of 'projection', 'zero_pad'"),
    ],
)
def test_block_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BasicBlock(**kwargs)


def test_each_convolution_draws_its_own_initial_weights():
    block = BasicBlock(8)
    block(np.zeros((1, 4, 4, 8), "float32"))
    first, second = numpy_of(block.conv1.kernel), numpy_of(block.conv2.kernel)
    assert not np.allclose(first, second)


# === resnet_cifar ===

PAPER_PARAMETERS = {  # He et al. 2016, Table 6: trainable parameters, in millions
    "resnet_small": 0.27,
    "resnet32": 0.46,
    "resnet44": 0.66,
    "resnet56": 0.85,
    "resnet110": 1.7,
}


def trainable_parameters(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_resnet_small_is_resnet20_with_027m_parameters():
    model = zoo.build("resnet_small")
    assert abs(model.count_params() - 270_000) / 270_000 < 0.02
    assert model.count_params() == 271_098  # 267,696 conv + 2,752 batch norm + 650 dense
    blocks = [layer for layer in model.layers if isinstance(layer, BasicBlock)]
    assert len(blocks) == 9
    assert [b.filters for b in blocks] == [16] * 3 + [32] * 3 + [64] * 3
    assert [b.shortcut_type for b in blocks] == ["identity"] * 3 + [
        "zero_pad",
        "identity",
        "identity",
    ] * 2
    assert tuple(model.output.shape) == (None, 10)
    # 19 convolutions in the blocks and stem plus the classifier: 20 weighted layers.
    convs = [w for w in model.weights if w.path.endswith("kernel")]
    assert len(convs) == 20


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n == "resnet110" else n for n in PAPER_PARAMETERS],
)
def test_recipe_depths_have_the_paper_parameter_counts(name):
    millions = trainable_parameters(zoo.build(name)) / 1e6
    paper = PAPER_PARAMETERS[name]
    assert round(millions, len(str(paper)) - 2) == paper


def test_resnet_overrides():
    model = zoo.build(
        "resnet_small",
        num_classes=100,
        input_shape=[16, 16, 1],
        width=8,
        shortcut="projection",
        classifier_activation=None,
    )
    assert tuple(model.input.shape) == (None, 16, 16, 1)
    assert tuple(model.output.shape) == (None, 100)
    blocks = [layer for layer in model.layers if isinstance(layer, BasicBlock)]
    assert [b.shortcut_type for b in blocks][3] == "projection"
    assert blocks[-1].filters == 32
    logits = numpy_of(model(np.zeros((2, 16, 16, 1), "float32")))
    assert not np.allclose(logits.sum(axis=-1), 1.0)  # no softmax


def test_preactivation_resnet_ends_with_batch_norm_and_relu():
    model = zoo.build("resnet_cifar", depth=8, input_shape=[8, 8, 3], preactivation=True)
    assert [type(layer).__name__ for layer in model.layers[2:5]] == ["PreActivationBlock"] * 3
    assert [layer.name for layer in model.layers[-4:-2]] == ["final_bn", "final_relu"]


def test_weight_decay_is_l2_with_gradient_weight_decay_times_w():
    model = zoo.build("resnet_cifar", depth=8, input_shape=[8, 8, 3], weight_decay=0.01)
    kernels = [w for w in model.trainable_weights if w.path.endswith("kernel")]
    assert len(model.losses) == len(kernels) == 8  # stem, 6 block convolutions, classifier
    expected = sum(0.005 * float(np.sum(numpy_of(k) ** 2)) for k in kernels)
    assert float(sum(numpy_of(loss) for loss in model.losses)) == pytest.approx(expected, rel=1e-4)
    assert zoo.build("resnet_cifar", depth=8, input_shape=[8, 8, 3], weight_decay=0).losses == []


@pytest.mark.parametrize(
    "overrides, match",
    [
        ({"depth": 21}, "depth is 6n \\+ 2"),
        ({"width": 0}, "width is a positive integer"),
        ({"shortcut": "C"}, "shortcut"),
        ({"input_shape": [32, 32]}, "input_shape"),
        ({"weight_decay": -1.0}, "weight_decay is a number >= 0"),
    ],
)
def test_resnet_arguments_are_checked(overrides, match):
    with pytest.raises(zoo.ZooError, match=match):
        zoo.build("resnet_small", **overrides)


def test_unknown_override_names_the_accepted_ones():
    with pytest.raises(zoo.ArgumentError, match="num_classes"):
        zoo.build("resnet_small", num_class=3)


def test_training_reaches_the_projection_batch_norm():
    x = RNG.standard_normal((4, 8, 8, 4)).astype("float32") + 3.0
    block = BasicBlock(8, strides=2)
    block(x)
    norm = block.projection[1]
    before = numpy_of(norm.moving_mean).copy()
    block(x)
    np.testing.assert_array_equal(numpy_of(norm.moving_mean), before)
    block(x, training=True)
    assert not np.allclose(numpy_of(norm.moving_mean), before)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("strides, size", [(2, 6), (2, 7), (3, 8)])
def test_zero_pad_shortcut_is_exactly_the_strided_subsampling(dtype, strides, size):
    """Values and gradients of the shortcut equal a strided slice padded with zeros, bit for bit."""
    import tensorflow as tf

    block = BasicBlock(8, strides=strides, shortcut="zero_pad", dtype=dtype)
    x = tf.cast(RNG.standard_normal((2, size, size + 1, 3)).astype("float32"), dtype)
    block(x)
    weights = tf.cast(RNG.standard_normal(block.compute_output_shape(x.shape)), dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        got = block.call_shortcut(x)
        expected = tf.pad(x[:, ::strides, ::strides, :], [[0, 0], [0, 0], [0, 0], [0, 5]])
        got_loss = tf.reduce_sum(got * weights)
        expected_loss = tf.reduce_sum(expected * weights)
    assert got.dtype == expected.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(
        tf.cast(got, "float32").numpy(), tf.cast(expected, "float32").numpy()
    )
    np.testing.assert_array_equal(
        tf.cast(tape.gradient(got_loss, x), "float32").numpy(),
        tf.cast(tape.gradient(expected_loss, x), "float32").numpy(),
    )
