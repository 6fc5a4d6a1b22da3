"""Issue 14: ``--set`` values, argument messages, path checks before building, listings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pytest

import zoo
from zoo._base.arguments import check_arguments
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
    import zoo._factory.build

    monkeypatch.setattr(zoo._factory.build, "build", lambda *a, **k: built.append(a))
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


# === no silent empty results ===


def test_a_mistyped_kind_or_plugin_raises_with_close_matches(toy_registry) -> None:
    with pytest.raises(zoo.ArgumentError, match="Did you mean 'layer'"):
        zoo.list_components(kind="layers")
    with pytest.raises(zoo.NotFoundError, match="Did you mean 'toy'"):
        zoo.list_components(plugin="tyo")
    assert [e.id for e in zoo.list_components(kind="recipe")] == ["toy/toy_small"]
    assert [e.id for e in zoo.list_components(kind="model")] == ["toy/toy_mlp", "toy/toy_small"]


def test_an_installed_but_disabled_plugin_warns_when_listed(make_plugin) -> None:
    from zoo._registry import Registry

    ep = make_plugin("xqoff", "    pass")
    reg = Registry(
        environ={"ZOO_DISABLE_PLUGINS": "xqoff"}, include_default_file=False, entry_points=[ep]
    )
    with pytest.warns(zoo.ZooWarning, match="'xqoff', which is disabled: listed in ZOO_DIS"):
        assert reg.entries(plugin="xqoff") == []


def test_control_variables_naming_no_installed_plugin_warn(make_plugin) -> None:
    from zoo._registry import Registry

    eps = [make_plugin("xqvision", "    pass")]
    for variable in ("ZOO_PLUGINS", "ZOO_DISABLE_PLUGINS"):
        reg = Registry(environ={variable: "xqvison"}, include_default_file=False, entry_points=eps)
        with pytest.warns(zoo.ZooWarning, match=f"{variable} .* Did you mean 'xqvision'"):
            reg.load()


def test_cli_list_of_an_unknown_plugin_fails_and_recipes_list_alone(toy_registry, capsys):
    assert main(["list", "--plugin", "nosuch"]) == 1
    assert capsys.readouterr().err.startswith("error: No plugin is called 'nosuch'")
    assert main(["list", "--kind", "recipe"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["toy/toy_small"]


# === stable, readable listings ===


def test_json_listings_carry_a_schema_version(toy_registry, capsys) -> None:
    import json

    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["schema_version"] == 1 and len(listed["components"]) == 5
    assert main(["plugins", "--json"]) == 0
    plugins = json.loads(capsys.readouterr().out)
    assert plugins["schema_version"] == 1 and plugins["plugins"][0]["components"] == 5


def test_the_project_listing_fits_100_columns_and_counts_alike(capsys, tmp_path) -> None:
    import json

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 100 and any(line.endswith("...") for line in lines)
    assert main(["list", "--wide"]) == 0
    assert max(map(len, capsys.readouterr().out.splitlines())) > 100
    from zoo._registry import default_registry, set_default_registry

    previous = default_registry()  # --registry replaces the default registry
    try:
        lab = tmp_path / "lab.toml"
        lab.write_text(
            '[recipes.xqlab.small]\nbuilder = "vision/resnet_cifar"\nargs = { depth = 8 }\n'
        )
        assert main(["plugins", "--json", "--registry", str(lab)]) == 0
        document = json.loads(capsys.readouterr().out)
        counts = {p["name"]: p["components"] for p in document["plugins"]}
        for name, count in counts.items():  # a plugin's count is what `list --plugin` lists
            assert count == len(zoo.list_components(plugin=name)), name
        vision_recipes = [
            e for e in zoo.list_components(plugin="vision") if isinstance(e, zoo.Recipe)
        ]
        assert vision_recipes  # declared in registry.toml, counted with the plugin
        assert document["recipes"] == [{"name": "xqlab", "components": 1, "sources": [str(lab)]}]
        assert main(["plugins", "--registry", str(lab)]) == 0
        out = capsys.readouterr().out
        assert any(line.split()[:2] == ["xqlab", "recipes"] for line in out.splitlines())
    finally:
        set_default_registry(previous)


def test_a_closed_pipe_ends_the_listing_with_status_0() -> None:
    import subprocess
    import sys

    script = (
        "import os, sys\nr, w = os.pipe()\nos.close(r)\nos.dup2(w, 1)\n"
        "sys.stdout = open(1, 'w', closefd=False)\nfrom zoo._cli import main\n"
        "rc = main(['list'])\nos.write(2, f'rc={rc}'.encode())\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert run.stderr.decode().endswith("rc=0"), run.stderr


def test_errors_are_named_as_users_import_them() -> None:
    import pickle

    for cls in (zoo.ZooError, zoo.NotFoundError, zoo.ArgumentError, zoo.ZooWarning):
        assert f"{cls.__module__}.{cls.__qualname__}" == f"zoo.{cls.__name__}"
    error = pickle.loads(pickle.dumps(zoo.NotFoundError("gone")))
    assert type(error) is zoo.NotFoundError


def test_register_plugin_takes_a_simple_namespace(isolated_registry) -> None:
    import types

    @zoo.hookimpl
    def zoo_register(register):
        register(zoo.ComponentSpec("Star", kind="layer", target="nowhere.at_all:Star"))

    info = zoo.register_plugin(types.SimpleNamespace(zoo_register=zoo_register), "xqns")
    try:
        assert info.status == "loaded"
        assert [e.id for e in zoo.list_components(plugin="xqns")] == ["xqns/Star"]
    finally:
        zoo.unregister_plugin("xqns")


# === message hygiene ===


def test_messages_have_no_doubled_full_stops(make_plugin, tmp_path, monkeypatch) -> None:
    from zoo._registry import Registry

    clash = make_plugin(
        "xqclash",
        source=(
            "import zoo\n\n@zoo.hookimpl\ndef zoo_register(register):\n"
            f"    register(zoo.ComponentSpec('A', kind='layer', target='{tmp_path.name}_m:A'))\n"
        ),
    )
    (tmp_path / f"{tmp_path.name}_m.py").write_text(
        "import keras\nimport zoo\n\n"
        "@zoo.serializable('xqclash', name='Dup')\nclass A(keras.layers.Layer):\n    pass\n\n"
        "@zoo.serializable('xqclash', name='Dup')\nclass B(keras.layers.Layer):\n    pass\n"
    )
    reg = Registry(environ={}, include_default_file=False, entry_points=[clash])
    with pytest.raises(zoo.ZooError) as caught:
        reg.get("xqclash/A")
    message = str(caught.value)
    assert "A Keras name belongs to one class" in message
    assert (
        ".." not in message
        and "reinstall" not in message
        and "could not be imported" not in message
    )

    one = make_plugin("xqtwin2", "    pass")
    two = make_plugin("xqtwin2", "    pass")
    strict = Registry(
        environ={"ZOO_STRICT_PLUGINS": "1"}, include_default_file=False, entry_points=[one, two]
    )
    with pytest.raises(zoo.PluginError) as caught:
        strict.load()
    assert "uninstall one of them. Fix or uninstall" in str(caught.value)
    assert ".." not in str(caught.value)


def test_loading_a_file_of_a_disabled_plugin_says_to_enable_it(toy_registry, toy_env, tmp_path):
    import subprocess
    import sys

    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    env = {**toy_env, "ZOO_DISABLE_PLUGINS": "toy"}
    del env["ZOO_PLUGINS"]
    script = (
        "import sys, zoo\ntry:\n    zoo.load(sys.argv[1])\n"
        "except zoo.NotFoundError as e:\n    print(e)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Enable the plugin 'toy'" in run.stdout and "pip install" not in run.stdout


# === piped output ===


def test_piped_output_arrives_line_by_line() -> None:
    """A line printed by a command reaches a pipe before the command ends."""
    import subprocess
    import sys

    script = (
        "import sys, time\nfrom zoo._cli._output import line_buffered_when_piped\n"
        "line_buffered_when_piped()\nprint('first line')\ntime.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "first line\n"  # while the process still sleeps
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
