"""The lazy contract, per plugin, in a fresh interpreter."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import types

from zoo._kit.report import Failed, NotApplicable
from zoo._registry import default_registry
from zoo._specs.component import ComponentSpec, Recipe

#: Modules that listing a plugin must not import (the lazy contract).
HEAVY_MODULES = (
    "tensorflow",
    "keras",
    "tensorflow_text",
    "tensorflow_hub",
    "keras_tuner",
    "jax",
    "torch",
    "numpy",
)

_LAZY_PROBE = """
import importlib, json, sys
import zoo
if {plugin!r} not in [p.name for p in zoo.list_plugins() if p.status == "loaded"]:
    plugin = importlib.import_module({module!r})  # registered in code, not installed
    for part in filter(None, {attribute!r}.split(".")):
        plugin = getattr(plugin, part)
    zoo.register_plugin(plugin, {plugin!r})
entries = zoo.list_components(plugin={plugin!r})
targets = {{e.target.split(":")[0] for e in entries if hasattr(e, "target")}}
print(json.dumps({{
    "heavy": sorted(m for m in {heavy!r} if m in sys.modules),
    "implementations": sorted(t for t in targets if t in sys.modules),
    "entries": len(entries),
}}))
"""
_ENTRY_POINT_VALUE = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?\Z")


def _plugin_location(plugin: str) -> tuple[str, str] | None:
    """``(module, attribute)`` that a fresh interpreter imports to get the plugin object."""
    registry = default_registry()
    obj = registry.plugin_object(plugin)
    if isinstance(obj, types.ModuleType):
        return obj.__name__, ""
    info = next((p for p in registry.plugins() if p.name == plugin), None)
    if info is not None and _ENTRY_POINT_VALUE.match(info.value):
        module, _, attribute = info.value.partition(":")
        return module, attribute
    return None


@functools.cache
def _lazy_probe(plugin: str, module: str, attribute: str) -> tuple[str, str]:
    code = _LAZY_PROBE.format(
        module=module, attribute=attribute, plugin=plugin, heavy=HEAVY_MODULES
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["ZOO_PLUGINS"] = plugin  # an installed plugin loads alone; others stay out
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return "failed", f"registering and listing {plugin!r} in a fresh interpreter failed: {tail}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    problems = []
    if result["heavy"]:
        problems.append(f"listing the plugin imports {', '.join(result['heavy'])}")
    if result["implementations"]:
        problems.append(
            f"listing the plugin imports its implementation modules "
            f"{', '.join(result['implementations'])} (keep the top-level module to specs)"
        )
    if problems:
        return "failed", "; ".join(problems)
    return "passed", ""


def lazy_check(entry: ComponentSpec | Recipe) -> None:
    plugin = entry.plugin
    if plugin not in {info.name for info in default_registry().plugins()}:
        raise NotApplicable(
            f"declared by a registry file under {plugin!r}, not by a plugin: nothing to import"
        )
    location = _plugin_location(plugin)
    if location is None:
        raise NotApplicable(
            f"the plugin {plugin!r} was registered in code from an object, not a module: "
            "nothing a fresh interpreter could import"
        )
    status, reason = _lazy_probe(plugin, *location)
    if status == "failed":
        raise Failed(reason)
