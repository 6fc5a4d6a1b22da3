"""The shared part of the interval metrics: a weighted mean, over targets, of a
quantity of the interval between two predicted quantiles."""

import keras
from keras import ops

from zoo_forecast._quantiles import (
    align_targets,
    check_quantiles,
    interval_indices,
    per_sample_weights,
)


class IntervalMetric(keras.metrics.Metric):
    """Base of `IntervalCoverage` and `IntervalWidth` (private; not registered).

    A subclass computes one value per target in `interval_values`; this class checks
    the arguments and shapes, applies Keras' weighting (``sum(w * value) / sum(w)``)
    and keeps the config.
    """

    def __init__(self, quantiles, lower, upper, name, **kwargs):
        super().__init__(name=name, **kwargs)
        owner = type(self).__name__
        self.quantiles = check_quantiles(quantiles, owner)
        self.lower, self.upper, self._low, self._high = interval_indices(
            self.quantiles, lower, upper, owner
        )
        self.total = self.add_variable(
            shape=(), initializer="zeros", name="total", dtype=self.dtype
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count", dtype=self.dtype
        )

    def interval_values(self, y_true, y_pred):
        """One value per target, shape ``y_pred.shape[:-1]``; ``y_true`` is aligned."""
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_true = align_targets(y_true, y_pred, len(self.quantiles), type(self).__name__)
        values = self.interval_values(y_true, y_pred)
        lead = ops.shape(values)
        if sample_weight is None:
            weights = ops.ones(lead, dtype=self.dtype)
        else:
            weights = per_sample_weights(ops.cast(sample_weight, self.dtype), len(lead))
            weights = ops.broadcast_to(weights, lead)
        self.total.assign_add(ops.sum(values * weights))
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
