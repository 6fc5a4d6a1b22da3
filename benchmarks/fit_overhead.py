"""What ``zoo.fit`` costs over the same training written by hand with Keras.

Both sides train ``resnet_small`` on ``vision/digits`` with the recipe's declared
defaults (Adam, cosine schedule, batch 32): the zoo through ``zoo.fit`` (its own
per-epoch seeded pipeline, EarlyStopping, ModelCheckpoint, CSVLogger, TensorBoard,
BackupAndRestore and the run folder), the hand-written side as a Keras user would
write it: ``zoo.build`` and ``model.compile`` with the same loss, optimizer and
schedule, then ``model.fit`` on the data source's own pipelines with no callbacks.
The rounds alternate (hand, zoo, hand, zoo, ...) so both see the same machine load.

Reported per side: the median time of the steady epochs (every epoch after the
first, which traces the step), and the whole call's wall time (build, compile,
training, and for the zoo the evaluation, saving and pictures). The ratios are
hand / zoo: 1.0 means the zoo costs nothing; the issue's bar is at least 0.97 for
the training epochs.

    .venv/bin/python benchmarks/fit_overhead.py                # ~4 minutes on 2 CPUs
    .venv/bin/python benchmarks/fit_overhead.py --rounds 1 --epochs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (3)")
    p.add_argument("--epochs", type=int, default=5, help="epochs per training (5)")
    p.add_argument("--json", action="store_true", help="also print the results as JSON")
    return p.parse_args()


def main() -> int:
    args = parse()  # before TensorFlow: --help answers at once
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import json

    from zoo._base.onednn import prefer_onednn

    prefer_onednn()  # both sides train with the kernels zoo.fit chooses
    import keras
    from _common import report

    import zoo
    from zoo._training.compiling import compile_model
    from zoo._training.defaults import training_defaults
    from zoo._training.run_folder import machine

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)

    defaults = training_defaults(zoo.get_spec("resnet_small"))

    def by_hand() -> tuple[list[float], float]:
        start = time.perf_counter()
        keras.utils.set_random_seed(0)
        splits = zoo.load_data("vision/digits", batch_size=defaults.batch_size, seed=0)
        model = zoo.build("resnet_small", input_shape=[8, 8, 1], num_classes=10)
        steps = -(-splits.info.sizes["train"] // defaults.batch_size)
        compile_model(model, defaults, steps_per_epoch=steps, epochs=args.epochs)
        timer = EpochTimes()
        model.fit(
            splits.train,
            validation_data=splits.validation,
            epochs=args.epochs,
            callbacks=[timer],
            verbose=0,
        )
        return timer.times, time.perf_counter() - start

    def with_zoo() -> tuple[list[float], float]:
        start = time.perf_counter()
        timer = EpochTimes()
        with tempfile.TemporaryDirectory() as scratch:
            zoo.fit(
                "resnet_small",
                "vision/digits",
                epochs=args.epochs,
                out=Path(scratch) / "run",
                callbacks=[timer],
                verbose=0,
            )
        return timer.times, time.perf_counter() - start

    sides = {"hand-written Keras": by_hand, "zoo.fit": with_zoo}
    epochs: dict[str, list[float]] = {name: [] for name in sides}
    walls: dict[str, list[float]] = {name: [] for name in sides}
    for round_ in range(args.rounds):
        for name, run in sides.items():
            times, wall = run()
            epochs[name] += times[1:]
            walls[name].append(wall)
            print(f"round {round_ + 1} {name}: epochs {[round(t, 2) for t in times]}, {wall:.1f} s")
    rows = [
        [name, statistics.median(epochs[name]), statistics.median(walls[name])] for name in sides
    ]
    summary = {
        "epoch_ratio_hand_over_zoo": rows[0][1] / rows[1][1],
        "wall_ratio_hand_over_zoo": rows[0][2] / rows[1][2],
        "epochs": args.epochs,
        "rounds": args.rounds,
        "cpu_flags": machine()["cpu_flags"],
    }
    report("fit_overhead", ["side", "median steady epoch s", "median call s"], rows, summary)
    if args.json:
        print(json.dumps({"rows": rows, **summary}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
