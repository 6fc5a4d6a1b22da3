"""QuantileLoss (one vectorized expression) against the per-quantile Python loop.

The loop is the form common in tutorials: one pinball term per quantile, each on a
column slice, averaged at the end. Both run in this process on the same data, for
99 quantiles (0.01 .. 0.99) and a batch of targets, in three settings:

- ``eager forward``: the loss value, eagerly;
- ``eager forward+backward``: value and gradient with respect to the predictions;
- ``tf.function forward+backward``: the same step compiled into a graph (what ``fit``
  runs), timed after tracing; the one-off tracing time is reported separately.

The two values (and gradients) are checked to agree before anything is timed. Each
cell is the median of several repeats, each a loop of calls lasting about ``--budget``
seconds; the ratio is loop time / vectorized time (above 1: vectorized is faster).
Absolute times depend on the machine; read the ratios.

    .venv/bin/python benchmarks/quantile_loss.py                 # ~1 minute on 2 CPUs
    .venv/bin/python benchmarks/quantile_loss.py --batch 4096 --repeats 9 --budget 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def build_parser() -> argparse.ArgumentParser:
    """The command line, answered (``--help`` too) before TensorFlow is imported."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quantiles", type=int, default=99, help="quantiles per target (default 99)"
    )
    parser.add_argument("--batch", type=int, default=1024, help="batch size (default 1024)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="repeats per cell; the median is kept (default 5)"
    )
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per repeat")
    return parser


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors: no 20 s TensorFlow import

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

import zoo  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def loop_loss(quantiles: list[float]):
    """The tutorial form: a Python loop over quantiles, one slice and one mean each."""

    def loss(y_true, y_pred):
        terms = []
        for i, q in enumerate(quantiles):
            error = y_true - y_pred[:, i]
            terms.append(ops.mean(ops.maximum(q * error, (q - 1) * error)))
        return ops.sum(ops.stack(terms)) / len(quantiles)

    return loss


def timed(fn, repeats: int, budget: float) -> float:
    """Median seconds per call over ``repeats`` runs of about ``budget`` seconds each."""
    start = time.perf_counter()
    fn()  # warm-up, and a first estimate of the time per call
    number = max(1, int(budget / max(time.perf_counter() - start, 1e-6)))
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def main() -> None:
    args = build_parser().parse_args()

    quantiles = [round((i + 1) / (args.quantiles + 1), 6) for i in range(args.quantiles)]
    rng = np.random.default_rng(0)
    y_true = tf.constant(rng.normal(size=(args.batch,)).astype("float32"))
    y_pred = tf.Variable(rng.normal(size=(args.batch, args.quantiles)).astype("float32"))

    vectorized = zoo.get("forecast/QuantileLoss")(quantiles=quantiles)
    looped = loop_loss(quantiles)
    a, b = float(vectorized(y_true, y_pred)), float(looped(y_true, y_pred))
    if not np.isclose(a, b, rtol=1e-5):
        raise SystemExit(f"the two losses disagree: vectorized {a}, loop {b}")

    def step(loss):
        def run():
            with tf.GradientTape() as tape:
                value = loss(y_true, y_pred)
            return value, tape.gradient(value, y_pred)

        return run

    graphs = {}
    trace_seconds = {}
    for label, loss in (("vectorized", vectorized), ("loop", looped)):
        graphs[label] = tf.function(step(loss))
        start = time.perf_counter()
        graphs[label]()  # first call: trace and build the graph
        trace_seconds[label] = time.perf_counter() - start
    grad_a, grad_b = graphs["vectorized"]()[1], graphs["loop"]()[1]
    np.testing.assert_allclose(grad_a.numpy(), grad_b.numpy(), rtol=1e-4, atol=1e-9)

    settings = {
        "eager forward": {
            "vectorized": lambda: vectorized(y_true, y_pred),
            "loop": lambda: looped(y_true, y_pred),
        },
        "eager forward+backward": {
            "vectorized": step(vectorized),
            "loop": step(looped),
        },
        "tf.function forward+backward": graphs,
    }
    rows = []
    for setting, fns in settings.items():
        t_vec = timed(fns["vectorized"], args.repeats, args.budget)
        t_loop = timed(fns["loop"], args.repeats, args.budget)
        rows.append(
            {
                "setting": setting,
                "vectorized_ms": t_vec * 1e3,
                "loop_ms": t_loop * 1e3,
                "ratio_loop_over_vectorized": t_loop / t_vec,
            }
        )
    rows.append(
        {
            "setting": "tf.function tracing (once)",
            "vectorized_ms": trace_seconds["vectorized"] * 1e3,
            "loop_ms": trace_seconds["loop"] * 1e3,
            "ratio_loop_over_vectorized": trace_seconds["loop"] / trace_seconds["vectorized"],
        }
    )

    print(f"QuantileLoss, {args.quantiles} quantiles, batch {args.batch}: vectorized vs loop")
    print(f"{'setting':32} {'vectorized ms':>14} {'loop ms':>10} {'loop/vectorized':>16}")
    for row in rows:
        print(
            f"{row['setting']:32} {row['vectorized_ms']:14.3f} {row['loop_ms']:10.3f} "
            f"{row['ratio_loop_over_vectorized']:15.1f}x"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "quantile_loss.json"
    payload = {
        "benchmark": "quantile_loss",
        "quantiles": args.quantiles,
        "batch": args.batch,
        "repeats": args.repeats,
        "seconds_per_repeat": args.budget,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
