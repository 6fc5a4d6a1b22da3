from __future__ import annotations

from collections.abc import Sequence

import keras

from zoo_forecast._builders import (
    activation as check_activation,
)
from zoo_forecast._builders import (
    fraction,
    positive_int,
    positive_ints,
)


def mlp(
    input_shape: Sequence[int] | None = None,
    input_dim: int = 10,
    num_classes: int | None = None,
    outputs: int = 1,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    dropout: float = 0.0,
    name: str = "mlp",
) -> keras.Model:
    """A multilayer perceptron for tabular data: a classifier or a regressor.

    ``features -> [Dense(units, activation) -> Dropout] * len(hidden_units) -> head``.
    The head is ``Dense(num_classes, softmax)`` when ``num_classes`` is given (train it
    with sparse categorical cross-entropy on integer labels), else a linear
    ``Dense(outputs)`` (mean squared error). The head computes in float32 under a mixed
    precision policy, as Keras' mixed precision guide advises. Inputs of more than one
    axis (8x8 images) are flattened first. The recipes ``forecast/mlp_classifier`` and
    ``forecast/mlp_regressor`` fix only the task; the input width follows the data
    (``zoo.fit`` and ``zoo.sklearn`` pass it). Standardize the features first.

    Args:
        input_shape: the shape of one sample, without the batch axis; when None,
            ``[input_dim]``.
        input_dim: the number of features, used when ``input_shape`` is None.
        num_classes: the number of classes (2 or more) of a classifier; None for a
            regressor.
        outputs: the number of regression targets (ignored by a classifier).
        hidden_units: width of each hidden layer; empty for a linear model.
        activation: the hidden layers' activation.
        dropout: dropout rate after each hidden layer, in [0, 1).
        name: the model's name.

    Returns:
        A Functional ``keras.Model`` mapping ``(batch, *input_shape)`` to class
        probabilities ``(batch, num_classes)`` or to ``(batch, outputs)``.

    Example:

    >>> model = mlp(input_dim=4, num_classes=3, hidden_units=[8])
    >>> model.output_shape
    (None, 3)
    """
    owner = "mlp"
    if input_shape is None:
        shape = [positive_int(input_dim, "input_dim", owner)]
    else:
        shape = positive_ints(input_shape, "input_shape", owner)
        if not shape:
            raise ValueError(
                "mlp takes input_shape as the shape of one sample, at least one axis. "
                "Received: input_shape=[]. Pass for example input_shape=[10]."
            )
    if num_classes is not None and (positive_int(num_classes, "num_classes", owner) < 2):
        raise ValueError(
            "mlp takes num_classes of 2 or more (a classifier), or None (a regressor). "
            f"Received: num_classes={num_classes!r}. Pass the number of classes, or None."
        )
    outputs = positive_int(outputs, "outputs", owner)
    hidden_units = positive_ints(hidden_units, "hidden_units", owner)
    dropout = fraction(dropout, "dropout", owner)
    check_activation(activation, owner)

    # === Functional model ===
    inputs = keras.Input(shape=tuple(shape), name="features")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(shape) > 1 else inputs
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    if num_classes is not None:
        head = keras.layers.Dense(
            num_classes, activation="softmax", dtype="float32", name="probabilities"
        )
    else:
        head = keras.layers.Dense(outputs, dtype="float32", name="prediction")
    return keras.Model(inputs, head(x), name=name)
