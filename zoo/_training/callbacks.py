"""The Keras callbacks of a zoo run: the declared ones, a log line per epoch, resumable state.

`run_callbacks` assembles what `zoo.fit` hands to ``keras.Model.fit``: the user's
callbacks, EarlyStopping and ReduceLROnPlateau as the training defaults declare them,
ModelCheckpoint of the best weights, CSVLogger, TensorBoard and BackupAndRestore into
the run folder (`zoo._training.run_folder`), and `EpochLine`.

Keras' BackupAndRestore keeps the weights, the optimizer and the epoch of an
interrupted run, but not the state of EarlyStopping, ReduceLROnPlateau and
ModelCheckpoint (their best value and patience counters restart). `CallbackState`
saves those few numbers beside the backup at each epoch's end and puts them back when
a resumed run begins, so a resumed run stops, reduces and checkpoints exactly where an
uninterrupted one would.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras

from zoo._base.errors import ZooError
from zoo._training import run_folder

if TYPE_CHECKING:
    from zoo._registry.registry import Registry

# The attributes of each Keras callback that carry state across epochs.
_STATE = {
    keras.callbacks.EarlyStopping: ("wait", "best", "stopped_epoch", "best_epoch"),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
    keras.callbacks.ModelCheckpoint: ("best",),
}


class CallbackState(keras.callbacks.Callback):
    """Save the counters of ``callbacks`` in ``path`` (JSON) at each epoch's end, per epoch;
    put back those of the epoch before the first one a (resumed) run trains.

    Keyed by epoch, so a run killed between this save and Keras' own backup resumes with
    the state that matches the backup's epoch.
    """

    def __init__(self, path: Path, callbacks: list[keras.callbacks.Callback]) -> None:
        super().__init__()
        self.path = Path(path)
        self.tracked = [c for c in callbacks if type(c) in _STATE]
        self._states: dict[str, Any] = {}
        self._restored = False

    def on_train_begin(self, logs: Any = None) -> None:
        self._restored = False
        self._states = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if self._restored:
            return
        self._restored = True
        for i, callback in enumerate(self.tracked):
            for name, value in self._states.get(str(epoch - 1), {}).get(str(i), {}).items():
                setattr(callback, name, _number(value))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self._states[str(epoch)] = {
            str(i): {
                name: _state_value(getattr(c, name)) for name in _STATE[type(c)] if hasattr(c, name)
            }
            for i, c in enumerate(self.tracked)
        }
        for old in sorted(self._states, key=int)[:-3]:
            del self._states[old]
        run_folder.write_text(self.path, json.dumps(self._states))


def _state_value(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _number(value: Any) -> Any:
    return float(value) if value in ("inf", "-inf") else value


class EpochLine(keras.callbacks.Callback):
    """One plain line per epoch (for logs, files and pipes): the epoch, its time and logs."""

    def __init__(self, epochs: int, stream: Any = None) -> None:
        super().__init__()
        self.epochs = epochs
        self.stream = stream
        self._started = 0.0

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        seconds = time.perf_counter() - self._started
        values = " ".join(f"{k}={_format(v)}" for k, v in sorted((logs or {}).items()))
        stream = self.stream or sys.stdout
        print(f"epoch {epoch + 1}/{self.epochs} {seconds:.1f}s {values}", file=stream, flush=True)


def _format(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def callback_of(value: Any, registry: Registry) -> keras.callbacks.Callback:
    """A Keras callback, or the callback component with the id ``value`` (made)."""
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


def monitor_for(monitor: str, has_validation: bool) -> str:
    """The monitored metric: without validation data, ``val_x`` becomes ``x``."""
    if not has_validation and monitor.startswith("val_"):
        return monitor[len("val_") :]
    return monitor


def run_callbacks(
    extra: Sequence[Any], defaults: Any, monitor: str, folder: Path, epochs: int, verbose: int
) -> list[Any]:
    """The callbacks of a run in ``folder``, after the user's ``extra`` ones.

    ``defaults`` (`zoo.TrainingDefaults`) gives the patience of EarlyStopping and
    ReduceLROnPlateau (the latter only with a constant schedule) and the mode.
    """
    backup = run_folder.backup_folder(folder)
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
            backup / run_folder.BEST_WEIGHTS_FILE,
            monitor=monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
        )
    )
    paths = run_folder.paths(folder)
    result = [
        *extra,
        *tracked,
        keras.callbacks.CSVLogger(paths["history"], append=True),
        keras.callbacks.TensorBoard(log_dir=str(paths["tensorboard"])),
        # After the callbacks whose state it saves (their on_train_begin resets them).
        CallbackState(backup / run_folder.CALLBACK_STATE_FILE, tracked),
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
    ]
    if verbose == 2:
        result.append(EpochLine(epochs))
    return result
