"""DecodeAndResize: encoded image bytes to a fixed-size float image (TensorFlow)."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks

FITS = ("stretch", "crop", "pad")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


@zoo.serializable("vision")
class DecodeAndResize(keras.layers.Layer):
    """Decodes JPEG, PNG, GIF or BMP bytes and resizes them to ``(height, width)``.

    Images of any size and aspect ratio come out at one size, as float pixels in the
    range of the file (``[0, 255]`` for 8-bit images). ``fit`` says what happens to
    the aspect ratio: ``"stretch"`` resizes as is; ``"crop"`` first takes the largest
    centred window with the target aspect ratio; ``"pad"`` first pads the image
    evenly with ``fill_value`` to the target aspect ratio. Works on one encoded image
    (a scalar string, as in a ``tf.data`` map before batching) or a batch of them,
    inside a model (``keras.Input(shape=(), dtype="string")``) or in ``tf.data``, with
    the same results. TensorFlow backend only (it decodes with ``tf.io``).

    Args:
        height: the output height.
        width: the output width.
        channels: 3 (RGB, default) or 1 (grayscale); images are converted to it.
        fit: ``"stretch"`` (default), ``"crop"`` or ``"pad"``.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``,
            ``"area"``, ``"lanczos3"`` or ``"lanczos5"``.
        fill_value: the padding value for ``fit="pad"``.
        **kwargs: base layer arguments.

    Input shape:
        ``()`` or ``(batch,)`` strings: the encoded files.

    Output shape:
        ``(height, width, channels)`` or ``(batch, height, width, channels)``.

    Example:

    >>> import io, PIL.Image
    >>> png = io.BytesIO()
    >>> PIL.Image.new("RGB", (40, 20), (255, 0, 0)).save(png, format="PNG")
    >>> image = DecodeAndResize(8, 8, fit="crop")(np.array([png.getvalue()]))
    >>> tuple(image.shape), float(image[0, 4, 4, 0])
    ((1, 8, 8, 3), 255.0)
    """

    def __init__(
        self,
        height,
        width,
        channels=3,
        fit="stretch",
        interpolation="bilinear",
        fill_value=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = "DecodeAndResize"
        self.height = _checks.positive_int(height, "height", owner)
        self.width = _checks.positive_int(width, "width", owner)
        self.channels = _checks.one_of(channels, (1, 3), "channels", owner)
        self.fit = _checks.one_of(fit, FITS, "fit", owner)
        self.interpolation = _checks.one_of(interpolation, INTERPOLATIONS, "interpolation", owner)
        self.fill_value = float(fill_value)
        self.input_spec = keras.layers.InputSpec(max_ndim=1)

    def _decode_one(self, data):
        import tensorflow as tf

        image = tf.io.decode_image(data, channels=self.channels, expand_animations=False)
        image = tf.cast(image, self.compute_dtype)
        return keras.ops.image.resize(
            image,
            (self.height, self.width),
            interpolation=self.interpolation,
            crop_to_aspect_ratio=self.fit == "crop",
            pad_to_aspect_ratio=self.fit == "pad",
            fill_value=self.fill_value,
            data_format="channels_last",
        )

    def call(self, inputs):
        import tensorflow as tf

        inputs = tf.convert_to_tensor(inputs, dtype=tf.string)
        if inputs.shape.rank == 0:
            return self._decode_one(inputs)
        return tf.map_fn(
            self._decode_one,
            inputs,
            fn_output_signature=tf.TensorSpec(
                (self.height, self.width, self.channels), self.compute_dtype
            ),
        )

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.height, self.width, self.channels)

    def compute_output_spec(self, inputs):
        shape = self.compute_output_shape(inputs.shape)
        return keras.KerasTensor(shape, dtype=self.compute_dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "channels": self.channels,
            "fit": self.fit,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
        }
