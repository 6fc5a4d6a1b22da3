"""CaffePreprocessing: RGB pixels to the BGR, mean-centred input of Caffe-trained models."""

from __future__ import annotations

import keras

import zoo

#: The ImageNet mean per BGR channel that Caffe's models subtract (keras.applications').
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)


@zoo.serializable("applications")
class CaffePreprocessing(keras.layers.Layer):
    """Caffe's preprocessing: RGB to BGR, then subtract the ImageNet mean per channel.

    The same arithmetic as ``keras.applications.vgg16.preprocess_input`` (its
    ``"caffe"`` mode), as a layer inside the model, so the model takes RGB pixels in
    [0, 255] like every other ``applications`` builder. It has no weights.

    Args:
        mean: the mean subtracted from each channel after the flip, in BGR order.
        data_format: ``"channels_last"`` or ``"channels_first"``; None for
            ``keras.config.image_data_format()``.

    Input shape:
        Images with 3 channels, for example ``(batch, height, width, 3)``.

    Output shape:
        The input's shape.

    Example:

    >>> layer = CaffePreprocessing()
    >>> [round(float(v), 3) for v in layer(keras.ops.ones((1, 1, 1, 3)) * 255)[0, 0, 0]]
    [151.061, 138.221, 131.32]
    """

    def __init__(self, mean=IMAGENET_BGR_MEAN, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(mean, (str, bytes))
            or not hasattr(mean, "__len__")
            or len(mean) != 3
            or not all(isinstance(m, (int, float)) and not isinstance(m, bool) for m in mean)
        ):
            raise ValueError(
                "CaffePreprocessing: mean is three numbers, one per BGR channel. "
                f"Received: mean={mean!r}. Pass for example mean={list(IMAGENET_BGR_MEAN)}."
            )
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(
                "CaffePreprocessing: data_format is 'channels_last' or 'channels_first'. "
                f"Received: data_format={data_format!r}. Pass one of them, or None."
            )
        self.mean = tuple(float(m) for m in mean)
        self.data_format = data_format or keras.config.image_data_format()

    def call(self, inputs):
        axis = -1 if self.data_format == "channels_last" else 1
        shape = [1] * len(inputs.shape)
        shape[axis] = 3
        mean = keras.ops.reshape(keras.ops.convert_to_tensor(self.mean, inputs.dtype), shape)
        return keras.ops.flip(inputs, axis=axis) - mean

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean), "data_format": self.data_format}
