"""PeriodicEmbedding: numeric features through sin/cos of learned frequencies (PLR)."""

import math

import keras
import zoo


@zoo.serializable("tabular")
class PeriodicEmbedding(keras.layers.Layer):
    """Embeds each numeric feature with periodic functions of learned frequencies.

    For feature ``i`` with learned frequencies ``c_i`` (``num_frequencies`` of them,
    drawn from ``N(0, sigma^2)``), the periodic part is
    ``[sin(2 pi c_i x_i), cos(2 pi c_i x_i)]``; with ``embedding_dim`` set, a linear
    layer of its own per feature and a ReLU follow. This is the "PLR" embedding of
    Gorishniy, Rubachev and Babenko (2022), "On Embeddings for Numerical Features in
    Tabular Deep Learning", which lets an MLP fit high-frequency functions of a single
    feature. The phases are computed in float32 even under mixed precision.

    Args:
        num_frequencies: frequencies per feature (``k``); the periodic part has ``2k``
            values per feature.
        sigma: standard deviation of the initial frequencies (the paper tunes it in
            ``[0.01, 100]``; larger fits sharper functions).
        embedding_dim: width of the per-feature linear layer, or None for the periodic
            part alone.
        activation: applied after the linear layer ("relu" in the paper).
        **kwargs: the base `keras.layers.Layer` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, num_features)``.

    Output shape:
        ``(batch, num_features, embedding_dim)``, or ``(batch, num_features,
        2 * num_frequencies)`` without ``embedding_dim``.

    Example:

    >>> import numpy as np
    >>> layer = PeriodicEmbedding(num_frequencies=4, embedding_dim=8)
    >>> tuple(layer(np.zeros((2, 3), "float32")).shape)
    (2, 3, 8)
    """

    def __init__(
        self, num_frequencies=16, sigma=1.0, embedding_dim=None, activation="relu", **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(num_frequencies, int) or num_frequencies < 1:
            raise ValueError(
                f"num_frequencies is a positive integer. Received: "
                f"num_frequencies={num_frequencies!r}. Use for example 16."
            )
        if not isinstance(sigma, (int, float)) or isinstance(sigma, bool) or sigma <= 0:
            raise ValueError(
                f"sigma is a positive number. Received: sigma={sigma!r}. Use for example 1.0."
            )
        if embedding_dim is not None and (not isinstance(embedding_dim, int) or embedding_dim < 1):
            raise ValueError(
                f"embedding_dim is a positive integer or None. Received: "
                f"embedding_dim={embedding_dim!r}."
            )
        self.num_frequencies = num_frequencies
        self.sigma = float(sigma)
        self.embedding_dim = embedding_dim
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "PeriodicEmbedding takes (batch, num_features) with a known number of "
                f"features. Received: input_shape={input_shape}. Flatten the features first."
            )
        features = input_shape[-1]
        self.frequencies = self.add_weight(
            shape=(features, self.num_frequencies),
            initializer=keras.initializers.RandomNormal(stddev=self.sigma),
            name="frequencies",
            dtype="float32",
        )
        if self.embedding_dim is not None:
            self.kernel = self.add_weight(
                shape=(features, 2 * self.num_frequencies, self.embedding_dim),
                initializer="glorot_uniform",
                name="kernel",
            )
            self.bias = self.add_weight(
                shape=(features, self.embedding_dim), initializer="zeros", name="bias"
            )

    def call(self, inputs):
        x = keras.ops.cast(inputs, "float32")
        phases = 2.0 * math.pi * x[..., None] * self.frequencies
        periodic = keras.ops.concatenate([keras.ops.sin(phases), keras.ops.cos(phases)], -1)
        periodic = keras.ops.cast(periodic, self.compute_dtype)
        if self.embedding_dim is None:
            return periodic
        kernel = keras.ops.cast(self.kernel, self.compute_dtype)
        bias = keras.ops.cast(self.bias, self.compute_dtype)
        return self.activation(keras.ops.einsum("bfk,fkd->bfd", periodic, kernel) + bias)

    def compute_output_shape(self, input_shape):
        width = self.embedding_dim or 2 * self.num_frequencies
        return (*input_shape, width)

    def get_config(self):
        return {
            **super().get_config(),
            "num_frequencies": self.num_frequencies,
            "sigma": self.sigma,
            "embedding_dim": self.embedding_dim,
            "activation": keras.activations.serialize(self.activation),
        }
