from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

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

ENCODERS = ("gru", "dense")


def quantile_forecaster(
    window: int = 24,
    horizon: int = 1,
    num_features: int = 1,
    quantiles: Sequence[float] = (0.1, 0.5, 0.9),
    encoder: Literal["gru", "dense"] = "gru",
    encoder_units: int = 32,
    hidden_units: Sequence[int] = (32,),
    activation: str = "relu",
    dropout: float = 0.0,
    relative: bool = True,
    non_crossing: bool = True,
    name: str = "quantile_forecaster",
) -> keras.Model:
    """A windowed time-series model that forecasts Q quantiles for each of H steps ahead.

    ``window`` past steps of ``num_features`` series (feature 0 is the series being
    forecast) -> encoder (a GRU, or a dense layer on the flattened window) -> dense
    layers -> ``horizon`` step vectors -> `NonCrossingQuantileHead` per step. With
    ``relative=True`` (default) each feature of the window is centered on its own last
    value and the quantiles are offsets from the last observed value of feature 0 (as
    NLinear, Zeng et al. 2023, does for the mean), so a level the training data never
    reached, as in a trending series, looks like any other window to the network.
    Train it with ``QuantileLoss(quantiles)`` on targets of shape ``(batch, horizon)``,
    with the series scaled to about unit variance.

    Args:
        window: number of past time steps in each input window.
        horizon: number of future steps to forecast.
        num_features: number of series per time step; feature 0 is forecast.
        quantiles: the quantile levels, strictly increasing, in (0, 1).
        encoder: ``"gru"`` (a recurrent encoder) or ``"dense"`` (flatten, then dense).
        encoder_units: width of the encoder.
        hidden_units: widths of the dense layers after the encoder (possibly empty).
        activation: activation of the dense layers.
        dropout: dropout rate after each dense layer, in [0, 1).
        relative: center the window on its last step and predict offsets from the last
            observed value of feature 0.
        non_crossing: order the quantiles by construction (default) or not.
        name: the model's name.

    Returns:
        A Functional ``keras.Model`` mapping ``(batch, window, num_features)`` to
        ``(batch, horizon, len(quantiles))``.
    """
    owner = "quantile_forecaster"
    positive_int(window, "window", owner)
    positive_int(horizon, "horizon", owner)
    positive_int(num_features, "num_features", owner)
    positive_int(encoder_units, "encoder_units", owner)
    quantiles = check_quantiles(quantiles, owner, increasing=True)
    hidden_units = positive_ints(hidden_units, "hidden_units", owner)
    dropout = fraction(dropout, "dropout", owner)
    check_activation(activation, owner)
    if encoder not in ENCODERS:
        raise ValueError(
            f"{owner} takes encoder as one of {', '.join(ENCODERS)}. "
            f"Received: encoder={encoder!r}. Use 'gru' or 'dense'."
        )
    step_units = hidden_units[-1] if hidden_units else encoder_units

    # === Functional model ===
    inputs = keras.Input(shape=(window, num_features), name="window")
    x = inputs
    if relative:
        last = inputs[:, -1:, :]  # (batch, 1, num_features): the last observed step
        x = keras.layers.Subtract(name="centered")([inputs, last])
    if encoder == "gru":
        x = keras.layers.GRU(encoder_units, name="encoder")(x)
    else:
        x = keras.layers.Flatten(name="flatten")(x)
        x = keras.layers.Dense(encoder_units, activation=activation, name="encoder")(x)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    x = keras.layers.Dense(horizon * step_units, activation=activation, name="steps")(x)
    x = keras.layers.Reshape((horizon, step_units), name="per_step")(x)
    outputs = quantile_output(x, len(quantiles), non_crossing)  # (batch, horizon, Q)
    if relative:  # offsets from the last observed value of the target, feature 0
        # Tiled to the full (batch, horizon, Q) shape on purpose: Keras 3.15's TensorFlow
        # ops.add treats a (batch, 1, 1) operand as a bias vector when batch equals Q or
        # horizon, and adds it along the wrong axis.
        level = keras.ops.tile(last[:, :, :1], (1, horizon, len(quantiles)))
        outputs = keras.layers.Add(name="from_last_value")([outputs, level])
    return keras.Model(inputs, outputs, name=name)
