import math

import keras
from keras import ops

import zoo


def check_temperature(temperature, owner):
    """Raise ValueError unless ``temperature`` is a positive, finite number."""
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            f"{owner} takes a positive, finite temperature. "
            f"Received: temperature={temperature!r}. Use e.g. temperature=3.0."
        )


@zoo.serializable("distill")
class DistillationLoss(keras.losses.Loss):
    """Knowledge-distillation loss on logits: ``T**2 * KL(softmax(t / T) || softmax(s / T))``.

    The teacher's logits ``t`` (as ``y_true``) and the student's logits ``s`` (as
    ``y_pred``) are softened by the temperature ``T``; the loss is the Kullback-Leibler
    divergence from the teacher's softened distribution to the student's, summed over
    the classes and scaled by ``T**2`` so that its gradients keep the same size as the
    hard-label loss's when ``T`` changes (Hinton, Vinyals and Dean, 2015, "Distilling the
    Knowledge in a Neural Network"). Computed with log-softmax, so large logits neither
    overflow nor need clipping. It equals ``keras.distillation.LogitsDistillation(T,
    loss=keras.losses.KLDivergence())``; note that Keras' default ``loss="kl_divergence"``
    resolves to the plain function, which Keras then applies to the scaled logits
    without softmax or ``T**2`` (Keras 3.15).

    Args:
        temperature: the softening temperature ``T``, a positive number; 1 compares the
            plain softmax distributions, higher values weigh the small logits more.
        **kwargs: the base `keras.losses.Loss` arguments: ``reduction`` (default
            ``"sum_over_batch_size"``), ``name`` and ``dtype``.

    Input shape:
        ``y_true`` (teacher logits) and ``y_pred`` (student logits): the same shape
        ``(batch, ..., num_classes)``; ``sample_weight``: ``(batch, ...)``.

    Output shape:
        A scalar, or ``(batch, ...)`` with ``reduction=None``.

    Example:

    >>> loss = DistillationLoss(temperature=2.0)
    >>> teacher, student = [[2.0, 0.0, -1.0]], [[1.0, 0.5, 0.0]]
    >>> round(float(loss(teacher, student)), 4)
    0.3652
    """

    def __init__(self, temperature=3.0, **kwargs):
        check_temperature(temperature, "DistillationLoss")
        super().__init__(**kwargs)
        self.temperature = float(temperature)

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if len(y_true.shape) != len(y_pred.shape) or any(
            a is not None and b is not None and a != b for a, b in zip(y_true.shape, y_pred.shape)
        ):
            raise ValueError(
                "DistillationLoss compares teacher and student logits of the same shape "
                f"(batch, ..., num_classes). Received: teacher (y_true) shape "
                f"{tuple(y_true.shape)}, student (y_pred) shape {tuple(y_pred.shape)}. "
                "Give both models the same classes, and pass logits, not labels."
            )
        log_teacher = ops.log_softmax(y_true / self.temperature, axis=-1)
        log_student = ops.log_softmax(y_pred / self.temperature, axis=-1)
        kl = ops.sum(ops.exp(log_teacher) * (log_teacher - log_student), axis=-1)
        return kl * self.temperature**2

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}
