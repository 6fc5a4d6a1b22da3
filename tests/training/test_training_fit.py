"""``zoo.fit`` and ``python -m zoo train``: the run folder, reloads, resume, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import zoo

SMALL = {"depth": 8, "width": 4}  # a ResNet-8 of width 4: seconds per epoch on digits


def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def run_zoo(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> zoo.FitResult:
    out = tmp_path_factory.mktemp("runs") / "digits"
    return zoo.fit("resnet_small", "vision/digits", overrides=SMALL, epochs=2, out=out, verbose=0)


def test_the_run_folder_holds_every_file(digits_run: zoo.FitResult) -> None:
    run = digits_run.run_dir
    for name in ("run.json", "history.csv", "best.keras", "metrics.json", "curves.png"):
        assert (run / name).is_file(), name
    assert (run / "confusion.png").is_file()
    assert not (run / "backup").exists()  # removed when the run completed
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "completed"
    assert record["recipe"] == "vision/resnet_small"
    assert record["builder"] == "vision/resnet_cifar"
    # The data implied the input shape and the classes; the user's overrides are kept.
    assert record["arguments"]["input_shape"] == [8, 8, 1]
    assert record["arguments"]["num_classes"] == 10
    assert record["arguments"]["depth"] == 8
    assert record["overrides"] == SMALL
    assert record["data"]["source"] == "vision/digits"
    assert record["batch_size"] == {"per_replica": 32, "global": 32}
    assert record["strategy"]["replicas"] == 1
    assert record["training"]["monitor"] == "val_accuracy"
    assert record["versions"]["keras"] and record["machine"]["cpus"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics) == {"test", "validation"}
    assert set(metrics["test"]) >= {"loss", "accuracy"}
    assert metrics == digits_run.metrics
    assert len(digits_run.history["loss"]) == 2
    lines = (run / "history.csv").read_text().splitlines()
    assert lines[0].split(",")[0] == "epoch" and len(lines) == 3


def test_run_json_has_the_keys_the_run_folder_module_defines(digits_run: zoo.FitResult) -> None:
    from zoo._training.run_folder import OPTION_KEYS, RUN_KEYS

    record = json.loads((digits_run.run_dir / "run.json").read_text())
    assert set(record) == set(RUN_KEYS)
    assert set(record["options"]) == set(OPTION_KEYS)
    assert record["options"]["epochs"] == 2 and record["options"]["overrides"] == SMALL


def test_the_metrics_are_the_best_weights_on_the_test_split(digits_run: zoo.FitResult) -> None:
    splits = zoo.load_data("vision/digits")
    x, y = splits.arrays("test")
    predicted = digits_run.model.predict(x, verbose=0).argmax(-1)
    assert digits_run.metrics["test"]["accuracy"] == pytest.approx(np.mean(predicted == y))


def test_best_keras_reloads_in_a_fresh_process_with_the_same_predictions(
    digits_run: zoo.FitResult, tmp_path: Path
) -> None:
    x, _ = zoo.load_data("vision/digits").arrays("test")
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np, zoo; m = zoo.load(sys.argv[1], compile=False); "
        "np.save(sys.argv[3], m.predict(np.load(sys.argv[2]), verbose=0))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(digits_run.paths["best"]), str(tmp_path / "x.npy"),
         str(tmp_path / "y.npy")],
        capture_output=True, text=True, env=_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    expected = digits_run.model.predict(x, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-6)


def test_tensorboard_finds_the_loss_scalars(digits_run: zoo.FitResult) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train_logs = digits_run.paths["tensorboard"] / "train"
    accumulator = EventAccumulator(str(train_logs))
    accumulator.Reload()
    tags = accumulator.Tags()["tensors"] + accumulator.Tags()["scalars"]
    assert "epoch_loss" in tags
    events = accumulator.Tensors("epoch_loss")
    assert [e.step for e in events] == [0, 1]
    from tensorboard.util import tensor_util

    assert float(tensor_util.make_ndarray(events[-1].tensor_proto)) == pytest.approx(
        digits_run.history["loss"][-1], rel=1e-5
    )


def test_the_pictures_are_real_images(digits_run: zoo.FitResult) -> None:
    from PIL import Image

    for name in ("curves", "confusion"):
        with Image.open(digits_run.paths[name]) as picture:
            assert picture.format == "PNG"
            assert picture.size[0] > 300 and picture.size[1] > 200
            assert len(np.unique(np.asarray(picture.convert("L")))) > 10  # not a blank canvas


def test_a_seeded_run_is_reproducible(digits_run: zoo.FitResult, tmp_path: Path) -> None:
    again = zoo.fit(
        "resnet_small", "vision/digits", overrides=SMALL, epochs=2, out=tmp_path / "r", verbose=0
    )
    for a, b in zip(digits_run.model.get_weights(), again.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for split, values in digits_run.metrics.items():
        assert again.metrics[split] == pytest.approx(values, rel=1e-5)


def test_fit_takes_arrays_and_a_keras_model(tmp_path: Path) -> None:
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    result = zoo.fit(
        model,
        (x, y),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        epochs=2,
        out=tmp_path / "arrays",
        verbose=0,
    )
    assert result.model is model
    assert result.metrics["test"]["accuracy"] >= 0.0
    record = json.loads((tmp_path / "arrays" / "run.json").read_text())
    assert record["data"]["sizes"] == {"train": 84, "validation": 12, "test": 24}


# === Bad input: one clear ZooError each, nothing half-written ===


def test_an_unknown_data_source_suggests_close_matches(tmp_path: Path) -> None:
    with pytest.raises(zoo.ZooError, match="Did you mean 'vision/digits'"):
        zoo.fit("resnet_small", "vision/digitz", out=tmp_path / "r", verbose=0)
    assert not (tmp_path / "r").exists()


def test_an_override_that_contradicts_the_data_names_both(tmp_path: Path) -> None:
    with pytest.raises(zoo.ZooError, match=r"input_shape=\[32, 32, 3\] contradicts the data"):
        zoo.fit(
            "resnet_small",
            "vision/digits",
            overrides={"input_shape": [32, 32, 3]},
            out=tmp_path / "r",
            verbose=0,
        )
    assert not (tmp_path / "r").exists()


def test_a_model_that_does_not_fit_the_data_names_both_sides(tmp_path: Path) -> None:
    model = zoo.build("resnet_small", num_classes=5, **SMALL)  # 32x32x3 inputs, 5 classes
    with pytest.raises(zoo.ZooError, match=r"takes inputs of shape \(32, 32, 3\); vision/digits"):
        zoo.fit(model, "vision/digits", out=tmp_path / "r", verbose=0)
    model = zoo.build("resnet_small", num_classes=5, input_shape=[8, 8, 1], **SMALL)
    with pytest.raises(zoo.ZooError, match="predicts 5 classes; the labels of vision/digits"):
        zoo.fit(model, "vision/digits", out=tmp_path / "r", verbose=0)
    assert not (tmp_path / "r").exists()


def test_out_and_resume_folders_are_checked_first(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(zoo.ZooError, match="must be a new or empty folder"):
        zoo.fit("resnet_small", "vision/digits", out=tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    with pytest.raises(zoo.ZooError, match="has none. Pass the --out folder of an earlier"):
        zoo.fit("resnet_small", "vision/digits", out=tmp_path / "mine", resume=True)
    with pytest.raises(zoo.ZooError, match="which does not exist"):
        zoo.fit("resnet_small", "vision/digits", out=tmp_path / "nothing", resume=True)


def test_cli_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("a,b,label\n1,x,0\n2,3,1\n")
    cases = [
        (["train", "resnet_small", "--data", "vision/digitz"], "Did you mean"),
        (["train", "resnet_small", "--data", "vision/digits", "--resume", "--out",
          str(tmp_path)], "run.json"),
        (["train", "resnet_small", "--data", str(tmp_path / "bad.csv"), "--data-arg",
          "target=label", "--out", str(tmp_path / "csv")], "bad.csv"),
    ]  # fmt: skip
    for args, message in cases:
        done = run_zoo(*args)
        assert done.returncode == 1, (args, done.stderr[-2000:])
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], done.stderr[-2000:]
    assert not (tmp_path / "csv").exists()


# === Killed and resumed ===

_TRAIN = """
import sys, time
from pathlib import Path
import keras, zoo

class Stall(keras.callbacks.Callback):
    # Mid-epoch 3 (index 2), say so and wait to be killed.
    def on_train_batch_begin(self, batch, logs=None):
        if self.epoch == 2 and batch == 5:
            Path(sys.argv[2]).write_text("stalled")
            time.sleep(600)
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

stall = sys.argv[3] == "stall"
result = zoo.fit(
    "resnet_small", "vision/digits", overrides={"depth": 8, "width": 4}, epochs=4,
    out=sys.argv[1], resume=sys.argv[4] == "resume", callbacks=[Stall()] if stall else [],
    verbose=2,
)
print("FINAL", result.metrics["test"]["accuracy"])
"""


@pytest.mark.slow
def test_a_run_killed_mid_epoch_resumes_and_ends_like_an_uninterrupted_one(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(_TRAIN)
    marker = tmp_path / "stalled"
    killed = tmp_path / "killed"

    def start(out: Path, how: str, resume: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(script), str(out), str(marker), how, resume],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
        )  # fmt: skip

    process = start(killed, "stall", "new")
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), process.communicate(timeout=30)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    record = json.loads((killed / "run.json").read_text())
    assert record["status"] == "running"
    assert len((killed / "history.csv").read_text().splitlines()) == 3  # epochs 1 and 2 done

    resumed = start(killed, "plain", "resume")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err[-3000:]
    epochs_run = [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")]
    assert epochs_run == ["3/4", "4/4"]  # from the last completed epoch, never from zero

    reference = start(tmp_path / "reference", "plain", "new")
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 0, ref_err[-3000:]
    a = zoo.load(killed / "best.keras", compile=False)
    b = zoo.load(tmp_path / "reference" / "best.keras", compile=False)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
    final = [line for line in out.splitlines() if line.startswith("FINAL")]
    assert final == [line for line in ref_out.splitlines() if line.startswith("FINAL")]
    from zoo._training.fitting import read_history

    history = read_history(killed / "history.csv")
    assert len(history["loss"]) == 4
    assert json.loads((killed / "run.json").read_text())["resumed"] == 1


@pytest.mark.slow
def test_zoo_train_resume_needs_only_the_run_folder(tmp_path: Path) -> None:
    """`zoo train --resume --out R`, nothing else, finishes a killed run as if never killed."""
    args = ["--data", "vision/digits", "--epochs", "6", "--set", "depth=8", "--set", "width=4"]

    def train(out: Path, *more: str, stderr: int = subprocess.PIPE) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "zoo", "train", *more, "--out", str(out)],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env=_env(),
        )  # fmt: skip

    killed = tmp_path / "killed"
    process = train(killed, "resnet_small", *args, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    # Killed during epoch 3: its line for epoch 2 comes after epoch 2's backup is written.
    for line in process.stdout:
        if line.startswith("epoch 2/6"):
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert json.loads((killed / "run.json").read_text())["status"] == "running"

    resumed = train(killed, "--resume")
    out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err[-3000:]
    epochs_run = [line.split()[1] for line in out.splitlines() if line.startswith("epoch ")]
    assert epochs_run == ["3/6", "4/6", "5/6", "6/6"]  # from the last completed epoch

    reference = train(tmp_path / "reference", "resnet_small", *args)
    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 0, ref_err[-3000:]
    a = zoo.load(killed / "best.keras", compile=False)
    b = zoo.load(tmp_path / "reference" / "best.keras", compile=False)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
    final = [line for line in out.splitlines() if line.startswith(("test:", "validation:"))]
    assert final and final == [
        line for line in ref_out.splitlines() if line.startswith(("test:", "validation:"))
    ]
    from zoo._training.fitting import read_history

    assert len(read_history(killed / "history.csv")["loss"]) == 6
    record = json.loads((killed / "run.json").read_text())
    assert record["resumed"] == 1 and record["epochs_run"] == 6


def test_zoo_train_needs_a_name_and_data_unless_it_resumes(tmp_path: Path) -> None:
    cases = [
        (["train", "--data", "vision/digits"], "Received: no NAME"),
        (["train", "resnet_small"], "Received: no --data"),
        (["train", "--resume"], "Received: no --out"),
        (["train", "--resume", "--out", str(tmp_path / "none")], "which does not exist"),
    ]
    for args, message in cases:
        done = run_zoo(*args)
        assert done.returncode == 1, (args, done.stderr[-2000:])
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and message in errors[0], done.stderr[-2000:]


def test_callbacks_by_id_come_from_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plug_counting.py").write_text(
        "import keras, zoo\n"
        "class CountEpochs(keras.callbacks.Callback):\n"
        "    seen = []\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        CountEpochs.seen.append(epoch)\n"
        "@zoo.hookimpl\n"
        "def zoo_register(register):\n"
        "    register(zoo.ComponentSpec('CountEpochs', kind='callback',\n"
        "                               target='plug_counting:CountEpochs'))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import plug_counting

    zoo.register_plugin(plug_counting, "counting")
    try:
        zoo.fit(
            "resnet_small",
            "vision/digits",
            overrides=SMALL,
            epochs=2,
            out=tmp_path / "r",
            callbacks=["counting/CountEpochs"],
            verbose=0,
        )
        assert plug_counting.CountEpochs.seen == [0, 1]
        with pytest.raises(zoo.ZooError, match="a layer. Use `python -m zoo list --kind callback`"):
            zoo.fit(
                "resnet_small",
                "vision/digits",
                out=tmp_path / "r2",
                callbacks=["vision/PixelShuffle"],
                verbose=0,
            )
        assert not (tmp_path / "r2").exists()
    finally:
        zoo.unregister_plugin("counting")


def _native_bf16() -> bool:
    from zoo._training.run_folder import machine

    return bool({"avx512_bf16", "amx_bf16"} & set(machine()["cpu_flags"]))


def test_precision_and_jit_are_applied_and_recorded(tmp_path: Path) -> None:
    import contextlib

    import keras
    import tensorflow as tf

    # Where bfloat16 is emulated (no avx512_bf16/amx_bf16, no GPU) the zoo says so.
    slow = not _native_bf16() and not tf.config.list_physical_devices("GPU")
    expected = (
        pytest.warns(zoo.ZooWarning, match=r"no native bfloat16 instructions .* Use precision=")
        if slow
        else contextlib.nullcontext()
    )
    with expected:
        result = zoo.fit(
            "resnet_small",
            "vision/digits",
            overrides=SMALL,
            epochs=1,
            out=tmp_path / "bf16",
            precision="mixed_bfloat16",
            jit="on",
            verbose=0,
        )
    record = json.loads((tmp_path / "bf16" / "run.json").read_text())
    assert (record["precision"], record["jit"]) == ("mixed_bfloat16", True)
    policies = {layer.dtype_policy.name for layer in result.model.layers[1:]}
    assert "mixed_bfloat16" in policies
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    with pytest.raises(zoo.ArgumentError, match="Did you mean 'mixed_float16'"):
        zoo.fit("resnet_small", "vision/digits", precision="mixed_float61")
