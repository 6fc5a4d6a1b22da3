"""mnist_cnn: the classic Keras MNIST convolutional network."""

from __future__ import annotations

import keras

from zoo_vision import _checks


def mnist_cnn(
    num_classes: int = 10,
    input_shape: tuple[int, int, int] = (28, 28, 1),
    dropout: tuple[float, float] = (0.25, 0.5),
    name: str = "mnist_cnn",
) -> keras.Model:
    """The classic MNIST convnet of the Keras examples.

    Conv(32, 3x3, relu), Conv(64, 3x3, relu), MaxPool(2x2), Dropout, Flatten,
    Dense(128, relu), Dropout, Dense(num_classes, softmax). About 1.2M parameters on
    28x28 inputs.

    Args:
        num_classes: the classifier's outputs.
        input_shape: ``(height, width, channels)``; at least 6x6 (two valid 3x3
            convolutions and a 2x2 pooling).
        dropout: the two dropout rates, after the pooling and after the dense layer.
        name: the model's name.

    Returns:
        A Functional ``keras.Model`` from images to class probabilities.
    """
    _checks.positive_int(num_classes, "num_classes", "mnist_cnn")
    if (
        len(input_shape) != 3
        or not all(isinstance(d, int) and d > 0 for d in input_shape)
        or min(input_shape[:2]) < 6
    ):
        raise ValueError(
            "mnist_cnn: input_shape is (height, width, channels) with height and width at "
            f"least 6. Received: input_shape={input_shape!r}. Pass for example (28, 28, 1)."
        )
    if len(dropout) != 2 or not all(0 <= rate < 1 for rate in dropout):
        raise ValueError(
            f"mnist_cnn: dropout is two rates in [0, 1). Received: dropout={dropout!r}. "
            "Use (0.25, 0.5) as in the classic example."
        )

    # === Functional model ===
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = keras.layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = keras.layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Dropout(dropout[0], name="dropout1")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(128, activation="relu", name="dense")(x)
    x = keras.layers.Dropout(dropout[1], name="dropout2")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(x)
    return keras.Model(inputs, outputs, name=name)
