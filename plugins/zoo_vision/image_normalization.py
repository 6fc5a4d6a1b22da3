"""ImageNormalization: rescale pixels, then normalize each channel with a mean and std."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _per_channel(value, name):
    values = [value] if isinstance(value, (int, float)) else value
    if (
        not isinstance(values, (list, tuple))
        or not values
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    ):
        raise ValueError(
            f"ImageNormalization: {name} is a number or one number per channel. "
            f"Received: {name}={value!r}. Pass for example {name}=(0.5, 0.5, 0.5)."
        )
    return tuple(float(v) for v in values)


@zoo.serializable("vision")
class ImageNormalization(keras.layers.Layer):
    """Per-channel normalization: ``(x * scale + offset - mean) / std``.

    The defaults take ``[0, 255]`` pixels to the ImageNet statistics that most
    pretrained vision models expect (``scale=1/255``, then the ImageNet mean and
    std); ``mean=0, std=1`` leaves plain rescaling. Deterministic, so a model and a
    ``tf.data`` pipeline (TensorFlow backend) give the same results.

    Args:
        mean: one number per channel, or one for all (default: ImageNet's RGB mean).
        std: one positive number per channel, or one for all (default: ImageNet's).
        scale: multiplies the input first (default ``1/255``).
        offset: added after ``scale`` (default 0).
        data_format: ``"channels_last"`` or ``"channels_first"``; None means
            ``keras.config.image_data_format()``.
        **kwargs: base layer arguments.

    Input shape:
        any shape whose channel axis (last, or axis 1 for channels first) matches the
        length of ``mean`` and ``std`` (or any size when both are single numbers).

    Output shape:
        the input shape.

    Example:

    >>> x = np.full((1, 2, 2, 3), 255.0, "float32")
    >>> [round(float(v), 3) for v in ImageNormalization()(x)[0, 0, 0]]
    [2.249, 2.429, 2.64]
    """

    def __init__(
        self,
        mean=IMAGENET_MEAN,
        std=IMAGENET_STD,
        scale=1 / 255,
        offset=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.mean = _per_channel(mean, "mean")
        self.std = _per_channel(std, "std")
        if any(s <= 0 for s in self.std):
            raise ValueError(
                f"ImageNormalization: std must be positive. Received: std={std!r}. "
                "Pass standard deviations above 0."
            )
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(
                "ImageNormalization: mean and std give the same number of channels. "
                f"Received: mean={mean!r}, std={std!r}. Give both one value per channel."
            )
        self.scale = float(scale)
        self.offset = float(offset)
        self.data_format = _checks.data_format(data_format, "ImageNormalization")

    def build(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis] if len(input_shape) > 1 else None
        size = max(len(self.mean), len(self.std))
        if size > 1 and channels != size:
            raise ValueError(
                f"ImageNormalization: the input's channel axis holds one value per mean and "
                f"std entry. Received: input_shape={tuple(input_shape)} with "
                f"data_format={self.data_format!r}, {size} means and stds. Check data_format, "
                "or pass mean and std for that many channels."
            )

    def _broadcast(self, values, rank):
        values = keras.ops.convert_to_tensor(values, dtype=self.compute_dtype)
        if self.data_format == "channels_first" and rank > 2:
            return keras.ops.reshape(values, (-1,) + (1,) * (rank - 2))
        return values

    def call(self, inputs):
        x = keras.ops.cast(inputs, self.compute_dtype)
        rank = len(x.shape)
        x = x * self.scale + self.offset
        return (x - self._broadcast(self.mean, rank)) / self._broadcast(self.std, rank)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "mean": list(self.mean),
            "std": list(self.std),
            "scale": self.scale,
            "offset": self.offset,
            "data_format": self.data_format,
        }
