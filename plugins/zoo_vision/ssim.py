"""SSIM: the structural similarity index of images (Wang et al. 2004)."""

from __future__ import annotations

import math

import keras

import zoo
from zoo_vision import _checks
from zoo_vision._image_metric import ImageScoreMean


@zoo.serializable("vision")
class SSIM(ImageScoreMean):
    """Structural similarity (Wang et al. 2004), averaged over images.

    Local means, variances and covariance come from a Gaussian window (valid
    positions only); each image scores the mean over positions and channels of
    ``(2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x**2 + mu_y**2 + C1)(s_x**2 + s_y**2 + C2))``
    with ``C1 = (k1 * max_val)**2`` and ``C2 = (k2 * max_val)**2``: the definition and
    defaults of ``tf.image.ssim``. The result is the mean over every image seen
    (weighted by ``sample_weight``). Written with ``keras.ops``; channels last.

    Args:
        max_val: the largest possible pixel value (1.0 for ``[0, 1]`` images, 255 for 8 bit).
        filter_size: the Gaussian window's size (default 11); images must be at least
            this tall and wide.
        filter_sigma: the Gaussian window's standard deviation (default 1.5).
        k1: the luminance constant (default 0.01).
        k2: the contrast constant (default 0.03).
        name: the metric's name (default ``"ssim"``).
        dtype: the metric's dtype.

    Input shape:
        ``y_true`` and ``y_pred``: ``(batch, height, width, channels)``, the same shape.

    Example:

    >>> images = np.random.default_rng(0).uniform(size=(2, 16, 16, 3))
    >>> metric = SSIM()
    >>> metric.update_state(images, images)
    >>> round(float(metric.result()), 4)
    1.0
    """

    def __init__(
        self,
        max_val=1.0,
        filter_size=11,
        filter_sigma=1.5,
        k1=0.01,
        k2=0.03,
        name="ssim",
        dtype=None,
    ):
        super().__init__(max_val=max_val, name=name, dtype=dtype)
        self.filter_size = _checks.positive_int(filter_size, "filter_size", "SSIM")
        for key, value in (("filter_sigma", filter_sigma), ("k1", k1), ("k2", k2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(
                    f"SSIM: {key} is a positive number. Received: {key}={value!r}. "
                    "Keep the default unless you reproduce another setting."
                )
        self.filter_sigma = float(filter_sigma)
        self.k1 = float(k1)
        self.k2 = float(k2)

    def _window(self, channels):
        size, sigma = self.filter_size, self.filter_sigma
        coords = [i - (size - 1) / 2 for i in range(size)]
        g = [math.exp(-(c * c) / (2 * sigma * sigma)) for c in coords]
        total = sum(g)
        g = [v / total for v in g]
        kernel = keras.ops.convert_to_tensor([[a * b for b in g] for a in g], dtype=self.dtype)
        kernel = keras.ops.reshape(kernel, (size, size, 1, 1))
        return keras.ops.tile(kernel, (1, 1, channels, 1))

    def score(self, y_true, y_pred):
        height, width, channels = y_pred.shape[1:]
        if height is None or width is None or channels is None:
            raise ValueError(
                "SSIM needs images of a known size. Received: y_pred.shape="
                f"{tuple(y_pred.shape)}. Give the model's output a fixed height, width and "
                "channel count."
            )
        if min(height, width) < self.filter_size:
            raise ValueError(
                f"SSIM: images must be at least filter_size pixels tall and wide. Received: "
                f"{height}x{width} images, filter_size={self.filter_size}. Pass larger images "
                "or a smaller filter_size."
            )
        window = self._window(channels)

        def blur(x):
            return keras.ops.depthwise_conv(x, window, padding="valid", data_format="channels_last")

        c1 = (self.k1 * self.max_val) ** 2
        c2 = (self.k2 * self.max_val) ** 2
        mean_true, mean_pred = blur(y_true), blur(y_pred)
        both = 2.0 * mean_true * mean_pred
        squares = mean_true * mean_true + mean_pred * mean_pred
        luminance = (both + c1) / (squares + c1)
        covariance = 2.0 * blur(y_true * y_pred) - both
        variances = blur(y_true * y_true + y_pred * y_pred) - squares
        structure = (covariance + c2) / (variances + c2)
        return keras.ops.mean(luminance * structure, axis=(1, 2, 3))

    def get_config(self):
        return {
            **super().get_config(),
            "filter_size": self.filter_size,
            "filter_sigma": self.filter_sigma,
            "k1": self.k1,
            "k2": self.k2,
        }
