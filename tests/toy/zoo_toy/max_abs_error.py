import keras

import zoo


@zoo.serializable("toy")
class MaxAbsError(keras.metrics.Metric):
    def __init__(self, name="max_abs_error", **kwargs):
        super().__init__(name=name, **kwargs)
        self.worst = self.add_variable(shape=(), initializer="zeros", name="worst")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = keras.ops.max(keras.ops.abs(keras.ops.cast(y_true, "float32") - y_pred))
        self.worst.assign(keras.ops.maximum(self.worst, error))

    def result(self):
        return keras.ops.convert_to_tensor(self.worst)
