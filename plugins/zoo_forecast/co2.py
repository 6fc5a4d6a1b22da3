"""The ``forecast/co2`` data source: windows of the Mauna Loa CO2 series (statsmodels).

Monthly means of the weekly record (1958-2001; the few missing months interpolated).
The helpers are also what ``examples/quantile_forecast_co2.py`` uses.
"""

from __future__ import annotations

import numpy as np

from zoo.data import DataSplits, Task, ZooError, check_fractions, from_arrays, require

#: The task of this source's targets: the next values of a series, from a window of it.
FORECASTING = Task("forecasting", summary="The next values of a time series from its past.")


def load_series() -> tuple[np.ndarray, np.ndarray]:
    """Monthly mean CO2 (ppm) and the month of each value."""
    sm = require("statsmodels.api", "statsmodels", "forecast/co2")
    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return monthly.to_numpy(dtype="float64"), monthly.index.to_numpy()


def windows(series: np.ndarray, window: int, horizon: int, starts: range) -> tuple[np.ndarray, ...]:
    """Input windows ``(n, window, 1)`` and targets ``(n, horizon)`` for each start index."""
    x = np.stack([series[s : s + window] for s in starts])[..., None]
    y = np.stack([series[s + window : s + window + horizon] for s in starts])
    return x.astype("float32"), y.astype("float32")


def co2(
    *,
    window: int = 24,
    horizon: int = 6,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
) -> DataSplits:
    """Windows of ``window`` past months and the ``horizon`` months after each, in time order.

    The last ``test`` of the months are the test tail, the ``validation`` before them the
    validation part, the rest trains: a target month is never in two splits (a window
    may look back into the previous part, as a forecast would). The series is scaled by
    the training months' mean and the spread of their month-to-month changes
    (``info.preprocessing`` holds both). Inputs ``(window, 1)``, targets ``(horizon,)``.

    Args:
        window: past months per input window.
        horizon: months forecast per window.
        batch_size: windows per batch.
        seed: the seed of the training shuffle.
        validation: fraction of the months for validation (before the test tail).
        test: fraction of the months for the test tail.
    """
    for name, value in (("window", window), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ZooError(
                f"forecast/co2: {name} is a positive number of months. "
                f"Received: {name}={value!r}. Use for example window=24, horizon=6."
            )
    check_fractions(validation, test)
    series, months = load_series()
    n = len(series)
    test_start = round(n * (1 - test))
    val_start = round(n * (1 - test - validation))
    span = window + horizon
    if val_start - span + 1 < 1:
        raise ZooError(
            f"forecast/co2 needs training months for whole windows. Received: window={window}, "
            f"horizon={horizon} with {val_start} training months. Shorten them."
        )
    mean = series[:val_start].mean()
    scale = np.diff(series[:val_start]).std()  # month-to-month changes set the scale
    scaled = (series - mean) / scale
    starts = {
        "train": range(0, val_start - span + 1),
        "validation": range(max(0, val_start - window), test_start - span + 1),
        "test": range(max(0, test_start - window), n - span + 1),
    }
    splits = {s: windows(scaled, window, horizon, r) if len(r) else None for s, r in starts.items()}
    return from_arrays(
        splits,
        source="forecast/co2",
        arguments={"window": window, "horizon": horizon, "validation": validation, "test": test},
        task=FORECASTING,
        batch_size=batch_size,
        seed=seed,
        split={
            "seed": seed,
            "validation": validation,
            "test": test,
            "stratified": False,
            "chronological": True,
            "test_period": f"{str(months[test_start])[:7]} .. {str(months[-1])[:7]}",
        },
        builder_arguments={"window": window, "horizon": horizon, "num_features": 1},
        preprocessing={"mean": float(mean), "std": float(scale)},
    )
