"""ICNR: the checkerboard-free initializer for sub-pixel convolutions (Aitken et al. 2017)."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks
from zoo_vision.pixel_shuffle import ORDERS, divisibility_error


@zoo.serializable("vision")
class ICNR(keras.initializers.Initializer):
    """Initializes a convolution kernel so that, followed by `PixelShuffle`, it upsamples
    like nearest-neighbour (Aitken et al. 2017, "Checkerboard artifact free sub-pixel
    convolution").

    A kernel of shape ``(..., in, C * r**2)`` is drawn as a sub-kernel of shape
    ``(..., in, C)`` from ``initializer``, then copied to each of the ``r**2`` sub-pixel
    positions in the layout `PixelShuffle` reads with the same ``order``: tiled for
    ``"DCR"``, each channel repeated ``r**2`` times for ``"CRD"``. With a zero bias,
    ``PixelShuffle(conv_icnr(x))`` then equals nearest-neighbour upsampling of
    ``conv_sub(x)``, so a freshly initialized model shows no checkerboard.

    Args:
        upscale_factor: the factor ``r`` of the `PixelShuffle` that follows.
        order: ``"DCR"`` (default) or ``"CRD"``: the `PixelShuffle` order.
        initializer: the initializer of the sub-kernel (name, config or instance).

    Example:

    >>> kernel = ICNR(upscale_factor=2)((3, 3, 4, 8))
    >>> bool(np.all(kernel[..., :2] == kernel[..., 6:]))
    True
    """

    def __init__(self, upscale_factor=2, order="DCR", initializer="he_normal"):
        self.upscale_factor = _checks.positive_int(upscale_factor, "upscale_factor", "ICNR")
        self.order = _checks.one_of(order, ORDERS, "order", "ICNR")
        self.initializer = keras.initializers.get(initializer)

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        blocks = self.upscale_factor**2
        if len(shape) < 2:
            raise ValueError(
                "ICNR initializes convolution kernels, (..., in, out). "
                f"Received: shape={shape}. Use it as a Conv kernel_initializer."
            )
        if shape[-1] % blocks:
            raise divisibility_error("ICNR", shape[-1], self.upscale_factor)
        sub = self.initializer((*shape[:-1], shape[-1] // blocks), dtype=dtype)
        if self.order == "DCR":
            return keras.ops.tile(sub, (1,) * (len(shape) - 1) + (blocks,))
        return keras.ops.repeat(sub, blocks, axis=-1)

    def get_config(self):
        return {
            "upscale_factor": self.upscale_factor,
            "order": self.order,
            "initializer": keras.initializers.serialize(self.initializer),
        }
