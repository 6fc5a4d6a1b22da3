"""``zoo build``: build a model from a recipe or builder, optionally summarize and save it."""

from __future__ import annotations

import argparse
import tomllib
from typing import Any

import zoo
from zoo._errors import ArgumentError


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("build", parents=[common], help="build a model by name")
    p.add_argument("name", help="a recipe or model builder (id or unique short name)")
    add_set_option(
        p,
        "override a builder argument, or <node>.<argument> of a graph recipe; VALUE is "
        'a TOML value (10, 0.5, [32, 32, 3], "text"), or a bare string (repeatable)',
    )
    p.add_argument("--summary", action="store_true", help="print the Keras model summary")
    p.add_argument("--save", metavar="PATH", help="save the model to PATH (.keras), atomically")
    p.set_defaults(run=run_build)


def add_set_option(parser: argparse.ArgumentParser, description: str) -> None:
    """The ``--set KEY=VALUE`` option (repeatable) of the commands that build a model."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=description,
    )


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """The values of every ``--set``, parsed by `parse_override`."""
    return dict(parse_override(item) for item in items)


def parse_override(text: str) -> tuple[str, Any]:
    """``"num_classes=10"`` -> ``("num_classes", 10)``; values are parsed as TOML.

    KEY is an argument name, or ``<node>.<argument>`` for a graph recipe
    (``deep.units=[256, 128]``).
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not all(part.isidentifier() for part in key.split(".")) or key.count(".") > 1:
        raise ArgumentError(
            f"--set takes KEY=VALUE with KEY an argument name, or <node>.<argument> for a "
            f"graph recipe. Received: {text!r}. Example: --set num_classes=10, or "
            "--set deep.units=[256,128]."
        )
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # a bare word: take it as a string
    except RecursionError:
        raise ArgumentError(
            f"--set values nest lists and tables at most a few dozen deep. Received: {key}= "
            f"a value of {len(raw)} characters nested deeper. Flatten the value."
        ) from None
    return key, value


def run_build(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    model = zoo.build(args.name, **overrides)
    if args.summary:
        model.summary()
    inputs = ", ".join(str(tuple(t.shape)) for t in model.inputs)
    outputs = ", ".join(str(tuple(t.shape)) for t in model.outputs)
    print(
        f"built {model.name}: {model.count_params():,} parameters; inputs {inputs}; "
        f"outputs {outputs}"
    )
    if args.save:
        path = zoo.save(model, args.save)
        print(f"saved to {path}")
    return 0
