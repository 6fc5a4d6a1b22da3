"""The cached listing of ``python -m zoo list``: reused only while nothing it came from changed.

Every check runs real processes against a plugin installed as a distribution in a
temporary ``site`` folder, with a cache folder of its own (``ZOO_CACHE``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIRST_PARTY_PLUGINS

import zoo
from zoo._cli import _list_cache

PLUGIN = """
import zoo

try:  # an optional module of more declarations
    from plug_lab.extra import EXTRA
except ImportError:
    EXTRA = ()

@zoo.hookimpl
def zoo_register(register):
    register(zoo.ComponentSpec("{name}", kind="layer", target="plug_lab.layers:{name}",
                               summary="{summary}"))
    register(zoo.ComponentSpec("net", kind="model", target="plug_lab.builders:net",
                               summary="A builder."))
    for name in EXTRA:
        register(zoo.ComponentSpec(name, kind="layer", target=f"plug_lab.layers:{{name}}"))
"""
BUILDER = "def net(width=8, depth=2):\n    raise NotImplementedError\n"

#: Runs one ``zoo list`` in this process and says what it imported.
PROBE = """
import contextlib, io, json, sys
from zoo._cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(),
                  "loaded": sorted(m for m in ("zoo._specs.component", "zoo._registry", "plug_lab")
                                   if m in sys.modules)}))
"""


@pytest.fixture
def lab(tmp_path: Path) -> dict[str, object]:
    """An installed plugin ``lab`` (module ``plug_lab``), a registry file, a cache folder."""
    site = tmp_path / "site"
    package = site / "plug_lab"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN.format(name="Gate", summary="A gate."))
    (package / "builders.py").write_text(BUILDER)
    info = site / "plug_lab-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plug-lab\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[zoo.plugins]\nlab = plug_lab\n")
    (tmp_path / "conf").mkdir()  # the registry file's folder is watched: not the cache's
    registry = tmp_path / "conf" / "lab.toml"
    registry.write_text('[recipes.lab.net_small]\nbuilder = "lab/net"\nsummary = "Small."\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env.update(
        PYTHONPATH=str(site),
        # every installed plugin but keras-zoo's own: an install must show without a
        # change to the environment
        ZOO_DISABLE_PLUGINS=",".join(FIRST_PARTY_PLUGINS),
        ZOO_REGISTRY=str(registry),
        ZOO_CACHE=str(tmp_path / "cache"),
        # no __pycache__ in the plugin's folder: its creation is a change (see `_settle`)
        PYTHONDONTWRITEBYTECODE="1",
    )
    lab = {"env": env, "site": site, "registry": registry, "cache": tmp_path / "cache"}
    _settle(lab)
    return lab


def _settle(lab: dict[str, object]) -> None:
    """Date every file of the plugin and the registry file 10 s back: a listing keeps
    nothing while a file it read is younger than 2 s (`test_a_file_changed_just_now_...`).

    The folders it stamps outside the test's own are dated as they are, and the suite
    changes some of them itself (hypothesis makes its database in the checkout's root,
    which an editable install puts on ``sys.path``; a first import makes a
    ``__pycache__`` in a package of zoo's), so wait until those are older than 2 s too:
    a clean clone's first run failed here otherwise.
    """
    past = time.time() - 10
    registry, site = lab["registry"], lab["site"]
    for path in [registry, registry.parent, site, *site.rglob("*")]:  # type: ignore[union-attr]
        os.utime(path, (past, past))
    package = Path(zoo.__file__).parent
    folders = [p for p in sys.path if os.path.isdir(p)] + [package]
    folders += [d for d in package.rglob("*") if d.is_dir() and d.name != "__pycache__"]
    newest = max(os.stat(folder).st_mtime_ns for folder in folders)
    wait_ns = newest + _list_cache.SETTLE_NS - time.time_ns()
    if wait_ns > 0:
        time.sleep(wait_ns / 1e9 + 0.05)


def _list(lab: dict[str, object], *args: str, code: int = 0, **env: str) -> dict[str, object]:
    """Run ``zoo list ARGS`` in a new process (always by `PROBE`: one ``sys.path``)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "list", *args],
        capture_output=True,
        text=True,
        env={**lab["env"], **env},  # type: ignore[dict-item]
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["code"] == code, out.stderr
    result["stderr"] = out.stderr
    return result


def _cache_files(lab: dict[str, object]) -> list[Path]:
    return sorted((lab["cache"] / "listing").glob("*.json"))  # type: ignore[operator]


def test_the_second_listing_comes_from_the_cache_and_prints_the_same(lab) -> None:
    first = _list(lab)
    assert first["loaded"] == ["plug_lab", "zoo._registry", "zoo._specs.component"]
    assert "lab/Gate" in first["out"] and "lab/net_small" in first["out"]
    assert len(_cache_files(lab)) == 1
    for args in [
        (),
        ("--json",),
        ("--wide",),
        ("lab/n*",),
        ("--kind", "recipe"),
        ("--plugin", "lab"),
    ]:
        loaded = _list(lab, *args, ZOO_LIST_CACHE="0")
        cached = _list(lab, *args)
        assert cached["loaded"] == [], args  # no plugin, no registry, no spec class
        assert cached["out"] == loaded["out"], args
        assert cached["stderr"] == loaded["stderr"] == "", args


def _edit_plugin(lab) -> str:
    (lab["site"] / "plug_lab" / "__init__.py").write_text(
        PLUGIN.format(name="Gate", summary="A new gate.")
    )
    return "A new gate."


def _add_module(lab) -> str:  # a new file in the plugin's folder; no other file changes
    (lab["site"] / "plug_lab" / "extra.py").write_text('EXTRA = ("Extra",)\n')
    return "lab/Extra"


def _edit_registry(lab) -> str:
    with open(lab["registry"], "a") as stream:
        stream.write('[recipes.lab.net_wide]\nbuilder = "lab/net"\nsummary = "Wide."\n')
    return "lab/net_wide"


def _install_plugin(lab) -> str:
    site = lab["site"]
    (site / "plug_other.py").write_text(
        PLUGIN.format(name="Other", summary="x").replace("plug_lab", "plug_other")
    )
    info = site / "plug_other-0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plug-other\nVersion: 0.2\n")
    (info / "entry_points.txt").write_text("[zoo.plugins]\nother = plug_other\n")
    return "other/Other"


@pytest.mark.parametrize(
    "change", [_edit_plugin, _add_module, _edit_registry, _install_plugin], ids=lambda f: f.__name__
)
def test_a_change_to_what_the_listing_came_from_loads_afresh(lab, change) -> None:
    _list(lab)
    assert _list(lab)["loaded"] == []
    expected = change(lab)
    fresh = _list(lab)  # its files are new: listed afresh, and not kept yet
    assert fresh["loaded"] != [] and expected in fresh["out"]
    _settle(lab)
    after = _list(lab)
    assert after["loaded"] != [] and expected in after["out"]
    assert _list(lab)["loaded"] == [] and expected in _list(lab)["out"]  # and is kept again


def test_an_environment_variable_names_another_listing(lab) -> None:
    _list(lab)
    hidden = _list(lab, ZOO_DISABLE_PLUGINS="lab")
    assert "lab/Gate" not in hidden["out"]
    assert "lab/Gate" in _list(lab)["out"]
    assert len(_cache_files(lab)) == 2


def test_a_builder_source_read_for_its_signature_is_watched(lab) -> None:
    """A recipe's search key is checked against the builder's source, read without an
    import: an edit there that makes the key wrong must fail the next listing."""
    lab["registry"].write_text(
        '[recipes.lab.net_small]\nbuilder = "lab/net"\nsummary = "Small."\n'
        'search = { width = { type = "choice", values = [4, 8] } }\n'
    )
    _settle(lab)
    _list(lab)
    assert _list(lab)["loaded"] == []
    (lab["site"] / "plug_lab" / "builders.py").write_text(BUILDER.replace("width=8", "units=8"))
    _settle(lab)  # changed longer ago than the guard's 2 s: only its stamp tells
    failed = _list(lab, code=1)
    assert "search key" in failed["stderr"] and "'width'" in failed["stderr"]
    assert "units" in failed["stderr"]


def test_a_listing_that_warned_is_not_kept(lab) -> None:
    first = _list(lab, ZOO_PLUGINS="lab,nosuch")
    assert "ZOO_PLUGINS names installed plugins" in first["stderr"]
    second = _list(lab, ZOO_PLUGINS="lab,nosuch")
    assert second["loaded"] != [] and second["stderr"] == first["stderr"]  # said again
    assert _cache_files(lab) == []


def test_an_unknown_plugin_filter_is_answered_by_loading(lab) -> None:
    _list(lab)
    failed = _list(lab, "--plugin", "lav", code=1)
    assert "No plugin is called 'lav'" in failed["stderr"]
    assert "Did you mean 'lab'" in failed["stderr"]


def test_an_unusable_cache_never_fails_the_listing(lab) -> None:
    expected = _list(lab, ZOO_LIST_CACHE="0")["out"]
    assert _cache_files(lab) == []  # ZOO_LIST_CACHE=0 writes nothing
    _list(lab)
    (file,) = _cache_files(lab)
    file.write_text('{"identity": ')  # damaged
    damaged = _list(lab)
    assert damaged["out"] == expected and damaged["loaded"] != [] and damaged["stderr"] == ""
    assert json.loads(file.read_text())["entries"]  # written whole again
    blocked = lab["cache"].parent / "a-file"
    blocked.write_text("")
    for cache in (blocked, blocked / "below"):  # a file where the folder should be
        result = _list(lab, ZOO_CACHE=str(cache))
        assert result["out"] == expected and result["stderr"] == ""


def test_a_registry_this_process_changed_is_never_served_from_the_cache(lab, monkeypatch) -> None:
    """In one process: a plugin registered in code shows at once, cache or not."""
    code = (
        "import contextlib, io, sys\n"
        "from zoo._cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['list'])\n"
        "import types, zoo\n"
        "mod = types.ModuleType('inline')\n"
        "@zoo.hookimpl\n"
        "def zoo_register(register):\n"
        "    register(zoo.ComponentSpec('Inline', kind='layer', target='x.y:Inline'))\n"
        "mod.zoo_register = zoo_register\n"
        "zoo.register_plugin(mod, 'inline')\n"
        "sys.exit(main(['list']))\n"
    )
    _list(lab)  # the cache holds the listing without `inline`
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=lab["env"], timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "inline/Inline" in out.stdout and "lab/Gate" in out.stdout


def test_a_file_changed_just_now_keeps_the_listing_out_of_the_cache(lab) -> None:
    """A file changed while (or just before) a listing read it could be stamped as new
    beside the old entries; a file younger than 2 s when the listing starts keeps it out."""
    (lab["site"] / "plug_lab" / "__init__.py").write_text(
        PLUGIN.format(name="Gate", summary="Now.")
    )
    for _ in range(2):
        assert _list(lab)["loaded"] != []
    assert _cache_files(lab) == []
    _settle(lab)
    _list(lab)
    assert _list(lab)["loaded"] == [] and "Now." in _list(lab)["out"]
