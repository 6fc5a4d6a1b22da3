"""``zoo new-plugin``: scaffold an installable plugin package."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "new-plugin",
        parents=[common],
        help="write a new plugin package: pyproject, one layer, one recipe, README, tests",
    )
    p.add_argument("name", help="the plugin name (lowercase): ids become NAME/Component")
    p.add_argument(
        "-d", "--directory", help="where to write it (default: ./zoo-NAME; must be new or empty)"
    )
    p.set_defaults(run=run_new_plugin)


def run_new_plugin(args: argparse.Namespace) -> int:
    from zoo._cli.scaffold import new_plugin

    files = new_plugin(args.name, args.directory)
    root = files[0].parent
    print(f"wrote the plugin {args.name!r} in {root}:")
    for path in files:
        print(f"  {path.relative_to(root)}")
    print(
        "\nnext:\n"
        f"  pip install -e {root}\n"
        f"  python -m zoo list --plugin {args.name}\n"
        f"  python -m zoo check --plugin {args.name}\n"
        f"  python -m pytest {root / 'tests'}"
    )
    return 0
