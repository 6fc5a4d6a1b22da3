"""Full-integer (int8) TFLite export calibrated on a data source, and its accuracy report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo
from zoo._export.tflite_int8 import compare_int8, run_int8


@pytest.fixture(scope="module")
def digits_model():
    import keras

    data = zoo.load_data("vision/digits", batch_size=32)
    keras.utils.set_random_seed(0)
    model = zoo.build("distill/digits_cnn_student")
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(data.train, epochs=5, verbose=0)
    return model, data


@pytest.mark.slow
def test_int8_export_is_integer_and_as_accurate_as_float(digits_model, tmp_path):
    import tensorflow as tf

    model, data = digits_model
    path = zoo.export(
        model, tmp_path / "digits.tflite", format="tflite", quantization="int8", data=data
    )
    interpreter = tf.lite.Interpreter(model_path=str(path))
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    # every weight and activation tensor is an integer (int32 holds the biases)
    assert {d["dtype"] for d in interpreter.get_tensor_details()} <= {np.int8, np.int32}
    x, y = data.arrays("test")
    float_accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))
    comparison = compare_int8(model, path, data)
    assert comparison["split"] == "test" and comparison["examples"] == len(y)
    assert comparison["float"]["accuracy"] == pytest.approx(float_accuracy)
    assert float_accuracy > 0.7  # trained: the comparison means something
    assert abs(comparison["int8"]["accuracy"] - float_accuracy) < 0.05
    # the dequantized logits follow the float ones
    logits = run_int8(path, x[:32], [model.inputs[0].name])[0]
    reference = model.predict(x[:32], verbose=0)
    assert np.mean(np.argmax(logits, 1) == np.argmax(reference, 1)) > 0.9
    assert np.corrcoef(logits.ravel(), reference.ravel())[0, 1] > 0.95


def test_int8_needs_data_and_data_needs_int8(tmp_path):
    model = zoo.build("distill/digits_cnn_student")
    with pytest.raises(zoo.ZooError, match="calibrates on data"):
        zoo.export(model, tmp_path / "a.tflite", format="tflite", quantization="int8")
    with pytest.raises(zoo.ZooError, match="int8 quantization only"):
        zoo.export(
            model,
            tmp_path / "b.tflite",
            format="tflite",
            quantization="dynamic_range",
            data="vision/digits",
        )
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.slow
def test_cli_export_int8_reports_both_accuracies(digits_model, tmp_path):
    model, _ = digits_model
    saved = zoo.save(model, tmp_path / "best.keras")
    out = tmp_path / "best.tflite"
    command = [sys.executable, "-m", "zoo", "export", str(saved), "-o", str(out)]
    command += ["--format", "tflite", "--quantize", "int8", "--data", "vision/digits", "--json"]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a user's
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    # Neither the quantizer's settings line nor TFLite's delegate notice reaches the user.
    assert result.stderr == "", result.stderr
    report = json.loads(result.stdout)
    assert report["quantization"] == "int8" and out.is_file()
    assert report["int8"]["io"] == "int8" and report["int8"]["examples"] == 359
    assert abs(report["int8"]["int8"]["accuracy"] - report["int8"]["float"]["accuracy"]) < 0.05


def test_cli_data_without_int8_is_refused(tmp_path):
    command = [sys.executable, "-m", "zoo", "export", "vision/espcn_x2", "-o"]
    command += [str(tmp_path / "x.tflite"), "--format", "tflite", "--quantize", "float16"]
    command += ["--data", "vision/digits"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "--data calibrates int8 quantization only" in result.stderr
    assert not (tmp_path / "x.tflite").exists()
