"""The pictures of a run: learning curves and a confusion matrix, as PNG (matplotlib, Agg)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (files only, no window)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def learning_curves(history: Mapping[str, Sequence[float]], path: Path, title: str) -> Path:
    """One panel per logged quantity (loss first), training against validation, per epoch."""
    plt = pyplot()
    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "lr")]
    names.sort(key=lambda k: (k != "loss", k))
    columns = min(3, max(1, len(names)))
    rows = -(-len(names) // columns) if names else 1
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    for ax, name in zip(axes.flat, names):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", markersize=3, label="training")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", markersize=3, label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def confusion_matrix(labels: Any, predicted: Any, classes: int) -> Any:
    """Counts ``[true, predicted]`` (numpy), ``classes`` by ``classes``."""
    import numpy as np

    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels, int), np.asarray(predicted, int)), 1)
    return matrix


def confusion_picture(
    matrix: Any, path: Path, title: str, class_names: Sequence[str] | None = None
) -> Path:
    """The confusion matrix as a heat map with counts in the cells."""
    plt = pyplot()
    classes = matrix.shape[0]
    names = list(class_names) if class_names else [str(i) for i in range(classes)]
    size = max(4.0, 0.45 * classes + 2)
    figure, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(classes), names, rotation=45 if classes > 10 else 0)
    ax.set_yticks(range(classes), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    limit = matrix.max() / 2 if matrix.size else 0
    for i in range(classes):
        for j in range(classes):
            color = "white" if matrix[i, j] > limit else "black"
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", color=color, fontsize=8)
    ax.set_title(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def run_pictures(
    model: Any,
    splits: DataSplits,
    history: Mapping[str, Sequence[float]],
    folder: Path,
    label: str,
) -> dict[str, Path]:
    """Draw a run's learning curves and, for a classifier with a test split, its confusion.

    Returns the paths drawn, by name (``curves``, ``confusion``).
    """
    from zoo._training import run_folder

    drawn = {"curves": Path(folder) / run_folder.CURVES_FILE}
    learning_curves(history, drawn["curves"], f"{label} on {splits.info.source}")
    if splits.info.is_classification and splits.test is not None:
        drawn["confusion"] = Path(folder) / run_folder.CONFUSION_FILE
        draw_confusion(model, splits, drawn["confusion"], label)
    return drawn


def draw_confusion(model: Any, splits: DataSplits, path: Path, label: str) -> None:
    """The confusion matrix of ``model`` on the test split, as a picture in ``path``."""
    import numpy as np

    x, y = splits.arrays("test")
    scores = model.predict(x, verbose=0, batch_size=splits.batch_size)
    if isinstance(scores, (list, dict)):
        return
    scores = np.asarray(scores)
    predicted = (scores[:, 0] > 0.5).astype(int) if scores.shape[-1] == 1 else scores.argmax(-1)
    classes = splits.info.num_classes or int(max(y.max(), predicted.max()) + 1)
    matrix = confusion_matrix(np.asarray(y).reshape(-1), predicted, classes)
    accuracy = float(np.trace(matrix) / max(1, matrix.sum()))
    confusion_picture(
        matrix, path, f"{label}: test accuracy {accuracy:.4f}", splits.info.class_names
    )
