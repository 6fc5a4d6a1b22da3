"""Plugin loading: isolation, statuses, control variables, strict mode, API versions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import layer_spec

import zoo
from zoo._registry import Registry


def _status(reg: Registry) -> dict[str, tuple[str, str]]:
    return {p.name: (p.status, p.reason) for p in reg.plugins()}


def test_plugins_load_in_sorted_order(make_plugin) -> None:
    order_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"zoo-order-{os.getpid()}.txt"
    order_file.write_text("")
    body = "    open({path!r}, 'a').write('{name},')"
    eps = [
        make_plugin(name, body.format(path=str(order_file), name=name))
        for name in ("gamma", "alpha", "beta")
    ]
    Registry(environ={}, include_default_file=False, entry_points=eps).load()
    assert order_file.read_text() == "alpha,beta,gamma,"
    order_file.unlink()


def test_failing_import_is_isolated(make_plugin) -> None:
    broken = make_plugin("broken", source="import no_such_dependency_xyz\n")
    good = make_plugin("good", layer_spec("Fine"))
    reg = Registry(environ={}, include_default_file=False, entry_points=[broken, good])
    status = _status(reg)
    assert status["broken"][0] == "failed"
    assert "import failed: ModuleNotFoundError" in status["broken"][1]
    assert "no_such_dependency_xyz" in status["broken"][1]
    assert status["good"] == ("loaded", "")
    assert reg.resolve("Fine").plugin == "good"


def test_raising_hook_is_isolated_and_registers_nothing(make_plugin) -> None:
    body = layer_spec("Early") + "\n    raise RuntimeError('boom in hook')"
    reg = Registry(
        environ={},
        include_default_file=False,
        entry_points=[make_plugin("raiser", body), make_plugin("good", layer_spec("Fine"))],
    )
    status = _status(reg)
    assert status["raiser"] == ("failed", "RuntimeError: boom in hook")
    assert [e.id for e in reg.entries()] == ["good/Fine"]  # nothing half-registered


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('    register(zoo.ComponentSpec("X", kind="widget", target="m:X"))', "kind is one of"),
        ("    register({'name': 'X'})", "register() takes a zoo.ComponentSpec"),
        (layer_spec("Twice") + "\n" + layer_spec("Twice"), "'Twice' twice"),
    ],
)
def test_invalid_spec_marks_the_plugin_failed(make_plugin, body: str, reason: str) -> None:
    reg = Registry(environ={}, include_default_file=False, entry_points=[make_plugin("bad", body)])
    status, why = _status(reg)["bad"]
    assert status == "failed" and reason in why


def test_invalid_hook_signature_marks_the_plugin_failed(make_plugin) -> None:
    source = "import zoo\n@zoo.hookimpl\ndef zoo_register(register, extra_argument):\n    pass\n"
    reg = Registry(
        environ={}, include_default_file=False, entry_points=[make_plugin("odd", source=source)]
    )
    status, why = _status(reg)["odd"]
    assert status == "failed" and "extra_argument" in why


@pytest.mark.parametrize(
    ("declared", "status"), [("2", "incompatible"), ("[1, 2]", "loaded"), ("1", "loaded")]
)
def test_api_version_is_checked(make_plugin, declared: str, status: str) -> None:
    source = textwrap.dedent(
        f"""
        import zoo
        @zoo.hookimpl
        def zoo_plugin_api():
            return {declared}
        @zoo.hookimpl
        def zoo_register(register):
            register(zoo.ComponentSpec("V", kind="layer", target="m:V"))
        """
    )
    reg = Registry(
        environ={}, include_default_file=False, entry_points=[make_plugin("ver", source=source)]
    )
    got, reason = _status(reg)["ver"]
    assert got == status
    if status == "incompatible":
        assert "supports plugin API 2; this keras-zoo speaks 1" in reason
        assert reg.entries() == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ZOO_DISABLE_PLUGIN_AUTOLOAD": "1"}, {"a": "disabled", "b": "disabled"}),
        ({"ZOO_PLUGINS": "b"}, {"a": "disabled", "b": "loaded"}),
        ({"ZOO_DISABLE_PLUGINS": "a, c"}, {"a": "disabled", "b": "loaded"}),
        ({"ZOO_PLUGINS": "a,b", "ZOO_DISABLE_PLUGINS": "b"}, {"a": "loaded", "b": "disabled"}),
    ],
)
def test_control_variables_apply_before_import(
    make_plugin, environ: dict[str, str], expected: dict[str, str]
) -> None:
    # A disabled plugin is never imported: its module would fail if it were.
    eps = [
        make_plugin(name, source=f"raise SystemExit('plugin {name} was imported')\n")
        if expected[name] == "disabled"
        else make_plugin(name, layer_spec(name.upper()))
        for name in ("a", "b")
    ]
    reg = Registry(environ=environ, include_default_file=False, entry_points=eps)
    if "c" in environ.get("ZOO_DISABLE_PLUGINS", ""):  # no plugin 'c' is installed: said so
        with pytest.warns(zoo.ZooWarning, match="ZOO_DISABLE_PLUGINS names installed plugins"):
            reg.load()
    assert {n: s for n, (s, _) in _status(reg).items()} == expected
    for status, reason in _status(reg).values():
        if status == "disabled":
            assert "ZOO_" in reason


def test_registry_file_controls_plugins(make_plugin, tmp_path: Path) -> None:
    config = tmp_path / "control.toml"
    config.write_text('[plugins]\ndeny = ["a"]\n')
    eps = [make_plugin("a", layer_spec("A")), make_plugin("b", layer_spec("B"))]
    reg = Registry(
        environ={}, include_default_file=False, entry_points=eps, registry_files=[config]
    )
    status = _status(reg)
    assert status["a"] == ("disabled", "listed in plugins.deny of a registry file")
    assert status["b"][0] == "loaded"


def test_strict_mode_turns_a_failure_into_an_error(make_plugin) -> None:
    eps = [make_plugin("broken", source="raise ImportError('nope')\n")]
    for environ in ({"ZOO_STRICT_PLUGINS": "1"}, {"ZOO_STRICT_PLUGINS": "true"}):
        reg = Registry(environ=environ, include_default_file=False, entry_points=eps)
        with pytest.raises(zoo.PluginError, match="broken \\(failed\\): import failed"):
            reg.entries()
        with pytest.raises(zoo.PluginError, match="ZOO_STRICT_PLUGINS"):
            reg.plugins()  # and it keeps failing, never half-loaded
    relaxed = Registry(environ={}, include_default_file=False, entry_points=eps)
    assert _status(relaxed)["broken"][0] == "failed"


def test_disabled_plugin_is_not_a_strict_failure(make_plugin) -> None:
    eps = [make_plugin("off", source="raise ImportError('never imported')\n")]
    environ = {"ZOO_STRICT_PLUGINS": "1", "ZOO_DISABLE_PLUGINS": "off"}
    reg = Registry(environ=environ, include_default_file=False, entry_points=eps)
    assert _status(reg)["off"][0] == "disabled"


def test_programmatic_registration(isolated_registry) -> None:
    import zoo_toy

    info = zoo.register_plugin(zoo_toy, "toy", distribution="zoo-toy", version="0.1")
    try:
        assert (info.status, info.components) == ("loaded", 5)
        assert "toy/Affine" in [e.id for e in zoo.list_components()]
        with pytest.raises(zoo.PluginError, match="already registered"):
            zoo.register_plugin(zoo_toy, "toy")
    finally:
        zoo.unregister_plugin("toy")
    assert zoo.list_components() == []
    assert [p.name for p in zoo.list_plugins()] == []


def test_programmatic_registration_works_with_autoload_off(make_plugin) -> None:
    import zoo_toy

    reg = Registry(
        environ={"ZOO_DISABLE_PLUGIN_AUTOLOAD": "1"},
        include_default_file=False,
        entry_points=[make_plugin("auto", layer_spec("Auto"))],
    )
    reg.register_plugin(zoo_toy, "toy")
    assert _status(reg)["auto"][0] == "disabled"
    assert reg.resolve("Affine").id == "toy/Affine"


def test_programmatic_registration_raises_on_failure(isolated_registry) -> None:
    class Raising:
        @zoo.hookimpl
        def zoo_register(self, register):
            raise ValueError("cannot register")

    with pytest.raises(zoo.PluginError, match="'raising' is failed: ValueError: cannot register"):
        zoo.register_plugin(Raising(), "raising")
    assert zoo.list_plugins() == []


def _write_dist(site: Path, dist: str, version: str, plugin: str, module: str, body: str) -> None:
    info = site / f"{dist}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[zoo.plugins]\n{plugin} = {module}\n")
    (site / f"{module}.py").write_text(PLUGIN_SOURCE.format(body=body))


PLUGIN_SOURCE = "import zoo\n\n@zoo.hookimpl\ndef zoo_register(register):\n{body}\n"


def _zoo_json(site: Path, plugin: str, *args: str) -> list[dict[str, object]]:
    """``python -m zoo ARGS --json`` seeing only ``plugin`` of what is installed (names no
    user would pick, so a real plugin installed beside the tests cannot collide)."""
    env = {**os.environ, "PYTHONPATH": str(site), "ZOO_DISABLE_PLUGINS": ""}
    env["ZOO_PLUGINS"] = plugin
    out = subprocess.run(
        [sys.executable, "-m", "zoo", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    document = json.loads(out.stdout)
    assert document["schema_version"] == 1
    return document["plugins" if args[0] == "plugins" else "components"]


def test_installed_distributions_are_discovered_with_name_and_version(tmp_path: Path) -> None:
    _write_dist(tmp_path, "xqastro_zoo", "1.2.3", "xqastro", "xqastro_plugin", layer_spec("Star"))
    plugins = {p["name"]: p for p in _zoo_json(tmp_path, "xqastro", "plugins")}
    assert plugins["xqastro"]["status"] == "loaded"
    assert (plugins["xqastro"]["distribution"], plugins["xqastro"]["version"]) == (
        "xqastro_zoo",
        "1.2.3",
    )
    listed = _zoo_json(tmp_path, "xqastro", "list", "--plugin", "xqastro")
    assert [(c["id"], c["distribution"], c["version"]) for c in listed] == [
        ("xqastro/Star", "xqastro_zoo", "1.2.3")
    ]


def test_two_distributions_with_one_plugin_name_neither_wins(tmp_path: Path) -> None:
    _write_dist(tmp_path, "xqtwin_one", "1.0", "xqtwin", "xqtwin_one_mod", layer_spec("A"))
    _write_dist(tmp_path, "xqtwin_two", "2.0", "xqtwin", "xqtwin_two_mod", layer_spec("A"))
    plugins = [p for p in _zoo_json(tmp_path, "xqtwin", "plugins") if p["name"] == "xqtwin"]
    assert [p["status"] for p in plugins] == ["failed"]
    reason = plugins[0]["reason"]
    assert "xqtwin_one 1.0" in reason and "xqtwin_two 2.0" in reason and "uninstall one" in reason
    assert _zoo_json(tmp_path, "xqtwin", "list", "--plugin", "xqtwin") == []
