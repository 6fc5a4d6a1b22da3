"""After training: the best weights back in the model, the final evaluation, the best epoch."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._training import run_folder

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits


def restore_best(model: Any, folder: Path) -> None:
    """Load the best epoch's weights that ModelCheckpoint kept in the run's backup, if any."""
    best_weights = run_folder.backup_folder(folder) / run_folder.BEST_WEIGHTS_FILE
    if best_weights.exists():
        model.load_weights(best_weights)


def evaluate(model: Any, splits: DataSplits) -> dict[str, dict[str, float]]:
    """``{"test": {metric: value}, "validation": {...}}`` for the splits ``splits`` has."""
    results: dict[str, dict[str, float]] = {}
    for split in ("test", "validation"):
        dataset = getattr(splits, split, None) if splits is not None else None
        if dataset is not None:
            values = model.evaluate(dataset, return_dict=True, verbose=0)
            results[split] = {k: float(v) for k, v in values.items()}
    return results


def best_epoch(history: Mapping[str, list[float]], monitor: str, mode: str) -> int | None:
    """The 1-based epoch with the best ``monitor`` (``mode`` "auto" guesses as Keras does)."""
    values = history.get(monitor)
    if not values:
        return None
    maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or "auc" in monitor))
    pick = max if maximize else min
    return 1 + values.index(pick(values))


__all__ = ["best_epoch", "evaluate", "restore_best"]
