"""keras-zoo first-party plugin ``forecast``: quantile regression and forecasting.

The pinball loss for many quantiles at once, quantile metrics (pinball loss, interval
coverage and width), an output head whose quantiles never cross, and three model
builders: ``quantile_mlp`` (tabular) and ``quantile_forecaster`` (windowed series), and
``mlp``, the plain tabular classifier or regressor behind the recipes ``mlp_classifier``
and ``mlp_regressor`` (the default models of ``zoo.sklearn``).
This module only declares specs; implementations are imported on first use.
"""

import zoo

# Losses and metrics take the quantiles the model was built with.
_QUANTILES_ARG = {"quantiles": {"arg": "quantiles"}}


def _quantile_training(learning_rate, epochs):
    """The forecasters' training defaults: pinball loss, coverage, Adam (data only)."""
    return {
        "loss": {"id": "forecast/QuantileLoss", "args": _QUANTILES_ARG},
        "metrics": [
            {"id": "forecast/MeanPinballLoss", "args": _QUANTILES_ARG},
            {"id": "forecast/IntervalCoverage", "args": _QUANTILES_ARG},
        ],
        "optimizer": "adam",
        "learning_rate": learning_rate,
        "monitor": "val_loss",
        "mode": "min",
        "batch_size": 32,
        "epochs": epochs,
    }


_QUANTILES = [0.1, 0.5, 0.9]


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "QuantileLoss",
            kind="loss",
            target="zoo_forecast.quantile_loss:QuantileLoss",
            summary="Pinball loss for Q quantiles in one vectorized expression.",
            tags=("quantile", "regression", "forecasting", "uncertainty"),
            example={
                "kwargs": {"quantiles": _QUANTILES},
                "input_shape": [5, 3],
                "target_shape": [5],
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "MeanPinballLoss",
            kind="metric",
            target="zoo_forecast.mean_pinball_loss:MeanPinballLoss",
            summary="Mean pinball loss over all quantiles or of one quantile.",
            tags=("quantile", "regression", "forecasting"),
            example={
                "kwargs": {"quantiles": _QUANTILES},
                "input_shape": [5, 3],
                "target_shape": [5, 1],
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "IntervalCoverage",
            kind="metric",
            target="zoo_forecast.interval_coverage:IntervalCoverage",
            summary="Share of targets inside the interval between two predicted quantiles.",
            tags=("quantile", "calibration", "forecasting"),
            example={
                "kwargs": {"quantiles": _QUANTILES, "lower": 0.1, "upper": 0.9},
                "input_shape": [5, 3],
                "target_shape": [5, 1],
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "IntervalWidth",
            kind="metric",
            target="zoo_forecast.interval_width:IntervalWidth",
            summary="Mean width of the interval between two predicted quantiles.",
            tags=("quantile", "calibration", "forecasting"),
            example={
                "kwargs": {"quantiles": _QUANTILES},
                "input_shape": [5, 3],
                "target_shape": [5, 1],
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "NonCrossingQuantileHead",
            kind="layer",
            target="zoo_forecast.non_crossing_quantile_head:NonCrossingQuantileHead",
            summary="Dense head whose Q quantile outputs are ordered by construction.",
            tags=("quantile", "head", "forecasting"),
            example={"kwargs": {"num_quantiles": 3}, "input_shape": [4, 2, 6]},
        )
    )
    register(
        zoo.ComponentSpec(
            "diabetes",
            kind="dataset",
            target="zoo_forecast.diabetes:diabetes",
            summary="scikit-learn's diabetes: 10 standardized features, 442 patients, seeded.",
            tags=("quantile", "regression", "tabular"),
        )
    )
    register(
        zoo.ComponentSpec(
            "co2",
            kind="dataset",
            target="zoo_forecast.co2:co2",
            summary="Windows of the monthly Mauna Loa CO2 series (statsmodels), split in time.",
            tags=("quantile", "forecasting", "time-series"),
        )
    )
    register(
        zoo.ComponentSpec(
            "quantile_mlp",
            kind="model",
            target="zoo_forecast.quantile_mlp:quantile_mlp",
            summary="MLP for tabular regression emitting Q non-crossing quantiles.",
            tags=("quantile", "regression", "tabular"),
            example={"kwargs": {"input_dim": 4, "hidden_units": [8]}},
            training=_quantile_training(learning_rate=1e-3, epochs=200),
        )
    )
    register(
        zoo.ComponentSpec(
            "mlp",
            kind="model",
            target="zoo_forecast.mlp:mlp",
            summary="MLP for tabular data: softmax classifier (num_classes) or linear regressor.",
            tags=("regression", "classification", "tabular"),
            example={"kwargs": {"input_dim": 4, "num_classes": 3, "hidden_units": [8]}},
            training={
                "loss": "mse",
                "metrics": ["mae"],
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "monitor": "val_loss",
                "mode": "min",
                "batch_size": 32,
                "epochs": 100,
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "quantile_forecaster",
            kind="model",
            target="zoo_forecast.quantile_forecaster:quantile_forecaster",
            summary="Windowed time-series model forecasting Q quantiles per horizon step.",
            tags=("quantile", "forecasting", "time-series"),
            example={
                "kwargs": {"window": 6, "horizon": 2, "encoder_units": 4, "hidden_units": [4]}
            },
            training=_quantile_training(learning_rate=3e-3, epochs=60),
        )
    )
