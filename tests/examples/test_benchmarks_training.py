"""benchmarks/training_throughput.py: --help before TensorFlow, FLOPs from the model's ops."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.parametrize(
    "script", ["training_throughput.py", "bf16_accuracy.py", "step_profile.py", "hostile_inputs.py"]
)
def test_help_answers_without_tensorflow_or_torch(script: str) -> None:
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(BENCHMARKS)!r})  # as `python benchmarks/{script}` does\n"
        f"sys.argv = [{script!r}, '--help']\n"
        "try:\n"
        f"    runpy.run_path({str(BENCHMARKS / script)!r}, run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout
    assert "usage: " in done.stdout and "--help" in done.stdout


def test_training_flops_count_the_convolutions_and_the_dense_layer() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from training_throughput import training_flops_per_image
    finally:
        sys.path.remove(str(BENCHMARKS))
    inputs = keras.Input((8, 8, 2))
    x = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.Conv2D(6, 1, strides=2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3)(x)
    flops = training_flops_per_image(keras.Model(inputs, outputs))
    forward = 2 * (8 * 8 * 4 * 3 * 3 * 2) + 2 * (4 * 4 * 6 * 1 * 1 * 4) + 2 * (6 * 3)
    assert flops == {"forward": forward, "training": 3 * forward}
