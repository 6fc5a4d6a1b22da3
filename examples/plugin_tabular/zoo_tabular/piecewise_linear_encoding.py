"""PiecewiseLinearEncoding: numeric features against quantile bins (PLE)."""

import keras
import numpy as np
import zoo


@zoo.serializable("tabular")
class PiecewiseLinearEncoding(keras.layers.Layer):
    """Encodes each numeric feature by how far it fills each of its bins.

    With bin edges ``b_0 < b_1 < ... < b_T`` for a feature, value ``x`` becomes ``T``
    numbers: ``1`` for every bin entirely below ``x``, ``0`` for every bin entirely
    above, and the filled fraction ``(x - b_{t-1}) / (b_t - b_{t-1})`` for the bin
    holding it; the first bin extends below ``b_0`` and the last above ``b_T``
    (negative or above-one values there). This is the "PLE" encoding of Gorishniy,
    Rubachev and Babenko (2022): with quantile bins, an MLP sees each feature on the
    scale of its distribution. The edges come from ``bins`` or from ``adapt(data)``
    (quantiles); they are kept in ``get_config``, so saved models need no data.

    Args:
        bins: per feature, the ``T + 1`` increasing bin edges (the same ``T`` for every
            feature), or None to ``adapt`` later.
        num_bins: ``T`` for ``adapt``.
        **kwargs: the base `keras.layers.Layer` arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch, num_features)``.

    Output shape:
        ``(batch, num_features, T)``.

    Example:

    >>> import numpy as np
    >>> layer = PiecewiseLinearEncoding(bins=[[0.0, 1.0, 2.0, 4.0]])
    >>> keras.ops.convert_to_numpy(layer(np.array([[1.5]], "float32"))).tolist()
    [[[1.0, 0.5, 0.0]]]
    """

    def __init__(self, bins=None, num_bins=8, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_bins, int) or num_bins < 1:
            raise ValueError(
                f"num_bins is a positive integer. Received: num_bins={num_bins!r}. "
                "Use for example 8."
            )
        self.num_bins = num_bins
        self.bins = None if bins is None else self._check_bins(bins)

    @staticmethod
    def _check_bins(bins):
        edges = np.asarray(bins, dtype="float64")
        if edges.ndim != 2 or edges.shape[1] < 2:
            raise ValueError(
                "bins holds, per feature, the same number (at least 2) of bin edges. "
                f"Received: an array of shape {edges.shape}. Example: [[0, 1, 2], [-1, 0, 1]]."
            )
        increasing = np.all(np.diff(edges.astype("float32"), axis=1) > 0)
        if not np.all(np.isfinite(edges)) or not increasing:
            raise ValueError(
                "Each feature's bin edges are finite and strictly increasing in float32. "
                "Received: "
                f"{edges.tolist()}. Use adapt(data) to compute them from quantiles."
            )
        return edges.tolist()

    @staticmethod
    def quantile_bins(data, num_bins=8):
        """Per-feature quantile edges of ``data`` (``(samples, features)``), strictly increasing.

        A feature with few distinct values gets repeated quantiles; those edges are
        spread apart by a small step (``1e-5`` relative, at least ``1e-5``), so every bin
        keeps a width float32 can represent and the encoding stays finite.
        """
        data = np.asarray(data, dtype="float64")
        if data.ndim != 2 or len(data) < 2:
            raise ValueError(
                "adapt takes (samples, features) with at least two samples. Received: an "
                f"array of shape {data.shape}."
            )
        edges = np.quantile(data, np.linspace(0.0, 1.0, num_bins + 1), axis=0).T
        for row in edges:
            for t in range(1, len(row)):
                step = max(abs(row[t - 1]) * 1e-5, 1e-5)  # wide enough for float32
                row[t] = max(row[t], row[t - 1] + step)
        return edges.astype("float32").astype("float64").tolist()

    def adapt(self, data):
        """Set the bin edges to the quantiles of ``data``, ``(samples, features)``."""
        self.bins = self.quantile_bins(data, self.num_bins)

    def build(self, input_shape):
        if self.bins is None:
            raise ValueError(
                "PiecewiseLinearEncoding needs bin edges before it runs. Received: bins=None. "
                "Pass bins=... or call adapt(data) first."
            )
        if len(input_shape) != 2 or input_shape[-1] != len(self.bins):
            raise ValueError(
                f"The input has one column per feature with bins. Received: input_shape="
                f"{input_shape} for {len(self.bins)} features with bins."
            )

    def call(self, inputs):
        edges = keras.ops.convert_to_tensor(np.asarray(self.bins, "float32"))
        x = keras.ops.cast(inputs, "float32")[..., None]
        left, right = edges[:, :-1], edges[:, 1:]
        fraction = (x - left) / (right - left)
        count = len(self.bins[0]) - 1
        if count > 1:
            first = keras.ops.minimum(fraction[..., :1], 1.0)
            middle = keras.ops.clip(fraction[..., 1:-1], 0.0, 1.0)
            last = keras.ops.maximum(fraction[..., -1:], 0.0)
            fraction = keras.ops.concatenate([first, middle, last], axis=-1)
        return keras.ops.cast(fraction, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, len(self.bins[0]) - 1)

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "num_bins": self.num_bins}
