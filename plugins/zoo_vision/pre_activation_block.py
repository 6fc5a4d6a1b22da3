"""PreActivationBlock: the residual block of "Identity Mappings in Deep Residual Networks"."""

from __future__ import annotations

import zoo
from zoo_vision._residual import ResidualBlock


@zoo.serializable("vision")
class PreActivationBlock(ResidualBlock):
    """The pre-activation residual block (He et al. 2016, "Identity Mappings").

    ``conv2(act(bn2(conv1(act(bn1(x)))))) + shortcut(x)``, with no activation after the
    sum, so the identity path runs clean from block to block (a network of these
    blocks ends with its own batch normalization and activation). When the shape
    changes, the shortcut is a strided 1x1 convolution of the pre-activated input
    ``act(bn1(x))`` (``shortcut="projection"``, as in the authors' code) or a strided
    subsampling of ``x`` padded with zero channels (``shortcut="zero_pad"``).

    Args:
        filters: the output channels.
        strides: the stride of the first convolution (and of the shortcut).
        shortcut: ``"projection"`` (default) or ``"zero_pad"``, used when the shape changes.
        activation: the activation (default ``"relu"``).
        kernel_initializer: the convolutions' initializer (default ``"he_normal"``).
        kernel_regularizer: optional regularizer of every convolution kernel.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, height, width, channels)``, channels last.

    Output shape:
        ``(batch, ceil(height / strides), ceil(width / strides), filters)``.

    Example:

    >>> block = PreActivationBlock(filters=16, strides=2, shortcut="zero_pad")
    >>> tuple(block(np.zeros((2, 8, 8, 8), "float32")).shape), block.shortcut_type
    ((2, 4, 4, 16), 'zero_pad')
    """

    normalize_projection = False

    def build(self, input_shape):
        f = self.filters
        self.bn1 = self._norm("bn1")
        self.conv1 = self._conv(f, 3, self.strides, "conv1")
        self.bn2 = self._norm("bn2")
        self.conv2 = self._conv(f, 3, 1, "conv2")
        self._chain([self.bn1, self.conv1, self.bn2, self.conv2], input_shape)
        self.build_shortcut(input_shape)

    def call(self, inputs, training=None):
        preactivated = self.activation(self.bn1(inputs, training=training))
        x = self.conv1(preactivated)
        x = self.conv2(self.activation(self.bn2(x, training=training)))
        source = preactivated if self.shortcut_type == "projection" else inputs
        return x + self.call_shortcut(source, training=training)
