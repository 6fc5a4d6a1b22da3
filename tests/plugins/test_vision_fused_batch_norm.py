"""vision/FusedBatchNorm computes what keras.layers.BatchNormalization computes.

The reference is Keras' own layer with the same weights: outputs, the gradients of a
loss with respect to the input, gamma and beta, and the moving statistics after a
training step; inference, a mask, a frozen layer and other axes take Keras' code.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from zoo_vision.fused_batch_norm import FusedBatchNorm

import zoo

RNG = np.random.default_rng(11)


def _step(layer, x, w, training=True):
    """Outputs, gradients (input, gamma, beta) and moving statistics after one call."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training)
        loss = tf.reduce_sum(tf.cast(y, "float32") * w)
    grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
    return [
        np.asarray(y, "float32"),
        *(np.asarray(g) for g in grads),
        layer.moving_mean.numpy(),
        layer.moving_variance.numpy(),
    ]


def _pair(shape, **kwargs):
    layers = []
    for cls in (keras.layers.BatchNormalization, FusedBatchNorm):
        layer = cls(**kwargs)
        layer.build(shape)
        layers.append(layer)
    channels = shape[-1]
    for layer in layers:  # the same non-trivial weights in both
        layer.gamma.assign(np.linspace(0.5, 1.5, channels).astype("float32"))
        layer.beta.assign(np.linspace(-0.2, 0.3, channels).astype("float32"))
        layer.moving_mean.assign(np.full(channels, 0.1, "float32"))
        layer.moving_variance.assign(np.full(channels, 2.0, "float32"))
    return layers


@pytest.mark.parametrize("shape", [(8, 5, 5, 3), (2, 1, 1, 4), (16, 8, 8, 16)])
@pytest.mark.parametrize("momentum", [0.9, 0.99])
def test_training_matches_keras_batch_normalization(shape, momentum) -> None:
    import tensorflow as tf

    x = tf.constant(RNG.normal(2.0, 3.0, size=shape).astype("float32"))
    w = tf.constant(RNG.normal(size=shape).astype("float32"))
    keras_layer, fused = _pair(shape, momentum=momentum, epsilon=1e-3)
    for expected, got, what in zip(
        _step(keras_layer, x, w),
        _step(fused, x, w),
        ("outputs", "d/dx", "d/dgamma", "d/dbeta", "moving mean", "moving variance"),
    ):
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-5, err_msg=what)


def test_the_fused_kernel_is_what_trains_on_tensorflow() -> None:
    import tensorflow as tf

    _, fused = _pair((4, 3, 3, 2))
    graph = tf.function(lambda x: fused(x, training=True)).get_concrete_function(
        tf.TensorSpec((4, 3, 3, 2), "float32")
    )
    kinds = {op.type for op in graph.graph.get_operations()}
    assert {"FusedBatchNormV3"} & kinds, sorted(kinds)
    graph = tf.function(lambda x: fused(x, training=False)).get_concrete_function(
        tf.TensorSpec((4, 3, 3, 2), "float32")
    )
    assert not {"FusedBatchNormV3"} & {op.type for op in graph.graph.get_operations()}


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_normalizes_half_activations_with_float32_statistics(policy) -> None:
    """The kernel takes the half-precision activations without a cast to float32 and
    back, and still matches Keras (which normalizes in float32) to half precision."""
    import tensorflow as tf

    shape = (16, 6, 6, 8)
    half = policy.removeprefix("mixed_")
    x = tf.cast(RNG.normal(2.0, 3.0, size=shape), half)
    w = tf.constant(RNG.normal(size=shape).astype("float32"))
    keras_layer, fused = _pair(shape, momentum=0.9, epsilon=1e-3, dtype=policy)
    tolerance = {"bfloat16": 2e-2, "float16": 2e-3}[half]
    for expected, got, what in zip(
        _step(keras_layer, x, w),
        _step(fused, x, w),
        ("outputs", "d/dx", "d/dgamma", "d/dbeta", "moving mean", "moving variance"),
    ):
        scale = np.abs(expected).max()
        np.testing.assert_allclose(
            got, expected, rtol=tolerance, atol=tolerance * scale, err_msg=what
        )
    graph = tf.function(lambda x: fused(x, training=True)).get_concrete_function(
        tf.TensorSpec(shape, half)
    )
    kernels = [op for op in graph.graph.get_operations() if op.type == "FusedBatchNormV3"]
    assert [op.get_attr("T") for op in kernels] == [tf.as_dtype(half)]
    assert [op.get_attr("U") for op in kernels] == [tf.float32]
    assert fused.moving_mean.dtype == "float32"


@pytest.mark.parametrize(
    "case",
    ["inference", "frozen", "axis 1", "rank 2", "no scale or center", "bfloat16", "float64"],
)
def test_every_other_call_is_keras_own(case) -> None:
    import tensorflow as tf

    shape = {"rank 2": (6, 4), "axis 1": (4, 3, 5, 5)}.get(case, (4, 3, 3, 5))
    kwargs = {"axis": 1} if case == "axis 1" else {}
    if case == "no scale or center":
        kwargs = {"scale": False, "center": False}
    if case == "bfloat16":
        kwargs["dtype"] = "mixed_bfloat16"
    if case == "float64":  # TensorFlow's fused kernel has no float64
        kwargs["dtype"] = "float64"
    layers = []
    for cls in (keras.layers.BatchNormalization, FusedBatchNorm):
        layer = cls(**kwargs)
        layer.build(shape)
        layer.trainable = case != "frozen"
        layers.append(layer)
    x = tf.constant(RNG.normal(1.0, 2.0, size=shape).astype("float32"))
    training = case != "inference"
    expected, got = (np.asarray(layer(x, training=training), "float32") for layer in layers)
    np.testing.assert_allclose(got, expected, rtol=1e-2 if case == "bfloat16" else 2e-5, atol=2e-5)
    for a, b in zip(layers[0].non_trainable_weights, layers[1].non_trainable_weights):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-5, atol=2e-5)


def test_its_config_is_keras_and_it_round_trips(tmp_path) -> None:
    fused = FusedBatchNorm(momentum=0.9, epsilon=1e-4, name="bn")
    expected = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4, name="bn")
    assert fused.get_config() == expected.get_config()
    inputs = keras.Input((3, 3, 2))
    model = keras.Model(inputs, fused(inputs))
    model.layers[-1].moving_mean.assign([0.5, -0.5])
    zoo.save(model, tmp_path / "m.keras")
    loaded = zoo.load(tmp_path / "m.keras")
    assert type(loaded.layers[-1]) is FusedBatchNorm
    x = RNG.normal(size=(2, 3, 3, 2)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_resnet_trains_every_batch_normalization_fused() -> None:
    model = zoo.build("resnet_small", depth=8, width=4)
    norms = [
        layer
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert norms and all(type(layer) is FusedBatchNorm for layer in norms)
