"""Issue #28 point 3: the run folder follows the user's umask, makes --out's parents, and
records a failed run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zoo._training import run_folder


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_json_files_follow_the_umask(tmp_path: Path, mask: int) -> None:
    old = os.umask(mask)
    try:
        run_folder.write_json(tmp_path / "run.json", {"a": 1})
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    expected = 0o666 & ~mask
    assert (tmp_path / "run.json").stat().st_mode & 0o777 == expected
    assert (tmp_path / "plain.txt").stat().st_mode & 0o777 == expected
