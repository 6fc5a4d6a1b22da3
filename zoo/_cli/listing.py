"""``zoo list``, ``zoo plugins`` and ``zoo info``: what is registered, and what it takes."""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import zoo
from zoo._arguments import parameters
from zoo._cli._output import print_json, print_table
from zoo._registry import default_registry
from zoo._spec import KINDS, Recipe


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "list", parents=[common], help="list components and recipes (never imports TensorFlow)"
    )
    p.add_argument("pattern", nargs="?", help="fnmatch pattern on the id or short name")
    p.add_argument("--kind", choices=KINDS)
    p.add_argument("--tag")
    p.add_argument("--plugin")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_list)

    p = subparsers.add_parser("plugins", parents=[common], help="list plugins and their status")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_plugins)

    p = subparsers.add_parser(
        "info", parents=[common], help="describe a component or recipe (imports it)"
    )
    p.add_argument("name", help="an id (vision/PixelShuffle) or a unique short name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_info)


def run_list(args: argparse.Namespace) -> int:
    entries = zoo.list_components(args.pattern, kind=args.kind, tag=args.tag, plugin=args.plugin)
    if args.json:
        print_json([e.to_dict() for e in entries])
        return 0
    rows = [
        (
            e.id,
            "model (recipe)" if isinstance(e, Recipe) else e.kind,
            ", ".join(e.tags),
            e.summary,
        )
        for e in entries
    ]
    print_table(("ID", "KIND", "TAGS", "SUMMARY"), rows)
    if not entries:
        print("(nothing matches; `python -m zoo plugins` shows what is installed)")
    return 0


def run_plugins(args: argparse.Namespace) -> int:
    plugins = zoo.list_plugins()
    if args.json:
        print_json([p.to_dict() for p in plugins])
        return 0
    rows = [
        (p.name, p.status, p.distribution or "-", p.version or "-", p.components, p.reason)
        for p in plugins
    ]
    print_table(("PLUGIN", "STATUS", "DISTRIBUTION", "VERSION", "COMPONENTS", "REASON"), rows)
    if not plugins:
        print("(no plugins found in the entry-point group zoo.plugins)")
    return 0


def describe(name: str) -> dict[str, Any]:
    """Everything ``zoo info`` shows about a component or recipe (imports its implementation)."""
    entry = zoo.get_spec(name)
    info = entry.to_dict()
    if isinstance(entry, Recipe) and entry.graph is not None:
        return describe_graph_recipe(entry, info)
    if isinstance(entry, Recipe):
        builder = default_registry().builder_of(entry)
        implementation = zoo.get(builder.id)
        info["builder"] = builder.id
        info.update(distribution=builder.distribution, version=builder.version)
    else:
        implementation = zoo.get(entry.id)
    params = [p.to_dict() for p in parameters(implementation)]
    if isinstance(entry, Recipe):
        for p in params:
            if p["name"] in entry.args:
                p.update(default=entry.args[p["name"]], required=False, fixed_by_recipe=True)
    info["parameters"] = params
    if callable(shapes := getattr(implementation, "feature_shapes", None)):  # backbone stages
        values = {p["name"]: p["default"] for p in params if not p["required"]}
        info["stages"] = {stage: list(shape) for stage, shape in shapes(**values).items()}
    targets = {entry.id, entry.name}  # the declared presets of this recipe or builder
    info["presets"] = [
        p.id for p in zoo.list_components(kind="preset") if p.preset.builder in targets
    ]
    doc = inspect.getdoc(implementation) or ""
    info["doc"] = doc.strip().split("\n\n")[0].replace("\n", " ")
    return info


def describe_graph_recipe(recipe: Recipe, info: dict[str, Any]) -> dict[str, Any]:
    """`describe` for a graph recipe: its inputs, nodes and outputs (imports nothing)."""
    from zoo._graph import recipe_graph

    spec = recipe_graph(recipe)
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
    if info["doc"]:
        print(f"  {info['doc']}")
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
    if info.get("stages"):
        shown = ", ".join(f"{stage} {tuple(shape)}" for stage, shape in info["stages"].items())
        print(f"  stages:       {shown} (features=[...])")
    if info.get("presets"):
        print(f"  presets:      {', '.join(info['presets'])} (weights=... or zoo.from_preset)")
    if info.get("graph"):
        _print_graph(info["graph"])
    if info.get("search"):
        print("  search space:")
        for argument, space in info["search"].items():
            print(f"    {argument}: {space}")
    return 0
