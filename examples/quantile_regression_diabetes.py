"""Quantile regression on scikit-learn's diabetes data (442 patients, 10 features), offline.

A ``forecast/quantile_mlp_small`` model learns the 10%, 50% and 90% quantiles of disease
progression one year after baseline with ``QuantileLoss``. A random quarter of the
patients is held out. On it the script reports:

- the empirical coverage of the 10-90% interval (a calibrated model lands near 80%)
  and its mean width;
- the mean pinball loss (scikit-learn's ``mean_pinball_loss``, averaged over the three
  quantiles) of the model, of the naive baseline (the training set's empirical
  quantiles, the same for every patient) and of scikit-learn's linear
  ``QuantileRegressor`` fitted once per quantile;
- how often the predicted quantiles cross (never for the model's non-crossing head).

    .venv/bin/python examples/quantile_regression_diabetes.py          # ~20 s on 2 CPUs
    .venv/bin/python examples/quantile_regression_diabetes.py --seed 3
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
from sklearn.datasets import load_diabetes
from sklearn.linear_model import QuantileRegressor
from sklearn.metrics import mean_pinball_loss
from sklearn.model_selection import train_test_split

import zoo

QUANTILES = [0.1, 0.5, 0.9]


def pinball(y: np.ndarray, pred: np.ndarray) -> float:
    """scikit-learn's mean pinball loss, averaged over the quantile columns of ``pred``."""
    return float(
        np.mean([mean_pinball_loss(y, pred[:, i], alpha=q) for i, q in enumerate(QUANTILES)])
    )


def summary(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "pinball": pinball(y, pred),
        "coverage_10_90": float(np.mean((pred[:, 0] <= y) & (y <= pred[:, -1]))),
        "mean_width": float(np.mean(pred[:, -1] - pred[:, 0])),
        "crossing_rate": float(np.mean(np.any(np.diff(pred, axis=1) < 0, axis=1))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="forecast/quantile_mlp_small")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)
    started = time.perf_counter()

    features, target = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.25, random_state=args.seed
    )
    mu, sigma = x_train.mean(axis=0), x_train.std(axis=0)
    x_train, x_test = (x_train - mu) / sigma, (x_test - mu) / sigma
    y_mean, y_scale = y_train.mean(), y_train.std()

    model = zoo.build(args.recipe, input_dim=features.shape[1], quantiles=QUANTILES)
    loss = zoo.get("forecast/QuantileLoss")(quantiles=QUANTILES)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    model.fit(
        x_train.astype("float32"),
        ((y_train - y_mean) / y_scale).astype("float32"),
        epochs=args.epochs,
        batch_size=32,
        validation_split=0.2,
        verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(patience=30, restore_best_weights=True)],
    )
    pred = model.predict(x_test.astype("float32"), verbose=0) * y_scale + y_mean

    naive = np.tile(np.quantile(y_train, QUANTILES), (len(y_test), 1))
    linear = np.stack(
        [
            QuantileRegressor(quantile=q, alpha=0.0, solver="highs")
            .fit(x_train, y_train)
            .predict(x_test)
            for q in QUANTILES
        ],
        axis=1,
    )
    result = {
        "dataset": "sklearn diabetes",
        "train": len(y_train),
        "test": len(y_test),
        "seed": args.seed,
        "model": summary(y_test, pred),
        "naive_train_quantiles": summary(y_test, naive),
        "sklearn_linear_quantile_regressor": summary(y_test, linear),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(
        f"diabetes: {result['train']} training, {result['test']} held-out patients, "
        f"seed {args.seed}"
    )
    print(f"  {'':34} {'pinball':>8} {'cover 10-90':>12} {'width':>7} {'crossing':>9}")
    for label, key in [
        ("quantile_mlp (non-crossing)", "model"),
        ("naive: training quantiles", "naive_train_quantiles"),
        ("sklearn QuantileRegressor (linear)", "sklearn_linear_quantile_regressor"),
    ]:
        row = result[key]
        print(
            f"  {label:34} {row['pinball']:8.2f} {row['coverage_10_90']:12.3f} "
            f"{row['mean_width']:7.1f} {row['crossing_rate']:9.3f}"
        )
    print(f"  {result['seconds']} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    # `python example.py > log` shows each line as it is printed, as a terminal does.
    sys.stdout.reconfigure(line_buffering=True)
    main()
