"""BottleneckBlock: the 1x1-3x3-1x1 residual block of the deeper ResNets (He et al. 2016)."""

from __future__ import annotations

import zoo
from zoo_vision import _checks
from zoo_vision._residual import ResidualBlock


@zoo.serializable("vision")
class BottleneckBlock(ResidualBlock):
    """The bottleneck residual block: 1x1 reduce, 3x3, 1x1 expand, with batch normalization.

    The convolutions have ``filters``, ``filters`` and ``filters * expansion`` channels;
    the stride sits on the 3x3 convolution (as in torchvision, "ResNet v1.5"). The
    shortcut is the identity when the shape is kept (stride 1 and
    ``filters * expansion`` input channels); otherwise a strided 1x1 projection with
    batch normalization (``shortcut="projection"``) or zero-padding
    (``shortcut="zero_pad"``).

    Args:
        filters: the bottleneck width; the block outputs ``filters * expansion`` channels.
        strides: the stride of the 3x3 convolution (and of the shortcut).
        expansion: the output width over the bottleneck width (default 4).
        shortcut: ``"projection"`` (default) or ``"zero_pad"``, used when the shape changes.
        activation: the activation (default ``"relu"``).
        kernel_initializer: the convolutions' initializer (default ``"he_normal"``).
        kernel_regularizer: optional regularizer of every convolution kernel.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, height, width, channels)``, channels last.

    Output shape:
        ``(batch, ceil(height / strides), ceil(width / strides), filters * expansion)``.

    Example:

    >>> block = BottleneckBlock(filters=4)
    >>> tuple(block(np.zeros((2, 8, 8, 16), "float32")).shape), block.shortcut_type
    ((2, 8, 8, 16), 'identity')
    """

    def __init__(
        self,
        filters,
        strides=1,
        expansion=4,
        shortcut="projection",
        activation="relu",
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(
            filters,
            strides=strides,
            shortcut=shortcut,
            activation=activation,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=kernel_regularizer,
            **kwargs,
        )
        self.expansion = _checks.positive_int(expansion, "expansion", "BottleneckBlock")

    @property
    def out_channels(self):
        return self.filters * self.expansion

    def build(self, input_shape):
        f = self.filters
        self.conv1 = self._conv(f, 1, 1, "conv1")
        self.bn1 = self._norm("bn1")
        self.conv2 = self._conv(f, 3, self.strides, "conv2")
        self.bn2 = self._norm("bn2")
        self.conv3 = self._conv(self.out_channels, 1, 1, "conv3")
        self.bn3 = self._norm("bn3")
        self._chain([self.conv1, self.bn1, self.conv2, self.bn2, self.conv3, self.bn3], input_shape)
        self.build_shortcut(input_shape)

    def call(self, inputs, training=None):
        x = self.activation(self.bn1(self.conv1(inputs), training=training))
        x = self.activation(self.bn2(self.conv2(x), training=training))
        x = self.bn3(self.conv3(x), training=training)
        return self.activation(x + self.call_shortcut(inputs, training=training))

    def get_config(self):
        return {**super().get_config(), "expansion": self.expansion}
