"""``python -m zoo check``: the conformance kit from the command line."""

from __future__ import annotations

import json

import pytest

import zoo
from zoo._cli import main


def test_check_a_plugin_passes_with_counts(toy_registry, capsys) -> None:
    assert main(["check", "--plugin", "toy", "--skip", "xla", "--skip", "export"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[:5] == [
        "ok   toy/Affine: 9 passed, 0 failed, 0 not applicable",
        "ok   toy/MaxAbsError: 7 passed, 0 failed, 2 not applicable",
        "ok   toy/ScaledMSE: 8 passed, 0 failed, 1 not applicable",
        "ok   toy/toy_mlp: 9 passed, 0 failed, 0 not applicable",
        "ok   toy/toy_small: 7 passed, 0 failed, 2 not applicable",
    ]
    table = {line.split()[0]: line.split()[1:] for line in lines[6:15]}
    assert table["CHECK"] == ["PASSED", "FAILED", "NOT", "APPLICABLE"]
    assert table["gradients"] == ["4", "0", "1"]  # a metric has nothing to differentiate
    assert table["batch_independence"] == ["3", "0", "2"]  # a loss and a metric reduce
    assert table["mixed_bfloat16"] == ["4", "0", "1"]  # a recipe: its builder covers it
    assert "xla" not in table and "export" not in table
    assert lines[-1] == "5 of 5 components conform; checks: 40 passed, 0 failed, 5 not applicable"


def test_check_json_and_selection(toy_registry, capsys) -> None:
    assert main(["check", "Affine", "toy_*", "--check", "shapes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [c["component"] for c in result["components"]] == [
        "toy/Affine",
        "toy/toy_mlp",
        "toy/toy_small",
    ]
    assert all([r["check"] for r in c["results"]] == ["shapes"] for c in result["components"])
    assert result["summary"] == {
        "components": 3,
        "conforming": 3,
        "passed": 3,
        "failed": 0,
        "not applicable": 0,
    }
    assert result["ok"] is True and result["name_clashes"] == []


class _Broken:
    @zoo.hookimpl
    def zoo_register(self, register):
        register(
            zoo.ComponentSpec(
                "ForgetsConfig",
                kind="layer",
                target="zoo_broken:ForgetsConfig",
                example={"input_shape": [2, 3]},
            )
        )


def test_a_failing_component_fails_the_command(isolated_registry, capsys) -> None:
    zoo.register_plugin(_Broken(), "broken")
    try:
        code = main(["check", "--plugin", "broken", "--check", "config", "--check", "shapes"])
    finally:
        zoo.unregister_plugin("broken")
    assert code == 1
    out = capsys.readouterr().out
    assert "FAIL broken/ForgetsConfig: 1 passed, 1 failed, 0 not applicable" in out
    assert "config             failed: get_config() lacks the constructor argument(s) scale" in out
    assert "0 of 1 components conform" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nothing*"], "Each pattern must match a component. Received: 'nothing*'"),
        (["check", "--plugin", "absent"], "No plugin is called 'absent'"),
        (["check", "--plugin", "toy", "--kind", "callback"], "zoo check needs at least one"),
        (["check", "Afine"], "Did you mean 'Affine'"),
    ],
)
def test_bad_selections(toy_registry, capsys, args: list[str], message: str) -> None:
    assert main(args) == 1
    assert message in capsys.readouterr().err


def test_usage_errors(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--check", "speed"])
    assert info.value.code == 2
    assert "invalid choice: 'speed'" in capsys.readouterr().err
