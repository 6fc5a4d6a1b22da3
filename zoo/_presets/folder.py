"""Preset folders: ``model.keras``, ``preset.json`` and a model card, written atomically.

    P/model.keras   the model, through zoo.save
    P/preset.json   recipe, builder, resolved arguments, training defaults, the input
                    contract (shape, dtype, preprocessing, class names), the data and
                    metrics of the run, versions, and the sha256 of model.keras
    P/README.md     the model card, generated from the same facts

`save_preset` writes the three files into a hidden folder beside ``P`` and renames it
into place (replacing an older preset folder, never another folder). `read_preset`
checks a folder before anything loads it: ``preset.json`` present and well formed, the
sha256 of ``model.keras`` as recorded, and the input contract the model's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._base.jsonable import jsonable
from zoo._saving.save import atomic_destination, check_destination
from zoo._training.run_folder import read_completed_run
from zoo._version import __version__

PRESET_FORMAT = 1
PRESET_FILE = "preset.json"
MODEL_FILE = "model.keras"
CARD_FILE = "README.md"
_REQUIRED = ("format", "builder", "arguments", "input", "model")
_INTENDED_USE = (
    "Research and experiments on inputs like its training data (the input shape, dtype "
    "and preprocessing above). Not evaluated for any other use; check it on your own data."
)


@dataclass(frozen=True)
class Preset:
    """A checked preset folder: where it is and what its ``preset.json`` says."""

    folder: Path
    info: dict[str, Any]

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_FILE


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# === Writing ===


def save_preset(
    model_or_run: Any,
    folder: str | os.PathLike[str],
    *,
    license: str = "",
    intended_use: str = _INTENDED_USE,
) -> Path:
    """Write a preset folder from a ``keras.Model`` or a finished run folder.

    From a run folder (written by `zoo.fit`: ``best.keras``, ``run.json``,
    ``metrics.json``), the preset records the recipe, the resolved builder arguments,
    the training defaults, the data (source, split, sizes, preprocessing, class names),
    the epochs and the metrics; from a model, what the model itself tells (its input
    shape and dtype, and the recipe and arguments `zoo.build` tagged it with).

    Args:
        model_or_run: a ``keras.Model``, or the path of a completed run folder.
        folder: the preset folder to write; its parent must exist. An existing preset
            folder is replaced; any other existing folder or file is refused.
        license: the license of the weights, stated in the card (an SPDX id).
        intended_use: the card's "Intended use" paragraph.

    Returns:
        The folder written.
    """
    import keras

    from zoo._saving.save import save

    folder = check_destination(folder, None, "A preset folder")
    if folder.exists() and any(folder.iterdir()) and not (folder / PRESET_FILE).exists():
        raise ZooError(
            "zoo.save_preset replaces only an older preset folder. Received: "
            f"{str(folder)!r}, a folder without {PRESET_FILE}. Choose a new or empty folder."
        )
    if isinstance(model_or_run, keras.Model):
        model, info = model_or_run, _from_model(model_or_run)
    elif isinstance(model_or_run, (str, os.PathLike)):
        model, info = _from_run(Path(model_or_run))
    else:
        raise ZooError(
            "zoo.save_preset takes a keras.Model or a run folder. "
            f"Received: {type(model_or_run).__name__}. Pass the model, or the --out folder "
            "of `zoo train`."
        )
    info["license"] = license
    info["intended_use"] = intended_use
    with atomic_destination(folder) as partial:
        partial.mkdir()
        save(model, partial / MODEL_FILE)
        model_file = partial / MODEL_FILE
        info["model"] = {
            "file": MODEL_FILE,
            "sha256": sha256_of(model_file),
            "bytes": model_file.stat().st_size,
        }
        (partial / PRESET_FILE).write_text(json.dumps(info, indent=2, sort_keys=False) + "\n")
        (partial / CARD_FILE).write_text(model_card(info))
    return folder


def _base(builder: str, recipe: str | None, arguments: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "format": PRESET_FORMAT,
        "recipe": recipe,
        "builder": builder,
        "arguments": jsonable(arguments),
    }


def _from_model(model: Any) -> dict[str, Any]:
    recipe = getattr(model, "zoo_id", None)
    builder = recipe or ""
    if recipe:
        from zoo._registry import default_registry
        from zoo._specs.component import Recipe

        entry = default_registry().resolve(recipe)
        if isinstance(entry, Recipe) and entry.graph is None:
            builder = default_registry().builder_of(entry).id
    info = _base(builder, recipe, getattr(model, "zoo_arguments", None) or {})
    single = len(model.inputs) == 1
    shapes = [list(t.shape[1:]) for t in model.inputs]
    dtypes = [str(t.dtype) for t in model.inputs]
    info["training"] = {}
    info["input"] = {
        "shape": shapes[0] if single else shapes,
        "dtype": dtypes[0] if single else dtypes,
        "preprocessing": {},
    }
    info["class_names"] = None
    info["data"] = None
    info["epochs"] = None
    info["metrics"] = {}
    info["versions"] = _versions()
    return info


def _from_run(run: Path) -> tuple[Any, dict[str, Any]]:
    from zoo._saving.load import load

    if not run.is_dir():
        raise ZooError(
            "zoo.save_preset takes a run folder (best.keras, run.json, metrics.json). "
            f"Received: {str(run)!r}, which is not a folder. Pass the --out folder of "
            "`zoo train`."
        )
    record, metrics, best = read_completed_run(run)
    model = load(best, compile=False)
    data = record.get("data") or {}
    info = _base(record.get("builder") or "", record.get("recipe"), record.get("arguments") or {})
    info["training"] = jsonable(record.get("training") or {})
    from_model = _from_model(model)["input"]
    info["input"] = {
        "shape": jsonable(data.get("input_shape", from_model["shape"])),
        "dtype": jsonable(data.get("input_dtype", from_model["dtype"])),
        "preprocessing": jsonable(data.get("preprocessing") or {}),
    }
    names = data.get("class_names")
    info["class_names"] = list(names) if names is not None else None
    info["data"] = {
        key: jsonable(data.get(key))
        for key in ("source", "arguments", "task", "sizes", "split", "num_classes")
    }
    info["epochs"] = record.get("epochs")
    info["best_epoch"] = record.get("best_epoch")
    info["seed"] = record.get("seed")
    info["run"] = {"folder": str(run.resolve()), "finished": record.get("finished")}
    info["metrics"] = jsonable(metrics)
    info["versions"] = {**_versions(), "run": jsonable(record.get("versions") or {})}
    return model, info


def _versions() -> dict[str, Any]:
    import keras

    from zoo._registry import default_registry

    plugins = {p.name: p.version for p in default_registry().plugins() if p.status == "loaded"}
    return {
        "zoo": __version__,
        "keras": keras.__version__,
        "backend": keras.config.backend(),
        "python": platform.python_version(),
        "plugins": plugins,
    }


# === The model card ===


def _metric_rows(metrics: Mapping[str, Any]) -> list[str]:
    rows = []
    for split in ("test", "validation", "train"):
        values = metrics.get(split)
        if not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            shown = f"{value:.4f}" if isinstance(value, float) else str(value)
            rows.append(f"| {split} | {name} | {shown} |")
    return rows


def model_card(info: Mapping[str, Any]) -> str:
    """The ``README.md`` of a preset folder, from what ``preset.json`` records."""
    title = info.get("recipe") or info.get("builder") or "model"
    data = info.get("data") or {}
    lines = [f"# {title}", "", "A keras-zoo preset.", ""]
    lines += ["## Model", ""]
    recipe, builder = info.get("recipe") or "-", info.get("builder") or "-"
    lines.append(f"- Recipe: `{recipe}`; builder: `{builder}`")
    arguments = ", ".join(f"{k}={v!r}" for k, v in (info.get("arguments") or {}).items())
    lines.append(f"- Builder arguments: {arguments or '(the defaults)'}")
    contract = info.get("input") or {}
    lines.append(f"- Input: shape {contract.get('shape')}, dtype {contract.get('dtype')}")
    lines.append(f"- Preprocessing: {contract.get('preprocessing') or 'none'}")
    names = info.get("class_names")
    if names is not None:
        lines.append(f"- Classes ({len(names)}): {', '.join(map(str, names))}")
    lines += ["", "## Training data", ""]
    if data:
        lines.append(f"- Source: `{data.get('source')}` with arguments {data.get('arguments')}")
        lines.append(f"- Split: {data.get('split')}; sizes: {data.get('sizes')}")
        lines.append(
            f"- Epochs: {info.get('epochs')} (best epoch {info.get('best_epoch')}); "
            f"seed {info.get('seed')}"
        )
    else:
        lines.append("Not recorded: this preset was saved from a model, not from a run.")
    lines += ["", "## Metrics", ""]
    rows = _metric_rows(info.get("metrics") or {})
    lines += ["| split | metric | value |", "|---|---|---|", *rows] if rows else ["None recorded."]
    versions = info.get("versions") or {}
    plugins = ", ".join(f"{k} {v}" for k, v in (versions.get("plugins") or {}).items())
    lines += ["", "## Versions", ""]
    lines.append(
        f"- keras-zoo {versions.get('zoo')}, Keras {versions.get('keras')} "
        f"({versions.get('backend')} backend), Python {versions.get('python')}"
    )
    lines.append(f"- Plugins: {plugins or 'none'}")
    lines += ["", "## Intended use", "", str(info.get("intended_use") or _INTENDED_USE)]
    lines += ["", "## License", "", str(info.get("license") or "Not stated.")]
    model = info.get("model") or {}
    lines += ["", f"`{MODEL_FILE}` sha256: `{model.get('sha256', '?')}`", ""]
    return "\n".join(lines)


# === Reading ===


def _bad(folder: Path, rule: str, received: str) -> ZooError:
    return ZooError(
        f"{rule} Received: {str(folder)!r}, {received}. Write the folder again with "
        "zoo.save_preset (or `python -m zoo preset RUN --out FOLDER`)."
    )


def read_preset(folder: str | os.PathLike[str]) -> Preset:
    """Check a preset folder and return what its ``preset.json`` says; ZooError if not intact."""
    folder = Path(folder)
    path = folder / PRESET_FILE
    if not path.is_file():
        rule = f"A preset folder holds {PRESET_FILE} beside {MODEL_FILE}."
        raise _bad(folder, rule, "without it")
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _bad(
            folder, f"{PRESET_FILE} is JSON.", f"whose {PRESET_FILE} is not ({error})"
        ) from None
    missing = [k for k in _REQUIRED if not isinstance(info, dict) or k not in info]
    if missing:
        rule = f"{PRESET_FILE} records {', '.join(_REQUIRED)}."
        raise _bad(folder, rule, f"missing {', '.join(missing)}")
    if not isinstance(info["format"], int) or info["format"] > PRESET_FORMAT:
        raise ZooError(
            f"This keras-zoo reads preset format {PRESET_FORMAT}. Received: {str(folder)!r} "
            f"in format {info['format']!r}. Upgrade keras-zoo."
        )
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise _bad(folder, f"A preset folder holds {MODEL_FILE}.", "without it")
    recorded = (info["model"] or {}).get("sha256") if isinstance(info["model"], dict) else None
    actual = sha256_of(model_path)
    if recorded != actual:
        raise _bad(
            folder,
            f"{PRESET_FILE} records the sha256 of {MODEL_FILE}, and they must agree.",
            f"whose {MODEL_FILE} hashes to {actual[:12]}... but {PRESET_FILE} says "
            f"{str(recorded)[:12]}... (one of them was edited or replaced)",
        )
    saved_shape = _saved_input_shape(model_path)
    stated = info["input"].get("shape") if isinstance(info["input"], dict) else None
    if saved_shape is not None and stated is not None and list(stated) != saved_shape:
        raise _bad(
            folder,
            f"The input shape in {PRESET_FILE} is the model's own.",
            f"whose {PRESET_FILE} says {stated} but {MODEL_FILE} takes {saved_shape}",
        )
    return Preset(folder, info)


def _saved_input_shape(path: Path) -> list[Any] | None:
    """The input shape (no batch dimension) of a single-input Functional model file."""
    from zoo._saving.load import read_saved_file

    config = read_saved_file(path).config.get("config") or {}
    inputs = [
        layer for layer in config.get("layers") or [] if layer.get("class_name") == "InputLayer"
    ]
    if len(inputs) != 1:
        return None
    shape = (inputs[0].get("config") or {}).get("batch_shape")
    return list(shape[1:]) if isinstance(shape, list) else None
