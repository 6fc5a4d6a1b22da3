"""Quantile forecast of the Mauna Loa CO2 series (shipped with statsmodels), offline.

Monthly means of the weekly CO2 record (1958-2001; the few missing months are
interpolated). The last 20% of the months are a held-out tail the model never sees;
from windows of the past ``--window`` months the model forecasts the 10%, 50% and 90%
quantiles of each of the next ``--horizon`` months.

It reports, on the held-out tail:

- the empirical coverage of the 10-90% interval (a calibrated forecast lands near 80%)
  and its mean width, overall and per horizon step;
- the mean pinball loss (averaged over the three quantiles) of the model and of two
  naive baselines: the last value, and the value twelve months earlier (seasonal naive),
  each plus the empirical quantiles of its own errors on the training part.

    .venv/bin/python examples/quantile_forecast_co2.py            # about a minute on 2 CPUs
    .venv/bin/python examples/quantile_forecast_co2.py --epochs 20 --seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
from zoo_forecast.co2 import load_series, windows  # the forecast/co2 source's helpers

import zoo

QUANTILES = [0.1, 0.5, 0.9]
SEASON = 12  # months


def pinball(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean pinball loss over the quantiles (numpy, from the definition)."""
    q = np.asarray(QUANTILES)
    error = y[..., None] - pred
    return float(np.mean(np.maximum(q * error, (q - 1) * error)))


def coverage(y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return (pred[..., 0] <= y) & (y <= pred[..., -1])


def naive_quantiles(
    series: np.ndarray,
    window: int,
    horizon: int,
    train_starts: range,
    test_starts: range,
    lag: int | None,
) -> np.ndarray:
    """Point forecast (last value, or the value ``lag`` months before the target) plus the
    empirical quantiles of that forecast's errors on the training windows, per step."""

    def point(starts: range) -> np.ndarray:
        rows = []
        for s in starts:
            end = s + window  # index of the first forecast month
            if lag is None:
                rows.append(np.repeat(series[end - 1], horizon))
            else:
                rows.append(np.array([series[end + h - lag] for h in range(horizon)]))
        return np.stack(rows)

    _, y_train = windows(series, window, horizon, train_starts)
    errors = y_train - point(train_starts)  # (n, horizon)
    offsets = np.quantile(errors, QUANTILES, axis=0).T  # (horizon, Q)
    return point(test_starts)[..., None] + offsets[None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="forecast/quantile_forecaster_small")
    parser.add_argument("--window", type=int, default=24)
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    started = time.perf_counter()

    series, months = load_series()
    n = len(series)
    split = round(n * (1 - args.test_fraction))  # first held-out month
    span = args.window + args.horizon
    # Training windows end (targets included) before the split; test windows forecast
    # months at or after it, with inputs that may reach back into the training part.
    train_starts = range(0, split - span + 1)
    test_starts = range(split - args.window, n - span + 1)
    mean = series[:split].mean()
    scale = np.diff(series[:split]).std()  # month-to-month changes set the scale
    scaled = (series - mean) / scale
    x_train, y_train = windows(scaled, args.window, args.horizon, train_starts)
    x_test, y_test = windows(scaled, args.window, args.horizon, test_starts)

    model = zoo.build(args.recipe, window=args.window, horizon=args.horizon, quantiles=QUANTILES)
    loss = zoo.get("forecast/QuantileLoss")(quantiles=QUANTILES)
    coverage_metric = zoo.get("forecast/IntervalCoverage")(quantiles=QUANTILES)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=loss, metrics=[coverage_metric])
    model.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=32,
        validation_split=0.15,
        callbacks=[keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
        verbose=0,
    )
    pred = model.predict(x_test, verbose=0) * scale + mean  # (n_test, horizon, Q), in ppm
    y = y_test * scale + mean

    last_value = naive_quantiles(series, args.window, args.horizon, train_starts, test_starts, None)
    seasonal = naive_quantiles(series, args.window, args.horizon, train_starts, test_starts, SEASON)
    inside = coverage(y, pred)
    result = {
        "dataset": "statsmodels co2, monthly means",
        "train_months": split,
        "test_months": n - split,
        "test_period": f"{str(months[split])[:7]} .. {str(months[-1])[:7]}",
        "test_windows": len(test_starts),
        "seed": args.seed,
        "coverage_10_90": float(inside.mean()),
        "coverage_per_step": [float(v) for v in inside.mean(axis=0)],
        "mean_width_ppm": float((pred[..., -1] - pred[..., 0]).mean()),
        "pinball_model": pinball(y, pred),
        "pinball_naive_last_value": pinball(y, last_value),
        "pinball_seasonal_naive": pinball(y, seasonal),
        "coverage_naive_last_value": float(coverage(y, last_value).mean()),
        "coverage_seasonal_naive": float(coverage(y, seasonal).mean()),
        "crossing_rate": float(np.mean(np.diff(pred, axis=-1) < 0)),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"CO2, held-out tail {result['test_period']} ({result['test_months']} months, "
        f"{result['test_windows']} windows, horizon {args.horizon}), seed {args.seed}"
    )
    print(f"  10-90% coverage      {result['coverage_10_90']:.3f}  (target 0.80)")
    print("  per step             " + " ".join(f"{v:.2f}" for v in result["coverage_per_step"]))
    print(f"  mean width           {result['mean_width_ppm']:.2f} ppm")
    print(f"  quantile crossings   {result['crossing_rate']:.3f}")
    print("  mean pinball loss (ppm, lower is better)")
    print(f"    model              {result['pinball_model']:.4f}")
    print(
        f"    naive last value   {result['pinball_naive_last_value']:.4f}"
        f"  (coverage {result['coverage_naive_last_value']:.3f})"
    )
    print(
        f"    seasonal naive     {result['pinball_seasonal_naive']:.4f}"
        f"  (coverage {result['coverage_seasonal_naive']:.3f})"
    )
    print(f"  {result['seconds']} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    # `python example.py > log` shows each line as it is printed, as a terminal does.
    sys.stdout.reconfigure(line_buffering=True)
    main()
