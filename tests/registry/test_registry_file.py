"""registry.toml: recipes, settings, plugin control; malformed files name file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import zoo
from zoo._base.places import default_registry_path
from zoo._registry import Registry
from zoo._registry.files import load_registry_config


def _write(tmp_path: Path, text: str, name: str = "registry.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[plugin]\n", "plugin", "Expected one of: plugins, settings, recipes"),
        ("[plugins]\nautolaod = true\n", "plugins.autolaod", "Did you mean 'autoload'"),
        ("[plugins]\nstrict = 'yes'\n", "plugins.strict", "expected true or false"),
        ("[plugins]\nallow = 'vision'\n", "plugins.allow", "expected a list of plugin names"),
        ("recipes = 3\n", "recipes", "expected a table"),
        (
            "[recipes.lab.r]\nbuilder = 'x/y'\narg = {}\n",
            "recipes.lab.r.arg",
            "Did you mean 'args'",
        ),
        ("[recipes.lab.r]\nargs = {}\n", "recipes.lab.r", "a recipe needs a builder"),
        ("[recipes.lab.r]\nbuilder = 'os:system'\n", "recipes.lab.r", "never an import path"),
        ("[recipes.lab.r]\nbuilder = 'x/y'\ntags = 'a'\n", "recipes.lab.r", "tags must be a list"),
        ("[recipes.lab.r]\nbuilder = 'x/y'\nargs = 5\n", "recipes.lab.r.args", "expected a table"),
        (
            "[recipes.lab.r]\nbuilder = 'x/y'\n[recipes.lab.r.search.width]\ntype = 'choice'\n",
            "recipes.lab.r",
            "missing=\\['values'\\]",
        ),
        ("[recipes.'bad ns'.r]\nbuilder = 'x/y'\n", "recipes.bad ns.r", "recipe namespace"),
    ],
)
def test_malformed_files_name_the_file_and_key(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(zoo.RegistryFileError) as info:
        load_registry_config([path])
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: ")
    assert pytest.importorskip("re").search(expected, message), message


def test_invalid_toml_names_the_file_and_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "[plugins]\nautoload = \n")
    with pytest.raises(zoo.RegistryFileError, match=f"{path}: not valid TOML: .*line 2"):
        load_registry_config([path])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(zoo.RegistryFileError, match="registry file not found"):
        load_registry_config([tmp_path / "nope.toml"])


def test_user_recipes_from_zoo_registry_and_extra_files(toy_registry, tmp_path: Path) -> None:
    from zoo._registry import set_default_registry

    first = _write(
        tmp_path, '[recipes.lab.wide]\nbuilder = "toy/toy_mlp"\nargs = {hidden = 16}\n', "a.toml"
    )
    second = _write(
        tmp_path, '[recipes.lab.narrow]\nbuilder = "toy_mlp"\nsummary = "Narrow."\n', "b.toml"
    )
    import zoo_toy

    reg = Registry(
        environ={"ZOO_REGISTRY": str(first)},
        include_default_file=False,
        entry_points=[],
        registry_files=[second],
    )
    previous = set_default_registry(reg)
    try:
        zoo.register_plugin(zoo_toy, "toy")
        assert reg.registry_files() == [first, second]
        assert [e.id for e in zoo.list_components(kind="model")] == [
            "lab/narrow",
            "lab/wide",
            "toy/toy_mlp",
            "toy/toy_small",
        ]
        wide = zoo.build("wide")
        assert wide.get_layer(index=1).units == 16
        assert zoo.get_spec("lab/narrow").source == str(second)
    finally:
        set_default_registry(previous)


def test_user_recipe_never_shadows_silently(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    clash = _write(tmp_path, '[recipes.toy.toy_small]\nbuilder = "toy/toy_mlp"\n')
    reg = Registry(environ={}, include_default_file=False, entry_points=[], registry_files=[clash])
    with pytest.raises(zoo.RegistryFileError) as info:
        reg.register_plugin(zoo_toy, "toy")
    message = str(info.value)
    assert str(clash) in message and "'toy/toy_small' is already declared by plugin toy" in message
    # The failed registration left nothing behind.
    assert reg.plugins() == [] and reg.entries() == []


def test_short_name_clash_with_a_user_recipe_is_ambiguous(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    mine = _write(tmp_path, '[recipes.lab.toy_small]\nbuilder = "toy/toy_mlp"\n')
    reg = Registry(environ={}, include_default_file=False, entry_points=[], registry_files=[mine])
    reg.register_plugin(zoo_toy, "toy")
    with pytest.raises(zoo.AmbiguousNameError, match="lab/toy_small, toy/toy_small"):
        reg.resolve("toy_small")


def test_recipe_with_an_unknown_builder_of_a_loaded_plugin_fails(toy_registry, tmp_path) -> None:
    import zoo_toy

    bad = _write(tmp_path, '[recipes.lab.r]\nbuilder = "toy/toy_mpl"\n')
    reg = Registry(environ={}, include_default_file=False, entry_points=[], registry_files=[bad])
    with pytest.raises(
        zoo.RegistryFileError, match="recipes.lab.r.builder: .*Did you mean 'toy/toy_mlp'"
    ):
        reg.register_plugin(zoo_toy, "toy")


def test_recipe_builder_must_be_a_model(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    bad = _write(tmp_path, '[recipes.lab.r]\nbuilder = "toy/Affine"\n')
    reg = Registry(environ={}, include_default_file=False, entry_points=[], registry_files=[bad])
    with pytest.raises(zoo.RegistryFileError, match="Received: 'toy/Affine', a layer"):
        reg.register_plugin(zoo_toy, "toy")


def test_recipe_of_a_missing_or_disabled_plugin_is_hidden_and_explained(
    make_plugin, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        '[recipes.lab.needs_absent]\nbuilder = "absent/net"\n'
        '[recipes.lab.needs_off]\nbuilder = "off/net"\n',
    )
    body = '    register(zoo.ComponentSpec("net", kind="model", target="m:net"))'
    reg = Registry(
        environ={"ZOO_DISABLE_PLUGINS": "off"},
        include_default_file=False,
        entry_points=[make_plugin("off", body)],
        registry_files=[path],
    )
    assert reg.entries() == []
    with pytest.raises(zoo.NotFoundError, match="plugin 'absent', which is not installed"):
        reg.resolve("needs_absent")
    with pytest.raises(zoo.NotFoundError, match="'off', which is disabled: listed in ZOO_DISABLE"):
        reg.resolve("lab/needs_off")


def test_plugin_settings(tmp_path: Path) -> None:
    path = _write(tmp_path, '[settings.hub]\ntrusted_handles = ["/m/a"]\n')
    more = _write(tmp_path, '[settings.hub]\ncache = "/tmp/c"\n', "more.toml")
    reg = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path, more]
    )
    assert reg.settings("hub") == {"trusted_handles": ["/m/a"], "cache": "/tmp/c"}
    assert reg.settings("vision") == {}


def test_nothing_in_a_registry_file_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = _write(
        tmp_path,
        '[recipes.lab.r]\nbuilder = "lab/b"\n'
        f"args = {{cmd = \"__import__('os').system('touch {marker}')\"}}\n",
    )
    config = load_registry_config([path])
    assert config.recipes[0].args["cmd"].startswith("__import__")
    assert not marker.exists()


def test_project_registry_file_is_valid_and_found() -> None:
    path = default_registry_path()
    assert path is not None and path.name == "registry.toml"
    load_registry_config([path])


def test_cli_registry_option(tmp_path: Path) -> None:
    bad = _write(tmp_path, "[plugins]\nautolaod = true\n")
    out = subprocess.run(
        [sys.executable, "-m", "zoo", "list", "--registry", str(bad)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert f"error: {bad}: plugins.autolaod: unknown key" in out.stderr
    assert "Traceback" not in out.stderr
