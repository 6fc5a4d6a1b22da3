"""The running mean of a per-image score, shared by PSNR and SSIM (private)."""

from __future__ import annotations

import keras


class ImageScoreMean(keras.metrics.Metric):
    """Averages ``score(y_true, y_pred)``, one value per image, over every image seen.

    Subclasses define ``score``; ``sample_weight`` (one weight per image) weights the mean.
    """

    def __init__(self, max_val=1.0, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if isinstance(max_val, bool) or not isinstance(max_val, (int, float)) or max_val <= 0:
            raise ValueError(
                f"{type(self).__name__}: max_val is the largest pixel value, a positive number. "
                f"Received: max_val={max_val!r}. Use 1.0 for [0, 1] images, 255 for [0, 255]."
            )
        self.max_val = float(max_val)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def score(self, y_true, y_pred):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = keras.ops.cast(y_true, self.dtype)
        y_pred = keras.ops.cast(y_pred, self.dtype)
        if len(y_pred.shape) != 4 or tuple(y_true.shape[1:]) != tuple(y_pred.shape[1:]):
            raise ValueError(
                f"{type(self).__name__} compares batches of images (batch, height, width, "
                f"channels) of one shape. Received: y_true.shape={tuple(y_true.shape)}, "
                f"y_pred.shape={tuple(y_pred.shape)}. Pass 4D images of the same shape."
            )
        scores = self.score(y_true, y_pred)
        if sample_weight is None:
            weights = keras.ops.ones_like(scores)
        else:
            weights = keras.ops.reshape(keras.ops.cast(sample_weight, self.dtype), (-1,))
            weights = keras.ops.broadcast_to(weights, keras.ops.shape(scores))
        self.total.assign_add(keras.ops.sum(scores * weights))
        self.count.assign_add(keras.ops.sum(weights))

    def result(self):
        return keras.ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {**super().get_config(), "max_val": self.max_val}
