"""espcn: the efficient sub-pixel convolutional network for super-resolution (Shi et al. 2016)."""

from __future__ import annotations

from typing import Literal

import keras

from zoo_vision import _checks
from zoo_vision.sub_pixel_upsampling import SubPixelUpsampling


def espcn(
    scale: int = 2,
    channels: int = 1,
    input_shape: tuple[int | None, int | None] = (None, None),
    filters: tuple[int, int] = (64, 32),
    activation: str = "tanh",
    order: Literal["DCR", "CRD"] = "DCR",
    name: str | None = None,
) -> keras.Model:
    """ESPCN (Shi et al. 2016): super-resolution by a sub-pixel convolution.

    All convolutions run at low resolution: 5x5 with ``filters[0]`` channels, 3x3 with
    ``filters[1]``, then a 3x3 convolution to ``channels * scale**2`` channels that a
    `PixelShuffle` turns into the ``scale`` times larger image (a `SubPixelUpsampling`
    layer, ICNR-initialized, so an untrained model has no checkerboard). The paper
    uses tanh and works on the luminance (Y) channel, ``channels=1``. The output is
    linear: train on images scaled to ``[0, 1]`` with a mean squared error.

    Args:
        scale: the upscaling factor (2, 3, 4, ...).
        channels: the image channels (1 for Y, 3 for RGB).
        input_shape: ``(height, width)`` of the low-resolution input; None for any size
            (a fully convolutional model; the default).
        filters: the channels of the two feature layers (64 and 32 in the paper).
        activation: the feature layers' activation (``"tanh"`` in the paper).
        order: the `PixelShuffle` channel order, ``"DCR"`` or ``"CRD"`` (to load
            PyTorch weights).
        name: the model's name (default ``espcn_x<scale>``).

    Returns:
        A Functional ``keras.Model`` from ``(h, w, channels)`` to
        ``(h * scale, w * scale, channels)`` images.
    """
    _checks.positive_int(scale, "scale", "espcn")
    _checks.positive_int(channels, "channels", "espcn")
    if len(input_shape) != 2 or not all(
        d is None or (isinstance(d, int) and d > 0) for d in input_shape
    ):
        raise ValueError(
            "espcn: input_shape is (height, width) of the low-resolution image, positive "
            f"integers or None. Received: input_shape={input_shape!r}. Pass (None, None) for "
            "any size."
        )
    if len(filters) != 2 or not all(isinstance(f, int) and f > 0 for f in filters):
        raise ValueError(
            "espcn: filters gives the two feature layers' channels, two positive integers. "
            f"Received: filters={filters!r}. Use (64, 32) as in the paper."
        )

    # === Functional model ===
    inputs = keras.Input(shape=(*input_shape, channels), name="low_resolution")
    x = keras.layers.Conv2D(
        filters[0],
        5,
        padding="same",
        activation=activation,
        kernel_initializer="orthogonal",
        name="features1",
    )(inputs)
    x = keras.layers.Conv2D(
        filters[1],
        3,
        padding="same",
        activation=activation,
        kernel_initializer="orthogonal",
        name="features2",
    )(x)
    outputs = SubPixelUpsampling(
        channels, upscale_factor=scale, kernel_size=3, order=order, name="upsample"
    )(x)
    return keras.Model(inputs, outputs, name=name or f"espcn_x{scale}")
