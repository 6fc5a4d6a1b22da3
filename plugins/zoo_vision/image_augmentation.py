"""ImageAugmentation: random flip, rotation, zoom and crop from Keras' own layers."""

from __future__ import annotations

import keras

import zoo
from zoo_vision import _checks

FLIPS = ("horizontal", "vertical", "horizontal_and_vertical")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


def _strength(value, name, limit):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= limit:
        raise ValueError(
            f"ImageAugmentation: {name} is a number in [0, {limit}] (0 turns it off). "
            f"Received: {name}={value!r}. Pass for example {name}=0.1."
        )
    return float(value)


@zoo.serializable("vision")
class ImageAugmentation(keras.layers.Layer):
    """A training-time augmentation pipeline: flip, rotation, zoom, then crop.

    Built on Keras' own preprocessing layers, in this order: ``RandomFlip``,
    ``RandomRotation`` (``rotation`` is a fraction of a full turn, drawn in
    ``[-rotation, rotation]``), ``RandomZoom`` (``zoom`` in ``[-zoom, zoom]``, in and
    out), ``RandomCrop`` to ``crop``. Steps set to None or 0 are left out. Outside
    training, flip, rotation and zoom pass the images through and the crop is a
    ``CenterCrop`` of the same size, so the output size is the same in both modes
    (Keras 3's ``RandomCrop`` alone returns uncropped images at inference,
    keras-team/keras#21868). Usable inside a model and in a ``tf.data`` pipeline.

    Args:
        flip: ``"horizontal"`` (default), ``"vertical"``, ``"horizontal_and_vertical"``
            or None.
        rotation: the largest rotation, a fraction of 2 pi in ``[0, 0.5]`` (default 0.05).
        zoom: the largest zoom, a fraction of the size in ``[0, 1)`` (default 0.1).
        crop: ``(height, width)`` of a random crop, or None (default).
        fill_mode: how rotation and zoom fill points outside the image: ``"reflect"``
            (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        seed: seed of the random transformations (each step gets its own derived seed).
        **kwargs: base layer arguments.

    Input shape:
        ``(height, width, channels)`` or ``(batch, height, width, channels)``.

    Output shape:
        the input shape, with ``crop`` as height and width when given.

    Example:

    >>> images = np.random.default_rng(0).uniform(size=(2, 16, 16, 3)).astype("float32")
    >>> augment = ImageAugmentation(crop=(12, 12), seed=0)
    >>> tuple(augment(images, training=True).shape)
    (2, 12, 12, 3)
    """

    def __init__(
        self,
        flip="horizontal",
        rotation=0.05,
        zoom=0.1,
        crop=None,
        fill_mode="reflect",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = "ImageAugmentation"
        self.flip = None if flip is None else _checks.one_of(flip, FLIPS, "flip", owner)
        self.rotation = _strength(rotation, "rotation", 0.5)
        self.zoom = _strength(zoom, "zoom", 0.999)
        self.crop = None if crop is None else _checks.size_pair(crop, "crop", owner)
        self.fill_mode = _checks.one_of(fill_mode, FILL_MODES, "fill_mode", owner)
        self.seed = seed

        def step_seed(i):
            return None if seed is None else seed + i

        # The steps compute in this layer's dtype policy (mixed_float16 given to this
        # layer alone reaches them), so the output is in its compute dtype, as Keras' own
        # preprocessing layers' are.
        policy = self.dtype_policy

        steps = []
        if self.flip:
            steps.append(
                keras.layers.RandomFlip(self.flip, seed=step_seed(0), name="flip", dtype=policy)
            )
        if self.rotation:
            steps.append(
                keras.layers.RandomRotation(
                    self.rotation,
                    fill_mode=self.fill_mode,
                    seed=step_seed(1),
                    name="rotation",
                    dtype=policy,
                )
            )
        if self.zoom:
            steps.append(
                keras.layers.RandomZoom(
                    self.zoom,
                    fill_mode=self.fill_mode,
                    seed=step_seed(2),
                    name="zoom",
                    dtype=policy,
                )
            )
        self.steps = steps
        self.random_crop = self.center_crop = None
        if self.crop:
            self.random_crop = keras.layers.RandomCrop(
                *self.crop, seed=step_seed(3), name="crop", dtype=policy
            )
            self.center_crop = keras.layers.CenterCrop(*self.crop, name="center_crop", dtype=policy)

    def build(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                "ImageAugmentation: images are (height, width, channels) or a batch of them. "
                f"Received: input_shape={tuple(input_shape)}. Pass 3D or 4D images."
            )
        for step in self.steps:
            step.build(tuple(input_shape))
        if self.crop:
            self.random_crop.build(tuple(input_shape))
            self.center_crop.build(tuple(input_shape))

    def call(self, inputs, training=False):
        x = inputs
        for step in self.steps:
            x = step(x, training=training)
        if self.crop:
            x = self.random_crop(x, training=True) if training else self.center_crop(x)
        return x

    def compute_output_shape(self, input_shape):
        if self.crop:
            return self.center_crop.compute_output_shape(tuple(input_shape))
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "flip": self.flip,
            "rotation": self.rotation,
            "zoom": self.zoom,
            "crop": None if self.crop is None else list(self.crop),
            "fill_mode": self.fill_mode,
            "seed": self.seed,
        }
