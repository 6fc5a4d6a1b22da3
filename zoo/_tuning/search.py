"""`zoo.tune`: a keras-tuner search over a recipe's space, kept as a folder.

    OUT/search.json    what was searched (recipe, data, tuner, space, options), status
    OUT/keras_tuner/   keras-tuner's own state: oracle.json, one trial_<id>/ per trial
                       (trial.json, checkpoint, zoo_trial.json with its time); resuming
                       reloads it, so completed trials are kept
    OUT/trials.log     one JSON line per trial begin and end (which tuner ran it)
    OUT/trials.csv     one row per trial (see `zoo._tuning.results`)
    OUT/trials.png     the score per trial and the best so far
    OUT/best.keras     the best trial's model, its best epoch restored (through zoo.save)
    OUT/best.toml      a registry file with the recipe ``<name>_tuned``: the best
                       arguments and training options
    OUT/logs/          with --workers: each process's log

The search is keras-tuner's: its oracles (random, Hyperband, Bayesian optimization,
grid), its trial protocol and its state; the zoo adds the hypermodel, the checks made
before the first trial and the files written after the last.
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError, ZooError, did_you_mean
from zoo._base.jsonable import jsonable
from zoo._training import run_folder
from zoo._training.run_folder import SEARCH_FILE
from zoo._tuning.tuner import TUNERS, make_tuner, run_search

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import Entry

PROJECT = run_folder.TUNER_DIR
TRIALS_LOG = run_folder.TRIALS_LOG
#: The options a resumed search must repeat (the rest may change between runs).
_SAME_ON_RESUME = (
    "recipe",
    "data",
    "data_args",
    "tuner",
    "epochs",
    "objective",
    "space",
    "fixed",
    "seed",
)


@dataclass
class TuneResult:
    """What `zoo.tune` returns.

    Attributes:
        best_values: the best trial's sampled values (keras-tuner's names).
        best_score: its objective value.
        objective: the objective's name; ``maximize`` whether larger is better.
        recipe_id: the id of the recipe in ``best.toml``.
        arguments, training: what that recipe builds and trains with.
        trials: one dict per trial (id, status, score, values, seconds, tuner).
        metrics: the best model's evaluation by split (``{"test": {...}, ...}``).
        model: the best model (its best epoch's weights).
        out: the search folder; ``paths``: its files by name.
    """

    best_values: dict[str, Any]
    best_score: float | None
    objective: str
    maximize: bool
    recipe_id: str | None
    arguments: dict[str, Any]
    training: dict[str, Any]
    trials: list[dict[str, Any]]
    metrics: dict[str, dict[str, float]]
    model: Any
    out: Path
    paths: dict[str, Path] = field(default_factory=dict)


def tune(
    name: str,
    data: Any,
    *,
    tuner: str = "random",
    max_trials: int | None = None,
    epochs: int | None = None,
    objective: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    strategy: Any = None,
    search: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    data_args: Mapping[str, Any] | None = None,
    seed: int = 0,
    workers: int | None = None,
    timeout: float | None = None,
    verbose: Any = "auto",
) -> TuneResult:
    """Search a recipe's space with keras-tuner; keep the search and its best as files.

    Args:
        name: a recipe or model builder (id or short name) with a ``search`` space, or
            one given by ``search``.
        data: a data source id, a path, arrays or `zoo.DataSplits` (see
            `zoo.load_data`); with ``workers``, an id or a path.
        tuner: ``"random"``, ``"hyperband"``, ``"bayesian"`` or ``"grid"``.
        max_trials: trials to run (default 10; Hyperband sizes its brackets from
            ``epochs`` instead and takes none).
        epochs: epochs per trial (Hyperband: the most a trial trains); default: the
            declared training epochs.
        objective: the logged metric to optimize (default: the recipe's ``monitor``,
            in its ``mode``); ``"name:max"`` or ``"name:min"`` sets the direction.
        out: the search folder (default ``runs/tune-<recipe>-<timestamp>``): new or
            empty, or an interrupted search with ``resume=True``.
        resume: continue the search in ``out``, keeping its completed trials.
        strategy: a ``tf.distribute`` strategy (or name) each trial trains under.
        search: more or replacing search spaces, ``{name: {"type": ..., ...}}``.
        overrides: builder arguments and training options that stay fixed.
        data_args: the data source's own arguments.
        seed: seeds the split, each trial's weights and the oracle.
        workers: run that many tuner processes and a chief oracle on 127.0.0.1
            (keras-tuner's distributed protocol); see `zoo._tuning.distributed`.
        timeout: with ``workers``, the most seconds the whole search may take.
        verbose: ``"auto"`` (keras-tuner's display on a terminal, one line per trial
            otherwise), 0, 1 (keras-tuner's display) or 2 (one line per trial).

    Returns:
        A `TuneResult`.
    """
    from zoo._registry import default_registry
    from zoo._tuning import hypermodel as hm

    options = _check_options(tuner, max_trials, epochs, workers, verbose, seed)
    registry = default_registry()
    entry = hm.entry_of(name, registry)
    fixed = dict(overrides or {})
    space = hm.search_space(entry, registry, search, fixed)
    if not space:
        raise ZooError(
            f"A search needs a search space. Received: {entry.id} declares none and no "
            "search= was given. Add search = {...} to the recipe or pass --search KEY=SPACE."
        )
    objective_name, maximize = _objective(objective, entry, registry)
    folder = Path(out) if out is not None else run_folder.default_folder(f"tune-{entry.id}")
    if workers and not isinstance(data, (str, Path)):
        raise ZooError(
            "Tuner processes load the data themselves, so --workers takes a data source id "
            f"or a path. Received: {type(data).__name__}. Save the arrays as .npz first."
        )
    config = {
        "recipe": entry.id,
        "data": str(data) if isinstance(data, (str, Path)) else type(data).__name__,
        "data_args": jsonable(data_args or {}),
        "tuner": tuner,
        "max_trials": options["max_trials"],
        "epochs": epochs,
        "objective": objective_name,
        "maximize": maximize,
        "space": space,
        "fixed": jsonable(fixed),
        "seed": seed,
        "verbose": options["verbose"],
        "registry_files": _registry_files(registry),
        "status": "running",
    }
    _prepare(folder, config, resume)
    folder.mkdir(parents=True, exist_ok=True)
    run_folder.write_json(folder / SEARCH_FILE, config)
    return _search(config, folder, data, registry, workers, timeout, strategy, resume)


def _search(
    config: dict[str, Any],
    folder: Path,
    data: Any,
    registry: Registry,
    workers: int | None,
    timeout: float | None,
    strategy: Any,
    resume: bool,
) -> TuneResult:
    """Run the search in this process or on a chief and ``workers`` processes; finish it."""
    if workers:
        from zoo._tuning import distributed

        if resume:
            make_tuner(config, folder, data=data, quiet=True)  # reloads and cleans the state
        distributed.run(folder, workers, timeout=timeout)
        model_tuner = make_tuner(config, folder, data=data, quiet=True)
    else:
        model_tuner = make_tuner(config, folder, data=data, strategy=strategy)
        run_search(model_tuner, config)
    return _finish(model_tuner, config, folder, registry)


# === Checks ===


def _check_options(
    tuner: Any, max_trials: Any, epochs: Any, workers: Any, verbose: Any, seed: Any
) -> dict[str, Any]:
    if tuner not in TUNERS:
        raise ArgumentError(
            f"tuner is one of {', '.join(TUNERS)}. Received: tuner={tuner!r}."
            f"{did_you_mean(str(tuner), TUNERS)}"
        )
    if tuner == "hyperband" and max_trials is not None:
        raise ArgumentError(
            "Hyperband sizes its brackets from the epochs (its max_epochs) and runs as many "
            f"trials as they hold. Received: max_trials={max_trials!r}. Drop max_trials, "
            "or pick another tuner."
        )
    for label, value in (("max_trials", max_trials), ("epochs", epochs), ("workers", workers)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise ArgumentError(f"{label} is a positive integer. Received: {label}={value!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ArgumentError(f"seed is an integer. Received: seed={seed!r}.")
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2):
        raise ArgumentError(f"verbose is 'auto', 0, 1 or 2. Received: verbose={verbose!r}.")
    return {"max_trials": max_trials or (None if tuner == "hyperband" else 10), "verbose": verbose}


def _objective(objective: str | None, entry: Entry, registry: Registry) -> tuple[str, bool]:
    from zoo._training.defaults import training_defaults
    from zoo._tuning.hypermodel import maximize

    defaults = training_defaults(entry, registry)
    if objective is None:
        return defaults.monitor, maximize(defaults.monitor, defaults.mode)
    if not isinstance(objective, str) or not objective.strip(":"):
        raise ArgumentError(
            f"objective names a logged metric, optionally with :max or :min. Received: "
            f"objective={objective!r}. Example: 'val_accuracy:max'."
        )
    metric, _, direction = objective.partition(":")
    if direction and direction not in ("max", "min"):
        raise ArgumentError(
            f"An objective's direction is :max or :min. Received: {objective!r}. "
            f"Example: '{metric}:max'."
        )
    if direction:
        return metric, direction == "max"
    mode = defaults.mode if metric == defaults.monitor else "auto"
    return metric, maximize(metric, mode)


def _prepare(folder: Path, config: Mapping[str, Any], resume: bool) -> None:
    """A new search needs a new or empty folder; a resumed one, its state and its options."""
    earlier = run_folder.prepare(folder, resume=resume, default=True, kind=run_folder.SEARCH)
    if earlier is None:
        return
    if not (folder / PROJECT / "oracle.json").is_file():
        raise ZooError(
            f"--resume continues a search from keras-tuner's state. Received: {folder}, "
            f"which has no {PROJECT}/oracle.json (no trial had started). Start it anew "
            "without --resume."
        )
    different = [
        f"{key}={config.get(key)!r} (the search has {earlier.get(key)!r})"
        for key in _SAME_ON_RESUME
        if jsonable(config.get(key)) != earlier.get(key)
    ]
    if different:
        raise ZooError(
            "--resume continues a search with the options it started with. Received: "
            f"{'; '.join(different)} for {folder}. Repeat the original command with --resume."
        )


def _registry_files(registry: Registry) -> list[str]:
    from zoo._base.places import default_registry_path

    default = default_registry_path()
    return [str(p) for p in registry.registry_files() if p != default]


# === After the last trial ===


def _finish(
    model_tuner: Any, config: dict[str, Any], folder: Path, registry: Registry
) -> TuneResult:
    """trials.csv, trials.png, best.keras, best.toml and the completed search.json."""
    from zoo._saving.save import save
    from zoo._training.evaluation import evaluate
    from zoo._tuning import results

    rows = results.trial_rows(model_tuner)
    paths = _trial_files(rows, config, folder)
    best_trials = model_tuner.oracle.get_best_trials(1)
    if not best_trials or best_trials[0].score is None:
        raise ZooError(
            f"A search keeps its best trial. Received: no trial of {len(rows)} completed with "
            f"a score for {config['objective']}. See {paths['trials']} and each trial.json."
        )
    best = best_trials[0]
    hypermodel = model_tuner.hypermodel
    arguments, defaults = hypermodel.resolve(best.hyperparameters)
    model = _best_model(model_tuner, best)
    paths["best"] = folder / run_folder.BEST_FILE
    save(model, paths["best"])
    metrics = evaluate(model, hypermodel.splits)
    training = _training_table(hypermodel, defaults, best.hyperparameters, config)
    completed = sum(row["status"] == "COMPLETED" for row in rows)
    recipe_id = _write_best_toml(
        folder / run_folder.BEST_TOML,
        hypermodel.entry,
        registry,
        arguments,
        training,
        best,
        config,
        metrics,
        completed,
    )
    if recipe_id is not None:
        paths["recipe"] = folder / run_folder.BEST_TOML
    best_record = {
        "trial": best.trial_id,
        "score": best.score,
        "values": jsonable(best.hyperparameters.values),
    }
    config.update(
        status="completed",
        finished=run_folder.now(),
        best=best_record,
        recipe_id=recipe_id,
        metrics=metrics,
    )
    run_folder.write_json(folder / SEARCH_FILE, config)
    return TuneResult(
        best_values=dict(best.hyperparameters.values),
        best_score=best.score,
        objective=config["objective"],
        maximize=config["maximize"],
        recipe_id=recipe_id,
        arguments=jsonable(arguments),
        training=training,
        trials=rows,
        metrics=metrics,
        model=model,
        out=folder,
        paths=paths,
    )


def _trial_files(rows: Any, config: Mapping[str, Any], folder: Path) -> dict[str, Path]:
    from zoo._tuning import results

    return {
        "search": folder / SEARCH_FILE,
        "state": folder / PROJECT,
        "trials": results.write_trials_csv(rows, folder / run_folder.TRIALS_CSV),
        "picture": results.write_trials_png(
            rows,
            folder / run_folder.TRIALS_PNG,
            config["objective"],
            config["maximize"],
            f"{config['tuner']} search of {config['recipe']}",
        ),
    }


def _best_model(model_tuner: Any, best: Any) -> Any:
    """The best trial's model, its best epoch's weights, its optimizer built."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # The checkpoint holds the trained optimizer's slots; the rebuilt model's
        # optimizer has none yet, which Keras warns about. The weights load in full.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = model_tuner.load_model(best)
    if getattr(model, "optimizer", None) is not None and not model.optimizer.built:
        # Saved with its slots (zeros), so loading best.keras finds what it expects.
        model.optimizer.build(model.trainable_variables)
    return model


def _training_table(
    hypermodel: Any, defaults: Any, hp: Any, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The recipe's own training table, with the best training options and the epochs."""
    from zoo._training.defaults import FIELDS
    from zoo._tuning.hypermodel import split_values

    table = dict(getattr(hypermodel.entry, "training", {}) or {})
    _, fixed = split_values(hypermodel.fixed, hypermodel.accepted, FIELDS)
    _, sampled = split_values(hp.values, hypermodel.accepted)
    options = {**fixed, **sampled}
    table.update(jsonable(options))
    table["epochs"] = int(hp.values.get("tuner/epochs") or hypermodel._epochs(hp, defaults))
    return table


def _write_best_toml(
    path: Path,
    entry: Entry,
    registry: Registry,
    arguments: Mapping[str, Any],
    training: Mapping[str, Any],
    best: Any,
    config: Mapping[str, Any],
    metrics: Mapping[str, Mapping[str, float]],
    completed: int,
) -> str | None:
    from zoo._specs.component import Recipe
    from zoo._tuning.results import best_recipe_toml

    if isinstance(entry, Recipe) and entry.graph is not None:
        return None  # a graph recipe's best overrides are in search.json and trials.csv
    builder = registry.builder_of(entry).id if isinstance(entry, Recipe) else entry.id
    namespace = entry.namespace if isinstance(entry, Recipe) else entry.plugin
    name = f"{entry.name}_tuned"
    test = metrics.get("test", {})
    shown = ", ".join(f"{k} {v:.4f}" for k, v in sorted(test.items()))
    comments = [
        f"Written by `zoo tune {config['recipe']} --data {config['data']} --tuner "
        f"{config['tuner']}`: the best of {completed} completed trials in {path.parent}.",
        f"Best trial {best.trial_id}: {config['objective']} {best.score:.4f}."
        + (f" Test split: {shown}." if shown else ""),
        f"Build: python -m zoo build --registry {path} {namespace}/{name}",
        f"Train: python -m zoo train --registry {path} {namespace}/{name} --data {config['data']}",
    ]
    text = best_recipe_toml(
        namespace=namespace,
        name=name,
        builder=builder,
        args=jsonable(dict(arguments)),
        training=training,
        summary=f"{entry.id} tuned by a {config['tuner']} search on {config['data']}.",
        tags=[*getattr(entry, "tags", ()), "tuned"],
        comments=comments,
    )
    run_folder.write_text(path, text)
    return f"{namespace}/{name}"


__all__ = ["TUNERS", "TuneResult", "make_tuner", "run_search", "tune"]
