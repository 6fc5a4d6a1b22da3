from keras import ops

import zoo
from zoo_forecast._interval_metric import IntervalMetric


@zoo.serializable("forecast")
class IntervalCoverage(IntervalMetric):
    """Share of targets inside a predicted interval ``[q_lower, q_upper]``.

    For a calibrated model the coverage of the interval between the quantiles
    ``lower`` and ``upper`` is close to ``upper - lower`` (0.8 for the 10-90% interval).
    Bounds are inclusive. Weights follow Keras: ``sum(w * inside) / sum(w)``.

    Args:
        quantiles: the quantile levels, one per column of ``y_pred``.
        lower: the quantile whose column is the lower bound; defaults to the smallest.
        upper: the quantile whose column is the upper bound; defaults to the largest.
        name: name of the metric.
        **kwargs: the base `keras.metrics.Metric` arguments (``dtype``).

    Input shape:
        ``y_pred``: ``(batch, ..., Q)``; ``y_true``: ``(batch, ...)``, ``(batch, ..., 1)``
        or ``(batch, ..., Q)`` (then the ``lower`` and ``upper`` columns are compared
        with their own bounds); ``sample_weight``: ``(batch,)`` or ``(batch, ...)``.

    Output shape:
        A scalar in ``[0, 1]``.

    Example:

    >>> metric = IntervalCoverage([0.1, 0.5, 0.9])
    >>> metric.update_state([1.0, 5.0], [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    >>> float(metric.result())
    0.5
    """

    def __init__(
        self, quantiles=(0.1, 0.5, 0.9), lower=None, upper=None, name="interval_coverage", **kwargs
    ):
        super().__init__(quantiles, lower, upper, name=name, **kwargs)

    def interval_values(self, y_true, y_pred):
        if y_true.shape[-1] == 1:
            low_target = high_target = y_true[..., 0]
        else:
            low_target, high_target = y_true[..., self._low], y_true[..., self._high]
        inside = ops.logical_and(
            ops.greater_equal(low_target, y_pred[..., self._low]),
            ops.less_equal(high_target, y_pred[..., self._high]),
        )
        return ops.cast(inside, self.dtype)
