"""Training throughput of zoo.fit on resnet_small against hand-written Keras, PyTorch and the CPU.

Issue 16's benchmark. ResNet-20 (``zoo.build("resnet_small")``: 3 stages of 3 BasicBlocks,
widths 16/32/64, zero-padding shortcuts) trains on random 32x32x3 images, 10 classes,
batch 128, SGD with momentum 0.9, in these configurations:

- ``zoo.fit``: the zoo's default path (its per-epoch seeded pipeline, its callbacks,
  `zoo._training.performance.choose`), in float32 and each precision the zoo offers
  (``mixed_bfloat16``, ``mixed_float16``);
- ``keras``: the same model compiled and fitted by hand (``model.compile`` with Keras'
  defaults, ``model.fit`` on a ``tf.data`` pipeline), in the same precisions, with the
  same TensorFlow kernels as the zoo (its oneDNN choice, `zoo._training.performance`), so
  that the ratio measures the zoo's own overhead. ``TF_ENABLE_ONEDNN_OPTS=0`` in the
  environment runs every TensorFlow configuration with TensorFlow's default kernels;
- ``torch``: a native PyTorch ResNet-20 (same architecture, option-A shortcuts) in eager
  mode, NCHW and channels_last, float32, plus bfloat16 autocast (channels_last) where the
  CPU has native bfloat16 (avx512_bf16 or amx_bf16); only when torch is installed
  (``pip install keras-zoo[bench]``);
- the machine's ceiling: a 4096x4096 ``tf.matmul`` in float32 and bfloat16, GFLOP/s
  (with the zoo's kernels).

Each configuration runs in its own subprocess (thread pools never fight), one after the
other, the order rotated each round, for ``--rounds`` alternating rounds. A window is
``--steps`` training steps (one epoch of ``zoo.fit``/``keras.fit``, timed by a callback from
``on_epoch_begin`` to ``on_epoch_end``); the first ``--warmup`` windows (tracing, oneDNN
primitive creation) are not timed. Reported: the median images/s over all timed windows,
the ratios the issue asks for, and each configuration's fraction of the matmul ceiling of
its precision: images/s times the training FLOPs per image, which are computed from the
model (the Conv2D and MatMul ops of its traced forward pass, times 3 for the forward and
two backward passes). The CPU's features (``/proc/cpuinfo`` flags) are recorded.

Figures only mean something on a quiet machine:

    .venv/bin/python benchmarks/training_throughput.py --json          # ~15 min on 2 cores
    .venv/bin/python benchmarks/training_throughput.py --rounds 1 --windows 2 --steps 2
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
FEATURES = ("avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile")
NUM_CLASSES = 10


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    p.add_argument("--windows", type=int, default=5, help="timed windows per run (default 5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed windows first (default 2)")
    p.add_argument("--steps", type=int, default=8, help="training steps per window (default 8)")
    p.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    p.add_argument(
        "--precisions",
        default=",".join(PRECISIONS),
        help=f"comma-separated precisions of the Keras runs (default {','.join(PRECISIONS)})",
    )
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--matmul", type=int, default=4096, help="matmul size n of the ceiling (4096)")
    p.add_argument(
        "--timeout", type=float, default=1800, help="seconds one subprocess may take (1800)"
    )
    p.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # internal: one configuration
    args = p.parse_args(argv)
    for name in ("rounds", "windows", "steps", "batch", "matmul"):
        if getattr(args, name) < 1:
            p.error(f"--{name} is a positive integer. Received: {getattr(args, name)}.")
    if args.warmup < 0:
        p.error(f"--warmup is 0 or more. Received: {args.warmup}.")
    unknown = set(args.precisions.split(",")) - set(PRECISIONS)
    if unknown:
        p.error(f"--precisions are among {', '.join(PRECISIONS)}. Received: {sorted(unknown)}.")
    return args


def cpu_flags() -> list[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return sorted(line.split(":", 1)[1].split())
    except OSError:
        pass
    return []


def has_native_bf16(flags: list[str]) -> bool:
    return bool({"avx512_bf16", "amx_bf16"} & set(flags))


# === Workers (each in its own process) ===


def _random_data(n: int, seed: int = 0) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 32, 32, 3)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=(n,)).astype("int64")
    return x, y


def _keras_timer() -> Any:
    import keras

    class Windows(keras.callbacks.Callback):
        """Epoch times; epoch-level hooks only, so zoo.fit keeps its default choices."""

        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return Windows()


def _sgd() -> Any:
    import keras

    return keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)


def worker_zoo(config: dict[str, Any]) -> dict[str, Any]:
    import zoo

    n = config["batch"] * config["steps"]
    timer = _keras_timer()
    with tempfile.TemporaryDirectory() as scratch:
        result = zoo.fit(
            "resnet_small",
            _random_data(n),
            data_args={"validation": 0, "test": 0},
            epochs=config["warmup"] + config["windows"],
            batch_size=config["batch"],
            precision=config["precision"],
            optimizer=_sgd(),
            out=Path(scratch) / "run",
            verbose=0,
            callbacks=[timer],
        )
        record = json.loads((result.run_dir / "run.json").read_text())
    return {
        "seconds": timer.seconds[config["warmup"] :],
        "images": n,
        "performance": record["performance"],
    }


def worker_keras(config: dict[str, Any]) -> dict[str, Any]:
    from zoo._base.onednn import prefer_onednn

    prefer_onednn()  # the zoo's kernels, so that zoo.fit / keras measures the zoo's overhead
    import keras
    import tensorflow as tf

    import zoo

    n = config["batch"] * config["steps"]
    x, y = _random_data(n)
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy(config["precision"])
    model = zoo.build("resnet_small")
    keras.config.set_dtype_policy("float32")
    model.compile(optimizer=_sgd(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(n, seed=0).batch(config["batch"])
    timer = _keras_timer()
    model.fit(
        data.prefetch(tf.data.AUTOTUNE),
        epochs=config["warmup"] + config["windows"],
        callbacks=[timer],
        verbose=0,
    )
    return {"seconds": timer.seconds[config["warmup"] :], "images": n}


def torch_resnet20(num_classes: int = NUM_CLASSES) -> Any:
    """ResNet-20 in native PyTorch: 3 stages of 3 BasicBlocks, 16/32/64, option-A shortcuts."""
    import torch
    from torch import nn
    from torch.nn import functional

    class BasicBlock(nn.Module):
        def __init__(self, inputs: int, filters: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(inputs, filters, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(filters)
            self.conv2 = nn.Conv2d(filters, filters, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(filters)
            self.stride, self.pad = stride, filters - inputs

        def forward(self, x):
            y = functional.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            shortcut = x
            if self.stride != 1 or self.pad:
                shortcut = x[:, :, :: self.stride, :: self.stride]
                shortcut = functional.pad(shortcut, (0, 0, 0, 0, 0, self.pad))
            return functional.relu(y + shortcut)

    class ResNet20(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(
                nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()
            )
            blocks, inputs = [], 16
            for stage, filters in enumerate((16, 32, 64)):
                for index in range(3):
                    blocks.append(BasicBlock(inputs, filters, 2 if stage and not index else 1))
                    inputs = filters
            self.blocks = nn.Sequential(*blocks)
            self.classifier = nn.Linear(64, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.classifier(torch.flatten(functional.adaptive_avg_pool2d(x, 1), 1))

    return ResNet20()


def worker_torch(config: dict[str, Any]) -> dict[str, Any]:
    import contextlib

    import torch

    torch.manual_seed(0)
    model = torch_resnet20()
    x_np, y_np = _random_data(config["batch"] * config["steps"])
    x = torch.from_numpy(x_np).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(y_np)
    channels_last = config["layout"] == "channels_last"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    bf16 = config["precision"] == "bfloat16"
    model.train()
    batches = list(zip(x.split(config["batch"]), y.split(config["batch"])))

    def window() -> float:
        start = time.perf_counter()
        for xb, yb in batches:
            optimizer.zero_grad(set_to_none=True)
            autocast = (
                torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
            )
            with autocast:
                loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    for _ in range(config["warmup"]):
        window()
    seconds = [window() for _ in range(config["windows"])]
    return {
        "seconds": seconds,
        "images": len(x),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "trainable_parameters": sum(p.numel() for p in model.parameters()),
    }


def training_flops_per_image(model: Any) -> dict[str, float]:
    """Forward FLOPs per image from the model's traced Conv2D and MatMul ops; training = 3x."""
    import numpy as np
    import tensorflow as tf

    shape = [1, *model.input_shape[1:]]
    graph = (
        tf.function(lambda x: model(x, training=False))
        .get_concrete_function(tf.TensorSpec(shape, tf.float32))
        .graph
    )
    forward = 0
    for op in graph.get_operations():
        if op.type in ("Conv2D", "_FusedConv2D", "DepthwiseConv2dNative"):
            kh, kw, cin, _ = op.inputs[1].shape
            per_output = kh * kw * (cin if op.type != "DepthwiseConv2dNative" else 1)
            forward += 2 * int(np.prod(op.outputs[0].shape)) * per_output
        elif op.type in ("MatMul", "_FusedMatMul", "BatchMatMulV2"):
            a = op.inputs[0].shape
            transposed = op.get_attr("transpose_a") if op.type != "BatchMatMulV2" else False
            k = a[-2] if transposed else a[-1]
            forward += 2 * int(np.prod(op.outputs[0].shape)) * int(k)
    return {"forward": float(forward), "training": 3.0 * forward}


def worker_ceiling(config: dict[str, Any]) -> dict[str, Any]:
    from zoo._base.onednn import prefer_onednn

    prefer_onednn()  # the kernels zoo.fit trains with (oneDNN's matmul is the faster here)
    import keras
    import tensorflow as tf

    import zoo

    n = config["matmul"]
    result: dict[str, Any] = {"matmul_n": n}
    for dtype in ("float32", "bfloat16"):
        a = tf.cast(tf.random.stateless_normal((n, n), seed=(1, 2)), dtype)
        b = tf.cast(tf.random.stateless_normal((n, n), seed=(3, 4)), dtype)
        matmul = tf.function(tf.linalg.matmul)
        matmul(a, b).numpy()  # warm-up: oneDNN primitive creation
        best = float("inf")
        for _ in range(config["repeats"]):
            start = time.perf_counter()
            matmul(a, b)[0, 0].numpy()
            best = min(best, time.perf_counter() - start)
        result[f"gflops_{dtype}"] = 2 * n**3 / best / 1e9
    keras.config.set_dtype_policy("float32")
    model = zoo.build("resnet_small")
    result["flops_per_image"] = training_flops_per_image(model)
    result["parameters"] = model.count_params()
    result["trainable_parameters"] = sum(int(w.numpy().size) for w in model.trainable_weights)
    result["tensorflow"] = tf.__version__
    result["keras"] = keras.__version__
    result["threads"] = {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }
    return result


WORKERS = {
    "zoo.fit": worker_zoo,
    "keras": worker_keras,
    "torch": worker_torch,
    "ceiling": worker_ceiling,
}


def run_worker(config: dict[str, Any], timeout: float) -> dict[str, Any]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    try:
        done = subprocess.run(
            [sys.executable, str(HERE), "--worker", json.dumps(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = " | ".join(done.stderr.strip().splitlines()[-3:])
    return {"error": f"exit {done.returncode}: {tail}"}


# === The driver ===


def configurations(args: argparse.Namespace, flags: list[str]) -> list[dict[str, Any]]:
    common = {
        "batch": args.batch,
        "steps": args.steps,
        "windows": args.windows,
        "warmup": args.warmup,
    }
    configs = []
    for precision in args.precisions.split(","):
        configs.append({"kind": "zoo.fit", "precision": precision, **common})
        configs.append({"kind": "keras", "precision": precision, **common})
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        for layout in ("nchw", "channels_last"):
            configs.append({"kind": "torch", "layout": layout, "precision": "float32", **common})
        if has_native_bf16(flags):
            configs.append(
                {"kind": "torch", "layout": "channels_last", "precision": "bfloat16", **common}
            )
    return configs


def label(config: dict[str, Any]) -> str:
    if config["kind"] == "torch":
        return f"torch {config['layout']} {config['precision']}"
    return f"{config['kind']} {config['precision']}"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)  # before TensorFlow or torch: --help answers at once
    if args.worker:
        config = json.loads(args.worker)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        print("RESULT " + json.dumps(WORKERS[config["kind"]](config)), flush=True)
        return 0
    sys.path.insert(0, str(HERE.parent))
    from _common import report

    flags = cpu_flags()
    configs = configurations(args, flags)
    print(f"CPU features: {[f for f in FEATURES if f in flags]}; {os.cpu_count()} cores")
    ceiling = run_worker({"kind": "ceiling", "matmul": args.matmul, "repeats": 3}, args.timeout)
    if "error" in ceiling:
        print(f"ceiling: {ceiling['error']}")
        return 1
    print(
        f"matmul {args.matmul}: {ceiling['gflops_float32']:.0f} GFLOP/s float32, "
        f"{ceiling['gflops_bfloat16']:.0f} bfloat16; ResNet-20 training step "
        f"{ceiling['flops_per_image']['training'] / 1e9:.3f} GFLOP/image"
    )
    samples: dict[str, list[float]] = {label(c): [] for c in configs}
    per_round: dict[str, list[float]] = {label(c): [] for c in configs}
    extra: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for round_ in range(args.rounds):
        shift = round_ % len(configs)
        for config in configs[shift:] + configs[:shift]:
            name = label(config)
            result = run_worker(config, args.timeout)
            if "error" in result:
                errors[name] = result["error"]
                print(f"round {round_ + 1} {name}: FAILED {result['error']}")
                continue
            count = result.get("trainable_parameters", ceiling["trainable_parameters"])
            if count != ceiling["trainable_parameters"]:
                errors[name] = (
                    f"{count} trainable parameters, the zoo's ResNet-20 has "
                    f"{ceiling['trainable_parameters']}: not the same network"
                )
                print(f"round {round_ + 1} {name}: FAILED {errors[name]}")
                continue
            rates = [result["images"] / s for s in result["seconds"]]
            samples[name] += rates
            per_round[name].append(statistics.median(rates))
            extra[name] = {k: v for k, v in result.items() if k not in ("seconds", "images")}
            print(f"round {round_ + 1} {name}: {statistics.median(rates):.0f} images/s")

    median = {n: statistics.median(v) for n, v in samples.items() if v}
    step_flops = ceiling["flops_per_image"]["training"]

    def ceiling_of(name: str) -> tuple[str, float]:
        kind = "bfloat16" if "bfloat16" in name else "float32"
        return kind, ceiling[f"gflops_{kind}"]

    reference = median.get("torch channels_last float32")
    rows = []
    for name in samples:
        if name not in median:
            rows.append([name, "failed", "", "", "", ""])
            continue
        kind, gflops = ceiling_of(name)
        rows.append(
            [
                name,
                median[name],
                " ".join(f"{r:.0f}" for r in per_round[name]),
                median[name] / reference if reference else "",
                median[name] * step_flops / 1e9 / gflops,
                kind,
            ]
        )
    ratios: dict[str, Any] = {}
    for precision in args.precisions.split(","):
        zoo_rate, hand = median.get(f"zoo.fit {precision}"), median.get(f"keras {precision}")
        if zoo_rate and hand:
            ratios[f"zoo_over_keras_{precision}"] = zoo_rate / hand
    zoo_rates = {n: v for n, v in median.items() if n.startswith("zoo.fit")}
    if zoo_rates:
        fastest = max(zoo_rates, key=zoo_rates.get)
        ratios["zoo_fastest"] = fastest
        if reference:
            if "zoo.fit float32" in median:
                ratios["zoo_float32_over_torch_channels_last_float32"] = (
                    median["zoo.fit float32"] / reference
                )
            ratios["zoo_fastest_over_torch_channels_last_float32"] = zoo_rates[fastest] / reference
        if "torch channels_last bfloat16" in median:
            ratios["zoo_fastest_over_torch_bfloat16"] = (
                zoo_rates[fastest] / median["torch channels_last bfloat16"]
            )
    summary = {
        **ratios,
        "cpu_features": [f for f in FEATURES if f in flags],
        "cpu_flags": flags,
        "cores": os.cpu_count(),
        "ceiling": ceiling,
        "batch": args.batch,
        "rounds": args.rounds,
        "windows": args.windows,
        "steps_per_window": args.steps,
        "warmup_windows": args.warmup,
        "details": extra,
        "errors": errors,
    }
    report(
        "training_throughput",
        [
            "configuration",
            "median images/s",
            "per round",
            "vs torch channels_last f32",
            "fraction of matmul ceiling",
            "ceiling",
        ],
        rows,
        {k: v for k, v in summary.items() if k not in ("cpu_flags", "details", "ceiling")},
    )
    if args.json:
        print(json.dumps({"rows": rows, **summary}, default=str))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
