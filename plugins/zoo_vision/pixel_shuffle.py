"""PixelShuffle: sub-pixel upsampling (Shi et al. 2016), in TensorFlow's or PyTorch's order."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks

ORDERS = ("DCR", "CRD")


def divisibility_error(owner: str, channels: int, upscale_factor: int) -> ValueError:
    """The error for a channel count that ``upscale_factor**2`` does not divide."""
    block = upscale_factor**2
    below = channels // block * block
    counts = [c for c in (below, below + block) if c > 0]
    factors = [f for f in range(2, 9) if f != upscale_factor and channels % (f * f) == 0]
    fix = f"Use {' or '.join(str(c) for c in counts)} channels"
    fix += f", or upscale_factor={factors[0]}." if factors else "."
    return ValueError(
        f"{owner}: upscale_factor**2 must divide the channel count. Received: "
        f"channels={channels}, upscale_factor={upscale_factor}. {fix}"
    )


@zoo.serializable("vision")
class PixelShuffle(keras.layers.Layer):
    """Rearranges channels into space: sub-pixel upsampling (Shi et al. 2016).

    With ``r = upscale_factor``, an input of ``C * r**2`` channels becomes an output
    ``r`` times taller and wider with ``C`` channels. Two channel orders exist in the
    wild, and weights ported between them must keep theirs:

    - ``"DCR"`` (depth-column-row, TensorFlow's ``tf.nn.depth_to_space``):
      ``out[h*r + i, w*r + j, c] = in[h, w, (i*r + j)*C + c]``;
    - ``"CRD"`` (column-row-depth, PyTorch's ``nn.PixelShuffle``):
      ``out[h*r + i, w*r + j, c] = in[h, w, c*r*r + i*r + j]``.

    Written with ``keras.ops`` (reshape and transpose), so it runs on every backend.

    Args:
        upscale_factor: the integer factor ``r`` by which height and width grow.
        order: ``"DCR"`` (default, TensorFlow) or ``"CRD"`` (PyTorch).
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        4D tensor ``(batch, height, width, channels)`` (channels last) or
        ``(batch, channels, height, width)``; ``channels`` must be known and divisible
        by ``upscale_factor**2``, else building the layer raises ValueError.

    Output shape:
        ``(batch, height * r, width * r, channels / r**2)`` (or channels first).

    Example:

    >>> x = np.arange(2 * 3 * 3 * 8, dtype="float32").reshape(2, 3, 3, 8)
    >>> tuple(PixelShuffle(upscale_factor=2)(x).shape)
    (2, 6, 6, 2)
    """

    def __init__(self, upscale_factor=2, order="DCR", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = "PixelShuffle"
        self.upscale_factor = _checks.positive_int(upscale_factor, "upscale_factor", owner)
        self.order = _checks.one_of(order, ORDERS, "order", owner)
        self.data_format = _checks.data_format(data_format, owner)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(
                "PixelShuffle: the channel dimension must be known when the layer is built. "
                f"Received: input_shape={tuple(input_shape)}. Give the input a fixed "
                "channel count, for example keras.Input(shape=(None, None, 12))."
            )
        if channels % self.upscale_factor**2:
            raise divisibility_error("PixelShuffle", channels, self.upscale_factor)
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={self._channel_axis(): channels})

    def call(self, inputs):
        r = self.upscale_factor
        ops = keras.ops
        if self.data_format == "channels_last":
            _, height, width, channels = ops.shape(inputs)
            depth = channels // (r * r)
            if self.order == "DCR":
                x = ops.reshape(inputs, (-1, height, width, r, r, depth))
                x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
            else:
                x = ops.reshape(inputs, (-1, height, width, depth, r, r))
                x = ops.transpose(x, (0, 1, 4, 2, 5, 3))
            return ops.reshape(x, (-1, height * r, width * r, depth))
        _, channels, height, width = ops.shape(inputs)
        depth = channels // (r * r)
        if self.order == "DCR":
            x = ops.reshape(inputs, (-1, r, r, depth, height, width))
            x = ops.transpose(x, (0, 3, 4, 1, 5, 2))
        else:
            x = ops.reshape(inputs, (-1, depth, r, r, height, width))
            x = ops.transpose(x, (0, 1, 4, 2, 5, 3))
        return ops.reshape(x, (-1, depth, height * r, width * r))

    def compute_output_shape(self, input_shape):
        r = self.upscale_factor

        def grow(size):
            return None if size is None else size * r

        if self.data_format == "channels_last":
            batch, height, width, channels = input_shape
            depth = None if channels is None else channels // (r * r)
            return (batch, grow(height), grow(width), depth)
        batch, channels, height, width = input_shape
        depth = None if channels is None else channels // (r * r)
        return (batch, depth, grow(height), grow(width))

    def get_config(self):
        return {
            **super().get_config(),
            "upscale_factor": self.upscale_factor,
            "order": self.order,
            "data_format": self.data_format,
        }
