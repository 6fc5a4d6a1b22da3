"""Atomic saves: a failure leaves the old file (or nothing), never a partial one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._saving import save_atomic


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
