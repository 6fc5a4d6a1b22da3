"""PSNR: peak signal-to-noise ratio of images, in decibels."""

from __future__ import annotations

import keras

import zoo
from zoo_vision._image_metric import ImageScoreMean


@zoo.serializable("vision")
class PSNR(ImageScoreMean):
    """Peak signal-to-noise ratio, averaged over images: the super-resolution metric.

    For each image, ``10 * log10(max_val**2 / mse)`` with ``mse`` the mean squared
    error over its pixels and channels (the definition of ``tf.image.psnr``); the
    result is the mean over every image seen (weighted by ``sample_weight``, one weight
    per image). Identical images score ``inf``.

    Args:
        max_val: the largest possible pixel value (1.0 for ``[0, 1]`` images, 255 for 8 bit).
        name: the metric's name (default ``"psnr"``).
        dtype: the metric's dtype.

    Input shape:
        ``y_true`` and ``y_pred``: ``(batch, height, width, channels)``, the same shape.

    Example:

    >>> metric = PSNR(max_val=1.0)
    >>> metric.update_state(np.zeros((1, 4, 4, 1)), np.full((1, 4, 4, 1), 0.1))
    >>> round(float(metric.result()), 3)
    20.0
    """

    def __init__(self, max_val=1.0, name="psnr", dtype=None):
        super().__init__(max_val=max_val, name=name, dtype=dtype)

    def score(self, y_true, y_pred):
        mse = keras.ops.mean(keras.ops.square(y_true - y_pred), axis=(1, 2, 3))
        return 10.0 * keras.ops.log10(self.max_val**2 / mse)
