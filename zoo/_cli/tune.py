"""``zoo tune``: a keras-tuner search over a recipe's space with `zoo.tune`."""

from __future__ import annotations

import argparse
from typing import Any

from zoo._cli.building import add_data_options, add_set_option, data_arguments, parse_overrides


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "tune",
        parents=[common],
        help="search a recipe's space with keras-tuner; keep the trials and a best.toml recipe",
    )
    p.add_argument("name", help="a recipe or model builder (id or unique short name)")
    add_data_options(
        p, "a data source id (vision/digits; `zoo list --kind dataset`) or a path (as zoo train)"
    )
    p.add_argument(
        "--tuner",
        default="random",
        help="random (default), hyperband, bayesian or grid: keras-tuner's oracles",
    )
    p.add_argument(
        "--max-trials", type=int, help="trials to run (default 10; hyperband takes none)"
    )
    p.add_argument(
        "--epochs", type=int, help="epochs per trial (hyperband: the most); default: declared"
    )
    p.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="KEY=SPACE",
        help='a search space, SPACE a TOML table ({type="int", min=8, max=32, step=8}) or a '
        "list of choices ([8,16]); adds to or replaces the recipe's (repeatable)",
    )
    add_set_option(p, "fix a builder argument or training option; VALUE is TOML (repeatable)")
    p.add_argument(
        "--objective",
        help="the logged metric to optimize, optionally :max or :min (default: the recipe's "
        "monitored metric)",
    )
    p.add_argument("--out", metavar="DIR", help="the search folder (default runs/tune-...)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted search in --out, keeping its completed trials",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="run N tuner processes and a chief oracle on 127.0.0.1 (keras-tuner's protocol)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        help="with --workers: the most seconds the search may take (default: none)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of split, weights and oracle (0)")
    p.set_defaults(run=run_tune)


def run_tune(args: argparse.Namespace) -> int:
    import zoo
    from zoo._tuning.hypermodel import parse_space

    search = dict(parse_space(item) for item in args.search)
    result = zoo.tune(
        args.name,
        args.data,
        tuner=args.tuner,
        max_trials=args.max_trials,
        epochs=args.epochs,
        objective=args.objective,
        out=args.out,
        resume=args.resume,
        search=search,
        overrides=parse_overrides(args.overrides),
        data_args=data_arguments(args),
        seed=args.seed,
        workers=args.workers,
        timeout=args.timeout,
    )
    completed = sum(row["status"] == "COMPLETED" for row in result.trials)
    values = ", ".join(
        f"{k}={v}" for k, v in result.best_values.items() if not k.startswith("tuner/")
    )
    print(
        f"best of {completed} completed trials: {result.objective} {result.best_score:.4f} "
        f"with {values}"
    )
    for split, metrics in result.metrics.items():
        shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(metrics.items()))
        print(f"{split}: {shown}")
    if result.recipe_id:
        print(
            f"recipe {result.recipe_id} in {result.paths['recipe']}: python -m zoo build "
            f"--registry {result.paths['recipe']} {result.recipe_id}"
        )
    print(f"search folder: {result.out} (trials.csv, trials.png, best.keras, best.toml)")
    return 0
