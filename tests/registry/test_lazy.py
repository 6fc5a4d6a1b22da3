"""The lazy contract: listing never imports TensorFlow, Keras or an implementation module.

Each check runs in a fresh interpreter with every installed plugin (the first-party
ones and the toy plugin, discovered as an installed distribution).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, runpy, sys
{action}
import zoo
heavy = sorted(m for m in ("tensorflow", "keras", "tensorflow_text", "tensorflow_hub",
                           "keras_tuner", "numpy") if m in sys.modules)
targets = {{e.target.split(":")[0] for e in zoo.list_components() if hasattr(e, "target")}}
loaded = [p.name for p in zoo.list_plugins() if p.status == "loaded"]
# Registration reads two declaration tables (data source specs, training defaults).
tables = ("zoo._data", "zoo._data.specs", "zoo._training", "zoo._training.defaults")
layers = sorted(m for m in sys.modules if m.split(".")[:2] in (
    ["zoo", "_data"], ["zoo", "_training"], ["zoo", "_tuning"], ["zoo", "sklearn"])
    and m not in tables)
print(json.dumps({{"heavy": heavy, "impl": sorted(targets & set(sys.modules)),
                   "targets": len(targets), "plugins": loaded, "layers": layers}}),
      file=sys.stderr)
"""

CLI = """
sys.argv = ["zoo", {args}]
try:
    runpy.run_module("zoo", run_name="__main__")
except SystemExit as exit:
    assert exit.code == 0, exit.code
"""

ACTIONS = {
    "import zoo": "import zoo",
    "zoo.list_components()": "import zoo; zoo.list_components(); zoo.list_plugins()",
    "python -m zoo list": CLI.format(args='"list"'),
    "python -m zoo plugins": CLI.format(args='"plugins"'),
    "python -m zoo list --json": CLI.format(args='"list", "--json"'),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_listing_imports_nothing_heavy(toy_env: dict[str, str], action: str) -> None:
    env = {k: v for k, v in toy_env.items() if k != "ZOO_PLUGINS"}
    probe = PROBE.format(action=ACTIONS[action])
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stderr.strip().splitlines()[-1])
    assert "toy" in result["plugins"] and result["targets"] > 0
    assert result["heavy"] == [], f"{action} imported {result['heavy']}"
    assert result["impl"] == [], f"{action} imported implementation modules {result['impl']}"
    # DESIGN.md: training, data and tuning are not imported by `import zoo` or listing
    # (beyond the declaration tables that registration validates against).
    assert result["layers"] == [], f"{action} imported {result['layers']}"


def test_a_command_imports_only_its_own_cli_module() -> None:
    probe = CLI.format(args='"list"') + (
        "\nprint(sorted(m for m in sys.modules if m.startswith('zoo._cli.')), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import runpy, sys\n" + probe],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    loaded = out.stderr.strip().splitlines()[-1]
    assert loaded == "['zoo._cli._list_cache', 'zoo._cli._output', 'zoo._cli.listing']"


def test_the_command_table_names_what_each_module_adds() -> None:
    import argparse

    from zoo._cli import COMMANDS, make_parser

    def commands(parser: argparse.ArgumentParser) -> list[str]:
        (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return list(action.choices)

    assert commands(make_parser()) == list(COMMANDS)  # help lists them in the table's order
    for command, module in COMMANDS.items():
        owned = [c for c, m in COMMANDS.items() if m == module]
        assert commands(make_parser([command, "--help"])) == owned
        assert commands(make_parser(["-v", command])) == owned
    assert commands(make_parser(["lst"])) == list(COMMANDS)  # a typo gets every choice
