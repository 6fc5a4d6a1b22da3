"""Training throughput of resnet_small built by the zoo against the same network by hand.

``zoo.build("resnet_small")`` (the CIFAR ResNet-20: `BasicBlock` layers with
zero-padding shortcuts) against the same architecture written directly with Keras
layers in one Functional graph, as a Keras user would: same layers, same shapes, same
parameter count and the same TensorFlow operations in the traced forward pass
(compared: ``same_graph_ops`` in the output), same optimizer, loss, data and batch size. For
``jit_compile`` off and on, each model is compiled and warmed up (tracing and XLA
compilation are excluded), then trained for ``--steps`` steps of one batch each
(``train_on_batch``, the compiled step ``fit`` runs), the two models alternating
step by step so that both see the same machine load. Throughput is images per second
of the best step (as ``timeit`` advises: slower steps measure other processes
competing for the CPU); the medians are reported too. The ratio is zoo /
hand-written: 1.0 means the zoo costs nothing.

    .venv/bin/python benchmarks/resnet_throughput.py                 # ~3 minutes on 2 CPUs
    .venv/bin/python benchmarks/resnet_throughput.py --batch 128 --steps 60
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def build_parser() -> argparse.ArgumentParser:
    """The command line, answered (``--help`` too) before TensorFlow is imported."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per model")
    return parser


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors: no 20 s TensorFlow import

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import report  # noqa: E402

import zoo  # noqa: E402

WEIGHT_DECAY = 1e-4


def hand_written_resnet20(input_shape=(32, 32, 3), num_classes=10) -> keras.Model:
    """ResNet-20 (He et al. 2016, 4.2) with option-A shortcuts, in plain Keras layers."""
    regularizer = keras.regularizers.L2(WEIGHT_DECAY / 2)

    def conv(x, filters, strides):
        return keras.layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer=regularizer,
        )(x)

    inputs = keras.Input(shape=input_shape)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(conv(inputs, 16, 1)))
    for stage, filters in enumerate((16, 32, 64)):
        for index in range(3):
            strides = 2 if stage > 0 and index == 0 else 1
            y = keras.layers.ReLU()(keras.layers.BatchNormalization()(conv(x, filters, strides)))
            y = keras.layers.BatchNormalization()(conv(y, filters, 1))
            shortcut = x
            if strides != 1 or x.shape[-1] != filters:
                shortcut = x[:, ::strides, ::strides, :]
                pad = filters - x.shape[-1]
                shortcut = keras.ops.pad(shortcut, ((0, 0), (0, 0), (0, 0), (0, pad)))
            x = keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", kernel_regularizer=regularizer)(
        x
    )
    return keras.Model(inputs, outputs, name="hand_written_resnet20")


def graph_ops(model: keras.Model, batch: int) -> Counter:
    """The TensorFlow operations of one training-mode forward pass, by type."""
    traced = tf.function(lambda x: model(x, training=True))
    graph = traced.get_concrete_function(tf.TensorSpec([batch, 32, 32, 3])).graph
    return Counter(op.type for op in graph.get_operations())


def compiled(model: keras.Model, jit: bool) -> keras.Model:
    model.compile(
        optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        jit_compile=jit,
    )
    return model


def main() -> None:
    args = build_parser().parse_args()

    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(size=(args.batch, 32, 32, 3)).astype("float32"))
    labels = tf.constant(rng.integers(0, 10, size=(args.batch,)))

    rows = []
    summary = {}
    for jit in (False, True):
        keras.utils.set_random_seed(0)
        models = {
            "zoo": compiled(zoo.build("resnet_small"), jit),
            "hand": compiled(hand_written_resnet20(), jit),
        }
        counts = {name: m.count_params() for name, m in models.items()}
        if counts["zoo"] != counts["hand"]:
            raise SystemExit(f"the two networks differ: {counts}")
        ops = {name: graph_ops(m, args.batch) for name, m in models.items()}
        summary["same_graph_ops"] = ops["zoo"] == ops["hand"]
        summary["graph_ops"] = sum(ops["zoo"].values())
        for model in models.values():  # tracing and XLA compilation, not timed
            for _ in range(2):
                model.train_on_batch(images, labels)
        samples = {name: [] for name in models}
        for step in range(args.steps):
            order = list(models) if step % 2 == 0 else list(models)[::-1]
            for name in order:
                start = time.perf_counter()
                models[name].train_on_batch(images, labels)
                samples[name].append(args.batch / (time.perf_counter() - start))
        best = {name: max(values) for name, values in samples.items()}
        median = {name: statistics.median(values) for name, values in samples.items()}
        ratio = best["zoo"] / best["hand"]
        key = "on" if jit else "off"
        rows.append(
            [f"jit_compile={jit}", best["zoo"], best["hand"], ratio, median["zoo"] / median["hand"]]
        )
        summary[f"ratio_jit_{key}"] = ratio
        summary[f"median_ratio_jit_{key}"] = median["zoo"] / median["hand"]
        summary[f"images_per_second_jit_{key}"] = samples
    report(
        "resnet_throughput",
        ["setting", "zoo images/s", "hand images/s", "ratio (zoo/hand)", "median ratio"],
        rows,
        {"batch": args.batch, "steps": args.steps, "parameters": counts["zoo"], **summary},
    )


if __name__ == "__main__":
    main()
