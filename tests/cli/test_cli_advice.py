"""Issue #28 point 3: advice a user can follow, at the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo._cli import close_options, main, make_parser

# === Unknown and abbreviated options ===


@pytest.mark.parametrize(
    ("option", "suggested"),
    [("--lr", "--learning-rate"), ("--epoch", "--epochs"), ("--learning_rate", "--learning-rate")],
)
def test_an_unknown_option_shows_the_commands_usage_and_the_close_match(
    capsys: pytest.CaptureFixture[str], option: str, suggested: str
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["train", "toy_small", "--data", "vision/digits", option, "1"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "usage: python -m zoo train" in err
    assert f"unrecognized arguments: {option} 1. Did you mean {suggested}?" in err


def test_a_prefix_of_an_option_is_not_taken_for_it() -> None:
    for argv in (["train", "x", "--epoch", "3"], ["list", "--ki", "model"], ["--vers"]):
        with pytest.raises(SystemExit):
            make_parser(argv).parse_args(argv)


def test_every_parser_refuses_abbreviations() -> None:
    parser = make_parser()
    assert parser.allow_abbrev is False
    (commands,) = [a for a in parser._actions if a.dest == "command"]
    for name, command in commands.choices.items():  # type: ignore[union-attr]
        assert command.allow_abbrev is False, name


def test_close_options_says_nothing_for_a_far_guess() -> None:
    assert close_options("--bogus", ["--out", "--data", "--help"]) == []


# === A run that stopped early says so on stdout ===


def test_zoo_train_says_that_the_run_stopped_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import zoo
    from zoo._training import run_folder
    from zoo._training.fitting import FitResult

    record = {"epochs": 40, "training": {"monitor": "val_loss", "patience": 10}}
    stopped = run_folder.stopped_early(record, {"loss": [1.0] * 36, "val_loss": [1.0] * 36}, 26)
    run_folder.write_json(tmp_path / "run.json", {"status": "completed", "stopped_early": stopped})

    def fake_fit(*args: object, **kwargs: object) -> FitResult:
        paths = run_folder.paths(tmp_path)
        return FitResult(None, {}, {"test": {"loss": 1.0}}, tmp_path, paths)

    monkeypatch.setattr(zoo, "fit", fake_fit)
    assert main(["train", "toy_small", "--data", "vision/digits", "--epochs", "40"]) == 0
    out = capsys.readouterr().out
    assert (
        "stopped early at epoch 36 of 40: val_loss had not improved for 10 epochs since its "
        "best at epoch 26 (early stopping, patience 10)\n"
    ) in out
