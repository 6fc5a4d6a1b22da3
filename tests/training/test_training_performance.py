"""zoo.fit's speed choices (zoo._training.performance) keep the results and are recorded."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from zoo._base import onednn as _onednn
from zoo._training import performance

SMALL = {"depth": 8, "width": 4}


@pytest.mark.parametrize(
    "number, limit, expected", [(40, 32, 20), (41, 32, 1), (7, 32, 7), (64, 32, 32), (1, 32, 1)]
)
def test_largest_divisor(number: int, limit: int, expected: int) -> None:
    got = performance.largest_divisor(number, limit)
    assert got == expected
    assert number % got == 0 and got <= limit
    assert not any(number % d == 0 for d in range(got + 1, limit + 1))


class BatchCounter(keras.callbacks.Callback):
    """A callback that acts per batch: the zoo must keep one step per execution for it."""

    def on_train_begin(self, logs=None):
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1


class EpochCounter(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


@pytest.mark.slow
def test_several_steps_per_execution_train_exactly_as_one(tmp_path: Path) -> None:
    batches, epochs = BatchCounter(), EpochCounter()
    common = dict(overrides=SMALL, epochs=2, verbose=0, seed=3)
    one = zoo.fit(
        "resnet_small", "vision/digits", out=tmp_path / "one", callbacks=[batches], **common
    )
    many = zoo.fit(
        "resnet_small", "vision/digits", out=tmp_path / "many", callbacks=[epochs], **common
    )
    record_one = json.loads((one.run_dir / "run.json").read_text())["performance"]
    record_many = json.loads((many.run_dir / "run.json").read_text())["performance"]
    steps = -(-json.loads((one.run_dir / "run.json").read_text())["data"]["sizes"]["train"] // 32)

    assert record_one["steps_per_execution"]["value"] == 1
    assert "BatchCounter" in record_one["steps_per_execution"]["reason"]
    assert batches.batches == 2 * steps  # called after every step
    chosen = record_many["steps_per_execution"]["value"]
    assert chosen == performance.largest_divisor(steps, performance.MAX_STEPS_PER_EXECUTION) > 1
    assert steps % chosen == 0  # no execution runs into the next epoch
    assert epochs.epochs == 2

    # The same batches in the same order: the same training, float for float.
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(one.history[key], many.history[key], rtol=1e-6, err_msg=key)
    for a, b in zip(one.model.get_weights(), many.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert one.metrics["test"] == pytest.approx(many.metrics["test"], rel=1e-6)


@pytest.mark.slow
def test_the_record_says_who_chose_what(tmp_path: Path) -> None:
    result = zoo.fit(
        "resnet_small",
        "vision/digits",
        overrides=SMALL,
        epochs=1,
        verbose=0,
        jit="off",
        out=tmp_path / "run",
    )
    record = json.loads((result.run_dir / "run.json").read_text())
    chosen = record["performance"]
    assert chosen["backend"] == "tensorflow"
    assert chosen["jit"] == {"value": False, "chosen_by": "user", "reason": "jit=False was given"}
    assert record["jit"] is False
    assert chosen["steps_per_execution"]["value"] > 1  # what trained
    # The returned model predicts one step per call (Keras' predict unrolls its steps).
    assert result.model.steps_per_execution == 1
    assert result.model.train_function is None  # rebuilt for one step on next use
    assert chosen["threading"]["chosen_by"] in ("tensorflow", "environment")
    assert isinstance(chosen["threading"]["intra_op"], int)
    assert isinstance(chosen["onednn"]["value"], bool)
    assert record["precision"] == "float32"
    assert all(w.dtype == "float32" for w in result.model.weights)


def test_auto_jit_is_keras_choice_and_unknown_epochs_keep_one_step(tmp_path: Path) -> None:
    import tensorflow as tf

    model = zoo.build("resnet_small", input_shape=[8, 8, 1], **SMALL)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    splits = zoo.load_data("vision/digits", batch_size=32)
    chosen = performance.choose(model, splits, {"jit": "auto", "steps_per_epoch": None})
    assert chosen["jit"]["chosen_by"] == "keras"
    cpu_only = not tf.config.list_physical_devices("GPU")
    assert chosen["jit"]["value"] is (not cpu_only)
    assert chosen["steps_per_execution"]["value"] == 1
    assert model.steps_per_execution == 1


@pytest.mark.slow
def test_fit_without_validation_or_test_splits_completes(tmp_path: Path) -> None:
    """Keras' CSVLogger writes "NA" for the missing val_ columns; the history leaves them out."""
    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=(64, 8, 8, 1)).astype("float32"), rng.integers(0, 10, 64)
    result = zoo.fit(
        "resnet_small",
        (x, y),
        data_args={"validation": 0, "test": 0},
        overrides=SMALL,
        epochs=2,
        batch_size=32,
        out=tmp_path / "run",
        verbose=0,
    )
    assert {"loss", "accuracy"} <= set(result.history)
    assert not [key for key in result.history if key.startswith("val_")]
    assert len(result.history["loss"]) == 2
    assert result.metrics == {}
    record = json.loads((result.run_dir / "run.json").read_text())
    assert record["status"] == "completed"
    assert record["performance"]["steps_per_execution"]["value"] == 2  # 64 / 32 steps


def test_prefer_onednn_sets_the_variable_only_when_nobody_decided(monkeypatch) -> None:
    import sys

    x86_linux = _onednn.decides_here()
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)  # TensorFlow not started
    environ: dict[str, str] = {}
    assert _onednn.prefer_onednn(environ) is x86_linux
    assert environ == ({"TF_ENABLE_ONEDNN_OPTS": "1"} if x86_linux else {})
    for users in ("0", "1"):  # the user's value wins, either way
        environ = {"TF_ENABLE_ONEDNN_OPTS": users}
        assert _onednn.prefer_onednn(environ) is False
        assert environ == {"TF_ENABLE_ONEDNN_OPTS": users}


def test_prefer_onednn_never_acts_once_tensorflow_is_imported() -> None:
    import tensorflow  # noqa: F401  (TensorFlow read its setting when it started)

    environ: dict[str, str] = {}
    assert _onednn.prefer_onednn(environ) is False
    assert environ == {}


ONEDNN_PROBE = """
import json, sys
import zoo
import tensorflow as tf
from zoo._training import performance
print(json.dumps(performance.onednn()))
"""


@pytest.mark.parametrize("users", [None, "0"])
def test_importing_zoo_first_turns_onednn_on_unless_the_user_said_otherwise(users) -> None:
    import os
    import subprocess
    import sys

    if not _onednn.decides_here():
        pytest.skip("oneDNN is TensorFlow's choice off x86-64 Linux")  # nothing for the zoo to do
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if users is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = users
    out = subprocess.run(
        [sys.executable, "-c", ONEDNN_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.strip().splitlines()[-1])
    if users is None:
        assert record["value"] is True and record["chosen_by"] == "zoo"
        assert "TF_ENABLE_ONEDNN_OPTS=0" in record["reason"]
    else:
        assert record == {
            "value": False,
            "chosen_by": "environment",
            "reason": "TF_ENABLE_ONEDNN_OPTS=0",
        }


def test_tensorflow_imported_first_keeps_its_choice_and_the_record_says_how_to_change_it() -> None:
    import os
    import subprocess
    import sys

    if not _onednn.decides_here():
        pytest.skip("oneDNN is TensorFlow's choice off x86-64 Linux")
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    probe = ONEDNN_PROBE.replace(
        "import zoo\nimport tensorflow as tf", "import tensorflow as tf\nimport zoo"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.strip().splitlines()[-1])
    assert record["chosen_by"] == "tensorflow"
    if not record["value"]:  # a CPU on which TensorFlow leaves oneDNN off
        assert "set TF_ENABLE_ONEDNN_OPTS=1 before importing it" in record["reason"]
