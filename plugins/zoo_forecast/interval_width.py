import keras
from keras import ops

import zoo
from zoo_forecast._quantiles import (
    align_targets,
    check_quantiles,
    interval_indices,
    per_sample_weights,
)


@zoo.serializable("forecast")
class IntervalWidth(keras.metrics.Metric):
    """Mean width ``q_upper - q_lower`` of a predicted interval.

    Read it next to `IntervalCoverage`: a model can reach any coverage with wide enough
    intervals, so the narrower of two equally covering models is the sharper one.
    Crossed quantiles give negative widths, which this metric does not hide.
    Weights follow Keras: ``sum(w * width) / sum(w)``.

    Args:
        quantiles: the quantile levels, one per column of ``y_pred``.
        lower: the quantile whose column is the lower bound; defaults to the smallest.
        upper: the quantile whose column is the upper bound; defaults to the largest.
        name: name of the metric.
        **kwargs: the base `keras.metrics.Metric` arguments (``dtype``).

    Input shape:
        ``y_pred``: ``(batch, ..., Q)``; ``y_true`` (only its shape is checked):
        ``(batch, ...)``, ``(batch, ..., 1)`` or ``(batch, ..., Q)``;
        ``sample_weight``: ``(batch,)`` or ``(batch, ...)``.

    Output shape:
        A scalar.

    Example:

    >>> metric = IntervalWidth([0.1, 0.5, 0.9])
    >>> metric.update_state([1.0, 5.0], [[0.0, 1.0, 2.0], [1.0, 2.0, 4.0]])
    >>> float(metric.result())
    2.5
    """

    def __init__(
        self, quantiles=(0.1, 0.5, 0.9), lower=None, upper=None, name="interval_width", **kwargs
    ):
        super().__init__(name=name, **kwargs)
        self.quantiles = check_quantiles(quantiles, "IntervalWidth")
        self.lower, self.upper, self._low, self._high = interval_indices(
            self.quantiles, lower, upper, "IntervalWidth"
        )
        self.total = self.add_variable(
            shape=(), initializer="zeros", name="total", dtype=self.dtype
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count", dtype=self.dtype
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        align_targets(y_true, y_pred, len(self.quantiles), "IntervalWidth")
        width = y_pred[..., self._high] - y_pred[..., self._low]
        lead = ops.shape(width)
        if sample_weight is None:
            weights = ops.ones(lead, dtype=self.dtype)
        else:
            weights = per_sample_weights(ops.cast(sample_weight, self.dtype), len(lead))
            weights = ops.broadcast_to(weights, lead)
        self.total.assign_add(ops.sum(width * weights))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)

    def get_config(self):
        return {
            **super().get_config(),
            "quantiles": list(self.quantiles),
            "lower": self.lower,
            "upper": self.upper,
        }
