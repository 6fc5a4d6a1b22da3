import keras
from keras import ops

import zoo
from zoo_forecast._quantiles import align_targets, check_quantiles, per_sample_weights, pinball


@zoo.serializable("forecast")
class MeanPinballLoss(keras.metrics.Metric):
    """Mean pinball loss over every quantile, or of one quantile, across batches.

    Accumulates the (optionally weighted) pinball loss ``max(q * e, (q - 1) * e)`` with
    ``e = y_true - y_pred`` per quantile column. With ``quantile=None`` the result is
    the mean over all quantiles (scikit-learn's ``mean_pinball_loss`` averaged over the
    quantiles); with ``quantile=q`` it is the mean pinball loss of the column for
    ``q`` alone, so ``[MeanPinballLoss(qs, quantile=q) for q in qs]`` logs one value per
    quantile during ``fit``. Weights follow Keras: the mean is ``sum(w * loss) / sum(w)``.

    Args:
        quantiles: the quantile levels, one per column of ``y_pred`` (distinct numbers
            strictly between 0 and 1).
        quantile: ``None`` for the mean over every quantile, or one of ``quantiles`` to
            report that column only.
        name: name of the metric; defaults to ``"pinball_loss"``, or
            ``"pinball_loss_q<level>"`` (``"pinball_loss_q0.9"``) for one quantile.
        **kwargs: the base `keras.metrics.Metric` arguments (``dtype``).

    Input shape:
        ``y_pred``: ``(batch, ..., Q)``; ``y_true``: ``(batch, ...)``, ``(batch, ..., 1)``
        or ``(batch, ..., Q)``; ``sample_weight``: ``(batch,)`` or ``(batch, ...)``.

    Output shape:
        A scalar.

    Example:

    >>> metric = MeanPinballLoss([0.1, 0.5, 0.9], quantile=0.9)
    >>> metric.update_state([1.0, 2.0], [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    >>> round(float(metric.result()), 4)
    0.1
    """

    def __init__(self, quantiles=(0.1, 0.5, 0.9), quantile=None, name=None, **kwargs):
        checked = check_quantiles(quantiles, "MeanPinballLoss")
        if quantile is not None and (
            isinstance(quantile, bool)
            or not isinstance(quantile, (int, float))
            or float(quantile) not in checked
        ):
            raise ValueError(
                "MeanPinballLoss reports one of its quantiles, or all with quantile=None. "
                f"Received: quantile={quantile!r}, quantiles={checked}. "
                f"Use one of {checked} or None."
            )
        if name is None:
            name = "pinball_loss" if quantile is None else f"pinball_loss_q{float(quantile):g}"
        super().__init__(name=name, **kwargs)
        self.quantiles = checked
        self.quantile = None if quantile is None else float(quantile)
        self.total = self.add_variable(
            shape=(len(checked),), initializer="zeros", name="total", dtype=self.dtype
        )
        self.count = self.add_variable(
            shape=(), initializer="zeros", name="count", dtype=self.dtype
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_true = align_targets(y_true, y_pred, len(self.quantiles), "MeanPinballLoss")
        losses = pinball(y_true, y_pred, self.quantiles)  # (batch, ..., Q)
        lead = ops.shape(losses)[:-1]
        if sample_weight is None:
            weights = ops.ones(lead, dtype=self.dtype)
        else:
            weights = per_sample_weights(ops.cast(sample_weight, self.dtype), len(lead))
            weights = ops.broadcast_to(weights, lead)
        axes = tuple(range(len(lead)))
        self.total.assign_add(ops.sum(losses * ops.expand_dims(weights, -1), axis=axes))
        self.count.assign_add(ops.sum(weights))

    def result(self):
        per_quantile = ops.divide_no_nan(self.total, self.count)
        if self.quantile is None:
            return ops.mean(per_quantile)
        return per_quantile[self.quantiles.index(self.quantile)]

    def get_config(self):
        return {
            **super().get_config(),
            "quantiles": list(self.quantiles),
            "quantile": self.quantile,
        }
