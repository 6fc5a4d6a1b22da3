"""`zoo train` then `zoo preset`, in real processes: the card states the run's test
accuracy, and zoo.from_preset in a fresh process predicts exactly as RUN/best.keras."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

import zoo

SMALL = ["--set", "depth=8", "--set", "width=4"]


def zoo_command(*args, timeout=300):
    done = subprocess.run(
        [sys.executable, "-m", "zoo", *args], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_train_then_preset_then_from_preset_in_a_fresh_process(tmp_path):
    run, folder = tmp_path / "RUN", tmp_path / "P"
    zoo_command("train", "resnet_small", "--data", "vision/digits", "--epochs", "1", *SMALL,
                "--out", str(run))  # fmt: skip
    out = zoo_command("preset", str(run), "--out", str(folder))
    metrics = json.loads((run / "metrics.json").read_text())
    accuracy = metrics["test"]["accuracy"]
    assert f"accuracy {accuracy:.4f}" in out
    assert f"| test | accuracy | {accuracy:.4f} |" in (folder / "README.md").read_text()

    from sklearn.datasets import load_digits

    x = (load_digits().images[:64] / 16.0).astype("float32")[..., None]
    np.save(tmp_path / "x.npy", x)
    script = (
        "import sys, numpy as np, zoo, keras\n"
        "x = np.load(sys.argv[2])\n"
        "np.save(sys.argv[3], keras.ops.convert_to_numpy(zoo.from_preset(sys.argv[1])(x)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path / "x.npy"), str(tmp_path / "y")],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    best = zoo.load(run / "best.keras")
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), keras.ops.convert_to_numpy(best(x)))

    # The second point: a new classifier, every other layer from the preset.
    with pytest.warns(zoo.ZooWarning, match=r"1 keep fresh weights: classifier \(") as caught:
        model = zoo.build(
            "resnet_small", depth=8, width=4, input_shape=[8, 8, 1], num_classes=5, weights=folder
        )
    assert len(caught) == 1
    for layer in model.layers:
        if layer.weights and layer.name != "classifier":
            for mine, saved in zip(layer.get_weights(), best.get_layer(layer.name).get_weights()):
                np.testing.assert_array_equal(mine, saved)
    assert model.get_layer("classifier").get_weights()[0].shape == (16, 5)
