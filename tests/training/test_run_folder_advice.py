"""Issue #28 point 3: the run folder follows the user's umask, makes --out's parents, and
records a failed run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zoo._base.errors import ZooError
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


def test_out_with_missing_parents_is_made(tmp_path: Path) -> None:
    out = tmp_path / "runs" / "deeper" / "x"
    assert run_folder.prepare(out, resume=False) is None
    run_folder.begin(out, {"recipe": "r", "status": "running"}, default=False)
    assert run_folder.read_run(out)["status"] == "running"


def test_folders_made_for_a_run_go_again_when_the_record_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(path: Path, data: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(run_folder, "write_json", broken)
    with pytest.raises(OSError):
        run_folder.begin(tmp_path / "runs" / "x", {}, default=False)
    assert list(tmp_path.iterdir()) == []


def test_out_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ZooError, match="which is a file"):
        run_folder.prepare(tmp_path / "a_file" / "x", resume=False)


# === A run that stops early says so ===

TRAINING = {"monitor": "val_loss", "patience": 10}


def test_early_stopping_is_recorded_with_its_epoch_metric_and_patience() -> None:
    record = {"epochs": 40, "training": TRAINING}
    history = {"loss": [1.0] * 20, "val_loss": [1.0] * 20}
    stopped = run_folder.stopped_early(record, history, best_epoch=10)
    assert stopped == {
        "epoch": 20,
        "epochs": 40,
        "monitor": "val_loss",
        "patience": 10,
        "best_epoch": 10,
        "reason": "val_loss had not improved for 10 epochs since its best at epoch 10 "
        "(early stopping, patience 10)",
    }
    assert run_folder.stopped_early_line({"stopped_early": stopped}) == (
        "stopped early at epoch 20 of 40: val_loss had not improved for 10 epochs since its "
        "best at epoch 10 (early stopping, patience 10)"
    )


def test_a_run_of_all_its_epochs_did_not_stop_early() -> None:
    record = {"epochs": 3, "training": TRAINING}
    assert run_folder.stopped_early(record, {"loss": [1, 2, 3]}, 1) is None
    assert run_folder.stopped_early_line({"stopped_early": None}) is None


def test_a_stop_that_is_not_early_stopping_names_a_callback() -> None:
    record = {"epochs": 40, "training": {"monitor": "val_loss", "patience": 10}}
    stopped = run_folder.stopped_early(record, {"loss": [1.0] * 5, "loss_x": []}, 4)
    assert stopped is not None and stopped["reason"] == "a callback stopped the training"
    assert stopped["monitor"] is None


def test_without_validation_the_metric_is_the_training_one() -> None:
    record = {"epochs": 40, "training": TRAINING}
    stopped = run_folder.stopped_early(record, {"loss": [1.0] * 12}, 2)
    assert stopped is not None and stopped["monitor"] == "loss"


# === A run that fails says so in run.json ===


def test_a_run_that_fails_is_recorded_failed_with_its_reason(tmp_path: Path) -> None:
    out = tmp_path / "run"
    place = run_folder.training_folder(out, resume=False, default=False, chief=True)
    with pytest.raises(ZooError), place as (folder, _):
        run_folder.begin(folder, {"recipe": "r", "status": "running"}, default=False)
        raise ZooError("The loss could not be computed. Received: x. Do y.")
    record = run_folder.read_run(out)
    assert record["status"] == "failed"
    assert record["error"] == "The loss could not be computed. Received: x. Do y."


def test_a_refused_resume_leaves_the_interrupted_run_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    run_folder.write_json(out / "run.json", {"recipe": "r", "status": "running"})
    place = run_folder.training_folder(out, resume=True, default=False, chief=True)
    with pytest.raises(ZooError), place:
        raise ZooError("--resume continues a run with the options it started with.")
    assert run_folder.read_run(out)["status"] == "running"


def test_an_interrupted_run_stays_running_to_be_resumed(tmp_path: Path) -> None:
    out = tmp_path / "run"
    place = run_folder.training_folder(out, resume=False, default=False, chief=True)
    with pytest.raises(KeyboardInterrupt), place as (folder, _):
        run_folder.begin(folder, {"recipe": "r", "status": "running"}, default=False)
        raise KeyboardInterrupt
    assert run_folder.read_run(out)["status"] == "running"
