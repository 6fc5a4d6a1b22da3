"""``zoo graph``: draw a model (recipe, builder or graph file) as PNG/SVG, or DOT text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import zoo
from zoo._cli.building import add_set_option, parse_overrides


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "graph",
        parents=[common],
        help="draw a model's graph (PNG/SVG with Graphviz, else DOT text)",
        description="Build a model and draw its layers and wiring. PNG, SVG and PDF need "
        "pydot and Graphviz (apt-get install graphviz, or brew install graphviz); without "
        "them DOT text is written instead (FILE with the suffix .dot).",
    )
    p.add_argument(
        "name", help="a recipe or model builder (id or short name), or a graph spec .toml file"
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write: .png, .svg, .pdf, .jpg, or .dot/.gv for DOT text "
        "(default: DOT text on stdout)",
    )
    add_set_option(p, "override an argument, as for `zoo build` (repeatable)")
    p.add_argument("--rankdir", choices=("TB", "LR"), default="TB", help="layout direction")
    p.add_argument("--dpi", type=int, default=96, help="resolution of a PNG (default 96)")
    p.set_defaults(run=run_graph)


def _build(name: str, overrides: dict[str, Any]) -> Any:
    if name.endswith(".toml") and Path(name).is_file():
        return zoo.build_graph(Path(name), **overrides)
    return zoo.build(name, **overrides)


def run_graph(args: argparse.Namespace) -> int:
    from zoo._graph.draw import INSTALL_HINT, check_picture_path, draw_model, model_to_dot_text

    overrides = parse_overrides(args.overrides)
    if args.out:
        check_picture_path(args.out)  # before the build
    model = _build(args.name, overrides)
    if not args.out:
        sys.stdout.write(model_to_dot_text(model, rankdir=args.rankdir))
        return 0
    written, fmt = draw_model(model, args.out, rankdir=args.rankdir, dpi=args.dpi)
    if fmt == "dot" and Path(args.out).suffix.lower() not in (".dot", ".gv"):
        print(
            f"Graphviz or pydot is not installed, so {args.out} cannot be drawn; wrote DOT "
            f"text to {written} instead. {INSTALL_HINT}, or render it with "
            f"`dot -T{Path(args.out).suffix.lstrip('.')} {written} -o {args.out}`.",
            file=sys.stderr,
        )
    print(f"wrote {written} ({fmt}): {model.name}, {len(model.layers)} layers")
    return 0
