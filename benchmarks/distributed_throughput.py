"""Training throughput of `zoo train` on tf.distribute against one process, in one run.

Three configurations of the same command (resnet_small, depth 8, width 4, on
vision/digits, the same global batch and seed), each a fresh ``python -m zoo train``
process tree into its own run folder:

- ``single``: the default strategy, one process;
- ``mirrored``: ``--strategy mirrored --devices 2`` (the CPU split into two logical
  devices, one process);
- ``workers``: ``--strategy multi-worker --workers 2`` (two local processes talking
  gRPC over 127.0.0.1, the Keras fix applied).

They alternate repeat by repeat so that all see the same machine load. Throughput is
training images per second of the fastest epoch after the first (the first epoch
traces and compiles); the ratio is against ``single``. On a machine whose cores the
replicas share (2 CPU cores here) the ratios are expected below 1: the point measured
is correctness (the test accuracy of each is printed too) and the overhead; on
several GPUs or hosts each replica brings its own device (docs/distributed.md).
Final figures need a quiet machine.

    .venv/bin/python benchmarks/distributed_throughput.py               # ~10 minutes on 2 CPUs
    .venv/bin/python benchmarks/distributed_throughput.py --repeat 1 --epochs 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report

CONFIGURATIONS = {
    "single": ["--strategy", "default"],
    "mirrored": ["--strategy", "mirrored", "--devices", "2"],
    "workers": ["--strategy", "multi-worker", "--workers", "2"],
}
EPOCH_LINE = re.compile(r"^epoch (\d+)/\d+ ([0-9.]+)s ", re.MULTILINE)


def run_once(name: str, epochs: int, batch: int, folder: Path) -> dict:
    out = folder / f"{name}-{time.monotonic_ns()}"
    command = [
        sys.executable, "-m", "zoo", "train", "resnet_small", "--data", "vision/digits",
        "--set", "depth=8", "--set", "width=4", "--epochs", str(epochs),
        "--batch-size", str(batch), "--seed", "0", "--out", str(out), *CONFIGURATIONS[name],
    ]  # fmt: skip
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_CONFIG", None)
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{name} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    run = json.loads((out / "run.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    seconds = [float(s) for e, s in EPOCH_LINE.findall(result.stdout) if int(e) > 1]
    if not seconds:
        raise SystemExit(f"{name}: no timed epoch after the first in its output")
    return {
        "images_per_second": run["data"]["sizes"]["train"] / min(seconds),
        "wall": wall,
        "accuracy": metrics["test"]["accuracy"],
        "replicas": run["strategy"]["replicas"],
        "digests_agree": run.get("digests_agree"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each configuration")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (at least 2)")
    parser.add_argument("--batch", type=int, default=32, help="the global batch")
    args = parser.parse_args()
    if args.epochs < 2 or args.repeat < 1:
        raise SystemExit("--epochs is at least 2 (the first one traces) and --repeat at least 1")
    results: dict[str, list[dict]] = {name: [] for name in CONFIGURATIONS}
    with tempfile.TemporaryDirectory(prefix="zoo-distributed-bench-") as folder:
        for repeat in range(args.repeat):
            for name in CONFIGURATIONS:
                results[name].append(run_once(name, args.epochs, args.batch, Path(folder)))
                print(f"repeat {repeat + 1}/{args.repeat} {name}: done", file=sys.stderr)
    best = {name: max(r["images_per_second"] for r in runs) for name, runs in results.items()}
    rows = [
        [
            name,
            runs[0]["replicas"],
            best[name],
            best[name] / best["single"],
            min(r["wall"] for r in runs),
            sum(r["accuracy"] for r in runs) / len(runs),
            all(r["digests_agree"] for r in runs),
        ]
        for name, runs in results.items()
    ]
    report(
        "distributed_throughput",
        ["config", "replicas", "images/s", "ratio", "best wall s", "test accuracy", "digests"],
        rows,
        {
            "cpus": os.cpu_count(),
            "repeat": args.repeat,
            "epochs": args.epochs,
            "global_batch": args.batch,
            "mirrored_ratio": best["mirrored"] / best["single"],
            "workers_ratio": best["workers"] / best["single"],
        },
    )


if __name__ == "__main__":
    main()
