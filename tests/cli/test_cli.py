"""``python -m zoo``: tables, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zoo._cli import main


def zoo_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_list_table_and_filters(toy_registry, capsys) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "KIND", "SUMMARY"]
    ids = [line.split()[0] for line in lines[1:]]
    assert ids == ["toy/Affine", "toy/MaxAbsError", "toy/ScaledMSE", "toy/toy_mlp", "toy/toy_small"]
    assert "model (recipe)" in lines[-1] and "Tiny." in lines[-1]
    assert main(["list", "toy_*", "--kind", "model", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["components"]
    assert [c["id"] for c in listed] == ["toy/toy_mlp", "toy/toy_small"]
    assert listed[1]["recipe"] is True and listed[1]["args"] == {"hidden": 2}
    assert main(["list", "--tag", "dense"]) == 0
    assert "toy/Affine" in capsys.readouterr().out
    assert main(["list", "nothing"]) == 0
    assert "nothing matches" in capsys.readouterr().out


def test_plugins_table_and_json(toy_registry, capsys) -> None:
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:5] == ["toy", "loaded", "zoo-toy", "0.1", "5"]
    assert main(["plugins", "--json"]) == 0
    (plugin,) = json.loads(capsys.readouterr().out)["plugins"]
    assert plugin["name"] == "toy" and plugin["status"] == "loaded"


def test_info_of_a_component_and_of_a_recipe(toy_registry, capsys) -> None:
    assert main(["info", "Affine"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("toy/Affine\n  y = x W + b.")
    assert "distribution: zoo-toy" in out and "target:       zoo_toy.affine:Affine" in out
    assert "    units (required)" in out and "    use_bias = True" in out
    assert main(["info", "toy_small", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["builder"] == "toy/toy_mlp" and info["distribution"] == "zoo-toy"
    params = {p["name"]: p for p in info["parameters"]}
    assert params["hidden"]["default"] == 2 and params["hidden"]["fixed_by_recipe"]
    assert params["num_classes"] == {
        "name": "num_classes",
        "default": 3,
        "annotation": "int",
        "required": False,
    }
    assert info["doc"] == "A one-hidden-layer classifier built from the toy Affine layer."


def test_build_with_overrides_summary_and_save(toy_registry, capsys, tmp_path: Path) -> None:
    import keras

    path = tmp_path / "toy.keras"
    code = main(
        [
            "build",
            "toy_small",
            "--set",
            "hidden=3",
            "--set",
            "name=cli",
            "--summary",
            "--save",
            str(path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "built cli: 27 parameters; inputs (None, 4); outputs (None, 3)" in out
    assert f"saved to {path}" in out and "Total params" in out
    assert keras.saving.load_model(path).get_layer(index=1).units == 3
    assert [p.name for p in tmp_path.iterdir()] == ["toy.keras"]  # no temporary left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["info", "Afine"],
            "error: No component or recipe is called 'Afine'. Did you mean 'Affine'",
        ),
        (["build", "toy_small", "--set", "hiden=3"], "does not accept the argument 'hiden'"),
        (["build", "toy_small", "--set", "hidden"], "--set takes KEY=VALUE"),
        (["build", "toy_small", "--set", "hidden=three"], "Received: hidden='three' (str)"),
        (["build", "toy_small", "--save", "model.h5"], "A saved model file ends in .keras"),
    ],
)
def test_errors_are_one_clear_message(toy_registry, capsys, args: list[str], message: str) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err


def test_exit_codes_in_a_real_process(toy_env: dict[str, str]) -> None:
    ok = zoo_cli(toy_env, "list", "--json")
    assert ok.returncode == 0, ok.stderr
    listed = {c["id"]: c for c in json.loads(ok.stdout)["components"]}
    assert listed["toy/Affine"]["distribution"] == "zoo-toy"
    error = zoo_cli(toy_env, "info", "nope")
    assert error.returncode == 1 and error.stderr.startswith("error: No component")
    assert "Traceback" not in error.stderr
    usage = zoo_cli(toy_env, "list", "--kind", "widget")
    assert usage.returncode == 2 and "invalid choice: 'widget'" in usage.stderr
    bare = zoo_cli(toy_env)
    assert bare.returncode == 0 and "COMMAND" in bare.stdout and "build" in bare.stdout


def test_set_values_are_toml() -> None:
    from zoo._cli.building import parse_override

    assert parse_override("a=10") == ("a", 10)
    assert parse_override("a=0.5") == ("a", 0.5)
    assert parse_override("a=[32, 32, 3]") == ("a", [32, 32, 3])
    assert parse_override('a="10"') == ("a", "10")
    assert parse_override("a=true") == ("a", True)
    assert parse_override("a=relu") == ("a", "relu")
