"""The keras-tuner tuner of a search: made over the hypermodel, recording each trial.

`make_tuner` makes (or reloads from the search folder) the tuner `zoo.tune` and each
process of a distributed search (`zoo._tuning.distributed`) run; `run_search` runs it.
Each trial leaves its time and tuner in ``trial_<id>/zoo_trial.json`` and a line per
begin and end in ``trials.log`` (file names: `zoo._training.run_folder`).
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._training import run_folder

TUNERS = {
    "random": "RandomSearch",
    "hyperband": "Hyperband",
    "bayesian": "BayesianOptimization",
    "grid": "GridSearch",
}


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
        "project_name": run_folder.TUNER_DIR,
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
        seconds = time.time() - getattr(self, "_zoo_started", time.time())
        trial_dir = Path(self.get_trial_dir(trial.trial_id))  # type: ignore[attr-defined]
        trial_dir.mkdir(parents=True, exist_ok=True)
        record = {"seconds": seconds, "tuner": self.tuner_id, "status": str(trial.status)}  # type: ignore[attr-defined]
        run_folder.write_json(trial_dir / run_folder.TRIAL_RECORD, record)
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
    with open(Path(folder) / run_folder.TRIALS_LOG, "a") as stream:  # appends of one short line
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


__all__ = ["TUNERS", "make_tuner", "run_search"]
