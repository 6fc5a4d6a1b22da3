"""examples/transfer_digits.py: its few-shot draw, and a short run end to end."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zoo._presets import read_preset

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer_digits.py"


def load_example():
    spec = importlib.util.spec_from_file_location("transfer_digits_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shots_draw_the_same_number_of_each_class_per_seed():
    example = load_example()
    y = np.repeat(np.arange(5), 20)
    chosen = example.shots(y, 3, seed=0)
    assert np.bincount(y[chosen]).tolist() == [3] * 5
    assert len(set(chosen.tolist())) == 15
    assert chosen.tolist() == example.shots(y, 3, seed=0).tolist()
    assert chosen.tolist() != example.shots(y, 3, seed=1).tolist()


@pytest.mark.slow
def test_a_short_run_writes_the_table_and_a_preset_of_digits_0_to_4(tmp_path):
    out = tmp_path / "table.json"
    command = [sys.executable, str(EXAMPLE), "--seeds", "0", "--depth", "8", "--width", "4",
               "--pretrain-epochs", "1", "--head-epochs", "1", "--finetune-epochs", "1",
               "--work", str(tmp_path / "work"), "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| seed | frozen backbone | fine-tuned | scratch |" in done.stdout
    result = json.loads(out.read_text())
    assert [row["seed"] for row in result["rows"]] == [0]
    for row in result["rows"]:
        assert all(0.0 <= row[k] <= 1.0 for k in ("frozen", "fine_tuned", "scratch"))
    assert result["test_images_5_9"] == 448
    info = read_preset(tmp_path / "work" / "preset_0_4").info
    assert info["class_names"] == ["0", "1", "2", "3", "4"]
    assert info["arguments"]["num_classes"] == 5 and info["recipe"] == "vision/resnet_small"
    assert result["mean"]["scratch"] == pytest.approx(
        np.mean([row["scratch"] for row in result["rows"]])
    )
