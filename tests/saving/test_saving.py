"""Atomic saves: a failure leaves the old file (or nothing), never a partial one.

zoo.save adds the zoo metadata; see test_loading.py for what it records."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._saving.save import save_atomic


class _Exploding:
    """Writes half a file, then fails: what a crash mid-save looks like."""

    def save(self, path: Path) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")


def test_save_and_replace(toy_registry, tmp_path: Path) -> None:
    import keras

    path = tmp_path / "m.keras"
    first = zoo.build("toy_small")
    save_atomic(first, path)
    second = zoo.build("toy_small", hidden=4)
    save_atomic(second, path)
    loaded = keras.saving.load_model(path)
    x = np.ones((1, 4), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), second.predict(x, verbose=0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_failed_save_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    path.write_bytes(b"the old model")
    with pytest.raises(OSError, match="disk full"):
        save_atomic(_Exploding(), path)
    assert path.read_bytes() == b"the old model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_failed_save_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        save_atomic(_Exploding(), tmp_path / "new.keras")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("m.h5", "ends in .keras"), ("missing/m.keras", "The folder to save into must exist")],
)
def test_bad_paths(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(zoo.ZooError, match=message):
        save_atomic(_Exploding(), tmp_path / name)


# === zoo.save: a real Keras model failing part-way, a killed process ===


def _model_that_fails_while_saving_weights(error: BaseException):
    import keras

    @zoo.serializable("tests_saving")
    class FailsOnSave(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), name="w")

        def call(self, x):
            return x * self.w

        def save_own_variables(self, store):
            store["0"] = np.ones(3, "float32")  # something is written, then it fails
            raise error

    inputs = keras.Input((3,))
    return keras.Model(inputs, FailsOnSave()(keras.layers.Dense(3)(inputs)))


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_zoo_save_failing_mid_write_keeps_the_old_file(
    toy_registry, tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "m.keras"
    zoo.save(zoo.build("toy_small"), path)
    before = path.read_bytes()
    with pytest.raises(type(error)):
        zoo.save(_model_that_fails_while_saving_weights(error), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]
    assert zoo.load(path).name == "toy_mlp"


def test_zoo_save_failing_while_writing_metadata(
    toy_registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    def copy_then_fail(source, target, length=0) -> None:
        target.write(source.read(100))
        raise OSError("no space left")

    path = tmp_path / "m.keras"
    path.write_bytes(b"the old model")
    model = zoo.build("toy_small")
    monkeypatch.setattr(shutil, "copyfileobj", copy_then_fail)
    with pytest.raises(OSError, match="no space left"):
        zoo.save(model, path)
    assert path.read_bytes() == b"the old model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


KILLED = """
import os, signal, sys
from pathlib import Path
from zoo._saving.save import save_atomic

class DiesMidWrite:
    def save(self, path):
        with open(path, "wb") as handle:
            handle.write(b"PK\\x03\\x04" + bytes(4096))
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)   # no finally block runs after this

save_atomic(DiesMidWrite(), sys.argv[1])
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_killed_save_never_leaves_a_partial_destination(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    path.write_bytes(b"the old model")
    out = subprocess.run(
        [sys.executable, "-c", KILLED, str(path)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == -signal.SIGKILL, out.stderr
    assert path.read_bytes() == b"the old model"
    # What the killed process left is a hidden temporary beside it, never the destination.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "m.keras"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".m.")
    assert leftovers[0].endswith(".partial.keras")


def test_zoo_save_takes_a_model(tmp_path: Path) -> None:
    with pytest.raises(zoo.ZooError, match="zoo.save saves a keras.Model. Received: str"):
        zoo.save("model", tmp_path / "m.keras")


def test_cli_build_save_writes_the_zoo_metadata(toy_registry, tmp_path: Path, capsys) -> None:
    from zoo._cli import main
    from zoo._saving.load import read_saved_file

    assert main(["build", "toy_small", "--save", str(tmp_path / "cli.keras")]) == 0
    saved = read_saved_file(tmp_path / "cli.keras")
    assert saved.plugins == {
        "toy": {"distribution": "zoo-toy", "version": "0.1", "names": ["Affine"]}
    }
