"""``zoo train``: train a recipe on a data source with `zoo.fit`, into a run folder."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from zoo._cli.building import add_data_options, add_set_option, data_arguments, parse_overrides


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "train",
        parents=[common],
        help="train a recipe on a data source (keras.Model.fit), keeping the run as a folder",
    )
    p.add_argument(
        "name",
        nargs="?",
        help="a recipe or model builder (id or unique short name); with --resume, the run's",
    )
    add_data_options(p, required=False)
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
        help="continue the interrupted run in --out from its last completed epoch, with the "
        "options it started with (NAME, --data and the rest may be left out)",
    )
    p.add_argument("--seed", type=int, help="seed of split, shuffle and weights (0)")
    p.add_argument(
        "--precision",
        choices=("float32", "mixed_float16", "mixed_bfloat16"),
        help="Keras dtype policy (default float32)",
    )
    p.add_argument(
        "--jit",
        choices=("auto", "on", "off"),
        help="XLA compilation: Keras' choice (auto, the default), on or off",
    )
    p.add_argument("--learning-rate", type=float, help="default: the recipe's training defaults")
    p.add_argument(
        "--strategy",
        default="auto",
        choices=("auto", "default", "mirrored", "multi-worker"),
        help="tf.distribute strategy: auto (multi-worker with a TF_CONFIG cluster, mirrored "
        "with several GPUs or --devices, else default), default (one device), mirrored "
        "(the local devices), multi-worker (the TF_CONFIG cluster; docs/distributed.md)",
    )
    p.add_argument(
        "--devices",
        type=int,
        metavar="N",
        help="mirrored: N local devices (GPUs, or the CPU split into N logical devices)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run N local multi-worker processes on 127.0.0.1 (restarted from the last "
        "completed epoch if one dies)",
    )
    p.set_defaults(run=run_train)


#: The options a resumed run takes from its run.json when the command leaves them out.
_REMEMBERED = {
    "name": "recipe",
    "data": "data_source",
    "seed": "seed",
    "precision": "precision",
    "jit": "jit",
    "epochs": "epochs",
    "batch_size": "batch_size",
    "learning_rate": "learning_rate",
}
_DEFAULTS = {"seed": 0, "precision": "float32", "jit": "auto"}


def run_train(args: argparse.Namespace) -> int:
    import zoo
    from zoo._training import run_folder

    remembered = _remember(args)
    if args.workers is not None:
        return _launch(args)
    overrides = {**remembered.get("overrides", {}), **parse_overrides(args.overrides)}
    data_args = {**remembered.get("data_arguments", {}), **data_arguments(args)}
    try:
        result = _fit(args, overrides, data_args)
    except zoo.ZooError as error:
        if not os.environ.get("ZOO_LAUNCHED_WORKER"):
            raise
        # A launched worker: tell the launcher that this is bad input, not a crash.
        print(f"error: {error}", file=sys.stderr, flush=True)
        from zoo._training.launcher import USER_ERROR

        return USER_ERROR
    if os.environ.get("ZOO_LAUNCHED_WORKER", "0") != "0":
        return 0  # the chief (worker 0) reports
    stopped = run_folder.stopped_early_line(run_folder.read_json(result.paths["run"], {}))
    if stopped:
        print(stopped)
    for split, values in result.metrics.items():
        shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(values.items()))
        print(f"{split}: {shown}")
    print(f"run folder: {result.run_dir} (best.keras, run.json, metrics.json, curves.png)")
    return 0


def _remember(args: argparse.Namespace) -> dict[str, Any]:
    """With --resume, fill what the command left out from the run's options; then defaults.

    Returns the run's recorded options (``{}`` without --resume). Options given again
    are checked against the run by `zoo.fit`.
    """
    from zoo._base.errors import ArgumentError, ZooError
    from zoo._training import run_folder

    options: dict[str, Any] = {}
    complete = args.name is not None and args.data is not None
    if args.resume and args.out is not None:
        try:
            earlier = run_folder.prepare(Path(args.out), resume=True) or {}
            options = dict(earlier.get("options") or {})
        except ZooError:
            if not complete:
                raise  # zoo.fit says the same for a complete command
    elif args.resume and not complete:
        raise ArgumentError(
            "--resume without NAME and --data reads them from the run in --out. Received: no "
            "--out. Pass --out RUN, the folder of the interrupted run."
        )
    for attribute, key in _REMEMBERED.items():
        if getattr(args, attribute) is None and options.get(key) is not None:
            value = options[key]
            if attribute == "jit" and isinstance(value, bool):
                value = "on" if value else "off"
            setattr(args, attribute, value)
    for attribute, default in _DEFAULTS.items():
        if getattr(args, attribute) is None:
            setattr(args, attribute, default)
    if args.name is None or args.data is None:
        missing = "NAME" if args.name is None else "--data"
        raise ArgumentError(
            "zoo train takes the recipe to train (NAME) and its data (--data DATA). Received: "
            f"no {missing}. Pass it, or --resume --out RUN to continue a run with its own."
        )
    return options


def _fit(args: argparse.Namespace, overrides: dict[str, Any], data_args: dict[str, Any]) -> Any:
    import zoo

    return zoo.fit(
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
        strategy=args.strategy,
        devices=args.devices,
    )


def _launch(args: argparse.Namespace) -> int:
    """``--workers N``: the same command as N local multi-worker processes."""
    from zoo._base.errors import ArgumentError
    from zoo._training import run_folder
    from zoo._training.launcher import launch

    if args.strategy not in ("auto", "multi-worker"):
        raise ArgumentError(
            "--workers starts the processes of a multi-worker run. Received: --workers "
            f"{args.workers} with --strategy {args.strategy}. Use --strategy multi-worker "
            "(or leave it out), or drop --workers."
        )
    if args.workers < 1:
        raise ArgumentError(f"--workers is a positive integer. Received: --workers {args.workers}.")
    if args.devices is not None:
        raise ArgumentError(
            "--devices splits one process's devices for --strategy mirrored. Received: "
            f"--devices {args.devices} with --workers {args.workers}. Drop --devices."
        )
    out = Path(args.out) if args.out else run_folder.default_folder(args.name)
    if not args.resume:  # a bad --out is one error, not one per worker
        run_folder.prepare(out, resume=False, default=args.out is None)
        out.parent.mkdir(parents=True, exist_ok=True)
    command = [args.name, "--data", args.data, "--out", str(out), "--seed", str(args.seed)]
    for item in args.data_args:
        command += ["--data-arg", item]
    for item in args.overrides:
        command += ["--set", item]
    for option in ("epochs", "batch_size", "precision", "jit", "learning_rate"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    for path in args.registry:
        command += ["--registry", path]
    if args.resume:
        command.append("--resume")
    return launch(command, args.workers, out)
