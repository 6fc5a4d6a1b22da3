import keras
from keras import ops

import zoo


@zoo.serializable("forecast")
class NonCrossingQuantileHead(keras.layers.Layer):
    """Dense output head whose Q quantile outputs are ordered by construction.

    A linear projection gives Q raw values ``r``; the outputs are a base value plus
    cumulative softplus increments::

        out[0] = r[0]
        out[k] = r[0] + softplus(r[1]) + ... + softplus(r[k])

    so ``out[0] <= out[1] <= ... <= out[Q-1]`` for every input, whatever the weights.
    Quantiles fitted as independent outputs cross in practice (the 90% quantile falls
    below the 10% one for some inputs); this head rules that out. Pair its columns
    with quantile levels in increasing order. The projection acts on the last axis, so
    ``(batch, steps, features)`` gives ``(batch, steps, Q)``.

    Args:
        num_quantiles: Q, the number of ordered outputs (a positive integer).
        kernel_initializer: initializer of the projection kernel.
        bias_initializer: initializer of the projection bias.
        **kwargs: the base `keras.layers.Layer` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, ..., features)``.

    Output shape:
        ``(batch, ..., num_quantiles)``, non-decreasing along the last axis.

    Example:

    >>> import numpy as np
    >>> head = NonCrossingQuantileHead(num_quantiles=3)
    >>> out = keras.ops.convert_to_numpy(head(np.random.randn(4, 8).astype("float32")))
    >>> out.shape, bool(np.all(np.diff(out, axis=-1) >= 0))
    ((4, 3), True)
    """

    def __init__(
        self,
        num_quantiles,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        if (
            isinstance(num_quantiles, bool)
            or not isinstance(num_quantiles, int)
            or num_quantiles < 1
        ):
            raise ValueError(
                "NonCrossingQuantileHead needs a positive integer number of quantiles. "
                f"Received: num_quantiles={num_quantiles!r}. Pass len(quantiles), e.g. 3."
            )
        super().__init__(**kwargs)
        self.num_quantiles = num_quantiles
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "NonCrossingQuantileHead needs a known size for the last input axis. "
                f"Received: input_shape={tuple(input_shape)}. Give the input a fixed "
                "feature size, e.g. keras.Input(shape=(None, 16))."
            )
        self.kernel = self.add_weight(
            shape=(features, self.num_quantiles),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.num_quantiles,), initializer=self.bias_initializer, name="bias"
        )

    def call(self, inputs):
        raw = ops.add(ops.matmul(inputs, self.kernel), self.bias)
        base = raw[..., :1]
        if self.num_quantiles == 1:
            return base
        steps = ops.cumsum(ops.softplus(raw[..., 1:]), axis=-1)
        return ops.concatenate([base, base + steps], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.num_quantiles)

    def get_config(self):
        return {
            **super().get_config(),
            "num_quantiles": self.num_quantiles,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
