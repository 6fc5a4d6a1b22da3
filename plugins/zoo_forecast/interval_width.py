import zoo
from zoo_forecast._interval_metric import IntervalMetric


@zoo.serializable("forecast")
class IntervalWidth(IntervalMetric):
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
        super().__init__(quantiles, lower, upper, name=name, **kwargs)

    def interval_values(self, y_true, y_pred):
        return y_pred[..., self._high] - y_pred[..., self._low]
