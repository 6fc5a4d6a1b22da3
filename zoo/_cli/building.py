"""``zoo build``: build a model from a recipe or builder, optionally summarize and save it."""

from __future__ import annotations

import argparse
import re
import tomllib
from typing import Any

import zoo
from zoo._base.errors import ArgumentError


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("build", parents=[common], help="build a model by name")
    p.add_argument("name", help="a recipe or model builder (id or unique short name)")
    add_set_option(
        p,
        "override a builder argument, or <node>.<argument> of a graph recipe; VALUE is "
        'a TOML value (10, 0.5, [32, 32, 3], "text"), null for None ([null, null]), or a '
        "bare string (repeatable)",
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


DATA_HELP = (
    "a data source id (vision/digits; `zoo list --kind dataset`) or a path: .npz, .csv (with "
    "--data-arg target=COLUMN), a folder of class subfolders, .tfrecord"
)


def add_data_options(
    parser: argparse.ArgumentParser, description: str = DATA_HELP, *, required: bool = True
) -> None:
    """``--data DATA`` and the repeatable ``--data-arg KEY=VALUE`` (see `data_arguments`)."""
    parser.add_argument("--data", required=required, metavar="DATA", help=description)
    parser.add_argument(
        "--data-arg",
        dest="data_args",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an argument of the data source, VALUE as in --set (repeatable), "
        "e.g. --data-arg target=label",
    )


def data_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The parsed ``--data-arg`` values."""
    return dict(parse_override(item) for item in args.data_args)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """The values of every ``--set``, parsed by `parse_override`."""
    return dict(parse_override(item) for item in items)


_NULL = "\ue000zoo-null\ue000"  # a private-use character: never typed by a user
#: ``null`` outside a quoted string: TOML has no null, the CLI's values do.
_BARE_NULL = re.compile(r"""("(?:[^"\\]|\\.)*"|'[^']*')|\bnull\b""")


def _with_nulls(value: Any) -> Any:
    if value == _NULL:
        return None
    if isinstance(value, list):
        return [_with_nulls(v) for v in value]
    if isinstance(value, dict):
        return {k: _with_nulls(v) for k, v in value.items()}
    return value


def parse_value(raw: str, key: str = "value") -> Any:
    """A ``--set`` value: TOML (``10``, ``0.5``, ``[32, 32, 3]``, ``"text"``, ``{a = 1}``),
    the word ``null`` for None (bare or inside a list or table), or a bare word as a string.
    """
    raw = raw.strip()
    marked = _BARE_NULL.sub(lambda m: m.group(1) or f'"{_NULL}"', raw)
    try:
        return _with_nulls(tomllib.loads(f"value = {marked}")["value"])
    except tomllib.TOMLDecodeError:
        pass
    except RecursionError:
        raise ArgumentError(
            f"--set values nest lists and tables at most a few dozen deep. Received: {key}= "
            f"a value of {len(raw)} characters nested deeper. Flatten the value."
        ) from None
    if raw[:1] in "([{\"'" or "," in raw:
        hint = ""
        if raw.startswith("("):
            hint = f" A tuple is written as a TOML list: {key}=[{raw.strip('()')}]."
        raise ArgumentError(
            f'--set values are TOML: numbers, true/false, null, "strings", [lists] and '
            f"{{tables}}. Received: {key}={raw}, which is not valid TOML.{hint} Example: "
            '--set input_shape=[32,32,3], --set input_shape=[null,null], --set name="net".'
        )
    return raw  # a bare word (relu, he_normal): take it as a string


def parse_override(text: str) -> tuple[str, Any]:
    """``"num_classes=10"`` -> ``("num_classes", 10)``; values are parsed by `parse_value`.

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
    return key, parse_value(raw, key)


def run_build(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.overrides)
    if args.save:
        from zoo._saving.save import check_destination

        check_destination(args.save, ".keras", "A saved model file")  # before the build
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
