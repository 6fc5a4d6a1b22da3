"""RandomColorDistortion: training-time brightness, contrast, saturation and hue jitter."""

from __future__ import annotations

import keras

import zoo

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601, as PIL and torchvision


def _factor_range(value, name, *, center, low_limit, high_limit):
    """``value`` as a ``(low, high)`` range: a number ``v`` means ``center -+ v``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(
                f"RandomColorDistortion: {name} is a non-negative strength or a (low, high) "
                f"range. Received: {name}={value!r}. Pass for example {name}=0.2."
            )
        low, high = max(center - value, low_limit), min(center + value, high_limit)
    elif (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and low_limit <= value[0] <= value[1] <= high_limit
    ):
        low, high = value
    else:
        raise ValueError(
            f"RandomColorDistortion: {name} is a non-negative strength or a (low, high) "
            f"range with {low_limit} <= low <= high <= {high_limit}. Received: "
            f"{name}={value!r}. Pass for example {name}=0.2 or {name}=({center}, {center})."
        )
    return (float(low), float(high))


@zoo.serializable("vision")
class RandomColorDistortion(keras.layers.Layer):
    """Random brightness, contrast, saturation and hue changes, during training only.

    Each image draws its own factors, applied in this order (the definitions of
    torchvision's ``ColorJitter``, on pixels in ``value_range``, clipped to it after
    every step):

    - brightness ``b``: ``x * b`` (relative to the range's low end);
    - contrast ``c``: ``m + (x - m) * c``, with ``m`` the mean luma of the image;
    - saturation ``s``: ``g + (x - g) * s``, with ``g`` the luma of each pixel;
    - hue ``h``: the hue turns by ``h`` (a fraction of the colour circle).

    A number ``v`` for brightness, contrast or saturation draws from
    ``[max(0, 1 - v), 1 + v]``; for hue, from ``[-v, v]`` (``v <= 0.5``). A
    ``(low, high)`` pair gives the range itself; 0 turns a change off. Outside
    training (``training=False``, the default in ``predict``) the layer returns its
    input unchanged. Saturation and hue need RGB images. Written with ``keras.ops``;
    in ``tf.data`` use the TensorFlow backend.

    Args:
        brightness: strength or ``(low, high)`` factor range (default 0.4).
        contrast: strength or ``(low, high)`` factor range (default 0.4).
        saturation: strength or ``(low, high)`` factor range (default 0.4).
        hue: strength or ``(low, high)`` turn range within ``[-0.5, 0.5]`` (default 0.1).
        value_range: ``(low, high)`` of the pixel values (default ``(0, 255)``).
        seed: seed of the random factors.
        **kwargs: base layer arguments.

    Input shape:
        ``(height, width, channels)`` or ``(batch, height, width, channels)``.

    Output shape:
        the input shape.

    Example:

    >>> images = np.random.default_rng(0).uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    >>> layer = RandomColorDistortion(seed=1)
    >>> bool(np.all(layer(images) == images)), bool(np.all(layer(images, training=True) == images))
    (True, False)
    """

    def __init__(
        self,
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1,
        value_range=(0, 255),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        big = float("inf")
        self.brightness = _factor_range(
            brightness, "brightness", center=1.0, low_limit=0.0, high_limit=big
        )
        self.contrast = _factor_range(
            contrast, "contrast", center=1.0, low_limit=0.0, high_limit=big
        )
        self.saturation = _factor_range(
            saturation, "saturation", center=1.0, low_limit=0.0, high_limit=big
        )
        self.hue = _factor_range(hue, "hue", center=0.0, low_limit=-0.5, high_limit=0.5)
        if (
            not isinstance(value_range, (list, tuple))
            or len(value_range) != 2
            or not value_range[0] < value_range[1]
        ):
            raise ValueError(
                "RandomColorDistortion: value_range is (low, high) with low < high. "
                f"Received: value_range={value_range!r}. Pass (0, 255) or (0, 1)."
            )
        self.value_range = (float(value_range[0]), float(value_range[1]))
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _active(self, name):
        neutral = (0.0, 0.0) if name == "hue" else (1.0, 1.0)
        return getattr(self, name) != neutral

    def build(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "RandomColorDistortion: images are (height, width, channels) or a batch of "
                f"them. Received: input_shape={tuple(input_shape)}. Pass 3D or 4D images."
            )
        if input_shape[-1] != 3 and (self._active("saturation") or self._active("hue")):
            raise ValueError(
                "RandomColorDistortion: saturation and hue changes need RGB images (3 "
                f"channels, last). Received: input_shape={tuple(input_shape)}. Pass RGB "
                "images, or saturation=0 and hue=0."
            )

    def _draw(self, batch, bounds):
        return keras.random.uniform(
            (batch, 1, 1, 1),
            minval=bounds[0],
            maxval=bounds[1],
            dtype=self.compute_dtype,
            seed=self.seed_generator,
        )

    def call(self, inputs, training=False):
        x = keras.ops.cast(inputs, self.compute_dtype)
        if not training:
            return x
        single = len(x.shape) == 3
        if single:
            x = x[None]
        batch = keras.ops.shape(x)[0]
        low, high = self.value_range
        ops = keras.ops
        # Work in [0, 1]: every definition is relative to the range's low end.
        x = (x - low) / (high - low)
        if self._active("brightness"):
            x = ops.clip(x * self._draw(batch, self.brightness), 0.0, 1.0)
        if self._active("contrast"):
            mean = ops.mean(_luma(x), axis=(1, 2, 3), keepdims=True)
            x = ops.clip(mean + (x - mean) * self._draw(batch, self.contrast), 0.0, 1.0)
        if self._active("saturation"):
            gray = _luma(x)
            x = ops.clip(gray + (x - gray) * self._draw(batch, self.saturation), 0.0, 1.0)
        if self._active("hue"):
            hsv = ops.image.rgb_to_hsv(x, data_format="channels_last")
            turned = ops.mod(hsv[..., :1] + self._draw(batch, self.hue), 1.0)
            hsv = ops.concatenate([turned, hsv[..., 1:]], axis=-1)
            x = ops.clip(ops.image.hsv_to_rgb(hsv, data_format="channels_last"), 0.0, 1.0)
        x = x * (high - low) + low
        return x[0] if single else x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "brightness": list(self.brightness),
            "contrast": list(self.contrast),
            "saturation": list(self.saturation),
            "hue": list(self.hue),
            "value_range": list(self.value_range),
            "seed": self.seed,
        }


def _luma(x):
    """The BT.601 luma of RGB pixels, keeping a channel axis of 1 (grayscale: itself)."""
    if x.shape[-1] != 3:
        return x
    weights = keras.ops.convert_to_tensor(LUMA, dtype=x.dtype)
    return keras.ops.sum(x * weights, axis=-1, keepdims=True)
