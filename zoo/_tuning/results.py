"""What a search leaves for a person and a later command, read from keras-tuner's state.

OUT/trials.csv   one row per trial: id, status, score, the sampled values, seconds
OUT/trials.png   the score per trial, and the best so far
OUT/best.toml    a registry file with a new recipe: the best arguments and options
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zoo._training.run_folder import TRIAL_RECORD, read_json


def trial_rows(tuner: Any) -> list[dict[str, Any]]:
    """One dict per trial of ``tuner``'s oracle, in trial order."""
    rows = []
    for trial_id in sorted(tuner.oracle.trials):
        trial = tuner.oracle.trials[trial_id]
        record = read_json(Path(tuner.get_trial_dir(trial_id)) / TRIAL_RECORD, {})
        rows.append(
            {
                "trial": trial_id,
                "status": str(trial.status),
                "score": trial.score,
                "best_step": trial.best_step,
                "values": dict(trial.hyperparameters.values),
                "seconds": record.get("seconds"),
                "tuner": record.get("tuner"),
            }
        )
    return rows


def write_trials_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """``trials.csv``: trial, status, score, seconds, tuner, then one column per value."""
    names: list[str] = []
    for row in rows:
        names += [k for k in row["values"] if k not in names]
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["trial", "status", "score", "seconds", "tuner", *names])
        for row in rows:
            score = "" if row["score"] is None else row["score"]
            seconds = "" if row["seconds"] is None else round(row["seconds"], 3)
            values = [row["values"].get(name, "") for name in names]
            writer.writerow(
                [row["trial"], row["status"], score, seconds, row["tuner"] or "", *values]
            )
    return path


def write_trials_png(
    rows: Sequence[Mapping[str, Any]], path: Path, objective: str, maximize: bool, title: str
) -> Path:
    """``trials.png``: the score of each completed trial and the best so far."""
    from zoo._training.pictures import pyplot

    plt = pyplot()
    figure, ax = plt.subplots(figsize=(6.4, 3.6))
    points = [(i + 1, row["score"]) for i, row in enumerate(rows) if row["score"] is not None]
    if points:
        xs, ys = zip(*points)
        ax.plot(xs, ys, "o", label="trial")
        best, running = [], None
        for y in ys:
            running = y if running is None else (max if maximize else min)(running, y)
            best.append(running)
        ax.step(xs, best, where="post", label="best so far")
        ax.legend()
    ax.set_xlabel("trial")
    ax.set_ylabel(objective)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


# === best.toml ===

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_value(value: Any) -> str:
    """``value`` (str, bool, number, list, mapping) as a TOML inline value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        items = [f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if hasattr(value, "item"):
        return toml_value(value.item())
    raise TypeError(f"no TOML form for {value!r}")


def toml_key(key: Any) -> str:
    key = str(key)
    return key if _BARE.match(key) else json.dumps(key)


def best_recipe_toml(
    *,
    namespace: str,
    name: str,
    builder: str,
    args: Mapping[str, Any],
    training: Mapping[str, Any],
    summary: str,
    tags: Sequence[str],
    comments: Sequence[str],
) -> str:
    """The text of a registry file holding one recipe (see `zoo._registry.files`)."""
    lines = [f"# {line}" for line in comments]
    lines += [
        "",
        f"[recipes.{toml_key(namespace)}.{toml_key(name)}]",
        f"builder = {toml_value(builder)}",
        f"args = {toml_value(dict(sorted(args.items())))}",
        f"summary = {toml_value(summary)}",
        f"tags = {toml_value(list(tags))}",
        f"training = {toml_value(dict(training))}",
        "",
    ]
    return "\n".join(lines)


__all__ = [
    "TRIAL_RECORD",
    "best_recipe_toml",
    "toml_value",
    "trial_rows",
    "write_trials_csv",
    "write_trials_png",
]
