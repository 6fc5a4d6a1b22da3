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
    quantile_output,
)
from zoo_forecast._quantiles import check_quantiles


def quantile_mlp(
    input_dim: int = 10,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    dropout: float = 0.0,
    non_crossing: bool = True,
    name: str = "quantile_mlp",
) -> keras.Model:
    """A multilayer perceptron for tabular regression that predicts Q quantiles.

    ``features -> [Dense(units, activation) -> Dropout] * len(hidden_units) -> quantiles``.
    The last layer is a `NonCrossingQuantileHead`, so the outputs are ordered; with
    ``non_crossing=False`` it is a plain ``Dense(Q)`` (independent quantiles, which can
    cross). With ``hidden_units=[]`` the model is linear quantile regression. Train it
    with ``QuantileLoss(quantiles)`` on standardized features.

    Args:
        input_dim: number of input features.
        quantiles: the quantile levels, strictly increasing, in (0, 1).
        hidden_units: width of each hidden layer; empty for a linear model.
        activation: the hidden layers' activation.
        dropout: dropout rate after each hidden layer, in [0, 1).
        non_crossing: order the outputs by construction (default) or not.
        name: the model's name.

    Returns:
        A Functional ``keras.Model`` mapping ``(batch, input_dim)`` to
        ``(batch, len(quantiles))``.
    """
    owner = "quantile_mlp"
    positive_int(input_dim, "input_dim", owner)
    quantiles = check_quantiles(quantiles, owner, increasing=True)
    hidden_units = positive_ints(hidden_units, "hidden_units", owner)
    dropout = fraction(dropout, "dropout", owner)
    check_activation(activation, owner)

    # === Functional model ===
    inputs = keras.Input(shape=(input_dim,), name="features")
    x = inputs
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    outputs = quantile_output(x, len(quantiles), non_crossing)
    return keras.Model(inputs, outputs, name=name)
