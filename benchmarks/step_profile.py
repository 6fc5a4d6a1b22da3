"""Where a resnet_small training step spends its time: TensorFlow's profiler, by op type.

Trains ``zoo.build("resnet_small")`` on random 32x32x3 images at batch 128 with SGD and
momentum (as `training_throughput.py` does), warms up, then records ``--steps`` steps
with ``tf.profiler.experimental`` and reads the trace it writes (the ``XSpace`` protocol
buffer that TensorBoard's profile plugin reads) without TensorBoard: every TensorFlow op
executed on the host, its duration summed by op type, and the share of each group of
the summed op time:

- convolutions (``Conv2D`` forward and its two backward ops);
- batch normalization (Keras 3's is unfused on TensorFlow: moments, a rsqrt and the
  element-wise ops that apply it, forward and backward, all under the layers' names);
- everything else (activations, the shortcut, pooling, the dense layer, the optimizer).

Op time is summed over both cores' threads, so the shares are of the CPU time that ops
take, not of wall time. The op types and the layer scopes come from the names the ops
carry (``.../batch_normalization/...``).

    python benchmarks/step_profile.py [--steps 10] [--batch 128] [--top 15]
                                      [--precision mixed_bfloat16]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import report

GROUPS = ("convolution", "batch normalization", "other")


#: A name scope of a BatchNormalization layer: the zoo's ``bn1``, ``stem_bn``,
#: ``projection_bn``..., or Keras' default ``batch_normalization``; traced functions add
#: ``_1`` to each scope.
_NORM_SCOPE = re.compile(r"(^|/)(bn\d*|\w+_bn|batch_normalization)(_\d+)*(/|$)")


def _group(scope: str, kind: str) -> str:
    if "Conv2D" in kind:
        return "convolution"
    if _NORM_SCOPE.search(scope):
        return "batch normalization"
    return "other"


def _op_events(logdir: Path) -> list[tuple[str, str, float]]:
    """(name scope, op type, microseconds) of each op TensorFlow's executors ran on the host.

    The op events sit on the executor threads' lines, named ``scope/name:OpType`` (the
    type of a oneDNN kernel starts with ``_Mkl``); the lines also hold the executor's own
    events (``ExecutorState::Process``), which wrap the ops and are left out.
    """
    from tensorflow.tsl.profiler.protobuf import xplane_pb2  # TensorFlow's copy

    events = []
    for path in logdir.rglob("*.xplane.pb"):
        space = xplane_pb2.XSpace()
        space.ParseFromString(path.read_bytes())
        for plane in space.planes:
            if not plane.name.startswith("/host:"):
                continue
            metadata = plane.event_metadata
            for line in plane.lines:
                if line.name == "python":
                    continue
                for event in line.events:
                    name = metadata[event.metadata_id].name
                    if "::" in name:
                        continue
                    scope, sep, kind = name.rpartition(":")
                    if sep and kind and " " not in kind:
                        events.append((scope, kind, event.duration_ps / 1e6))
    return events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="profiled steps (10)")
    parser.add_argument("--warmup", type=int, default=5, help="steps before profiling (5)")
    parser.add_argument("--batch", type=int, default=128, help="batch size (128)")
    parser.add_argument("--top", type=int, default=15, help="op types listed (15)")
    parser.add_argument(
        "--steps-per-execution", type=int, default=1, help="steps per tf.function call (1)"
    )
    parser.add_argument(
        "--precision", default="float32", help="Keras dtype policy of the model (float32)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from zoo._base.onednn import prefer_onednn

    prefer_onednn()  # the kernels zoo.fit trains with
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(args.batch, 32, 32, 3)).astype("float32")
    y = rng.integers(0, 10, size=(args.batch,))
    keras.config.set_dtype_policy(args.precision)
    model = zoo.build("resnet_small")
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        loss="sparse_categorical_crossentropy",
    )
    # As zoo.fit feeds it: a tf.data pipeline (batch dimension unknown to the graph),
    # several steps per call when --steps-per-execution says so.
    model.steps_per_execution = args.steps_per_execution
    data = tf.data.Dataset.from_tensors((x, y)).repeat().prefetch(2)

    def train(steps: int) -> None:
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)

    train(args.warmup)
    with tempfile.TemporaryDirectory() as folder:
        logdir = Path(folder)
        tf.profiler.experimental.start(str(logdir))
        start = time.perf_counter()
        train(args.steps)
        wall = time.perf_counter() - start
        tf.profiler.experimental.stop()
        events = _op_events(logdir)
    if not events:
        print("the profiler recorded no TensorFlow ops", file=sys.stderr)
        return 1
    by_type: collections.Counter[str] = collections.Counter()
    by_group: collections.Counter[str] = collections.Counter()
    for scope, kind, micros in events:
        by_type[kind] += micros
        by_group[_group(scope, kind)] += micros
    total = sum(by_type.values())
    rows = [
        [kind, round(us / args.steps / 1000, 2), round(us / total, 3)]
        for kind, us in by_type.most_common(args.top)
    ]
    summary = {
        "precision": args.precision,
        "steps": args.steps,
        "batch": args.batch,
        "wall_ms_per_step": round(wall / args.steps * 1000, 1),
        "op_cpu_ms_per_step": round(total / args.steps / 1000, 1),
        **{f"share_{g.replace(' ', '_')}": round(by_group[g] / total, 3) for g in GROUPS},
    }
    report("step_profile", ["op type", "CPU ms per step", "share"], rows, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
