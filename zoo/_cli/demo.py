"""``zoo demo``: train ``resnet_small`` on scikit-learn's digits, save it, reload it fresh.

The whole loop a user runs with the zoo, offline, in a few minutes on a CPU, as a thin
caller of `zoo.fit`: train the recipe on the data source ``vision/digits`` with its
declared training defaults (a progress bar on a terminal, a line per epoch in a log),
report the best weights' held-out accuracy, load the saved ``best.keras`` back in a
new Python process (`zoo.load`, which imports the plugins the file names and calls
``keras.saving.load_model(safe_mode=True)``), and check that the reloaded model
predicts exactly what the trained one did.

The core knows no concrete component: the recipe is asked for by name, so the demo
needs the plugin that provides ``resnet_small`` (``vision``, in keras-zoo itself).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import zoo
from zoo._base.errors import ZooError

RECIPE = "resnet_small"
DATA = "vision/digits"

# Runs in a fresh interpreter: nothing from the training process is reused.
_RELOAD = """
import sys
import numpy as np
import zoo
model = zoo.load(sys.argv[1], compile=False)
np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
"""


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "demo",
        parents=[common],
        help=f"train {RECIPE} on scikit-learn's digits, save it, reload it in a fresh process",
    )
    p.add_argument("--epochs", type=int, default=15, help="training epochs (default 15)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    p.add_argument(
        "--learning-rate",
        type=float,
        default=2e-3,
        help="Adam's initial rate, cosine-decayed (default 0.002)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the split and the training")
    p.add_argument(
        "--output",
        metavar="PATH",
        help="keep the trained model at PATH (.keras); default: a temporary file, deleted",
    )
    p.add_argument(
        "--min-accuracy",
        type=float,
        default=0.95,
        help="exit with status 1 if the held-out accuracy is below this (default 0.95)",
    )
    p.set_defaults(run=run_demo)


def _check_arguments(args: argparse.Namespace) -> None:
    for name in ("epochs", "batch_size"):
        value = getattr(args, name)
        if value < 1:
            flag = "--" + name.replace("_", "-")
            raise ZooError(
                f"{flag} is a positive integer. Received: {flag} {value}. Pass 1 or more."
            )
    if args.learning_rate <= 0:
        raise ZooError(
            f"--learning-rate is positive. Received: --learning-rate {args.learning_rate}."
        )
    if args.output is not None and Path(args.output).suffix != ".keras":
        raise ZooError(
            f"--output names a .keras file. Received: --output {args.output}. "
            f"Use {Path(args.output).with_suffix('.keras')}."
        )


def _reload_in_fresh_process(path: Path, inputs: Any, folder: Path) -> Any:
    import numpy as np

    inputs_path, outputs_path = folder / "inputs.npy", folder / "outputs.npy"
    np.save(inputs_path, inputs)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    done = subprocess.run(
        [sys.executable, "-c", _RELOAD, str(path), str(inputs_path), str(outputs_path)],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise ZooError(
            f"Reloading {path} in a fresh process failed (exit {done.returncode}). "
            f"Received: {done.stderr.strip()[-2000:]}"
        )
    return np.load(outputs_path)


def run_demo(args: argparse.Namespace) -> int:
    _check_arguments(args)
    started = time.perf_counter()
    import numpy as np

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        result = zoo.fit(
            RECIPE,
            DATA,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            seed=args.seed,
            out=folder / "run",
        )
        info = json.loads(result.paths["run"].read_text())["data"]
        accuracy = result.metrics["test"]["accuracy"]
        print(
            f"{RECIPE}: {result.model.count_params():,} parameters; {DATA}: "
            f"{info['sizes']['train']} training, {info['sizes']['validation']} validation and "
            f"{info['sizes']['test']} held-out 8x8 images"
        )
        print(f"held-out accuracy: {accuracy:.4f}; training {time.perf_counter() - started:.1f} s")
        x_test, _ = zoo.load_data(DATA, seed=args.seed).arrays("test")
        probabilities = result.model.predict(x_test, verbose=0)
        path = result.paths["best"]
        if args.output:
            path = Path(shutil.copyfile(path, args.output))
        kept = "" if args.output else "; temporary, --output PATH keeps it"
        print(f"saved to {path} ({path.stat().st_size / 1e6:.1f} MB{kept})")
        reloaded = _reload_in_fresh_process(path, x_test, folder)
    difference = float(np.max(np.abs(reloaded - probabilities)))
    same = difference <= 1e-5 and bool(np.all(reloaded.argmax(-1) == probabilities.argmax(-1)))
    verdict = "match" if same else "DIFFER"
    print(
        f"reloaded in a fresh process: predictions {verdict} (largest difference {difference:.2g})"
    )
    print(f"total time: {time.perf_counter() - started:.1f} s")
    if not same:
        print(
            "error: the reloaded model predicts differently from the trained one", file=sys.stderr
        )
        return 1
    if accuracy < args.min_accuracy:
        print(
            f"error: held-out accuracy {accuracy:.4f} is below --min-accuracy {args.min_accuracy}",
            file=sys.stderr,
        )
        return 1
    return 0
