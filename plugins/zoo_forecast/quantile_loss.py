import keras
from keras import ops

import zoo
from zoo_forecast._quantiles import align_targets, check_quantiles, per_sample_weights, pinball


@zoo.serializable("forecast")
class QuantileLoss(keras.losses.Loss):
    """Pinball (quantile) loss for Q quantiles at once, averaged over the quantiles.

    For a quantile level ``q`` and error ``e = y_true - y_pred`` the pinball loss is
    ``max(q * e, (q - 1) * e)``: under-predictions cost ``q`` per unit, over-predictions
    ``1 - q``, so its minimizer is the ``q``-quantile of the target. All quantiles are
    computed in one vectorized expression; the per-sample value is the mean over the
    quantiles (and equals scikit-learn's ``mean_pinball_loss`` averaged over quantiles
    once reduced with the default ``"sum_over_batch_size"``).

    Target shapes are matched explicitly: for ``y_pred`` of shape ``(B, Q)``, ``y_true``
    may be ``(B,)``, ``(B, 1)`` (one target per sample, compared with every quantile) or
    ``(B, Q)`` (one target per quantile); the same holds with extra axes, such as a
    forecast horizon ``(B, H, Q)`` against ``(B, H)``. Anything else raises a ValueError
    instead of broadcasting ``(B,)`` against ``(B, 1)`` into a ``(B, B)`` grid.

    Args:
        quantiles: the quantile levels, one per column of ``y_pred``: distinct numbers
            strictly between 0 and 1, in the order of the model's outputs.
        **kwargs: the base `keras.losses.Loss` arguments: ``reduction`` (default
            ``"sum_over_batch_size"``; also ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"``, ``"none"`` or ``None``), ``name`` and ``dtype``.

    Input shape:
        ``y_pred``: ``(batch, ..., Q)``; ``y_true``: ``(batch, ...)``, ``(batch, ..., 1)``
        or ``(batch, ..., Q)``; ``sample_weight``: ``(batch,)`` (applied to every step of
        a sample) or any shape Keras broadcasts against ``(batch, ...)``.

    Output shape:
        A scalar, or ``(batch, ...)`` with ``reduction=None``: the per-sample (and
        per-step) pinball loss averaged over the quantiles.

    Example:

    >>> loss = QuantileLoss(quantiles=[0.1, 0.5, 0.9])
    >>> round(float(loss([1.0, 2.0], [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]])), 4)  # (0.1 + 0 + 0.1) / 3
    0.0667
    """

    def __init__(self, quantiles=(0.1, 0.5, 0.9), **kwargs):
        super().__init__(**kwargs)
        self.quantiles = check_quantiles(quantiles, "QuantileLoss")

    def __call__(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None:
            rank = len(ops.shape(ops.convert_to_tensor(y_pred)))
            sample_weight = per_sample_weights(sample_weight, rank - 1)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = align_targets(y_true, y_pred, len(self.quantiles), "QuantileLoss")
        return ops.mean(pinball(y_true, y_pred, self.quantiles), axis=-1)

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}
