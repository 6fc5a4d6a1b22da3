"""Issue #28 point 3: a mistyped data path suggests the close-matching path beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

import zoo
from zoo._data.resolve import close_paths


def test_a_mistyped_folder_suggests_its_sibling_before_a_data_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "digits_png").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(zoo.ZooError) as raised:
        zoo.load_data("digit_png/")
    message = str(raised.value)
    assert "Did you mean 'digits_png/'?" in message
    assert "Did you mean 'vision/digits'" not in message


@pytest.mark.parametrize("given", ["./digit_png", "digit_png.npz"])
def test_a_missing_path_suggests_the_close_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    (tmp_path / "digits_png").mkdir()
    (tmp_path / "digits_png.npz").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(zoo.ZooError, match=r"Did you mean '(\./)?digits_png"):
        zoo.load_data(given)


def test_close_paths_keeps_the_folder_part(tmp_path: Path) -> None:
    (tmp_path / "digits_png").mkdir()
    assert close_paths(f"{tmp_path}/digit_png/") == [f"{tmp_path}/digits_png/"]
    assert close_paths(f"{tmp_path}/nothing_like_it") == []
    assert close_paths(f"{tmp_path}/no_folder/digit_png") == []
