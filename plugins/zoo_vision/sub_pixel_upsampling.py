"""SubPixelUpsampling: convolution with ICNR initialization, then PixelShuffle."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks
from zoo_vision.icnr import ICNR
from zoo_vision.pixel_shuffle import ORDERS, PixelShuffle


@zoo.serializable("vision")
class SubPixelUpsampling(keras.layers.Layer):
    """Learned upsampling: a ``same`` convolution to ``filters * r**2`` channels,
    initialized with `ICNR`, followed by `PixelShuffle` (Shi et al. 2016).

    A fresh layer upsamples like nearest-neighbour applied to a convolution, so it adds
    no checkerboard pattern before training. Channels last.

    Args:
        filters: the number of output channels.
        upscale_factor: the factor ``r`` by which height and width grow.
        kernel_size: the convolution's kernel size (int or pair).
        order: ``"DCR"`` (default, TensorFlow) or ``"CRD"`` (PyTorch) channel order,
            used by both the initializer and the shuffle.
        activation: applied to the output (None: linear).
        use_bias: whether the convolution has a bias (initialized to zeros).
        kernel_initializer: the sub-kernel initializer that `ICNR` replicates.
        kernel_regularizer: optional regularizer of the convolution kernel.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, height, width, channels)``.

    Output shape:
        ``(batch, height * r, width * r, filters)``.

    Example:

    >>> x = np.random.rand(1, 4, 4, 3).astype("float32")
    >>> tuple(SubPixelUpsampling(filters=3, upscale_factor=2)(x).shape)
    (1, 8, 8, 3)
    """

    def __init__(
        self,
        filters,
        upscale_factor=2,
        kernel_size=3,
        order="DCR",
        activation=None,
        use_bias=True,
        kernel_initializer="he_normal",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = "SubPixelUpsampling"
        self.filters = _checks.positive_int(filters, "filters", owner)
        self.upscale_factor = _checks.positive_int(upscale_factor, "upscale_factor", owner)
        self.kernel_size = kernel_size
        self.order = _checks.one_of(order, ORDERS, "order", owner)
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.conv = keras.layers.Conv2D(
            self.filters * self.upscale_factor**2,
            kernel_size,
            padding="same",
            activation=self.activation,
            use_bias=use_bias,
            kernel_initializer=ICNR(self.upscale_factor, self.order, self.kernel_initializer),
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
            name="conv",
        )
        self.shuffle = PixelShuffle(
            self.upscale_factor,
            self.order,
            "channels_last",
            dtype=self.dtype_policy,
            name="shuffle",
        )
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.shuffle.build(self.conv.compute_output_shape(input_shape))

    def call(self, inputs):
        return self.shuffle(self.conv(inputs))

    def compute_output_shape(self, input_shape):
        return self.shuffle.compute_output_shape(self.conv.compute_output_shape(input_shape))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "upscale_factor": self.upscale_factor,
            "kernel_size": self.kernel_size,
            "order": self.order,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
