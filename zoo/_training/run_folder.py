"""The run folder: the one module that knows its layout, its records and how they are written.

A training run (``zoo train``, `zoo.fit`)::

    RUN/run.json       what ran: recipe, resolved arguments, data, training options,
                       seed, precision, strategy, batch sizes, versions, machine, status,
                       and the ``options`` a resumed run repeats (`RUN_KEYS`, `OPTION_KEYS`)
    RUN/history.csv    one row per epoch (Keras CSVLogger)
    RUN/best.keras     the best weights, through zoo.save
    RUN/metrics.json   the final evaluation: {"test": {...}, "validation": {...}}
    RUN/tensorboard/   Keras' TensorBoard callback
    RUN/curves.png     loss and metrics per epoch, training against validation
    RUN/confusion.png  classifiers: the test split's confusion matrix
    RUN/backup/        while running: Keras BackupAndRestore and callback state

A search (``zoo tune``, `zoo.tune`) is a run of another kind: ``search.json`` is its
record, prepared, read and written by the same functions (see `SEARCH`), beside
keras-tuner's state, ``trials.log``, ``trials.csv``, ``trials.png``, ``best.keras``,
``best.toml`` and ``logs/`` (see `zoo._tuning.search`).

Later steps (``--resume``, presets, tuning, export) read the folder, never process state.
JSON files are written atomically (a temporary file, then ``os.replace``), made
JSON-ready by one function, `jsonable`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._base.jsonable import jsonable

# === The layout ===

RUN_FILE = "run.json"
HISTORY_FILE = "history.csv"
BEST_FILE = "best.keras"
METRICS_FILE = "metrics.json"
TENSORBOARD_DIR = "tensorboard"
CURVES_FILE = "curves.png"
CONFUSION_FILE = "confusion.png"
BACKUP_DIR = "backup"
#: Inside ``backup/``: the best epoch's weights and the callbacks' counters (the zoo's),
#: the latest weights and the epoch reached (Keras' BackupAndRestore's own names).
BEST_WEIGHTS_FILE = "best.weights.h5"
CALLBACK_STATE_FILE = "callbacks.json"
LATEST_WEIGHTS_FILE = "latest.weights.h5"
BACKUP_METADATA_FILE = "training_metadata.json"
BACKUP_FILES = (LATEST_WEIGHTS_FILE, BACKUP_METADATA_FILE, CALLBACK_STATE_FILE, BEST_WEIGHTS_FILE)

SEARCH_FILE = "search.json"
TUNER_DIR = "keras_tuner"  # keras-tuner's project folder: oracle.json, trial_<id>/
TRIAL_RECORD = "zoo_trial.json"  # in each trial_<id>/: its time, tuner and status
TRIALS_LOG = "trials.log"
TRIALS_CSV = "trials.csv"
TRIALS_PNG = "trials.png"
BEST_TOML = "best.toml"
LOGS_DIR = "logs"


def paths(folder: Path) -> dict[str, Path]:
    """The files of a training run in ``folder``, by name (``confusion`` is added if drawn)."""
    folder = Path(folder)
    return {
        "run": folder / RUN_FILE,
        "history": folder / HISTORY_FILE,
        "best": folder / BEST_FILE,
        "metrics": folder / METRICS_FILE,
        "tensorboard": folder / TENSORBOARD_DIR,
        "curves": folder / CURVES_FILE,
    }


def backup_folder(folder: Path) -> Path:
    """Where an unfinished run keeps Keras' backup and the callbacks' state."""
    return Path(folder) / BACKUP_DIR


# === The run.json record ===

#: ``run.json["options"]``: what a run started with, so ``--resume`` repeats it.
OPTION_KEYS = (
    "recipe",
    "overrides",
    "data_source",
    "data_arguments",
    "seed",
    "precision",
    "epochs",
    "batch_size",
    "jit",
    "learning_rate",
)
#: The keys of ``run.json`` while a run trains.
STARTED_KEYS = (
    "recipe",
    "builder",
    "arguments",
    "overrides",
    "data_source",
    "data_arguments",
    "data",
    "training",
    "seed",
    "precision",
    "jit",
    "performance",
    "strategy",
    "batch_size",
    "epochs",
    "versions",
    "machine",
    "status",
    "started",
    "resumed",
    "options",
)
#: The keys a completed run adds (``status`` becomes ``"completed"``).
FINISHED_KEYS = (
    "workers",
    "digests_agree",
    "keras_fix",
    "finished",
    "best_epoch",
    "epochs_run",
    "stopped_early",
    "seconds",
)
#: Every key of a completed run's ``run.json``.
RUN_KEYS = STARTED_KEYS + FINISHED_KEYS
#: The keys a failed run adds to the started ones (``status`` becomes ``"failed"``).
FAILED_KEYS = ("error", "finished")


def run_options(
    *,
    recipe: str,
    overrides: Mapping[str, Any],
    data: Any,
    data_arguments: Mapping[str, Any],
    seed: int,
    precision: str,
    epochs: int,
    batch_size: int,
    jit: Any,
    learning_rate: float | None,
) -> dict[str, Any]:
    """``run.json["options"]``: the options (`OPTION_KEYS`) a resumed run must repeat."""
    described = data if isinstance(data, (str, Path)) else type(data).__name__
    return {
        "recipe": recipe,
        "overrides": jsonable(overrides),
        "data_source": str(described),
        "data_arguments": jsonable(data_arguments),
        "seed": seed,
        "precision": precision,
        "epochs": epochs,
        "batch_size": batch_size,
        "jit": jsonable(jit),
        "learning_rate": learning_rate,
    }


def started_record(
    options: Mapping[str, Any],
    earlier: Mapping[str, Any] | None,
    **facts: Any,
) -> dict[str, Any]:
    """``run.json`` of a run that starts (or resumes): `STARTED_KEYS`.

    ``facts`` are what the run found: ``builder``, ``arguments``, ``data`` (the data's
    info), ``training`` (its defaults), ``jit`` (compiled or not), ``performance``,
    ``strategy`` and ``replicas``. Keys of the earlier record that are not set again
    are kept.
    """
    earlier = earlier or {}
    batch = options["batch_size"]
    record = {
        **earlier,
        "recipe": options["recipe"],
        "builder": facts["builder"],
        "arguments": jsonable(facts["arguments"]),
        "overrides": options["overrides"],
        "data_source": options["data_source"],
        "data_arguments": options["data_arguments"],
        "data": facts["data"],
        "training": facts["training"],
        "seed": options["seed"],
        "precision": options["precision"],
        "jit": bool(facts["jit"]),
        "performance": facts["performance"],
        "strategy": facts["strategy"],
        "batch_size": {"per_replica": batch // facts["replicas"], "global": batch},
        "epochs": options["epochs"],
        "versions": versions(),
        "machine": machine(),
        "status": "running",
        "started": earlier.get("started", now()),
        "resumed": earlier.get("resumed", 0) + (1 if earlier else 0),
        "options": dict(options),  # what --resume must repeat
    }
    record.pop("error", None)  # a failed run resumed is running again
    return record


def finished_record(
    record: Mapping[str, Any],
    *,
    digests: list[dict[str, Any]],
    keras_fix: Any,
    best_epoch: int | None,
    history: Mapping[str, list[float]],
    started: float,
    earlier: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``run.json`` of a completed run: the started record plus `FINISHED_KEYS`."""
    return {
        **record,
        "workers": digests,
        "digests_agree": len({d["weights_sha256"] for d in digests}) == 1,
        "keras_fix": sorted(keras_fix),
        "status": "completed",
        "finished": now(),
        "best_epoch": best_epoch,
        "epochs_run": len(history.get("loss", [])),
        "stopped_early": stopped_early(record, history, best_epoch),
        "seconds": elapsed(started) + (earlier or {}).get("seconds", 0.0),
    }


def stopped_early(
    record: Mapping[str, Any], history: Mapping[str, list[float]], best_epoch: int | None
) -> dict[str, Any] | None:
    """Why a run ended before its epochs (None if it ran them all).

    ``{"epoch", "epochs", "monitor", "patience", "best_epoch", "reason"}``: early stopping
    when the monitored metric had not improved for ``patience`` epochs, else a callback.
    """
    run, asked = len(history.get("loss", [])), record.get("epochs")
    if not isinstance(asked, int) or not run or run >= asked:
        return None
    training = record.get("training") or {}
    monitor, patience = str(training.get("monitor") or ""), training.get("patience")
    if monitor not in history and monitor.startswith("val_"):
        monitor = monitor[len("val_") :]  # without validation data (callbacks.monitor_for)
    early = (
        isinstance(patience, int) and patience > 0 and best_epoch is not None
        and run - best_epoch >= patience
    )  # fmt: skip
    reason = (
        f"{monitor} had not improved for {patience} epochs since its best at epoch "
        f"{best_epoch} (early stopping, patience {patience})"
        if early
        else "a callback stopped the training"
    )
    return {
        "epoch": run,
        "epochs": asked,
        "monitor": monitor if early else None,
        "patience": patience if early else None,
        "best_epoch": best_epoch,
        "reason": reason,
    }


def stopped_early_line(record: Mapping[str, Any]) -> str | None:
    """``"stopped early at epoch 20 of 40: ..."`` for a run that did, else None."""
    stopped = record.get("stopped_early")
    if not stopped:
        return None
    return f"stopped early at epoch {stopped['epoch']} of {stopped['epochs']}: {stopped['reason']}"


def check_same_run(folder: Path, earlier: Mapping[str, Any], options: Mapping[str, Any]) -> None:
    """A resumed run repeats the options it started with (keys it did not record are free)."""
    recorded = earlier.get("options", {})
    different = [
        f"{key}={value!r} (the run has {recorded.get(key)!r})"
        for key, value in options.items()
        if (key in recorded or key not in ("jit", "learning_rate")) and recorded.get(key) != value
    ]
    if different:
        raise ZooError(
            f"--resume continues a run with the options it started with. Received: "
            f"{'; '.join(different)} for {folder}. Repeat the original command with --resume."
        )


def remembered(earlier: Mapping[str, Any] | None, key: str, given: Any) -> Any:
    """``given``, or (when it is None) what the run in ``earlier`` recorded as option ``key``."""
    if given is not None or not earlier:
        return given
    return earlier.get("options", {}).get(key)


# === JSON ===


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically (made ready by `jsonable` if need be)."""
    write_text(path, json.dumps(data, indent=2, default=jsonable) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then a rename.

    The file gets the mode the user's umask gives any new file (mkstemp's is 0600).
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process' umask (read by setting it, then setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_MISSING: Any = object()


def read_json(path: Path, default: Any = _MISSING) -> Any:
    """The JSON in ``path``; ``default`` if it is missing or unreadable (ZooError without one)."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        if default is not _MISSING:
            return default
        raise ZooError(
            f"{path.name} is readable JSON. Received: {str(path)!r}: {error}. "
            "Write the file again, or restore it."
        ) from None


# === Creating, resuming and reading a run ===


@dataclass(frozen=True)
class Kind:
    """A kind of run folder: its record file, the keys that record must have, its words."""

    record: str
    required: tuple[str, ...]
    noun: str
    command: str
    missing: str  # the rule and hint when the record is missing ({folder} is filled in)
    completed_is_final: bool


RUN = Kind(
    RUN_FILE,
    ("recipe", "status"),
    "run",
    "zoo train",
    "A run folder holds a run.json written by zoo train. Received: {folder}, which has none. "
    "Pass the --out folder of an earlier `zoo train`.",
    completed_is_final=True,
)
SEARCH = Kind(
    SEARCH_FILE,
    ("recipe", "tuner"),
    "search",
    "zoo tune",
    "--resume continues a search in a folder `zoo tune` wrote. Received: {folder}, which has "
    f"no {SEARCH_FILE}. Pass the --out folder of the interrupted search.",
    completed_is_final=False,
)


def read_record(folder: Path, kind: Kind = RUN) -> dict[str, Any]:
    """The record (``run.json``, ``search.json``) of a folder, or a ZooError saying why not."""
    path = Path(folder) / kind.record
    if not path.is_file():
        raise ZooError(kind.missing.format(folder=folder))
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ZooError(
            f"{path} is not readable JSON ({error}). Received: a damaged {kind.noun}."
        ) from None
    if not isinstance(data, dict) or any(key not in data for key in kind.required):
        keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
        raise ZooError(
            f"{path} is not a zoo {kind.noun} description. Received: keys {keys}. "
            f"Pass the --out folder of an earlier `{kind.command}`."
        )
    return data


def read_run(folder: Path) -> dict[str, Any]:
    """The ``run.json`` of a run folder, or a ZooError saying why it is no run."""
    return read_record(folder, RUN)


def default_folder(label: str) -> Path:
    """``runs/<label>-<timestamp>`` under the working directory."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{label.replace('/', '_')}-{stamp}"


def prepare(
    folder: Path, *, resume: bool, default: bool = False, kind: Kind = RUN
) -> dict[str, Any] | None:
    """Check that ``folder`` may receive a run; return the earlier record when resuming.

    A new run needs a folder that does not exist or is empty; ``resume`` needs a run
    (of a kind whose completion is final: one that has not completed). Nothing is
    created here; missing parents (``runs/``) are created with the folder by `begin`.
    """
    folder = Path(folder)
    if resume:
        if not folder.is_dir():
            raise ZooError(
                f"--resume continues a {kind.noun} in its folder. Received: {folder}, which "
                "does not exist. Pass the --out folder of the interrupted run, or drop --resume."
            )
        earlier = read_record(folder, kind)
        if kind.completed_is_final and earlier.get("status") == "completed":
            raise ZooError(
                f"--resume continues an interrupted {kind.noun}. Received: {folder}, which "
                f"completed on {earlier.get('finished', '?')}. Start a new {kind.noun} with "
                "another --out."
            )
        return earlier
    _check_new_folder(folder, kind)
    return None


def _check_new_folder(folder: Path, kind: Kind) -> None:
    if folder.exists():
        if not folder.is_dir():
            raise ZooError(
                f"--out names a folder for the {kind.noun}. Received: {folder}, which is a "
                "file. Choose another path."
            )
        if (folder / kind.record).exists():
            raise ZooError(
                f"--out already holds a {kind.noun}. Received: {folder}. Pass --resume to "
                "continue it, or choose another folder."
            )
        if any(folder.iterdir()):
            raise ZooError(
                f"--out must be a new or empty folder, so nothing of yours is overwritten. "
                f"Received: {folder}, which holds other files. Choose another folder."
            )
    else:
        parent = _first_existing(folder.parent)
        if not parent.is_dir():
            raise ZooError(
                f"--out names a folder inside folders. Received: {folder}, under {parent}, "
                "which is a file. Choose another path."
            )


def seed_backup(chief_backup: Path, own_backup: Path) -> None:
    """Copy the chief's backup (a folder every host sees) into a worker's own folder.

    A restarted worker then resumes from the same epoch and weights as the chief.
    """
    own_backup.mkdir(parents=True, exist_ok=True)
    for name in BACKUP_FILES:
        source = chief_backup / name
        if source.is_file():
            shutil.copyfile(source, own_backup / name)


@contextlib.contextmanager
def training_folder(
    target: Path, *, resume: bool, default: bool, chief: bool
) -> Iterator[tuple[Path, dict[str, Any] | None]]:
    """``(the folder this process writes, the earlier run.json when resuming)``.

    The chief writes ``target`` (checked by `prepare`). The other workers of a
    multi-worker run write to a folder of their own, removed at the end (TensorFlow's
    multi-worker guide); they resume from a copy of the chief's backup.
    """
    if chief:
        earlier = prepare(target, resume=resume, default=default)
        try:
            yield target, earlier
        except Exception as error:  # a Ctrl-C leaves the run "running", to --resume
            record_failure(target, error)
            raise
        return
    folder = Path(tempfile.mkdtemp(prefix="zoo-worker-"))
    try:
        earlier = None
        if resume:  # the chief's record, for the options the run remembers
            seed_backup(backup_folder(target), backup_folder(folder))
            earlier = read_json(Path(target) / RUN_FILE, None)
        yield folder, earlier
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def begin(folder: Path, record: Mapping[str, Any], *, default: bool) -> None:
    """Create ``folder`` and its missing parents, and write its ``run.json``.

    The folders created here are removed again if the record cannot be written
    (``default`` is accepted for the callers; parents are made for any folder).
    """
    folder = Path(folder)
    created = _first_missing(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        write_json(folder / RUN_FILE, record)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    _begun.add(folder.resolve())


def _first_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _first_missing(folder: Path) -> Path | None:
    """The outermost of ``folder`` and its parents that does not exist yet (None if none)."""
    missing = None
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing = path
    return missing


def record_failure(folder: Path, error: BaseException) -> None:
    """Mark the run that `begin` started in ``folder`` ``"failed"``, with the reason.

    A folder whose run did not start in this process (a refused ``--resume``) is left
    as it is.
    """
    folder = Path(folder)
    if folder.resolve() not in _begun:
        return
    _begun.discard(folder.resolve())
    record = read_json(folder / RUN_FILE, None)
    if not isinstance(record, dict) or record.get("status") != "running":
        return
    reason = str(error) if isinstance(error, ZooError) else f"{type(error).__name__}: {error}"
    reason = " ".join(reason.split())
    record.update(
        status="failed",
        error=reason if len(reason) <= 500 else reason[:497] + "...",
        finished=now(),
    )
    with contextlib.suppress(OSError):
        write_json(folder / RUN_FILE, record)


#: The run folders whose run `begin` started in this process (for `record_failure`).
_begun: set[Path] = set()


def run_data(folder: Path) -> dict[str, Any]:
    """What the run in ``folder`` trained on, to load it again (int8 calibration, evaluation).

    ``{"data": source id or path, "data_args": {...}, "seed": int, "batch_size": int}``,
    the arguments of `zoo.load_data`; a ZooError if ``folder`` holds no run.
    """
    record = read_run(folder)
    options = record.get("options") or {}
    batch = record.get("batch_size")
    return {
        "data": options.get("data_source", record.get("data_source")),
        "data_args": dict(options.get("data_arguments", record.get("data_arguments")) or {}),
        "seed": options.get("seed", record.get("seed", 0)),
        "batch_size": options.get("batch_size", (batch or {}).get("global")),
    }


def read_completed_run(run: Path) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """``(run.json, metrics.json, best.keras's path)`` of a completed run, or a ZooError."""
    record = _read_run_file(run / RUN_FILE, "the run's recipe, arguments and data")
    if not isinstance(record, dict):
        raise ZooError(
            f"run.json of a run is a JSON object. Received: {str(run / RUN_FILE)!r} "
            f"holding a {type(record).__name__}. Train the run again."
        )
    if record.get("status") != "completed":
        raise ZooError(
            "A preset is made from a completed run. Received: "
            f"{str(run)!r} with status {record.get('status')!r}. Let the run finish, or "
            "resume it with `zoo train ... --resume`."
        )
    best = run / BEST_FILE
    if not best.exists():
        raise ZooError(
            f"A completed run holds best.keras. Received: {str(run)!r} without it. "
            "Train the run again."
        )
    metrics = _read_run_file(run / METRICS_FILE, "the run's test and validation metrics")
    return record, metrics if isinstance(metrics, dict) else {}, best


def _read_run_file(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ZooError(
            f"A run folder holds {path.name} ({what}). Received: {str(path.parent)!r} "
            f"without it. Pass the --out folder of a finished `zoo train` run."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ZooError(
            f"{path.name} of a run is JSON. Received: {str(path)!r}: {error}. "
            "Train the run again, or restore the file."
        ) from None


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


def resumed_epoch(folder: Path) -> int:
    """The epoch Keras' BackupAndRestore resumes the run in ``folder`` at, or 0."""
    metadata = read_json(backup_folder(folder) / BACKUP_METADATA_FILE, {})
    try:
        return int(metadata["epoch"])
    except (KeyError, ValueError, TypeError):
        return 0


# === What ran it ===


def versions() -> dict[str, Any]:
    """The versions of the zoo, Keras, TensorFlow and the loaded plugins."""
    import keras
    import tensorflow as tf

    from zoo._registry import default_registry
    from zoo._version import __version__

    plugins = {p.name: p.version for p in default_registry().plugins() if p.status == "loaded"}
    return {
        "zoo": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "keras_backend": keras.config.backend(),
        "python": platform.python_version(),
        "plugins": plugins,
    }


def machine() -> dict[str, Any]:
    """What ran it: host, processor, CPU count and flags that matter for speed."""
    flags: list[str] = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "fma")
                flags = [f for f in line.split(":", 1)[1].split() if f in wanted]
                break
    except OSError:
        pass
    return {
        "node": platform.node(),
        "system": platform.system(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpus": os.cpu_count(),
        "cpu_flags": flags,
    }


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def elapsed(since: float) -> float:
    return round(time.perf_counter() - since, 3)
