"""BasicBlock: the two-convolution residual block of ResNet (He et al. 2016)."""

from __future__ import annotations

import zoo
from zoo_vision._residual import ResidualBlock


@zoo.serializable("vision")
class BasicBlock(ResidualBlock):
    """The basic residual block: two 3x3 convolutions with batch normalization.

    ``activation(bn2(conv2(activation(bn1(conv1(x))))) + shortcut(x))``, where ``conv1``
    carries the stride. The shortcut is the identity when the shape is kept (stride 1
    and ``filters`` equal to the input channels); otherwise a strided 1x1 convolution
    with batch normalization (``shortcut="projection"``, option B of He et al.) or a
    strided subsampling padded with zero channels (``shortcut="zero_pad"``, option A,
    no parameters; it cannot narrow the channels).

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

    >>> block = BasicBlock(filters=16, strides=2)
    >>> tuple(block(np.zeros((2, 8, 8, 8), "float32")).shape), block.shortcut_type
    ((2, 4, 4, 16), 'projection')
    """

    def build(self, input_shape):
        f = self.filters
        self.conv1 = self._conv(f, 3, self.strides, "conv1")
        self.bn1 = self._norm("bn1")
        self.conv2 = self._conv(f, 3, 1, "conv2")
        self.bn2 = self._norm("bn2")
        self._chain([self.conv1, self.bn1, self.conv2, self.bn2], input_shape)
        self.build_shortcut(input_shape)

    def call(self, inputs, training=None):
        x = self.activation(self.bn1(self.conv1(inputs), training=training))
        x = self.bn2(self.conv2(x), training=training)
        return self.activation(x + self.call_shortcut(inputs, training=training))
