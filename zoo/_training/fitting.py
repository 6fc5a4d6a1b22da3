"""``zoo.fit``: build, check, compile and train a model on a data source, into a run folder.

The engine is ``keras.Model.fit`` with Keras callbacks (EarlyStopping, ReduceLROnPlateau,
ModelCheckpoint, CSVLogger, TensorBoard, BackupAndRestore); the zoo adds what a run
needs around it: the builder arguments the data implies, a check of the model against
the data before the first step, the declared training defaults, a per-epoch seeded
shuffle (so a resumed run sees the same batches as an uninterrupted one), the final
evaluation of the best weights, and the run folder (`zoo._training.run_folder`).
"""

from __future__ import annotations

import csv
import functools
import math
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo._errors import ArgumentError, ZooError, ZooWarning, did_you_mean
from zoo._training import performance, run_folder
from zoo._training.checks import check_fits
from zoo._training.defaults import TrainingDefaults, check_training, training_defaults
from zoo._training.replicas import digests as gather_digests
from zoo._training.replicas import seed_backup, share_first_replica_state

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
JITS = {"auto": "auto", "on": True, "off": False, True: True, False: False}
BACKUP = "backup"


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
    started = time.perf_counter()
    options = _check_options(
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        precision=precision,
        jit=jit,
        verbose=verbose,
        resume=resume,
    )
    overrides = dict(overrides or {})
    data_args = dict(data_args or {})
    from zoo._registry import default_registry

    registry = default_registry()
    entry, given_model = _entry(model_or_name, overrides, registry)
    user_callbacks = [_callback(c, registry) for c in callbacks]
    label = entry.id if entry is not None else given_model.name
    defaults = training_defaults(entry, registry) if entry is not None else TrainingDefaults()
    if learning_rate is not None:
        defaults = defaults.merged(check_training({"learning_rate": learning_rate}, "fit"))
    import keras

    from zoo._training.strategy import describe, is_chief, resolve_strategy

    # Before anything touches TensorFlow's devices (mirrored may split the CPU).
    distribution = resolve_strategy(strategy, devices)
    target = Path(out) if out is not None else run_folder.default_folder(label)
    chief = is_chief(distribution)
    if chief:
        folder = target
        earlier = run_folder.prepare(folder, resume=resume, default=out is None)
    else:
        # Other workers of a multi-worker run write to a folder of their own and
        # remove it (TensorFlow's multi-worker guide); they resume from the chief's backup.
        folder = Path(tempfile.mkdtemp(prefix="zoo-worker-"))
        earlier = None
        if resume:
            seed_backup(target / BACKUP, folder / BACKUP)
    try:
        epochs = options["epochs"] or defaults.epochs
        global_batch = options["batch_size"] or defaults.batch_size
        described_data = data if isinstance(data, (str, Path)) else type(data).__name__
        config = {
            "recipe": label,
            "overrides": _jsonable(overrides),
            "data_source": str(described_data),
            "data_arguments": _jsonable(data_args),
            "seed": seed,
            "precision": precision,
            "epochs": epochs,
            "batch_size": global_batch,
        }
        if earlier is not None:
            _check_same_run(folder, earlier, config)

        from zoo._data.resolve import load_data

        replicas = distribution.num_replicas_in_sync
        if global_batch % replicas:
            raise ArgumentError(
                f"The global batch is split evenly over the replicas. Received: batch_size="
                f"{global_batch} over {replicas} replicas. Use a multiple of {replicas}."
            )
        splits = load_data(data, batch_size=global_batch, seed=seed, **data_args)
        keras.utils.set_random_seed(seed)
        _warn_slow_precision(precision)
        previous_policy = keras.config.dtype_policy()
        keras.config.set_dtype_policy(precision)
        try:
            with distribution.scope():
                if given_model is None:
                    arguments = _arguments(entry, overrides, splits.info, registry)
                    from zoo import _factory

                    model = _factory.build(entry.id, arguments, registry=registry)
                else:
                    model = given_model
                check_fits(model, splits.info, label)
                steps = _steps_per_epoch(splits, global_batch)
                from zoo._training.compiling import compile_model

                compile_model(
                    model,
                    defaults,
                    loss=loss,
                    metrics=metrics,
                    optimizer=optimizer,
                    steps_per_epoch=steps,
                    epochs=epochs,
                    jit_compile=options["jit"],
                )
        finally:
            keras.config.set_dtype_policy(previous_policy)
        chosen = performance.choose(
            model,
            splits,
            {
                "jit": options["jit"],
                "steps_per_epoch": steps,
                "callbacks": user_callbacks,
                "replicas": replicas,
            },
        )

        created = not folder.exists()
        folder.mkdir(parents=out is None, exist_ok=True)
        paths = _paths(folder)
        record: dict[str, Any] = {
            **(earlier or {}),
            "recipe": label,
            "builder": _builder_id(entry, registry),
            "arguments": _jsonable(getattr(model, "zoo_arguments", {})),
            "overrides": config["overrides"],
            "data_source": config["data_source"],
            "data_arguments": config["data_arguments"],
            "data": splits.info.to_dict(),
            "training": defaults.to_dict(),
            "seed": seed,
            "precision": precision,
            "jit": bool(getattr(model, "jit_compile", False)),
            "performance": chosen,
            "strategy": describe(distribution),
            "batch_size": {"per_replica": global_batch // replicas, "global": global_batch},
            "epochs": epochs,
            "versions": run_folder.versions(),
            "machine": run_folder.machine(),
            "status": "running",
            "started": (earlier or {}).get("started", run_folder.now()),
            "resumed": (earlier or {}).get("resumed", 0) + (1 if earlier else 0),
            "options": config,  # what --resume must repeat
        }
        try:
            run_folder.write_json(paths["run"], record)
        except BaseException:
            if created:
                shutil.rmtree(folder, ignore_errors=True)
            raise

        monitor = _monitor(defaults.monitor, splits.validation is not None)
        first_epoch = _resumed_epoch(folder / BACKUP) if resume else 0
        train = _epoch_pipeline(splits, global_batch, seed, first_epoch, epochs)
        keras_callbacks = _callbacks(
            user_callbacks, defaults, monitor, folder, paths, epochs, options["verbose"]
        )
        keras_verbose = options["verbose"] if options["verbose"] in (0, 1) else 0
        from zoo._training import keras_fix

        with keras_fix.applied(model, distribution) as fixed:
            model.fit(
                train,
                validation_data=splits.validation,
                epochs=epochs,
                steps_per_epoch=steps,
                callbacks=keras_callbacks,
                verbose=keras_verbose,
                shuffle=False,  # each epoch is shuffled by its own seed in the pipeline
            )

            best_weights = folder / BACKUP / "best.weights.h5"
            if best_weights.exists():
                model.load_weights(best_weights)
            share_first_replica_state(model, distribution)
            results: dict[str, dict[str, float]] = {}
            for split in ("test", "validation"):
                dataset = getattr(splits, split)
                if dataset is not None:
                    values = model.evaluate(dataset, return_dict=True, verbose=0)
                    results[split] = {k: float(v) for k, v in values.items()}
            performance.one_step_per_call(model)  # for the confusion matrix and the user
            import zoo

            zoo.save(model, paths["best"])
            run_folder.write_json(paths["metrics"], results)
            history = read_history(paths["history"])
            from zoo._training import pictures

            pictures.learning_curves(history, paths["curves"], f"{label} on {splits.info.source}")
            if splits.info.task == "classification" and splits.test is not None:
                paths["confusion"] = folder / "confusion.png"
                _confusion(model, splits, paths["confusion"], label)
            # Every worker's digest, gathered by the strategy itself (no shared files).
            digests = gather_digests(model, distribution)
        shutil.rmtree(folder / BACKUP, ignore_errors=True)
        record.update(
            workers=digests,
            digests_agree=len({d["weights_sha256"] for d in digests}) == 1,
            keras_fix=sorted(fixed),
            status="completed",
            finished=run_folder.now(),
            best_epoch=_best_epoch(history, monitor, defaults.mode),
            epochs_run=len(history.get("loss", [])),
            seconds=run_folder.elapsed(started) + (earlier or {}).get("seconds", 0.0),
        )
        run_folder.write_json(paths["run"], record)
        if not chief:  # its own folder goes; the run is the chief's
            paths = {**_paths(target), **{k: target / v.name for k, v in paths.items()}}
        return FitResult(model=model, history=history, metrics=results, run_dir=target, paths=paths)
    finally:
        if not chief:
            shutil.rmtree(folder, ignore_errors=True)


# === Options and arguments ===


def _check_options(**options: Any) -> dict[str, Any]:
    for name in ("epochs", "batch_size"):
        value = options[name]
        if value is not None and (isinstance(value, bool) or not _is_int(value) or value < 1):
            raise ArgumentError(f"{name} is a positive integer. Received: {name}={value!r}.")
        options[name] = None if value is None else int(value)
    if isinstance(options["seed"], bool) or not _is_int(options["seed"]):
        raise ArgumentError(f"seed is an integer. Received: seed={options['seed']!r}.")
    precision = options["precision"]
    if precision not in PRECISIONS:
        raise ArgumentError(
            f"precision is one of {', '.join(PRECISIONS)}. Received: precision={precision!r}."
            f"{did_you_mean(str(precision), PRECISIONS)}"
        )
    try:
        options["jit"] = JITS[options["jit"]]
    except (KeyError, TypeError):
        raise ArgumentError(
            f"jit is 'auto', 'on' or 'off'. Received: jit={options['jit']!r}."
        ) from None
    verbose = options["verbose"]
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2):
        raise ArgumentError(f"verbose is 'auto', 0, 1 or 2. Received: verbose={verbose!r}.")
    options["verbose"] = verbose
    return options


def _is_int(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Integral)


def _entry(model_or_name: Any, overrides: Mapping[str, Any], registry: Any) -> tuple[Any, Any]:
    """The recipe/builder entry to build, or the entry and model of a given model."""
    from zoo._spec import Recipe

    if isinstance(model_or_name, str):
        entry = registry.resolve(model_or_name)
        if not isinstance(entry, Recipe) and entry.kind != "model":
            raise ZooError(
                f"zoo.fit trains recipes and model builders. Received: {entry.id!r}, a "
                f"{entry.kind}. Name a model (`python -m zoo list --kind model`)."
            )
        return entry, None
    if overrides:
        raise ArgumentError(
            "Builder overrides apply when zoo.fit builds the model from a name. Received: "
            f"a model and overrides {sorted(overrides)}. Pass the recipe's name instead."
        )
    entry_id = getattr(model_or_name, "zoo_id", None)
    return (registry.resolve(entry_id) if entry_id else None), model_or_name


def _builder_id(entry: Any, registry: Any) -> str | None:
    from zoo._spec import Recipe

    if entry is None:
        return None
    if isinstance(entry, Recipe):
        return None if entry.graph is not None else registry.builder_of(entry).id
    return entry.id


def _accepted(entry: Any, registry: Any) -> set[str] | None:
    """The argument names the entry's builder accepts (None: a graph recipe, no builder)."""
    from zoo._arguments import parameters
    from zoo._spec import Recipe

    if isinstance(entry, Recipe):
        if entry.graph is not None:
            return None
        entry = registry.builder_of(entry)
    return {p.name for p in parameters(registry.get(entry.id))}


def _arguments(
    entry: Any, overrides: Mapping[str, Any], info: Any, registry: Any
) -> dict[str, Any]:
    """The user's overrides plus what the data implies, for the arguments the builder takes.

    An override that contradicts the data is a ZooError naming both.
    """
    accepted = _accepted(entry, registry)
    if accepted is None:
        return dict(overrides)
    result = dict(overrides)
    for name, implied in info.builder_arguments.items():
        if name not in accepted:
            continue
        if name in overrides:
            if _plain(overrides[name]) != _plain(implied):
                raise ZooError(
                    f"The override {name}={overrides[name]!r} contradicts the data: "
                    f"{info.source} implies {name}={implied!r}. Received: both. Drop the "
                    "override or use data that fits it."
                )
            continue
        result[name] = implied
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _check_same_run(folder: Path, earlier: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    different = [
        f"{key}={value!r} (the run has {earlier.get('options', {}).get(key)!r})"
        for key, value in config.items()
        if earlier.get("options", {}).get(key) != value
    ]
    if different:
        raise ZooError(
            f"--resume continues a run with the options it started with. Received: "
            f"{'; '.join(different)} for {folder}. Repeat the original command with --resume."
        )


def _warn_slow_precision(precision: str) -> None:
    if precision != "mixed_bfloat16":
        return
    flags = run_folder.machine()["cpu_flags"]
    if not {"avx512_bf16", "amx_bf16"} & set(flags):
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            warnings.warn(
                "This CPU has no native bfloat16 instructions (no avx512_bf16 or amx_bf16), "
                "so mixed_bfloat16 emulates them and trains slower than float32. "
                "Use precision='float32' here.",
                ZooWarning,
                stacklevel=3,
            )


# === The training loop's pieces ===


def _steps_per_epoch(splits: Any, batch_size: int) -> int | None:
    size = splits.info.sizes.get("train")
    if size:
        return math.ceil(size / batch_size)
    cardinality = int(splits.train.cardinality())
    return cardinality if cardinality > 0 else None


def _epoch_pipeline(splits: Any, batch_size: int, seed: int, first: int, epochs: int) -> Any:
    """The training batches of epochs ``first`` .. ``epochs - 1``, each shuffled by its seed.

    Seeding each epoch's shuffle with ``(seed, epoch)`` makes the batches of epoch k the
    same whether the run got there in one go or was resumed. Data without its examples
    in order (a ``tf.data.Dataset`` given as is) is used as given.
    """
    import tensorflow as tf

    stored = splits.examples.get("train") if hasattr(splits, "examples") else None
    if stored is None:
        return splits.train
    if isinstance(stored, tuple):
        x, y = stored
        x = {k: tf.constant(v) for k, v in x.items()} if isinstance(x, Mapping) else tf.constant(x)
        y = tf.constant(y)
        size = int(y.shape[0])

        def epoch(index: Any) -> Any:
            order = tf.random.experimental.stateless_shuffle(
                tf.range(size, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), index])
            )
            take = functools.partial(tf.gather, indices=order)
            return tf.data.Dataset.from_tensor_slices(
                (tf.nest.map_structure(take, x), take(y))
            ).batch(batch_size)

        dataset = tf.data.Dataset.range(first, epochs).flat_map(epoch)
    else:
        size = splits.info.sizes.get("train") or int(stored.cardinality())
        steps = math.ceil(size / batch_size)
        per_epoch = [
            stored.shuffle(size, seed=seed * 100_003 + e, reshuffle_each_iteration=False).batch(
                batch_size
            )
            for e in range(first, epochs)
        ]
        choice = tf.data.Dataset.range(len(per_epoch)).flat_map(
            lambda i: tf.data.Dataset.from_tensors(i).repeat(steps)
        )
        dataset = tf.data.Dataset.choose_from_datasets(per_epoch, choice)
    wanted = splits.train.element_spec[1]
    if isinstance(wanted, Mapping) and not isinstance(dataset.element_spec[1], Mapping):
        # The source spreads one label over several named outputs (zoo.DataSplits docs).
        names = list(wanted)
        dataset = dataset.map(lambda x, y: (x, {name: y for name in names}))
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(splits.train.options())


def _resumed_epoch(backup: Path) -> int:
    """The epoch Keras' BackupAndRestore resumes at (its training_metadata.json), or 0."""
    import json

    try:
        return int(json.loads((backup / "training_metadata.json").read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _monitor(monitor: str, has_validation: bool) -> str:
    if not has_validation and monitor.startswith("val_"):
        return monitor[len("val_") :]
    return monitor


def _paths(folder: Path) -> dict[str, Path]:
    return {
        "run": folder / run_folder.RUN_FILE,
        "history": folder / "history.csv",
        "best": folder / "best.keras",
        "metrics": folder / "metrics.json",
        "tensorboard": folder / "tensorboard",
        "curves": folder / "curves.png",
    }


def _callbacks(
    extra: Sequence[Any],
    defaults: TrainingDefaults,
    monitor: str,
    folder: Path,
    paths: Mapping[str, Path],
    epochs: int,
    verbose: int,
) -> list[Any]:
    import keras

    from zoo._training.callbacks import CallbackState, EpochLine

    backup = folder / BACKUP
    backup.mkdir(exist_ok=True)
    mode = defaults.mode
    tracked: list[Any] = []
    if defaults.patience:
        tracked.append(
            keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=defaults.patience)
        )
    if defaults.reduce_lr_patience and defaults.schedule in (None, "constant"):
        tracked.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, mode=mode, patience=defaults.reduce_lr_patience, factor=0.5
            )
        )
    tracked.append(
        keras.callbacks.ModelCheckpoint(
            backup / "best.weights.h5",
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
        )
    )
    result = [*extra, *tracked]
    result += [
        keras.callbacks.CSVLogger(paths["history"], append=True),
        keras.callbacks.TensorBoard(log_dir=str(paths["tensorboard"])),
        # After the callbacks whose state it saves (their on_train_begin resets them).
        CallbackState(backup / "callbacks.json", tracked),
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
    ]
    if verbose == 2:
        result.append(EpochLine(epochs))
    return result


def _callback(value: Any, registry: Any) -> Any:
    import keras

    if isinstance(value, keras.callbacks.Callback):
        return value
    if isinstance(value, str):
        entry = registry.resolve(value)
        if entry.kind != "callback":
            raise ZooError(
                f"callbacks= takes Keras callbacks or ids of callback components. Received: "
                f"{entry.id!r}, a {entry.kind}. Use `python -m zoo list --kind callback`."
            )
        return registry.get(entry.id)()
    raise ZooError(
        "callbacks= takes keras.callbacks.Callback objects or callback ids. "
        f"Received: {type(value).__name__}."
    )


# === After training ===


def read_history(path: Path) -> dict[str, list[float]]:
    """``history.csv`` as lists per column; a repeated epoch (after a resume) keeps its last row."""
    if not Path(path).exists():
        return {}
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    by_epoch: dict[int, dict[str, str]] = {}
    for row in rows:
        by_epoch[int(row["epoch"])] = row
    ordered = [by_epoch[k] for k in sorted(by_epoch)]
    columns = [c for c in (rows[0].keys() if rows else []) if c != "epoch"]
    # Keras' CSVLogger writes "NA" in val_ columns when there is no validation data.
    history = {
        c: [float(r[c]) for r in ordered if r.get(c) not in (None, "", "NA")] for c in columns
    }
    return {c: values for c, values in history.items() if values}


def _best_epoch(history: Mapping[str, list[float]], monitor: str, mode: str) -> int | None:
    values = history.get(monitor)
    if not values:
        return None
    maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or "auc" in monitor))
    pick = max if maximize else min
    return 1 + values.index(pick(values))


def _confusion(model: Any, splits: Any, path: Path, label: str) -> None:
    import numpy as np

    from zoo._training import pictures

    x, y = splits.arrays("test")
    scores = model.predict(x, verbose=0, batch_size=splits.batch_size)
    if isinstance(scores, (list, dict)):
        return
    scores = np.asarray(scores)
    predicted = (scores[:, 0] > 0.5).astype(int) if scores.shape[-1] == 1 else scores.argmax(-1)
    classes = splits.info.num_classes or int(max(y.max(), predicted.max()) + 1)
    matrix = pictures.confusion_matrix(np.asarray(y).reshape(-1), predicted, classes)
    accuracy = float(np.trace(matrix) / max(1, matrix.sum()))
    pictures.confusion_picture(
        matrix, path, f"{label}: test accuracy {accuracy:.4f}", splits.info.class_names
    )


__all__ = ["FitResult", "check_fits", "fit", "read_history"]
