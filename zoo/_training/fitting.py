"""``zoo.fit``: build, check, compile and train a model on a data source, into a run folder.

The engine is ``keras.Model.fit`` with Keras callbacks; `fit` only orchestrates the
steps, one module each:

    options      the call's options, checked at once (`zoo._training.options`)
    arguments    what to build: the recipe and the arguments the data implies
    building     the data's splits; the model built, checked and compiled under the strategy
    epochs       the per-epoch seeded pipeline (a resumed run sees the same batches)
    callbacks    the Keras callbacks of a run
    evaluation   the best weights restored, the final evaluation, the best epoch
    pictures     learning curves and the confusion matrix
    run_folder   the run folder: its files, ``run.json``, create, resume, read
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._training import run_folder
from zoo._training.checks import check_fits, loss_errors
from zoo._training.options import FitOptions, fit_options
from zoo._training.run_folder import read_history

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits


@dataclass
class FitResult:
    """What `zoo.fit` returns: the model with its best weights, and where the run lies.

    Attributes:
        model: the trained ``keras.Model``, best weights restored.
        history: per-epoch logs of the whole run (resumed epochs included).
        metrics: the final evaluation by split, then metric:
            ``{"test": {"accuracy": ..., "loss": ...}, "validation": {...}}``.
        run_dir: the run folder.
        paths: ``run``, ``history``, ``best``, ``metrics``, ``tensorboard``, ``curves``
            and, for classifiers, ``confusion``.
    """

    model: Any
    history: dict[str, list[float]]
    metrics: dict[str, dict[str, float]]
    run_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)


def fit(
    model_or_name: Any,
    data: Any,
    *,
    overrides: Mapping[str, Any] | None = None,
    data_args: Mapping[str, Any] | None = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    seed: int = 0,
    precision: str = "float32",
    jit: Any = "auto",
    strategy: Any = "auto",
    devices: int | None = None,
    callbacks: Sequence[Any] = (),
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
    optimizer: Any = None,
    learning_rate: float | None = None,
    verbose: Any = "auto",
) -> FitResult:
    """Train a recipe (or a model) on data with its declared training defaults.

    Args:
        model_or_name: a recipe or model builder (id or short name), or a
            ``keras.Model`` (then its ``zoo.build`` id gives the defaults).
        data: a data source id (``"vision/digits"``), a path, an ``(x, y)`` pair of
            arrays, a ``tf.data.Dataset`` or `zoo.DataSplits` (see `zoo.load_data`).
        overrides: builder arguments (as ``zoo.build(name, **overrides)``); arguments the
            data implies (input shape, number of classes, ...) are filled in for those
            the builder accepts and you did not set.
        data_args: the data source's own arguments (``{"validation": 0.2}``).
        epochs, batch_size: default: the declared training defaults. ``batch_size`` is
            the global batch (per replica times replicas).
        out: the run folder (default ``runs/<recipe>-<timestamp>``): new or empty, or
            an interrupted run with ``resume=True``.
        resume: continue the run in ``out`` from its last completed epoch.
        seed: seeds the split, the shuffle, the weights and the backend.
        precision: ``float32``, ``mixed_float16`` or ``mixed_bfloat16`` (Keras policies).
        jit: ``"auto"`` (Keras' choice), ``"on"``/True (XLA) or ``"off"``/False.
        strategy, devices: see `zoo._training.strategy.resolve_strategy`.
        callbacks: more Keras callbacks: objects, or ids of ``callback`` components.
        loss, metrics, optimizer, learning_rate: replace the declared defaults.
        verbose: ``"auto"`` (a progress bar on a terminal, one line per epoch otherwise),
            0 (silent), 1 (progress bar) or 2 (one line per epoch).

    Returns:
        A `FitResult`.
    """
    given = dict(locals())  # the call's arguments, checked together
    started = time.perf_counter()
    plan = fit_options(given)
    from zoo._training import keras_fix
    from zoo._training.building import build_model, load_splits
    from zoo._training.callbacks import monitor_for, run_callbacks
    from zoo._training.epochs import epoch_pipeline
    from zoo._training.strategy import is_chief, resolve_strategy

    # Before anything touches TensorFlow's devices (mirrored may split the CPU).
    distribution = resolve_strategy(strategy, devices)
    target = Path(out) if out is not None else run_folder.default_folder(plan.label)
    chief = is_chief(distribution)
    place = run_folder.training_folder(target, resume=resume, default=out is None, chief=chief)
    with place as (folder, earlier):
        plan = plan.settled(earlier)
        if earlier is not None:
            run_folder.check_same_run(folder, earlier, plan.run_options(data))
        splits = load_splits(data, plan, distribution)
        model, steps = build_model(plan, splits, distribution)
        record = _started_record(plan, data, model, splits, steps, distribution, earlier)
        run_folder.begin(folder, record, default=out is None)
        monitor = monitor_for(plan.defaults.monitor, splits.validation is not None)
        first_epoch = run_folder.resumed_epoch(folder) if resume else 0
        with keras_fix.applied(model, distribution) as fixed, loss_errors(plan, splits.info):
            model.fit(
                epoch_pipeline(splits, plan.batch_size, plan.seed, first_epoch, plan.epochs),
                validation_data=splits.validation,
                epochs=plan.epochs,
                steps_per_epoch=steps,
                callbacks=run_callbacks(
                    plan.callbacks, plan.defaults, monitor, folder, plan.epochs, plan.verbose
                ),
                verbose=plan.verbose if plan.verbose in (0, 1) else 0,
                shuffle=False,  # each epoch is shuffled by its own seed in the pipeline
            )
            results, history, paths, digests = _finish(model, splits, folder, plan, distribution)
        shutil.rmtree(run_folder.backup_folder(folder), ignore_errors=True)
        best = _best_epoch(history, monitor, plan)
        record = run_folder.finished_record(
            record, digests=digests, keras_fix=fixed, best_epoch=best, history=history,
            started=started, earlier=earlier,
        )  # fmt: skip
        run_folder.write_json(paths["run"], record)
    if not chief:  # its own folder went; the run is the chief's
        paths = {**run_folder.paths(target), **{k: target / v.name for k, v in paths.items()}}
    return FitResult(model=model, history=history, metrics=results, run_dir=target, paths=paths)


# === The steps of a run ===


def _started_record(
    plan: FitOptions,
    data: Any,
    model: Any,
    splits: DataSplits,
    steps: int | None,
    distribution: Any,
    earlier: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Apply the speed choices (`zoo._training.performance`) and assemble ``run.json``."""
    from zoo._training import performance
    from zoo._training.arguments import builder_id
    from zoo._training.strategy import describe

    replicas = distribution.num_replicas_in_sync
    choices = {"jit": plan.jit, "steps_per_epoch": steps, "callbacks": plan.callbacks}
    chosen = performance.choose(model, splits, {**choices, "replicas": replicas})
    return run_folder.started_record(
        plan.run_options(data),
        earlier,
        builder=builder_id(plan.entry, plan.registry),
        arguments=getattr(model, "zoo_arguments", {}),
        data=splits.info.to_dict(),
        training=plan.defaults.to_dict(),
        jit=getattr(model, "jit_compile", False),
        performance=chosen,
        strategy=describe(distribution),
        replicas=replicas,
    )


def _finish(
    model: Any, splits: DataSplits, folder: Path, plan: FitOptions, distribution: Any
) -> tuple[dict[str, dict[str, float]], dict[str, list[float]], dict[str, Path], list[Any]]:
    """Best weights, evaluation, best.keras, metrics.json, pictures, every worker's digest."""
    from zoo._saving.save import save
    from zoo._training import performance
    from zoo._training.evaluation import evaluate, restore_best
    from zoo._training.pictures import run_pictures
    from zoo._training.replicas import digests, share_first_replica_state

    restore_best(model, folder)
    share_first_replica_state(model, distribution)
    metrics = evaluate(model, splits)
    performance.one_step_per_call(model)  # for the confusion matrix and the user
    paths = run_folder.paths(folder)
    save(model, paths["best"])
    run_folder.write_json(paths["metrics"], metrics)
    history = read_history(paths["history"])
    paths.update(run_pictures(model, splits, history, folder, plan.label))
    # Every worker's digest, gathered by the strategy itself (no shared files).
    return metrics, history, paths, digests(model, distribution)


def _best_epoch(history: Mapping[str, list[float]], monitor: str, plan: FitOptions) -> int | None:
    from zoo._training.evaluation import best_epoch

    return best_epoch(history, monitor, plan.defaults.mode)


__all__ = ["FitResult", "check_fits", "fit", "read_history"]
