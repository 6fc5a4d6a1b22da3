"""Hardening of saving and exporting (issue 13, point 9): what killed saves leave behind
is cleaned up by the next save to the same target, and replacing an export folder leaves
the old or the new folder at the path at every instant (or recovers the old one)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import zoo
from zoo._saving.save import atomic_destination, save_atomic

KILLED = """
import os, signal, sys
from zoo._saving.save import save_atomic

class DiesMidWrite:
    def save(self, path):
        with open(path, "wb") as handle:
            handle.write(b"PK\\x03\\x04" + bytes(int(sys.argv[2])))
            handle.flush()
            os.kill(os.getpid(), signal.SIGKILL)   # no finally block runs after this

save_atomic(DiesMidWrite(), sys.argv[1])
"""


class Writes:
    """A stand-in model whose save writes known bytes (no Keras needed)."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def save(self, path: str) -> None:
        Path(path).write_bytes(self.content)


def _kill_mid_save(path: Path, size: int) -> None:
    out = subprocess.run(
        [sys.executable, "-c", KILLED, str(path), str(size)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == -signal.SIGKILL, out.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_the_next_save_removes_what_killed_saves_left_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    path.write_bytes(b"the old model")
    for _ in range(3):  # each killed save first removes what the one before it left
        _kill_mid_save(path, 2**20)
    leftovers = [p for p in tmp_path.iterdir() if p != path]
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 2**20
    assert path.read_bytes() == b"the old model"
    with pytest.warns(zoo.ZooWarning, match=r"removed 1 temporary file\(s\) \(1\.0 MiB\)"):
        save_atomic(Writes(b"the new model"), path)
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]
    assert path.read_bytes() == b"the new model"


def test_live_and_foreign_temporaries_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "m.keras"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    stale = tmp_path / f".m.{ended.pid}-{'a' * 32}.partial.keras"
    mine = tmp_path / f".m.{os.getpid()}-{'b' * 32}.partial.keras"  # a thread of this process
    other_target = tmp_path / f".other.{ended.pid}-{'c' * 32}.partial.keras"
    legacy_old = tmp_path / f".m.{'d' * 32}.partial.keras"
    legacy_new = tmp_path / f".m.{'e' * 32}.partial.keras"
    for file in (stale, mine, other_target, legacy_old, legacy_new):
        file.write_bytes(b"x" * 100)
    hour_ago = time.time() - 7200
    os.utime(legacy_old, (hour_ago, hour_ago))
    with pytest.warns(zoo.ZooWarning, match="removed 2 temporary file"):
        save_atomic(Writes(b"model"), path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m.keras", mine.name, other_target.name, legacy_new.name])


def _fill(folder: Path, marker: str) -> None:
    folder.mkdir()
    (folder / "saved_model.pb").write_text(marker)
    (folder / "variables").mkdir()
    (folder / "variables" / "data").write_bytes(b"0" * 1000)


def test_replacing_a_folder_never_leaves_the_path_empty(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "export"
    with atomic_destination(path) as partial:
        _fill(partial, "0")
    real_replace = os.replace

    def slow_replace(source, target) -> None:  # a slow file system widens any window
        real_replace(source, target)
        time.sleep(0.002)

    monkeypatch.setattr(os, "replace", slow_replace)
    misses = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if not (path / "saved_model.pb").exists():
                misses.append(time.perf_counter())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(1, 100):
            with atomic_destination(path) as partial:
                _fill(partial, str(i))
    finally:
        done.set()
        watcher.join()
    assert misses == []
    assert (path / "saved_model.pb").read_text() == "99"
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


KILLED_REPLACE = """
import os, sys
from pathlib import Path
import zoo._saving.save as saving

saving._exchange = lambda a, b: False       # a file system that cannot swap two paths
real_replace = os.replace

def replace_then_die(source, target):
    real_replace(source, target)
    if Path(target).name.endswith(".old"):  # the old folder was just moved aside
        os._exit(9)

os.replace = replace_then_die
with saving.atomic_destination(Path(sys.argv[1])) as partial:
    partial.mkdir()
    (partial / "saved_model.pb").write_text("new")
"""


def test_a_kill_between_the_two_renames_is_recovered_by_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "export"
    with atomic_destination(path) as partial:
        _fill(partial, "old")
    out = subprocess.run(
        [sys.executable, "-c", KILLED_REPLACE, str(path)], capture_output=True, text=True
    )
    assert out.returncode == 9, out.stderr
    assert not path.exists()  # the window the fallback cannot close
    restored = "restored .*export.* a killed save had moved aside"
    with pytest.warns(zoo.ZooWarning, match=restored), atomic_destination(path) as partial:
        assert (path / "saved_model.pb").read_text() == "old"  # back before the new one
        _fill(partial, "newer")
    assert (path / "saved_model.pb").read_text() == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["export"]
