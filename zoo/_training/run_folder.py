"""The run folder: everything a training run leaves for a person or a later command.

    RUN/run.json       what ran: recipe, resolved arguments, data, training options,
                       seed, precision, strategy, batch sizes, versions, machine, status
    RUN/history.csv    one row per epoch (Keras CSVLogger)
    RUN/best.keras     the best weights, through zoo.save
    RUN/metrics.json   the final evaluation: {"test": {...}, "validation": {...}}
    RUN/tensorboard/   Keras' TensorBoard callback
    RUN/curves.png     loss and metrics per epoch, training against validation
    RUN/confusion.png  classifiers: the test split's confusion matrix
    RUN/backup/        while running: Keras BackupAndRestore and callback state

Later steps (``--resume``, presets, tuning, export) read the folder, never process state.
JSON files are written atomically (a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from zoo._errors import ZooError

RUN_FILE = "run.json"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, indent=2, default=_jsonable)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()  # NumPy scalars
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def read_run(folder: Path) -> dict[str, Any]:
    """The ``run.json`` of a run folder, or a ZooError saying why it is no run."""
    path = Path(folder) / RUN_FILE
    if not path.is_file():
        raise ZooError(
            f"A run folder holds a run.json written by zoo train. Received: {folder}, which "
            "has none. Pass the --out folder of an earlier `zoo train`."
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ZooError(f"{path} is not readable JSON ({error}). Received: a damaged run.") from None
    if not isinstance(data, dict) or "recipe" not in data or "status" not in data:
        raise ZooError(
            f"{path} is not a zoo run description. Received: keys {sorted(data)[:8]}. "
            "Pass the --out folder of an earlier `zoo train`."
        )
    return data


def default_folder(label: str) -> Path:
    """``runs/<label>-<timestamp>`` under the working directory."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{label.replace('/', '_')}-{stamp}"


def prepare(folder: Path, *, resume: bool, default: bool = False) -> dict[str, Any] | None:
    """Check that ``folder`` may receive a run; return the earlier run.json when resuming.

    A new run needs a folder that does not exist or is empty; ``resume`` needs a run that
    has not completed. Nothing is created here; the parents of a ``default`` folder
    (``runs/``) are created with it later.
    """
    folder = Path(folder)
    if resume:
        if not folder.is_dir():
            raise ZooError(
                f"--resume continues a run in its folder. Received: {folder}, which does not "
                "exist. Pass the --out folder of the interrupted run, or drop --resume."
            )
        earlier = read_run(folder)
        if earlier.get("status") == "completed":
            raise ZooError(
                f"--resume continues an interrupted run. Received: {folder}, which completed "
                f"on {earlier.get('finished', '?')}. Start a new run with another --out."
            )
        return earlier
    if folder.exists():
        if not folder.is_dir():
            raise ZooError(
                f"--out names a folder for the run. Received: {folder}, which is a file. "
                "Choose another path."
            )
        if (folder / RUN_FILE).exists():
            raise ZooError(
                f"--out already holds a run. Received: {folder}. Pass --resume to continue "
                "it, or choose another folder."
            )
        if any(folder.iterdir()):
            raise ZooError(
                f"--out must be a new or empty folder, so nothing of yours is overwritten. "
                f"Received: {folder}, which holds other files. Choose another folder."
            )
    elif not default and not folder.parent.exists():
        raise ZooError(
            f"--out's parent folder must exist. Received: {folder} (no {folder.parent}). "
            "Create it first or choose another path."
        )
    return None


def versions() -> dict[str, Any]:
    """The versions of the zoo, Keras, TensorFlow and the loaded plugins."""
    import keras
    import tensorflow as tf

    import zoo

    plugins = {p.name: p.version for p in zoo.list_plugins() if p.status == "loaded"}
    return {
        "zoo": zoo.__version__,
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
