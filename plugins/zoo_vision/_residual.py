"""The machinery the residual blocks share: arguments, shortcut choice, config (private).

A block adds a shortcut to its body. The shortcut is the identity when the body keeps
the shape (stride 1, same width); otherwise it is a strided 1x1 projection
(``shortcut="projection"``, He et al. 2016 option B) or a parameter-free strided
subsampling padded with zero channels (``shortcut="zero_pad"``, option A, used by the
CIFAR ResNets). Channels last.
"""

from __future__ import annotations

import keras

from zoo_vision import _checks
from zoo_vision.fused_batch_norm import FusedBatchNorm

SHORTCUTS = ("projection", "zero_pad")


class ResidualBlock(keras.layers.Layer):
    """Base of the residual blocks: subclasses set ``out_channels`` and build the body."""

    #: Whether a projection shortcut has its own batch normalization (post-activation
    #: blocks) or not (pre-activation blocks, whose input is already normalized).
    normalize_projection = True

    def __init__(
        self,
        filters,
        strides=1,
        shortcut="projection",
        activation="relu",
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.filters = _checks.positive_int(filters, "filters", owner)
        self.strides = _checks.positive_int(strides, "strides", owner)
        self.shortcut = _checks.one_of(shortcut, SHORTCUTS, "shortcut", owner)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    @property
    def out_channels(self):
        return self.filters

    # === Sub-layers ===

    def _conv(self, filters, kernel_size, strides, name):
        return keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            # A fresh initializer per convolution: one unseeded Keras initializer
            # instance returns the same values on every call.
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            ),
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
            name=name,
        )

    def _norm(self, name):
        # Keras' BatchNormalization, trained with TensorFlow's fused kernel there.
        return FusedBatchNorm(dtype=self.dtype_policy, name=name)

    def _chain(self, layers, input_shape):
        """Build ``layers`` in sequence from ``input_shape``; return the final shape."""
        shape = tuple(input_shape)
        for layer in layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        return shape

    # === Shortcut ===

    def shortcut_kind(self, input_shape):
        """``"identity"``, ``"projection"`` or ``"zero_pad"`` for inputs of this shape."""
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"{type(self).__name__}: the channel dimension must be known when the block is "
                f"built. Received: input_shape={tuple(input_shape)}. Give the input a fixed "
                "channel count."
            )
        if self.strides == 1 and channels == self.out_channels:
            return "identity"
        if self.shortcut == "zero_pad" and channels > self.out_channels:
            raise ValueError(
                f"{type(self).__name__}: a zero_pad shortcut can only widen the channels. "
                f"Received: {channels} input channels, {self.out_channels} output channels. "
                'Use shortcut="projection", or at least as many output channels.'
            )
        return self.shortcut

    def build_shortcut(self, input_shape):
        """Create the projection's layers if needed; call from ``build``."""
        self.shortcut_type = self.shortcut_kind(input_shape)
        self.pad_channels = self.out_channels - input_shape[-1]
        if self.shortcut_type == "projection":
            self.projection = [self._conv(self.out_channels, 1, self.strides, "projection")]
            if self.normalize_projection:
                self.projection.append(self._norm("projection_bn"))
            self._chain(self.projection, input_shape)

    def call_shortcut(self, x, training=None):
        if self.shortcut_type == "identity":
            return x
        if self.shortcut_type == "projection":
            for layer in self.projection:
                x = layer(x, training=training)  # Keras drops `training` for the convolution
            return x
        s = self.strides
        if s > 1 and keras.backend.backend() == "tensorflow":
            # The same subsampling as x[:, ::s, ::s, :], values and gradients alike (a
            # 1x1 window holds one element), 3 to 5 times faster on TensorFlow's CPU
            # kernels than a strided slice and its gradient (benchmarks/training_throughput.py).
            x = keras.ops.max_pool(x, pool_size=1, strides=s, padding="valid")
        elif s > 1:
            x = x[:, ::s, ::s, :]
        return keras.ops.pad(x, ((0, 0), (0, 0), (0, 0), (0, self.pad_channels)))

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        s = self.strides

        def shrink(size):
            return None if size is None else -(-size // s)

        return (batch, shrink(height), shrink(width), self.out_channels)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "strides": self.strides,
            "shortcut": self.shortcut,
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
