"""Deliberately broken components: the conformance kit must catch each one."""

import keras
import numpy as np

import zoo


@zoo.serializable("broken")
class ForgetsConfig(keras.layers.Layer):
    """Leaves ``scale`` out of get_config."""

    def __init__(self, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, x):
        return x * self.scale

    def get_config(self):
        return super().get_config()  # forgets scale


@zoo.serializable("broken")
class DeadWeight(keras.layers.Layer):
    """Creates a weight its output never uses."""

    def build(self, input_shape):
        self.used = self.add_weight(shape=(input_shape[-1],), name="used")
        self.unused = self.add_weight(shape=(input_shape[-1],), name="unused")

    def call(self, x):
        return x * self.used


class Unregistered(keras.layers.Layer):
    """Never registered as serializable."""

    def call(self, x):
        return x + 1.0


@zoo.serializable("broken")
class WrongShape(keras.layers.Layer):
    """Claims a symbolic output shape its call does not produce."""

    def call(self, x):
        return keras.ops.concatenate([x, x], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape


@zoo.serializable("broken")
class HiddenState(keras.layers.Layer):
    """Draws a constant at construction that no config or weight keeps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.offset = float(np.random.default_rng().standard_normal())

    def call(self, x):
        return x + self.offset
