"""Test accuracy of resnet_small on vision/digits trained in mixed_bfloat16 against float32.

Issue 16, point 3: ``python -m zoo train resnet_small --data vision/digits --precision P
--seed S`` for P in float32 and mixed_bfloat16 and each seed (0, 1, 2 by default), the two
precisions alternating seed by seed, each run a fresh process through the CLI exactly as
a user types it. Reported: each run's test accuracy (the run folder's ``metrics.json``)
and seconds, the per-seed differences, the means, and whether the mean bfloat16 accuracy
lies within ``--tolerance`` (0.01) of the mean float32 one (exit status 1 if not).

    .venv/bin/python benchmarks/bf16_accuracy.py                  # the recipe's 15 epochs
    .venv/bin/python benchmarks/bf16_accuracy.py --epochs 1 --seeds 0   # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRECISIONS = ("float32", "mixed_bfloat16")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    p.add_argument("--epochs", type=int, help="epochs per run (default: the recipe's)")
    p.add_argument("--recipe", default="resnet_small", help="the recipe (default resnet_small)")
    p.add_argument("--data", default="vision/digits", help="the data (default vision/digits)")
    p.add_argument("--tolerance", type=float, default=0.01, help="largest mean accuracy gap (0.01)")
    p.add_argument("--keep", metavar="DIR", help="keep the run folders under DIR")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per run (3600)")
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    args = p.parse_args(argv)
    try:
        args.seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        p.error(f"--seeds are integers separated by commas. Received: {args.seeds!r}.")
    if args.epochs is not None and args.epochs < 1:
        p.error(f"--epochs is a positive integer. Received: {args.epochs}.")
    return args


def train(args: argparse.Namespace, precision: str, seed: int, root: Path) -> dict:
    out = root / f"{precision}-seed{seed}"
    command = [sys.executable, "-m", "zoo", "train", args.recipe, "--data", args.data]
    command += ["--precision", precision, "--seed", str(seed), "--out", str(out)]
    if args.epochs is not None:
        command += ["--epochs", str(args.epochs)]
    start = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=args.timeout,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {tail}")
    metrics = json.loads((out / "metrics.json").read_text())
    record = json.loads((out / "run.json").read_text())
    return {
        "accuracy": metrics["test"]["accuracy"],
        "loss": metrics["test"]["loss"],
        "seconds": seconds,
        "precision_recorded": record["precision"],
        "epochs_run": record.get("epochs_run"),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sys.path.insert(0, str(HERE))
    from _common import report

    results: dict[str, dict[int, dict]] = {p: {} for p in PRECISIONS}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.keep) if args.keep else Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        for index, seed in enumerate(args.seeds):
            order = PRECISIONS if index % 2 == 0 else PRECISIONS[::-1]
            for precision in order:
                run = train(args, precision, seed, root)
                if run["precision_recorded"] != precision:
                    raise SystemExit(f"the run recorded {run['precision_recorded']!r}")
                results[precision][seed] = run
                print(
                    f"seed {seed} {precision}: test accuracy {run['accuracy']:.4f} "
                    f"({run['seconds']:.0f} s, {run['epochs_run']} epochs)",
                    flush=True,
                )
    rows = []
    for seed in args.seeds:
        f32, bf16 = results["float32"][seed], results["mixed_bfloat16"][seed]
        rows.append(
            [
                f"seed {seed}",
                f32["accuracy"],
                bf16["accuracy"],
                bf16["accuracy"] - f32["accuracy"],
                f32["seconds"],
                bf16["seconds"],
            ]
        )
    means = {p: statistics.mean(r["accuracy"] for r in results[p].values()) for p in PRECISIONS}
    gap = means["mixed_bfloat16"] - means["float32"]
    rows.append(["mean", means["float32"], means["mixed_bfloat16"], gap, "", ""])
    within = abs(gap) <= args.tolerance
    summary = {
        "mean_gap": gap,
        "largest_seed_gap": max(abs(r[3]) for r in rows[:-1]),
        "tolerance": args.tolerance,
        "within_tolerance": within,
        "recipe": args.recipe,
        "data": args.data,
        "epochs": args.epochs or "recipe default",
        "seeds": args.seeds,
    }
    report(
        "bf16_accuracy",
        ["seed", "float32 accuracy", "bf16 accuracy", "bf16 - f32", "f32 s", "bf16 s"],
        rows,
        summary,
    )
    if args.json:
        print(json.dumps({"rows": rows, "runs": results, **summary}, default=str))
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
