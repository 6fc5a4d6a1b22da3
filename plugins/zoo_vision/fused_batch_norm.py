"""FusedBatchNorm: Keras' BatchNormalization, trained with TensorFlow's fused kernel."""

from __future__ import annotations

import keras

import zoo

#: The input dtypes TensorFlow's fused kernel takes (float64 and integers go to Keras).
_KERNEL_DTYPES = ("float16", "bfloat16", "float32")


@zoo.serializable("vision")
class FusedBatchNorm(keras.layers.BatchNormalization):
    """Keras' ``BatchNormalization``, with one fused kernel for training on TensorFlow.

    The same layer in every respect (arguments, weights, config, inference, every
    backend), except how a training step on the TensorFlow backend computes it: Keras 3
    writes batch normalization as about ten element-wise ops and reductions
    (``ops.moments``, then scale and shift), forward and backward, which took 23% of a
    ResNet-20 training step on a CPU; TensorFlow's ``FusedBatchNormV3`` computes the
    batch statistics, the normalization and (with its registered gradient) the backward
    pass in one op each, with oneDNN's kernel where TensorFlow has oneDNN on.

    The fused path computes what Keras computes: the output normalized with the batch's
    mean and biased variance, and the moving statistics updated with the biased
    variance (the fused op returns Bessel's unbiased one, which is scaled back). It is
    taken when the backend is TensorFlow, the layer trains (``training=True`` and
    ``trainable``), the input is float32, float16 or bfloat16 of rank 4 and is
    normalized over its last axis, with no mask, no ``renorm`` and not ``synchronized``;
    everything else is Keras' own code. In mixed precision the kernel takes the
    half-precision activations as they are and keeps its statistics in float32.

    Args:
        As ``keras.layers.BatchNormalization``.

    Example:
        >>> norm = FusedBatchNorm(momentum=0.9)
        >>> outputs = norm(keras.ops.full((2, 4, 4, 3), 5.0), training=True)
        >>> tuple(outputs.shape)
        (2, 4, 4, 3)
        >>> [round(float(v), 3) for v in keras.ops.convert_to_numpy(norm.moving_mean)]
        [0.5, 0.5, 0.5]
    """

    def _fused(self, inputs, training, mask) -> bool:
        return (
            keras.backend.backend() == "tensorflow"
            and bool(training)
            and self.trainable
            and mask is None
            and not self.renorm
            and not getattr(self, "synchronized", False)
            and len(inputs.shape) == 4
            and self.axis in (3, -1)
            and keras.backend.standardize_dtype(inputs.dtype) in _KERNEL_DTYPES
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fused(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        # Keras normalizes float16/bfloat16 inputs in float32; the fused kernel does the
        # same inside (float32 scale, offset and statistics, half-precision input and
        # output), which spares a mixed-precision step the casts of every activation to
        # float32 and back, forward and backward.
        channels = inputs.shape[-1]
        scale = tf.cast(self.gamma, "float32") if self.scale else tf.ones([channels])
        offset = tf.cast(self.beta, "float32") if self.center else tf.zeros([channels])
        outputs, mean, unbiased = tf.compat.v1.nn.fused_batch_norm(
            inputs, scale, offset, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )
        # Keras' biased variance (one value per channel: no spread, variance 0).
        count = tf.cast(tf.size(inputs, out_type=tf.int64) // channels, "float32")
        variance = tf.where(count > 1.0, unbiased * ((count - 1.0) / count), 0.0)
        momentum = self.momentum
        self.moving_mean.assign(
            tf.cast(self.moving_mean, "float32") * momentum + mean * (1.0 - momentum)
        )
        self.moving_variance.assign(
            tf.cast(self.moving_variance, "float32") * momentum + variance * (1.0 - momentum)
        )
        return tf.cast(outputs, self.compute_dtype)
