"""``zoo list``, ``zoo plugins`` and ``zoo info``: what is registered, and what it takes."""

from __future__ import annotations

import argparse
import os
import textwrap
from typing import TYPE_CHECKING, Any

import zoo
from zoo._base.errors import ZooError
from zoo._cli._list_cache import Row, warnings_shown
from zoo._cli._list_cache import load as load_cached
from zoo._cli._list_cache import store as store_listing
from zoo._cli._output import print_json, print_table, table_width
from zoo._specs.listing import KINDS, filter_entries

if TYPE_CHECKING:  # imported where used: a cached `zoo list` imports none of them
    from pathlib import Path

    from zoo._specs.component import ComponentSpec, Recipe

#: The version of the ``list --json`` and ``plugins --json`` documents; it changes only
#: when a field is removed or changes meaning (new fields may appear at any version).
SCHEMA_VERSION = 1


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "list", parents=[common], help="list components and recipes (never imports TensorFlow)"
    )
    p.add_argument("pattern", nargs="?", help="fnmatch pattern on the id or short name")
    p.add_argument(
        "--kind",
        choices=(*KINDS, "recipe"),
        help="only this kind; 'model' lists model builders and recipes, 'recipe' recipes only",
    )
    p.add_argument("--tag", help="only components carrying this tag")
    p.add_argument("--plugin", help="only this plugin's components and recipes")
    p.add_argument("--wide", action="store_true", help="print whole summaries, and a TAGS column")
    p.add_argument("--json", action="store_true", help="print JSON (with a schema_version)")
    p.set_defaults(run=run_list)

    p = subparsers.add_parser("plugins", parents=[common], help="list plugins and their status")
    p.add_argument("--wide", action="store_true", help="print whole reasons")
    p.add_argument("--json", action="store_true", help="print JSON (with a schema_version)")
    p.set_defaults(run=run_plugins)

    p = subparsers.add_parser(
        "info",
        parents=[common],
        help="describe a component or recipe: its whole docstring, parameters, training "
        "defaults and search space (read from the source; imports only when it must)",
    )
    p.add_argument("name", help="an id (vision/PixelShuffle) or a unique short name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_info)


def run_list(args: argparse.Namespace) -> int:
    entries = _listed(args)
    if args.json:
        print_json({"schema_version": SCHEMA_VERSION, "components": [e.data for e in entries]})
        return 0
    width = table_width(args.wide)
    rows = [
        (e.id, "model (recipe)" if e.is_recipe else e.kind, ", ".join(e.tags), e.summary)
        for e in entries
    ]
    if width is None:
        print_table(("ID", "KIND", "TAGS", "SUMMARY"), rows)
    else:  # tags only with --wide: the summary keeps room in 100 columns
        print_table(
            ("ID", "KIND", "SUMMARY"), [(i, k, summary) for i, k, _, summary in rows], width
        )
    if not entries:
        print("(nothing matches; `python -m zoo plugins` shows what is installed)")
    return 0


def _listed(args: argparse.Namespace) -> list[Row]:
    """What ``zoo list`` lists: from the cached listing when nothing changed, else loaded."""
    filters = {"kind": args.kind, "tag": args.tag, "plugin": args.plugin}
    cacheable = getattr(args, "fresh_registry", False)
    cached = load_cached(args.registry, os.environ) if cacheable else None
    if cached is not None and (args.plugin is None or any(r.plugin == args.plugin for r in cached)):
        return filter_entries(cached, _is_recipe, args.pattern, **filters)
    import time

    from zoo._registry import default_registry
    from zoo._specs.static import SOURCES_READ

    started = time.time_ns()
    with warnings_shown() as shown:
        registry = default_registry()
        listed = [e.to_dict() for e in zoo.list_components(args.pattern, **filters)]
        everything = [e.to_dict() for e in registry.entries()]
    if cacheable and not shown:
        read: list[Path | str] = [*registry.registry_files(), *SOURCES_READ]
        store_listing(args.registry, os.environ, everything, read, started)
    return [Row(data) for data in listed]


def _is_recipe(row: Row) -> bool:
    return row.is_recipe


def plugin_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each plugin with ``components`` counted as `zoo list --plugin` lists them (its
    components and its available recipes, wherever declared), and each namespace of
    registry-file recipes that is no plugin (the core's own ``zoo/...``)."""
    from zoo._registry import default_registry
    from zoo._specs.component import Recipe

    registry = default_registry()
    counts: dict[str, int] = {}
    sources: dict[str, set[str]] = {}
    for entry in registry.entries():
        counts[entry.plugin] = counts.get(entry.plugin, 0) + 1
        if isinstance(entry, Recipe):
            sources.setdefault(entry.plugin, set()).add(entry.source)
    plugins = [{**p.to_dict(), "components": counts.get(p.name, 0)} for p in zoo.list_plugins()]
    names = {p["name"] for p in plugins}
    namespaces = [
        {"name": name, "components": counts[name], "sources": sorted(sources.get(name, ()))}
        for name in sorted(counts)
        if name not in names
    ]
    return plugins, namespaces


def run_plugins(args: argparse.Namespace) -> int:
    plugins, namespaces = plugin_rows()
    if args.json:
        print_json({"schema_version": SCHEMA_VERSION, "plugins": plugins, "recipes": namespaces})
        return 0
    rows = [
        (
            p["name"],
            p["status"],
            p["distribution"] or "-",
            p["version"] or "-",
            p["components"],
            f"{p['load_seconds'] * 1000:.0f} ms" if p["load_seconds"] else "-",
            "; ".join(filter(None, [_load_note(p), p["reason"]])),
        )
        for p in plugins
    ]
    rows += [
        (
            n["name"],
            "recipes",
            "-",
            "-",
            n["components"],
            "-",
            f"recipes of {', '.join(n['sources'])}",
        )
        for n in namespaces
    ]
    headers = ("PLUGIN", "STATUS", "DISTRIBUTION", "VERSION", "COMPONENTS", "LOAD", "REASON")
    print_table(headers, rows, table_width(args.wide))
    if not plugins:
        print("(no plugins found in the entry-point group zoo.plugins)")
    return 0


#: A plugin whose import and hooks take longer than this is flagged as slow.
SLOW_PLUGIN_SECONDS = 0.5


def _load_note(plugin: dict[str, Any]) -> str:
    """What ``zoo plugins`` says about a plugin that slows every command down."""
    notes = []
    if plugin["heavy_imports"]:
        notes.append(
            f"imports {', '.join(plugin['heavy_imports'])} when loaded: every command, even "
            "`zoo list`, pays for it (its author should import it inside the components)"
        )
    if plugin["load_seconds"] > SLOW_PLUGIN_SECONDS:
        notes.append(f"slow to load ({plugin['load_seconds']:.1f} s, every command waits for it)")
    return "; ".join(notes)


def describe(name: str) -> dict[str, Any]:
    """Everything ``zoo info`` shows about a component or recipe.

    The signature and docstring are read from the implementation's source
    (`zoo._specs.static`); the implementation is imported only when the source cannot say.
    """
    from zoo._registry import default_registry
    from zoo._specs.component import ComponentSpec, Recipe

    entry = zoo.get_spec(name)
    info = entry.to_dict()
    if isinstance(entry, Recipe) and entry.graph is not None:
        return describe_graph_recipe(entry, info)
    spec = default_registry().builder_of(entry) if isinstance(entry, Recipe) else entry
    if isinstance(entry, Recipe):
        info.update(builder=spec.id, distribution=spec.distribution, version=spec.version)
    params, doc, info["signature_from"] = _signature(spec)
    if isinstance(entry, Recipe):
        for p in params:
            if p["name"] in entry.args:
                p.update(default=entry.args[p["name"]], required=False, fixed_by_recipe=True)
    info["parameters"] = params
    targets = {entry.id, entry.name}  # the declared presets of this recipe or builder
    info["presets"] = [
        p.id
        for p in zoo.list_components(kind="preset")
        if isinstance(p, ComponentSpec) and p.preset is not None and p.preset.builder in targets
    ]
    info["doc"] = doc.strip()  # the whole docstring: Args, shapes, Example
    training = _training(entry)
    if training:
        info["training"] = training
    return info


def _signature(spec: ComponentSpec) -> tuple[list[dict[str, Any]], str, str]:
    """The parameters and docstring of a spec's implementation, and where they came from."""
    import inspect

    from zoo._base.arguments import parameters
    from zoo._specs.static import read_signature

    static = read_signature(spec.target)
    if static is not None:
        return [p.to_dict() for p in static.parameters], static.doc, "source"
    implementation = zoo.get(spec.id)
    params = [p.to_dict() for p in parameters(implementation)]
    return params, inspect.getdoc(implementation) or "", "import"


def _training(entry: ComponentSpec | Recipe) -> dict[str, Any]:
    """The training defaults of a model builder or recipe (merged), when it declares any."""
    try:
        from zoo._training.defaults import training_defaults
    except ImportError:  # a zoo without training defaults
        return dict(getattr(entry, "training", None) or {})
    if entry.kind != "model":
        return {}
    try:
        table = training_defaults(entry).to_dict()
    except ZooError:
        return {}
    return {k: v for k, v in table.items() if v not in (None, [], {})}


def describe_graph_recipe(recipe: Recipe, info: dict[str, Any]) -> dict[str, Any]:
    """`describe` for a graph recipe: its inputs, nodes and outputs (imports nothing)."""
    spec = recipe.parsed_graph()
    info["graph"] = {
        "inputs": [{"name": i.name, "shape": list(i.shape), "dtype": i.dtype} for i in spec.inputs],
        "nodes": [
            {
                "name": n.name,
                "layer": n.layer,
                "inputs": list(n.inputs),
                "args": dict(n.args),
                "repeat": n.repeat,
                "first_args": dict(n.first_args),
                "each": {k: list(v) for k, v in n.each.items()},
            }
            for n in spec.nodes
        ],
        "outputs": {name: node for name, node in spec.outputs},
    }
    info["parameters"] = []
    info["doc"] = (
        f"A graph recipe: {len(spec.nodes)} nodes from the input(s) "
        f"{', '.join(i.name for i in spec.inputs)} to the output(s) "
        f"{', '.join(name for name, _ in spec.outputs)}."
    )
    return info


def _print_graph(graph: dict[str, Any]) -> None:
    print("  inputs:")
    inputs = [("   ", i["name"], str(tuple(i["shape"])), i["dtype"]) for i in graph["inputs"]]
    print_table(("   ", "INPUT", "SHAPE", "DTYPE"), inputs)
    print("  nodes:")
    rows = []
    for n in graph["nodes"]:
        args = [f"{k}={v!r}" for k, v in n["args"].items()]
        args += [f"{k}={v!r} (one per copy)" for k, v in n["each"].items()]
        args += [f"{k}={v!r} (first copy)" for k, v in n["first_args"].items()]
        layer = n["layer"] + (f" x{n['repeat']}" if n["repeat"] > 1 else "")
        rows.append(("   ", n["name"], layer, ", ".join(n["inputs"]), ", ".join(args) or "-"))
    print_table(("   ", "NODE", "LAYER", "INPUTS", "ARGS"), rows)
    outputs = graph["outputs"]
    shown = [n if k == n else f"{k} = {n}" for k, n in outputs.items()]
    print(f"  outputs:      {', '.join(shown)}")
    print("  overrides:    <node>.<argument>=VALUE (--set) or <node>_<argument>= (zoo.build)")


def run_info(args: argparse.Namespace) -> int:
    info = describe(args.name)
    if args.json:
        print_json(info)
        return 0
    print(info["id"])
    first, _, rest = info["doc"].partition("\n\n")
    if first:
        print(textwrap.indent(first, "  "))
    fields = ["kind", "plugin", "distribution", "version", "builder", "target", "summary", "tags"]
    for key in [*fields, "backends", "source"]:
        value = info.get(key)
        if value in (None, "", []):
            continue
        print(f"  {key + ':':<14}{', '.join(value) if isinstance(value, list) else value}")
    if info["parameters"]:
        print("  parameters:")
        for p in info["parameters"]:
            default = "(required)" if p["required"] else f"= {p['default']!r}"
            note = "  (set by the recipe)" if p.get("fixed_by_recipe") else ""
            annotation = f": {p['annotation']}" if p["annotation"] else ""
            print(f"    {p['name']}{annotation} {default}{note}")
    if info.get("presets"):
        print(f"  presets:      {', '.join(info['presets'])} (weights=... or zoo.from_preset)")
    if info.get("graph"):
        _print_graph(info["graph"])
    if info.get("training"):
        print("  training defaults:")
        for key, value in info["training"].items():
            print(f"    {key}: {value}")
    if info.get("search"):
        print("  search space:")
        for argument, space in info["search"].items():
            print(f"    {argument}: {space}")
    if rest.strip():
        print()
        print(textwrap.indent(rest.strip(), "  "))
    return 0
