"""``python -m zoo demo``: trains resnet_small on digits, saves, reloads in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_zoo(*args, timeout=600):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_demo_checks_its_arguments_before_importing_anything():
    done = run_zoo("demo", "--epochs", "0", timeout=120)
    assert done.returncode == 1
    assert "--epochs is a positive integer. Received: --epochs 0" in done.stderr
    done = run_zoo("demo", "--output", "model.h5", timeout=120)
    assert done.returncode == 1
    assert "Use model.keras" in done.stderr


@pytest.mark.slow
def test_demo_trains_saves_and_reloads_in_a_fresh_process(tmp_path):
    path = tmp_path / "digits.keras"
    # One epoch cannot reach 101%: the run must go all the way and then fail the bar.
    done = run_zoo("demo", "--epochs", "1", "--output", str(path), "--min-accuracy", "1.01")
    # ResNet-20 built for 8x8x1 digits: the stem has 3*3*1*16 weights instead of 3*3*3*16.
    assert "resnet_small: 270,810 parameters" in done.stdout
    assert "vision/digits: 1259 training, 179 validation and 359 held-out 8x8 images" in done.stdout
    assert "held-out accuracy: " in done.stdout
    assert f"saved to {path}" in done.stdout
    assert "reloaded in a fresh process: predictions match" in done.stdout
    # Piped: one plain line per epoch, no progress bar's control characters.
    assert "epoch 1/1 " in done.stdout
    assert "\x08" not in done.stdout and "\r" not in done.stdout
    assert path.is_file()
    assert done.returncode == 1
    assert "is below --min-accuracy 1.01" in done.stderr
