"""``zoo export``: a recipe, builder or ``.keras`` file to a SavedModel or a TFLite file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zoo
from zoo._base.errors import ArgumentError
from zoo._cli import export_int8
from zoo._cli._output import print_json
from zoo._cli.building import add_set_option, parse_overrides

if TYPE_CHECKING:
    from zoo._specs.component import Entry

VERIFY_SAMPLES = 8


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    # The formats, their suffixes and options come from the export table.
    from zoo._export.formats import FORMATS, and_join, quantizations

    p = subparsers.add_parser(
        "export",
        parents=[common],
        help="export a model (recipe, builder or .keras file) as a "
        f"{and_join([f.title for f in FORMATS], 'or')} file",
    )
    p.add_argument("source", metavar="NAME|FILE", help="a recipe or model builder, or a .keras")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        help=", or ".join(f.destination for f in FORMATS),
    )
    folder = next(f for f in FORMATS if f.suffix is None)
    by_suffix = [f"{f.name} when --output ends in {f.suffix}" for f in FORMATS if f.suffix]
    p.add_argument(
        "--format",
        choices=[f.name for f in FORMATS],
        default=None,
        help=and_join([f"{f.name} ({f.description})" for f in FORMATS], "or")
        + f"; default: {', '.join(by_suffix)}, {folder.name} otherwise",
    )
    quantizing = [f for f in FORMATS if f.quantizations]
    p.add_argument(
        "--quantize",
        choices=quantizations(),
        help="; ".join(f"{f.title} only: {f.quantization_help}" for f in quantizing),
    )
    export_int8.add_arguments(p)
    p.add_argument(
        "--select-tf-ops",
        action="store_true",
        help="TFLite only: allow TensorFlow ops without a TFLite builtin (needs Flex)",
    )
    add_set_option(p, "override a builder argument (NAME only; repeatable)")
    p.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help=f"skip running the artifact on {VERIFY_SAMPLES} random inputs against Keras",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=run_export)


def _is_file(source: str) -> bool:
    """A ``.keras`` path (existing or not: zoo.load says what is wrong), or any existing file."""
    return source.endswith(".keras") or Path(source).is_file()


def load_or_build(source: str, overrides: list[str]) -> tuple[Any, Entry | None]:
    """The model named by ``source`` (a .keras file or a registry name) and its spec, if any."""
    if _is_file(source):
        if overrides:
            raise ArgumentError(
                f"--set applies to a recipe or builder, not a file. Received: {source!r} "
                f"with --set {' '.join(overrides)}. Drop --set, or name a recipe."
            )
        return zoo.load(source, compile=False), None
    values = parse_overrides(overrides)
    return zoo.build(source, **values), zoo.get_spec(source)


def _sample_inputs(model: Any, spec: Entry | None) -> list[Any] | None:
    """Random inputs for ``model``, in the ranges of the spec's example when there is one."""
    import numpy as np

    from zoo._kit.data import random_array
    from zoo._specs.component import Recipe

    example = spec.example if spec is not None and not isinstance(spec, Recipe) else None
    bounds = example.input_range if example is not None else None
    rng = np.random.default_rng(0)
    inputs = []
    for tensor in model.inputs:
        shape = (VERIFY_SAMPLES, *tensor.shape[1:])
        dtype = str(tensor.dtype)
        if any(d is None for d in shape) or "string" in dtype:
            return None  # free dimensions or text: nothing to guess safely
        low_high = bounds if bounds is not None else ((0, 2) if "int" in dtype else None)
        inputs.append(random_array(shape, dtype, low_high, rng))
    return inputs


def run_export(args: argparse.Namespace) -> int:
    from zoo._export import artifact_size, check_export, max_difference
    from zoo._export.formats import format_named

    # The destination and options are checked before a build that may take a while.
    _, args.format = check_export(args.output, args.format, args.quantize, args.select_tf_ops)
    data = export_int8.load(args)
    model, spec = load_or_build(args.source, args.overrides)
    path = zoo.export(
        model,
        args.output,
        format=args.format,
        quantization=args.quantize,
        select_tf_ops=args.select_tf_ops,
        data=data,
    )
    result: dict[str, Any] = {
        "source": args.source,
        "model": model.name,
        "path": str(path),
        "format": args.format,
        "quantization": args.quantize,
        "bytes": artifact_size(path),
        "max_difference": None,
        "samples": 0,
    }
    note = ""
    if args.verify and data is not None:
        result["int8"] = export_int8.report(model, path, data)
    elif args.verify:
        x = _sample_inputs(model, spec)
        if x is None:
            note = "not verified: the inputs are strings or have free dimensions"
        else:
            import numpy as np

            reference = [np.asarray(v) for v in _flat(model(x if len(x) > 1 else x[0]))]
            outputs = format_named(args.format).run(path, x, [t.name for t in model.inputs])
            result.update(max_difference=max_difference(reference, outputs), samples=len(x[0]))
    if args.json:
        print_json({**result, "note": note})
        return 0
    kind = args.format + (f" ({args.quantize})" if args.quantize else "")
    print(f"exported {model.name} to {path} as {kind}: {result['bytes']:,} bytes")
    if result["max_difference"] is not None:
        print(
            f"largest output difference from Keras on {result['samples']} random inputs: "
            f"{result['max_difference']:.3g} (relative to max(1, |Keras output|))"
        )
    elif note:
        print(note)
    if "int8" in result:
        print(export_int8.describe(result["int8"]))
    return 0


def _flat(outputs: Any) -> list[Any]:
    import keras

    return [keras.ops.convert_to_numpy(v) for v in keras.tree.flatten(outputs)]
