"""The Keras callbacks a zoo run adds: a log line per epoch, and resumable callback state.

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
from pathlib import Path
from typing import Any

import keras

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
            str(i): {name: _plain(getattr(c, name)) for name in _STATE[type(c)] if hasattr(c, name)}
            for i, c in enumerate(self.tracked)
        }
        for old in sorted(self._states, key=int)[:-3]:
            del self._states[old]
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._states))
        temporary.replace(self.path)


def _plain(value: Any) -> Any:
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
