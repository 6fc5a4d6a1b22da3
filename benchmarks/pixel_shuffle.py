"""PixelShuffle (keras.ops reshape/transpose) against TensorFlow's fused tf.nn.depth_to_space.

Both run in this process on the same tensor, in the DCR order that ``depth_to_space``
implements (the two outputs are checked to be identical before anything is timed),
in three settings:

- ``eager``: one call each, eagerly (the Keras layer's ``__call__`` included);
- ``tf.function``: the call compiled into a graph (what ``fit`` and ``predict`` run),
  timed after tracing;
- ``tf.function, jit_compile``: the same graph compiled by XLA.

The ``CRD`` order (PyTorch's) has no TensorFlow kernel; its row compares it with the
same ``depth_to_space`` baseline for reference. Each cell is the best of several
repeats (as ``timeit`` advises: slower repeats measure other processes competing for
the CPU), zoo and baseline interleaved, each a loop of calls lasting about
``--budget`` seconds. The ratio is baseline time / zoo time: 1.0 means the zoo costs
nothing, below 1 it is slower. Absolute times depend on the machine; read the ratios.

    .venv/bin/python benchmarks/pixel_shuffle.py                 # ~1 minute on 2 CPUs
    .venv/bin/python benchmarks/pixel_shuffle.py --shape 8 128 128 64 --repeats 9
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def build_parser() -> argparse.ArgumentParser:
    """The command line, answered (``--help`` too) before TensorFlow is imported."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shape",
        type=int,
        nargs=4,
        default=[16, 64, 64, 64],
        metavar="N",
        help="input shape: batch, height, width, channels (default 16 64 64 64)",
    )
    parser.add_argument("--factor", type=int, default=2, help="upscale factor (default 2)")
    parser.add_argument(
        "--repeats", type=int, default=7, help="repeats per cell; the best is kept (default 7)"
    )
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per repeat")
    return parser


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors: no 20 s TensorFlow import

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import report  # noqa: E402

import zoo  # noqa: E402


def loop_time(fn, budget: float) -> int:
    """Calls per repeat so that one repeat lasts about ``budget`` seconds."""
    start = time.perf_counter()
    fn()
    return max(1, int(budget / max(time.perf_counter() - start, 1e-6)))


def interleaved(fns: dict[str, object], repeats: int, budget: float) -> dict[str, float]:
    """Best seconds per call of each function over ``repeats``, their repeats interleaved."""
    numbers = {name: loop_time(fn, budget) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / numbers[name])
    return {name: min(values) for name, values in samples.items()}


def main() -> None:
    args = build_parser().parse_args()

    r = args.factor
    x = tf.constant(np.random.default_rng(0).standard_normal(args.shape).astype("float32"))
    pixel_shuffle = zoo.get("vision/PixelShuffle")
    dcr, crd = pixel_shuffle(r, order="DCR"), pixel_shuffle(r, order="CRD")
    if not np.array_equal(dcr(x).numpy(), tf.nn.depth_to_space(x, r).numpy()):
        raise SystemExit("PixelShuffle(order='DCR') and tf.nn.depth_to_space disagree")

    def baseline(t):
        return tf.nn.depth_to_space(t, r)

    settings = {
        "eager": lambda f: f,
        "tf.function": lambda f: tf.function(f),
        "tf.function, jit_compile": lambda f: tf.function(f, jit_compile=True),
    }
    rows = []
    ratios = {}
    for setting, wrap in settings.items():
        fns = {"dcr": wrap(dcr), "crd": wrap(crd), "baseline": wrap(baseline)}
        times = interleaved(
            {k: (lambda f=f: f(x).numpy()) for k, f in fns.items()}, args.repeats, args.budget
        )
        for order in ("dcr", "crd"):
            ratio = times["baseline"] / times[order]
            rows.append(
                [
                    setting,
                    order.upper(),
                    times[order] * 1e3,
                    times["baseline"] * 1e3,
                    ratio,
                ]
            )
            ratios[f"ratio_{order}_{setting.replace(', ', '_').replace('.', '_')}"] = ratio
    report(
        "pixel_shuffle",
        ["setting", "order", "PixelShuffle ms", "depth_to_space ms", "ratio (baseline/zoo)"],
        rows,
        {"shape": args.shape, "factor": r, "repeats": args.repeats, **ratios},
    )


if __name__ == "__main__":
    main()
