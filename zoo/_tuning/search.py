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
import json
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo._errors import ArgumentError, ZooError, did_you_mean

TUNERS = {
    "random": "RandomSearch",
    "hyperband": "Hyperband",
    "bayesian": "BayesianOptimization",
    "grid": "GridSearch",
}
PROJECT = "keras_tuner"
SEARCH_FILE = "search.json"
TRIALS_LOG = "trials.log"
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
    from zoo._training import run_folder
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
        "data_args": _jsonable(data_args or {}),
        "tuner": tuner,
        "max_trials": options["max_trials"],
        "epochs": epochs,
        "objective": objective_name,
        "maximize": maximize,
        "space": space,
        "fixed": _jsonable(fixed),
        "seed": seed,
        "verbose": options["verbose"],
        "registry_files": _registry_files(registry),
        "status": "running",
    }
    _prepare(folder, config, resume)
    folder.mkdir(parents=True, exist_ok=True)
    run_folder.write_json(folder / SEARCH_FILE, config)

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


# === The tuner ===


def make_tuner(
    config: Mapping[str, Any],
    folder: Path,
    *,
    data: Any = None,
    strategy: Any = None,
    quiet: bool = False,
) -> Any:
    """The keras-tuner tuner of a search (reloading its state in ``folder`` if any)."""
    import keras_tuner as kt

    from zoo._tuning.hypermodel import ZooHyperModel

    model = ZooHyperModel(
        config["recipe"],
        config["data"] if data is None else data,
        search=config["space"],
        data_args=config["data_args"],
        epochs=config["epochs"],
        seed=config["seed"],
        objective=config["objective"],
        **config["fixed"],
    )
    base = getattr(kt, TUNERS[config["tuner"]])
    recording = type(f"Zoo{base.__name__}", (_Recording, base), {})
    objective = kt.Objective(config["objective"], "max" if config["maximize"] else "min")
    kwargs: dict[str, Any] = {
        "objective": objective,
        "directory": str(folder),
        "project_name": PROJECT,
        "overwrite": False,
        "seed": config["seed"],
    }
    if config["tuner"] == "hyperband":
        kwargs.update(max_epochs=config["epochs"] or model.defaults.epochs, factor=3)
    else:
        kwargs["max_trials"] = config["max_trials"]
    if strategy is not None:
        from zoo._training.strategy import resolve_strategy

        kwargs["distribution_strategy"] = resolve_strategy(strategy)
    stream = io.StringIO()
    with contextlib.redirect_stdout(stream):  # keras-tuner's "Reloading Tuner from ..."
        instance = recording(model, **kwargs)
    instance.zoo_folder = folder
    _forget_ended_trials(instance)
    instance.zoo_lines = config["verbose"] == 2 and not quiet
    return instance


def _forget_ended_trials(instance: Any) -> None:
    """Drop ended trials that keras-tuner's saved state still lists as ongoing.

    ``Oracle.end_trial`` saves its state before it removes the trial from the ongoing
    ones, and a chief saves nothing after a worker's last trial, so a reloaded oracle
    would hand that finished trial to the same tuner id again (run twice). Trials that
    were really interrupted (status RUNNING) stay, and resume.
    """
    from keras_tuner.src.distribute import utils

    if utils.has_chief_oracle():
        return  # the chief's or a worker's view: the in-process reload cleaned it
    oracle = instance.oracle
    ended = [k for k, t in oracle.ongoing_trials.items() if t.status != "RUNNING"]
    for tuner_id in ended:
        del oracle.ongoing_trials[tuner_id]
    if ended:
        instance.save()


class _Recording:
    """Mixed into the keras-tuner tuner: each trial's time, a log line, a progress line."""

    zoo_folder: Path
    zoo_lines: bool = False

    def on_trial_begin(self, trial: Any) -> None:
        super().on_trial_begin(trial)  # type: ignore[misc]
        self._zoo_started = time.time()
        _log(self.zoo_folder, "begin", trial.trial_id, self.tuner_id)  # type: ignore[attr-defined]

    def on_trial_end(self, trial: Any) -> None:
        from zoo._training import run_folder
        from zoo._tuning.results import TRIAL_RECORD

        seconds = time.time() - getattr(self, "_zoo_started", time.time())
        trial_dir = Path(self.get_trial_dir(trial.trial_id))  # type: ignore[attr-defined]
        trial_dir.mkdir(parents=True, exist_ok=True)
        record = {"seconds": seconds, "tuner": self.tuner_id, "status": str(trial.status)}  # type: ignore[attr-defined]
        run_folder.write_json(trial_dir / TRIAL_RECORD, record)
        super().on_trial_end(trial)  # type: ignore[misc]
        _log(self.zoo_folder, "end", trial.trial_id, self.tuner_id, status=str(trial.status))  # type: ignore[attr-defined]
        if self.zoo_lines:
            print(self._zoo_line(trial, seconds), flush=True)

    def _zoo_line(self, trial: Any, seconds: float) -> str:
        oracle = self.oracle  # type: ignore[attr-defined]
        ended = oracle.get_trial(trial.trial_id)
        best = oracle.get_best_trials(1)
        values = ", ".join(f"{k}={_short(v)}" for k, v in ended.hyperparameters.values.items())
        score = "-" if ended.score is None else f"{ended.score:.4f}"
        best_score = f"{best[0].score:.4f}" if best and best[0].score is not None else "-"
        return (
            f"trial {trial.trial_id} {str(trial.status).lower()}: {oracle.objective.name} "
            f"{score} (best {best_score}) in {seconds:.1f} s [{self.tuner_id}] {values}"  # type: ignore[attr-defined]
        )


def _short(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _log(folder: Path, event: str, trial_id: str, tuner_id: str, **more: Any) -> None:
    line = json.dumps(
        {"event": event, "trial": trial_id, "tuner": tuner_id, "time": time.time(), **more}
    )
    with open(Path(folder) / TRIALS_LOG, "a") as stream:  # appends of one short line
        stream.write(line + "\n")


def run_search(model_tuner: Any, config: Mapping[str, Any]) -> None:
    """``tuner.search`` with the hypermodel's own data; failed trials end as a ZooError."""
    kt_verbose = 1 if config["verbose"] == 1 else 0
    try:
        model_tuner.search(verbose=kt_verbose)
    except ZooError:
        raise
    except RuntimeError as error:
        if "consecutive failures" not in str(error):
            raise
        last = [line for line in str(error).strip().splitlines() if line.strip()]
        raise ZooError(
            "A search stops after 3 failed trials in a row. Received: the last failed with "
            f"{last[-1].strip() if last else error!s}. Fix the search space or the data "
            "(each trial's trial.json in the search folder has its traceback)."
        ) from None


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


def _objective(objective: str | None, entry: Any, registry: Any) -> tuple[str, bool]:
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
    state = folder / PROJECT / "oracle.json"
    if resume:
        earlier = _read_search(folder)
        if not state.is_file():
            raise ZooError(
                f"--resume continues a search from keras-tuner's state. Received: {folder}, "
                f"which has no {PROJECT}/oracle.json (no trial had started). Start it anew "
                "without --resume."
            )
        different = [
            f"{key}={config.get(key)!r} (the search has {earlier.get(key)!r})"
            for key in _SAME_ON_RESUME
            if _jsonable(config.get(key)) != earlier.get(key)
        ]
        if different:
            raise ZooError(
                "--resume continues a search with the options it started with. Received: "
                f"{'; '.join(different)} for {folder}. Repeat the original command with --resume."
            )
        return
    if folder.exists():
        if not folder.is_dir():
            raise ZooError(
                f"--out names a folder for the search. Received: {folder}, which is a file. "
                "Choose another path."
            )
        if any(folder.iterdir()):
            hint = (
                "Pass --resume to continue it"
                if (folder / SEARCH_FILE).exists()
                else "Choose an empty or new folder"
            )
            raise ZooError(
                f"--out names a new or empty folder for the search. Received: {folder}, "
                f"which holds {sorted(p.name for p in folder.iterdir())[:5]}. {hint}."
            )


def _read_search(folder: Path) -> dict[str, Any]:
    path = folder / SEARCH_FILE
    if not path.is_file():
        raise ZooError(
            f"--resume continues a search in a folder `zoo tune` wrote. Received: {folder}, "
            f"which has no {SEARCH_FILE}. Pass the --out folder of the interrupted search."
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ZooError(
            f"{path} is not readable JSON ({error}). Received: a damaged search."
        ) from None
    if not isinstance(data, dict) or "recipe" not in data or "tuner" not in data:
        raise ZooError(
            f"{path} is not a zoo search description. Received: keys "
            f"{sorted(data)[:8] if isinstance(data, dict) else type(data).__name__}. "
            "Pass the --out folder of an earlier `zoo tune`."
        )
    return data


def _registry_files(registry: Any) -> list[str]:
    from zoo._places import default_registry_path

    default = default_registry_path()
    return [str(p) for p in registry.registry_files() if p != default]


def _jsonable(value: Any) -> Any:
    from zoo._training.fitting import _jsonable as plain

    return plain(value)


# === After the last trial ===


def _finish(model_tuner: Any, config: dict[str, Any], folder: Path, registry: Any) -> TuneResult:
    import zoo
    from zoo._training import run_folder
    from zoo._tuning import results

    rows = results.trial_rows(model_tuner)
    paths = {
        "search": folder / SEARCH_FILE,
        "state": folder / PROJECT,
        "trials": results.write_trials_csv(rows, folder / "trials.csv"),
        "picture": results.write_trials_png(
            rows,
            folder / "trials.png",
            config["objective"],
            config["maximize"],
            f"{config['tuner']} search of {config['recipe']}",
        ),
    }
    best_trials = model_tuner.oracle.get_best_trials(1)
    if not best_trials or best_trials[0].score is None:
        raise ZooError(
            f"A search keeps its best trial. Received: no trial of {len(rows)} completed with "
            f"a score for {config['objective']}. See {paths['trials']} and each trial.json."
        )
    best = best_trials[0]
    hypermodel = model_tuner.hypermodel
    arguments, defaults = hypermodel.resolve(best.hyperparameters)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        # The checkpoint holds the trained optimizer's slots; the rebuilt model's
        # optimizer has none yet, which Keras warns about. The weights load in full.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = model_tuner.load_model(best)
    if getattr(model, "optimizer", None) is not None and not model.optimizer.built:
        # Saved with its slots (zeros), so loading best.keras finds what it expects.
        model.optimizer.build(model.trainable_variables)
    paths["best"] = folder / "best.keras"
    zoo.save(model, paths["best"])
    metrics = _evaluate(model, hypermodel.splits)
    training = _training_table(hypermodel, defaults, best.hyperparameters, config)
    recipe_id = _write_best_toml(
        folder / "best.toml",
        hypermodel.entry,
        registry,
        arguments,
        training,
        best,
        config,
        metrics,
        sum(row["status"] == "COMPLETED" for row in rows),
    )
    if recipe_id is not None:
        paths["recipe"] = folder / "best.toml"
    config.update(
        status="completed",
        finished=run_folder.now(),
        best={
            "trial": best.trial_id,
            "score": best.score,
            "values": _jsonable(best.hyperparameters.values),
        },
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
        arguments=_jsonable(arguments),
        training=training,
        trials=rows,
        metrics=metrics,
        model=model,
        out=folder,
        paths=paths,
    )


def _evaluate(model: Any, splits: Any) -> dict[str, dict[str, float]]:
    metrics: dict[str, dict[str, float]] = {}
    for split in ("test", "validation"):
        dataset = getattr(splits, split, None) if splits is not None else None
        if dataset is not None:
            values = model.evaluate(dataset, return_dict=True, verbose=0)
            metrics[split] = {k: float(v) for k, v in values.items()}
    return metrics


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
    table.update(_jsonable(options))
    table["epochs"] = int(hp.values.get("tuner/epochs") or hypermodel._epochs(hp, defaults))
    return table


def _write_best_toml(
    path: Path,
    entry: Any,
    registry: Any,
    arguments: Mapping[str, Any],
    training: Mapping[str, Any],
    best: Any,
    config: Mapping[str, Any],
    metrics: Mapping[str, Mapping[str, float]],
    completed: int,
) -> str | None:
    from zoo._spec import Recipe
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
        args=_jsonable(dict(arguments)),
        training=training,
        summary=f"{entry.id} tuned by a {config['tuner']} search on {config['data']}.",
        tags=[*getattr(entry, "tags", ()), "tuned"],
        comments=comments,
    )
    path.write_text(text)
    return f"{namespace}/{name}"


__all__ = ["TUNERS", "TuneResult", "make_tuner", "run_search", "tune"]
