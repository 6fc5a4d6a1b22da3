"""zoo.fit and zoo train on tf.distribute: strategies, TF_CONFIG, the Keras 3 multi-worker
fix, the local launcher, chief-only run folders, digests, fault tolerance, no orphans.

The multi-process tests start real TensorFlow clusters on 127.0.0.1 (free ports, bounded
waits) and are marked slow.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zoo._base.errors import ArgumentError, ZooError
from zoo._training.launcher import free_ports, tf_config
from zoo._training.strategy import ClusterError, read_tf_config, resolve_strategy, wait_for

HERE = Path(__file__).parent
SMALL = ["resnet_small", "--data", "vision/digits", "--set", "depth=8", "--set", "width=4"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    # Workers' temporary folders land here, so a test can see that none is left.
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(TMPDIR=str(tmp_path / "tmp"), TF_CPP_MIN_LOG_LEVEL="3", **extra)
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by a parent) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _worker_pids(text: str) -> list[int]:
    pids = []
    for line in text.splitlines():
        if line.startswith("zoo train: started"):
            pids = [int(part.split()[0]) for part in line.split(" pid ")[1:]]
    return pids


def _gone(pids: list[int], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not any(_alive(p) for p in pids)


# === TF_CONFIG and strategy names (no cluster) ===


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "is JSON"),
        ('{"cluster": {}, "task": {"type": "worker", "index": 0}}', "lists the tasks"),
        (
            '{"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}',
            "host:port",
        ),
        (
            '{"cluster": {"worker": ["a:1"], "ps": ["b:2"]}, '
            '"task": {"type": "worker", "index": 0}}',
            "chief and worker",
        ),
        (
            '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}',
            "index 2 of 2",
        ),
        (
            '{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}',
            "task names this process",
        ),
        (
            '{"cluster": {"worker": ["a:1"], "chief": ["c:1", "d:2"]}, '
            '"task": {"type": "worker", "index": 0}}',
            "at most one chief",
        ),
    ],
)
def test_malformed_tf_config_is_one_sentence(text: str, words: str) -> None:
    with pytest.raises(ClusterError) as caught:
        read_tf_config(text)
    message = str(caught.value)
    assert words in message and "Received:" in message and "\n" not in message


def test_tf_config_as_tensorflow_documents_it() -> None:
    config = read_tf_config(tf_config(["127.0.0.1:1", "127.0.0.1:2"], 1))
    assert config["task"] == {"type": "worker", "index": 1}
    assert config["cluster"]["worker"] == ["127.0.0.1:1", "127.0.0.1:2"]


def test_multi_worker_without_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ClusterError, match="TF_CONFIG is not set.*--workers"):
        resolve_strategy("multi-worker")


def test_strategy_names_and_devices() -> None:
    with pytest.raises(ArgumentError, match="Did you mean 'mirrored'"):
        resolve_strategy("mirored")
    with pytest.raises(ArgumentError, match="devices=2 with strategy='default'"):
        resolve_strategy("default", 2)
    with pytest.raises(ArgumentError, match="positive integer"):
        resolve_strategy("mirrored", 0)
    import tensorflow as tf

    assert resolve_strategy("default") is tf.distribute.get_strategy()
    assert resolve_strategy("auto") is tf.distribute.get_strategy()


def test_wait_for_a_chief_that_does_not_listen_is_bounded() -> None:
    (port,) = free_ports(1)
    started = time.monotonic()
    with pytest.raises(ClusterError) as caught:
        wait_for(f"127.0.0.1:{port}", 1.0, "the chief")
    assert time.monotonic() - started < 5
    assert f"the chief at 127.0.0.1:{port}" in str(caught.value)
    with socket.socket() as server:  # and one that listens is found at once
        server.bind(("127.0.0.1", 0))
        server.listen()
        wait_for(f"127.0.0.1:{server.getsockname()[1]}", 1.0, "the chief")


def test_workers_with_the_default_strategy_is_refused(capsys: pytest.CaptureFixture) -> None:
    from zoo._cli import main

    code = main(["train", *SMALL, "--workers", "2", "--strategy", "default"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("error: --workers starts the processes of a multi-worker run.")
    assert "Received: --workers 2 with --strategy default." in err
    assert len(err.splitlines()) == 1


# === The Keras fix, in one process: switched off where it is not needed ===


def test_keras_fix_is_off_without_multi_worker() -> None:
    import keras
    import tensorflow as tf

    from zoo._training import keras_fix

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    from keras.src.backend.tensorflow import trainer

    before = trainer.reduce_per_replica
    with keras_fix.applied(model, strategy) as applied:
        assert applied == {}
        assert trainer.reduce_per_replica is before
        assert "_maybe_symbolic_build" not in vars(model)
    assert not keras_fix.is_multi_worker(strategy)


def test_fixed_symbolic_build_trains_as_keras_does() -> None:
    """Where Keras' own build works (MirroredStrategy), the fixed one changes nothing."""
    import functools

    import keras
    import tensorflow as tf

    from zoo._training import keras_fix

    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 4)).astype("float32")
    y = rng.integers(0, 3, 48)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    results = []
    for fixed in (False, True):
        keras.utils.set_random_seed(1)
        with strategy.scope():
            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        if fixed:
            model._maybe_symbolic_build = functools.partial(keras_fix._symbolic_build, model)
        data = tf.data.Dataset.from_tensor_slices((x, y)).batch(12)
        history = model.fit(data, epochs=3, verbose=0, shuffle=False)
        results.append((history.history["loss"], model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


# === Multi-process ===


def _start_workers(script: list[str], tmp_path: Path, count: int = 2) -> list[subprocess.Popen]:
    addresses = [f"127.0.0.1:{p}" for p in free_ports(count)]
    return [
        subprocess.Popen(
            [sys.executable, *script],
            env=_env(tmp_path, TF_CONFIG=tf_config(addresses, i), ZOO_CONNECT_TIMEOUT="60"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(count)
    ]


def _finish(processes: list[subprocess.Popen], timeout: float) -> list[str]:
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=timeout)[0])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return outputs


@pytest.mark.slow
def test_keras_fix_is_needed_and_trains_like_one_process(tmp_path: Path) -> None:
    """Plain Keras fit fails under MultiWorkerMirroredStrategy; fixed, two workers end
    with the weights one process gets from the same global batches."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = rng.integers(0, 3, 64)
    kernel = rng.normal(size=(4, 3)).astype("float32")
    bias = np.zeros(3, "float32")
    np.savez(tmp_path / "data.npz", x=x, y=y, kernel=kernel, bias=bias)
    workers = _start_workers([str(HERE / "distributed_worker.py"), str(tmp_path)], tmp_path)
    outputs = _finish(workers, timeout=150)
    assert [w.returncode for w in workers] == [0, 0], outputs
    reports = [json.loads((tmp_path / f"worker-{i}.json").read_text()) for i in range(2)]
    for report in reports:
        assert report["plain"].startswith("ValueError: Attempt to convert a value (PerReplica")
        assert report["applied"] == ["scalar_logs", "symbolic_build"]
        assert not report["instance_attribute_left"] and report["module_restored"]
    weights = [list(np.load(tmp_path / f"weights-{i}.npz").values()) for i in range(2)]
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)

    reference = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    reference.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    reference.set_weights([kernel, bias])
    history = reference.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(weights[0], reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reports[0]["loss"], history.history["loss"], rtol=1e-5)


@pytest.mark.slow
def test_worker_that_cannot_reach_the_chief(tmp_path: Path) -> None:
    (chief_port, own_port) = free_ports(2)
    config = json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{chief_port}", f"127.0.0.1:{own_port}"]},
            "task": {"type": "worker", "index": 1},
        }
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoo",
            "train",
            *SMALL,
            "--strategy",
            "multi-worker",
            "--out",
            str(tmp_path / "run"),
        ],
        env=_env(tmp_path, TF_CONFIG=config, ZOO_CONNECT_TIMEOUT="2"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert f"no answer from the chief at 127.0.0.1:{chief_port}" in errors[0]
    assert time.monotonic() - started < 100
    assert not (tmp_path / "run").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_bad_batch_over_workers_stops_every_worker(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoo",
            "train",
            *SMALL,
            "--epochs",
            "1",
            "--batch-size",
            "33",
            "--workers",
            "2",
            "--out",
            str(tmp_path / "run"),
        ],
        env=_env(tmp_path, ZOO_CONNECT_TIMEOUT="60"),
        capture_output=True,
        text=True,
        timeout=150,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "batch_size=33 over 2 replicas. Use a multiple of 2." in result.stderr
    pids = _worker_pids(result.stderr)
    assert len(pids) == 2 and _gone(pids)
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_workers_die_with_the_launcher(tmp_path: Path) -> None:
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoo",
            "train",
            *SMALL,
            "--epochs",
            "5",
            "--workers",
            "2",
            "--out",
            str(tmp_path / "run"),
        ],
        env=_env(tmp_path),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = launcher.stderr.readline()
        while line and not line.startswith("zoo train: started"):
            line = launcher.stderr.readline()
        pids = _worker_pids(line)
        assert len(pids) == 2 and all(_alive(p) for p in pids)
        launcher.send_signal(signal.SIGKILL)  # no chance to clean up: the kernel does it
        launcher.wait(10)
        assert _gone(pids)
    finally:
        if launcher.poll() is None:
            launcher.kill()
        launcher.wait()
        launcher.stderr.close()


@pytest.mark.slow
def test_two_workers_write_one_run_with_agreeing_digests(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoo",
            "train",
            *SMALL,
            "--epochs",
            "2",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed"
    assert run["strategy"]["name"] == "multi-worker" and run["strategy"]["replicas"] == 2
    assert run["batch_size"] == {"per_replica": 16, "global": 32}
    assert [w["task"] for w in run["workers"]] == ["worker/0", "worker/1"]
    assert run["digests_agree"] and len({w["weights_sha256"] for w in run["workers"]}) == 1
    assert run["keras_fix"] == ["scalar_logs", "symbolic_build"]
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) == 3  # header and one row per epoch: only the chief wrote it
    from zoo._training.fitting import read_history
    from zoo._training.replicas import weights_digest

    losses = read_history(out / "history.csv")["loss"]
    assert losses[1] < losses[0]
    import zoo

    assert weights_digest(zoo.load(out / "best.keras")) == run["workers"][0]["weights_sha256"]
    assert "epoch 1/2" in result.stdout and result.stdout.count("test: accuracy") == 1
    assert "shard" not in result.stderr.lower()  # the sources set auto_shard_policy
    assert "eagerly has significant overhead" not in result.stderr
    assert not (out / "backup").exists()
    assert list((tmp_path / "tmp").iterdir()) == []  # the other worker removed its folder
    assert _gone(_worker_pids(result.stderr))


@pytest.mark.slow
def test_killed_worker_is_restarted_and_the_run_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoo",
            "train",
            *SMALL,
            "--epochs",
            "3",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        env=_env(tmp_path),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = launcher.stderr.readline()
        while line and not line.startswith("zoo train: started"):
            line = launcher.stderr.readline()
        pids = _worker_pids(line)
        metadata = out / "backup" / "training_metadata.json"
        deadline = time.monotonic() + 300
        while not metadata.exists() and time.monotonic() < deadline:
            assert launcher.poll() is None
            time.sleep(0.2)
        assert metadata.exists(), "no epoch completed in time"
        time.sleep(1.0)  # into the next epoch
        os.kill(pids[1], signal.SIGKILL)
        _, stderr = launcher.communicate(timeout=400)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.communicate()
    assert launcher.returncode == 0, stderr[-3000:]
    assert "worker 1 ended (signal 9)" in stderr and "restart 1 of at most 3" in stderr
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["resumed"] == 1
    assert run["digests_agree"] and len(run["workers"]) == 2
    from zoo._training.fitting import read_history

    history = read_history(out / "history.csv")
    assert len(history["loss"]) == 3
    assert _gone(pids + _worker_pids(stderr))
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_mirrored_in_python_splits_the_cpu(tmp_path: Path) -> None:
    """Notebook style: zoo.fit(strategy="mirrored", devices=2) in a fresh process; and
    too late (after TensorFlow set up its devices) it is a ZooError sentence."""
    code = f"""
import json, zoo
result = zoo.fit("resnet_small", "vision/digits", overrides={{"depth": 8, "width": 4}},
                 epochs=2, strategy="mirrored", devices=2, out={str(tmp_path / "run")!r},
                 verbose=0)
run = json.loads(result.paths["run"].read_text())
print(json.dumps({{"strategy": run["strategy"], "batch": run["batch_size"],
                  "test": result.metrics["test"], "loss": result.history["loss"]}}))
import tensorflow as tf
try:
    zoo.fit("resnet_small", "vision/digits", strategy="mirrored", devices=3)
except zoo.ZooError as error:
    print("ERROR", error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    first, error = result.stdout.strip().splitlines()[-2:]
    summary = json.loads(first)
    assert summary["strategy"]["name"] == "mirrored" and summary["strategy"]["replicas"] == 2
    assert summary["batch"] == {"per_replica": 16, "global": 32}
    assert summary["loss"][1] < summary["loss"][0]
    assert summary["test"]["accuracy"] > 0.3  # ten classes: chance is 0.1
    assert error.startswith("ERROR Splitting the CPU into 3 devices must come before")
    assert "Received: devices=3 after TensorFlow already made 2 CPU device(s)" in error


def test_zoo_error_classes() -> None:
    assert issubclass(ClusterError, ZooError)
