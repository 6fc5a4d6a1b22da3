"""``zoo preset``: turn a finished run folder into a preset folder with a model card."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "preset",
        parents=[common],
        help="write a preset folder (model.keras, preset.json, README.md) from a run",
    )
    p.add_argument("run_folder", metavar="RUN", help="the --out folder of a finished `zoo train`")
    p.add_argument("--out", required=True, metavar="FOLDER", help="the preset folder to write")
    p.add_argument("--license", default="", help="the weights' license, stated in the card")
    p.set_defaults(run=run_preset)


def run_preset(args: argparse.Namespace) -> int:
    from zoo._presets import read_preset, save_preset

    folder = save_preset(args.run_folder, args.out, license=args.license)
    info = read_preset(folder).info
    test = (info.get("metrics") or {}).get("test") or {}
    shown = ", ".join(f"{k} {v:.4f}" for k, v in test.items() if isinstance(v, float))
    print(f"wrote {folder} ({info.get('recipe') or info.get('builder')}; test: {shown or '-'})")
    return 0
