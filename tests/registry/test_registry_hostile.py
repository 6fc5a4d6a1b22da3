"""Hardening of plugin loading and registry files (issue 13, points 1, 2, 6, 7 and 11).

Each test sets up a hostile or careless plugin, or a malformed registry file, and checks
that the culprit is named while every other plugin and command keeps working.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zoo
from zoo._registry import Registry

SOURCE = "import zoo\n\n@zoo.hookimpl\ndef zoo_register(register):\n{body}\n"
GOOD = '    register(zoo.ComponentSpec("Star", kind="layer", target="good_mod:Star"))'


def _write_dist(site: Path, plugin: str, module: str, source: str, dist: str = "") -> None:
    """An installed distribution ``<dist> 1.0`` whose entry point ``plugin`` is ``module``."""
    dist = dist or f"{plugin}_dist"
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[zoo.plugins]\n{plugin} = {module}\n")
    if module.isidentifier():
        (site / f"{module}.py").write_text(source)


def _zoo(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    path = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    environ.update(PYTHONPATH=os.pathsep.join(path), ZOO_DISABLE_PLUGIN_AUTOLOAD="", **env)
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _site_with(tmp_path: Path, plugin: str, module: str, source: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    _write_dist(site, "good", "good_mod", SOURCE.format(body=GOOD))
    _write_dist(site, plugin, module, source)
    return site


def _plugins_json(site: Path, **env: str) -> dict[str, dict]:
    out = _zoo(site, "plugins", "--json", ZOO_PLUGINS=f"good,{env.pop('plugin')}", **env)
    assert out.returncode == 0, out.stderr
    return {p["name"]: p for p in json.loads(out.stdout)["plugins"]}


# === 1. One plugin's bad declaration does not break every command ===

BAD_BUILDER = '    register(zoo.Recipe("r", builder="bad/nothing"))'
BAD_GRAPH = (
    '    register(zoo.Recipe("g", graph={"inputs": {"x": {"shape": [2]}}, '
    '"nodes": [{"layer": "bad/Nope"}]}))'
)


@pytest.mark.parametrize(
    ("body", "recipe", "why"),
    [
        (BAD_BUILDER, "bad/r", "No component or recipe is called 'bad/nothing'"),
        (BAD_GRAPH, "bad/g", "No component or recipe is called 'bad/Nope'"),
    ],
    ids=["builder", "graph"],
)
def test_a_plugin_recipe_naming_nothing_is_unavailable_not_fatal(
    tmp_path: Path, body: str, recipe: str, why: str
) -> None:
    site = _site_with(tmp_path, "bad", "bad_mod", SOURCE.format(body=body))
    listed = _zoo(site, "list", "--json", ZOO_PLUGINS="good,bad")
    assert listed.returncode == 0, listed.stderr
    ids = [e["id"] for e in json.loads(listed.stdout)["components"]]
    assert "good/Star" in ids and not [i for i in ids if i.startswith("bad/")]
    plugins = _plugins_json(site, plugin="bad")
    assert plugins["good"]["status"] == plugins["bad"]["status"] == "loaded"
    assert recipe in plugins["bad"]["reason"] and why in plugins["bad"]["reason"]
    built = _zoo(site, "build", recipe, ZOO_PLUGINS="good,bad")
    assert built.returncode == 1
    assert f"The recipe {recipe!r} cannot be built" in built.stderr and why in built.stderr
    strict = _zoo(site, "list", ZOO_PLUGINS="good,bad", ZOO_STRICT_PLUGINS="1")
    assert strict.returncode == 1 and f"recipe {recipe}" in strict.stderr


def test_the_zoo_namespace_is_reserved_for_the_core(tmp_path: Path) -> None:
    site = _site_with(tmp_path, "zoo", "squatter", SOURCE.format(body=GOOD.replace("Star", "S")))
    plugins = _plugins_json(site, plugin="zoo")
    assert plugins["zoo"]["status"] == "failed"
    assert "reserved for keras-zoo" in plugins["zoo"]["reason"]
    assert plugins["good"]["status"] == "loaded"
    listed = _zoo(site, "list", "--json", ZOO_PLUGINS="good,zoo")
    assert listed.returncode == 0, listed.stderr
    ids = [e["id"] for e in json.loads(listed.stdout)["components"]]
    assert "good/Star" in ids and "zoo/S" not in ids
    # The core's own recipes keep the namespace (the project's registry.toml declares zoo/...).
    assert "zoo/wide_deep" in ids


def test_register_plugin_refuses_the_core_name_but_not_the_core(isolated_registry) -> None:
    class Squatter:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.ComponentSpec("S", kind="layer", target="a.b:S"))

    with pytest.raises(zoo.PluginError, match="'zoo' is reserved for keras-zoo"):
        zoo.register_plugin(Squatter(), "zoo")
    import zoo._base.check_names as core_module  # any module of the core package

    info = zoo.register_plugin(core_module, "zoo")
    try:
        assert info.status == "loaded"
    finally:
        zoo.unregister_plugin("zoo")


def test_an_entry_point_named_zoo_from_keras_zoo_itself_loads() -> None:
    class Dist:
        metadata = {"Name": "keras-zoo"}
        version = "0.1.0"

    ep = importlib.metadata.EntryPoint(
        name="zoo", value="zoo._base.check_names", group="zoo.plugins"
    )
    ep = ep._for(Dist()) if hasattr(ep, "_for") else ep
    registry = Registry(environ={}, include_default_file=False, entry_points=[ep])
    (info,) = registry.plugins()
    assert (info.name, info.status, info.distribution) == ("zoo", "loaded", "keras-zoo")


def test_register_plugin_still_raises_for_its_own_bad_recipe(isolated_registry) -> None:
    class Bad:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.Recipe("r", builder="bad/nothing"))

    with pytest.raises(zoo.PluginError, match="bad/r: .*'bad/nothing'"):
        zoo.register_plugin(Bad(), "bad")
    assert zoo.list_plugins() == []


# === 2. SystemExit, KeyboardInterrupt and other BaseExceptions from a plugin ===

RAISING = {
    "exit_at_import": "import sys\nsys.exit('usage: plugin [-h]')\n",
    "exit_code_at_import": "raise SystemExit(3)\n",
    "interrupt_at_import": "raise KeyboardInterrupt\n",
    "interrupt_in_hook": SOURCE.format(body="    raise KeyboardInterrupt"),
    "exit_in_hook": SOURCE.format(body="    raise SystemExit(2)"),
    "base_exception_in_hook": SOURCE.format(body="    raise BaseException('odd')"),
    "generator_exit_at_import": "raise GeneratorExit\n",
}


@pytest.mark.parametrize("case", sorted(RAISING))
def test_base_exceptions_of_a_plugin_are_isolated(tmp_path: Path, case: str) -> None:
    site = _site_with(tmp_path, "rude", "rude_mod", RAISING[case])
    for command in ("list", "plugins"):
        out = _zoo(site, command, ZOO_PLUGINS="good,rude")
        assert out.returncode == 0, (command, out.returncode, out.stderr)
        assert "usage: plugin" not in out.stderr
    plugins = _plugins_json(site, plugin="rude")
    assert plugins["rude"]["status"] == "failed"
    assert plugins["good"]["status"] == "loaded"
    expected = {"exit": "SystemExit", "interrupt": "KeyboardInterrupt", "base": "BaseException"}
    assert expected.get(case.split("_")[0], "GeneratorExit") in plugins["rude"]["reason"]


def test_a_real_ctrl_c_while_plugins_load_still_interrupts(tmp_path: Path) -> None:
    source = "import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(30)\n"
    site = _site_with(tmp_path, "slowpoke", "slowpoke_mod", source)
    start = time.perf_counter()
    out = _zoo(site, "list", ZOO_PLUGINS="good,slowpoke")
    assert out.returncode == 130 and "interrupted" in out.stderr
    assert time.perf_counter() - start < 25


# === 6. Loading is linear in the number of recipes ===


def _recipes_file(path: Path, count: int) -> Path:
    path.write_text(
        "".join(
            f'[recipes.user.r{i}]\nbuilder = "toy/toy_mlp"\nsummary = "recipe {i}"\n'
            for i in range(count)
        )
    )
    return path


def _load_seconds(path: Path) -> float:
    toy = importlib.metadata.EntryPoint(name="toy", value="zoo_toy", group="zoo.plugins")
    best = float("inf")
    for _ in range(3):
        registry = Registry(
            environ={}, include_default_file=False, entry_points=[toy], registry_files=[path]
        )
        start = time.perf_counter()
        count = len(registry.entries(plugin="user"))
        best = min(best, time.perf_counter() - start)
        assert count == path.read_text().count("[recipes")
    return best


def test_registry_loading_is_linear_in_the_number_of_recipes(tmp_path: Path) -> None:
    small = _load_seconds(_recipes_file(tmp_path / "small.toml", 500))
    large = _load_seconds(_recipes_file(tmp_path / "large.toml", 4000))
    # Linear: about 8x; the quadratic table rebuild it replaces measured 30x and more.
    assert large / small < 16, (small, large)


# === 7. Raw exceptions that name nothing become ZooErrors naming the file and key ===


@pytest.mark.parametrize(
    ("content", "key", "pattern"),
    [
        (b'[recipes.a.b]\nbuilder = "x/y"\nsummary = "\xff\xfe"\n', "", "is UTF-8 text"),
        (
            b"[recipes.a.b]\nbuilder = 'x/y'\nargs = { v = " + b"[" * 5000 + b"]" * 5000 + b" }",
            "",
            "nest at most 32 deep",
        ),
        (
            b"[recipes.a.b]\nbuilder = 'x/y'\nargs = { v = " + b"[" * 40 + b"]" * 40 + b" }",
            "recipes.a.b.args.v[0][0][0]",
            "nest at most 32 deep",
        ),
        (
            b"[recipes.a.b]\nbuilder='x/y'\nsearch = { w = { type = ['choice'], values = [1] } }",
            "recipes.a.b",
            "search.w is a table whose type is one of choice",
        ),
    ],
)
def test_malformed_registry_files_raise_errors_naming_the_file(
    tmp_path: Path, content: bytes, key: str, pattern: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    with pytest.raises(zoo.RegistryFileError, match=pattern) as info:
        registry.entries()
    assert str(info.value).startswith(f"{path}: {key}")


def test_a_deep_graph_spec_dict_is_a_graph_error() -> None:
    deep: object = 1
    for _ in range(5000):
        deep = [deep]
    spec = {
        "inputs": {"x": {"shape": [2]}},
        "nodes": [{"layer": "keras/Dense", "args": {"u": deep}}],
    }
    with pytest.raises(zoo.GraphError, match=r"graph\.nodes\[0\]\.args\.u.*nest at most 32"):
        zoo.build_graph(spec)


def test_a_deep_set_value_is_an_argument_error(tmp_path: Path) -> None:
    out = _zoo(tmp_path, "build", "x", "--set", "a=" + "[" * 3000 + "]" * 3000)
    assert out.returncode == 1
    assert out.stderr.startswith("error: --set values nest") and "Traceback" not in out.stderr


def test_an_entry_point_with_invalid_syntax_is_named(tmp_path: Path) -> None:
    site = _site_with(tmp_path, "broken", "broken mod:thing x", "")
    plugins = _plugins_json(site, plugin="broken")
    reason = plugins["broken"]["reason"]
    assert plugins["broken"]["status"] == "failed"
    assert "'broken' = 'broken mod:thing x' of broken_dist 1.0" in reason
    assert "NoneType" not in reason and "package.module:object" in reason


# === 11. Slow or heavy plugins are visible ===


def test_zoo_plugins_reports_load_times_and_flags_slow_plugins(tmp_path: Path) -> None:
    site = _site_with(
        tmp_path,
        "sleepy",
        "sleepy_mod",
        "import time\ntime.sleep(0.8)\n" + SOURCE.format(body=GOOD.replace("Star", "Z")),
    )
    plugins = _plugins_json(site, plugin="sleepy")
    assert plugins["sleepy"]["load_seconds"] >= 0.8
    assert plugins["good"]["load_seconds"] < 0.5
    table = _zoo(site, "plugins", "--wide", ZOO_PLUGINS="good,sleepy").stdout
    line = next(row for row in table.splitlines() if row.startswith("sleepy"))
    assert "slow to load" in line and " ms" in line


def test_a_plugin_importing_a_heavy_framework_is_flagged(
    make_plugin, monkeypatch, tmp_path: Path
) -> None:
    import zoo._registry.plugins as registry_module

    monkeypatch.setattr(registry_module, "HEAVY_MODULES", ("plug_heavy_framework",))
    (tmp_path / "plug_heavy_framework.py").write_text("VALUE = 1\n")
    monkeypatch.delitem(sys.modules, "plug_heavy_framework", raising=False)
    heavy = make_plugin(
        "heavy", source="import plug_heavy_framework\n" + SOURCE.format(body="    pass")
    )
    light = make_plugin("light")
    registry = Registry(environ={}, include_default_file=False, entry_points=[heavy, light])
    plugins = {p.name: p for p in registry.plugins()}
    assert plugins["heavy"].heavy_imports == ("plug_heavy_framework",)
    assert plugins["light"].heavy_imports == ()


@pytest.mark.slow
def test_a_plugin_importing_keras_at_import_is_flagged_by_zoo_plugins(tmp_path: Path) -> None:
    site = _site_with(
        tmp_path, "eager", "eager_mod", "import keras\n" + SOURCE.format(body="    pass")
    )
    out = _zoo(site, "plugins", "--wide", ZOO_PLUGINS="good,eager")
    assert out.returncode == 0, out.stderr
    line = next(row for row in out.stdout.splitlines() if row.startswith("eager"))
    assert "imports tensorflow, keras when loaded" in line and "every command" in line
    good = next(row for row in out.stdout.splitlines() if row.startswith("good"))
    assert "imports" not in good
