"""Issue #28 point 3: advice a user can follow, at the command line."""

from __future__ import annotations

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
