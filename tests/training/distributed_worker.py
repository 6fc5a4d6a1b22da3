"""One worker of the two-worker Keras-defect test (tests/training/test_distributed.py).

Usage: python distributed_worker.py FOLDER (TF_CONFIG set by the test). Reads
FOLDER/data.npz (x, y and the initial weights), then under MultiWorkerMirroredStrategy:
1. plain ``model.fit`` with the installed Keras, recording the error it raises;
2. ``model.fit`` inside ``zoo._training.keras_fix.applied``, saving the final weights.
Writes FOLDER/worker-<index>.json and FOLDER/weights-<index>.npz.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def model(keras: object, weights: list) -> object:
    net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="probe")
    net.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    net.set_weights(weights)
    return net


def main() -> None:
    folder = Path(sys.argv[1])
    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    import keras
    import numpy as np
    import tensorflow as tf

    from zoo._training import keras_fix
    from zoo._training.strategy import resolve_strategy

    data = np.load(folder / "data.npz")
    weights = [data["kernel"], data["bias"]]
    strategy = resolve_strategy("multi-worker")

    def dataset() -> object:
        options = tf.data.Options()
        policy = tf.data.experimental.AutoShardPolicy.DATA
        options.experimental_distribute.auto_shard_policy = policy
        pairs = tf.data.Dataset.from_tensor_slices((data["x"], data["y"]))
        return pairs.batch(16).with_options(options)

    report: dict = {"index": index}
    with strategy.scope():
        plain = model(keras, weights)
    try:
        plain.fit(dataset(), epochs=1, verbose=0, shuffle=False)
        report["plain"] = "ok"
    except Exception as error:  # the defect under test
        report["plain"] = f"{type(error).__name__}: {str(error)[:200]}"
    with strategy.scope():
        fixed = model(keras, weights)
    with keras_fix.applied(fixed, strategy) as applied:
        history = fixed.fit(dataset(), epochs=3, verbose=0, shuffle=False)
        report["evaluate"] = fixed.evaluate(dataset(), verbose=0, return_dict=True)
    report["applied"] = sorted(applied)
    report["loss"] = history.history["loss"]
    report["instance_attribute_left"] = "_maybe_symbolic_build" in vars(fixed)
    from keras.src.backend.tensorflow import trainer

    report["module_restored"] = trainer.reduce_per_replica.__module__ == trainer.__name__
    np.savez(folder / f"weights-{index}.npz", *fixed.get_weights())
    (folder / f"worker-{index}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
