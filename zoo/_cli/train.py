"""``zoo train``: train a recipe on a data source with `zoo.fit`, into a run folder."""

from __future__ import annotations

import argparse
from typing import Any

from zoo._cli.building import add_set_option, parse_override, parse_overrides


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "train",
        parents=[common],
        help="train a recipe on a data source (keras.Model.fit), keeping the run as a folder",
    )
    p.add_argument("name", help="a recipe or model builder (id or unique short name)")
    p.add_argument(
        "--data",
        required=True,
        help="a data source id (vision/digits; `zoo list --kind dataset`) or a path: .npz, "
        ".csv (with --data-arg target=COLUMN), a folder of class subfolders, .tfrecord",
    )
    p.add_argument(
        "--data-arg",
        dest="data_args",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an argument of the data source, VALUE as in --set (repeatable)",
    )
    add_set_option(p, "override a builder argument; VALUE is a TOML value (repeatable)")
    p.add_argument("--epochs", type=int, help="default: the recipe's training defaults")
    p.add_argument(
        "--batch-size", type=int, help="the global batch; default: the recipe's training defaults"
    )
    p.add_argument(
        "--out", metavar="DIR", help="the run folder (default runs/<recipe>-<timestamp>)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run in --out from its last completed epoch",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of split, shuffle and weights (0)")
    p.add_argument(
        "--precision",
        default="float32",
        choices=("float32", "mixed_float16", "mixed_bfloat16"),
        help="Keras dtype policy (default float32)",
    )
    p.add_argument(
        "--jit",
        default="auto",
        choices=("auto", "on", "off"),
        help="XLA compilation: Keras' choice (auto, the default), on or off",
    )
    p.add_argument("--learning-rate", type=float, help="default: the recipe's training defaults")
    p.set_defaults(run=run_train)


def run_train(args: argparse.Namespace) -> int:
    import zoo

    overrides = parse_overrides(args.overrides)
    data_args = dict(parse_override(item) for item in args.data_args)
    result = zoo.fit(
        args.name,
        args.data,
        overrides=overrides,
        data_args=data_args,
        epochs=args.epochs,
        batch_size=args.batch_size,
        out=args.out,
        resume=args.resume,
        seed=args.seed,
        precision=args.precision,
        jit=args.jit,
        learning_rate=args.learning_rate,
    )
    for split, values in result.metrics.items():
        shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(values.items()))
        print(f"{split}: {shown}")
    print(f"run folder: {result.run_dir} (best.keras, run.json, metrics.json, curves.png)")
    return 0
