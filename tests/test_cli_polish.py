"""Issue 14: ``--set`` values, argument messages, path checks before building, listings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

import zoo
from zoo._arguments import check_arguments
from zoo._cli import main
from zoo._cli.building import parse_override

# === --set values ===


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("input_shape=[null,null]", [None, None]),
        ("classifier_activation=null", None),
        ("a={x = null, y = 'null'}", {"x": None, "y": "null"}),
        ('a="null"', "null"),
        ("a=[1, null, 'x null']", [1, None, "x null"]),
        ("a=nullable", "nullable"),
        ("a=relu", "relu"),
        ("a=[32, 32, 3]", [32, 32, 3]),
    ],
)
def test_set_values_take_null_for_none(text: str, expected: object) -> None:
    assert parse_override(text)[1] == expected


def test_a_python_tuple_points_at_the_toml_syntax() -> None:
    with pytest.raises(zoo.ArgumentError, match=r"input_shape=\[32,32,3\]"):
        parse_override("input_shape=(32,32,3)")
    with pytest.raises(zoo.ArgumentError, match="not valid TOML"):
        parse_override("a=[1, 2")


def _builder(
    shape: tuple[int, int, int] = (1, 2, 3),
    mode: Literal["zero_pad", "projection"] = "zero_pad",
    size: tuple[int | None, int | None] = (None, None),
    rate: float = 0.5,
    count: int = 1,
    flag: bool = False,
):
    return None


def test_type_errors_say_what_is_wrong() -> None:
    with pytest.raises(zoo.ArgumentError, match="2 values where 3 are expected"):
        check_arguments(_builder, {"shape": [32, 32]}, "b")
    with pytest.raises(zoo.ArgumentError, match=r"item 1 \('x'\) is not an int"):
        check_arguments(_builder, {"shape": [32, "x", 3]}, "b")
    with pytest.raises(zoo.ArgumentError, match="Did you mean 'zero_pad'"):
        check_arguments(_builder, {"mode": "zeropad"}, "b")
    with pytest.raises(zoo.ArgumentError, match="null on the command line"):
        check_arguments(_builder, {"count": "ten"}, "b")
    check_arguments(_builder, {"size": [None, 7]}, "b")


def test_numpy_numbers_are_accepted_wherever_python_ones_are(toy_registry) -> None:
    check_arguments(
        _builder,
        {"shape": [np.int64(4), np.int32(4), 3], "rate": np.float32(0.1), "count": np.int8(2)},
        "b",
    )
    with pytest.raises(zoo.ArgumentError, match="not an int"):
        check_arguments(_builder, {"count": np.bool_(True)}, "b")
    model = zoo.build("toy_small", hidden=np.int64(3), num_classes=np.int32(2))
    assert model.output.shape == (None, 2)


def test_a_builders_value_error_is_an_argument_error(toy_registry) -> None:
    with pytest.raises(zoo.ArgumentError, match="Building toy/toy_mlp failed") as caught:
        zoo.build("toy_mlp", hidden=-1)
    assert isinstance(caught.value, ValueError)


@pytest.mark.slow
def test_espcn_builds_a_whole_image_model_from_the_command_line(capsys) -> None:
    assert main(["build", "espcn_x2", "--set", "input_shape=[null,null]"]) == 0
    out = capsys.readouterr().out
    assert "inputs (None, None, None, 1)" in out and "outputs (None, None, None, 1)" in out


# === paths are checked before building ===


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "toy_small", "--save", "missing_dir/m.keras"], "must exist"),
        (["build", "toy_small", "--save", "m.h5"], "ends in .keras"),
        (["export", "toy_small", "-o", "m.tflite", "--format", "saved_model"], "is a folder"),
        (["export", "toy_small", "-o", "missing_dir/m.tflite"], "must exist"),
        (["export", "toy_small", "-o", "out", "--quantize", "float16"], "TFLite exports"),
        (["graph", "toy_small", "--out", "m.bmp"], "ends in one of"),
    ],
)
def test_paths_are_checked_before_the_build(
    toy_registry, capsys, monkeypatch, tmp_path: Path, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    built = []
    monkeypatch.setattr(zoo._registry.Registry, "build", lambda *a, **k: built.append(a))
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err, err
    assert built == []


def test_export_format_follows_the_suffix_and_takes_a_recipe_name(toy_registry, tmp_path):
    from zoo._export import export_format, run_tflite

    assert export_format("x.tflite") == "tflite" and export_format("serving") == "saved_model"
    path = zoo.export("toy_small", tmp_path / "toy.tflite")
    model = zoo.build("toy_small")
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    (out,) = run_tflite(path, x)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(5), rtol=1e-5)
    assert out.shape == model(x).shape
    with pytest.raises(zoo.ZooError, match="is a folder"):
        zoo.export(model, tmp_path / "other.tflite", format="saved_model")


def test_export_help_states_the_format_default(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "default: tflite when --output ends in .tflite, saved_model otherwise" in help_text


def test_bare_command_prints_the_commands(capsys) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("list", "info", "build", "export", "check"))
