"""Weights by layer name: ``zoo.build(name, weights=SOURCE)`` and ``zoo.from_preset(SOURCE)``.

A SOURCE is a preset folder (checked by `read_preset`), a ``.keras`` file, or the id of
a declared preset (fetched once into the cache, `zoo._presets.fetch`). Every source is
opened through `zoo.load` (safe mode). Loading by name walks the new model's top-level
layers: a layer whose name the source has, with the same number of weights of the same
shapes, takes the source's weights; the others keep their fresh ones and a
`zoo.ZooWarning` names them (``strict=True`` refuses instead). A source sharing no
layer with the model is refused.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError, ZooWarning, did_you_mean
from zoo._presets.folder import MODEL_FILE, read_preset


def _preset_ids() -> list[str]:
    from zoo._registry import default_registry

    return [e.id for e in default_registry().entries(kind="preset")]


def source_path(source: Any) -> Path:
    """The checked ``.keras`` file a weights SOURCE names (fetching a declared preset)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and source):
        path = Path(source)
        if path.is_dir():
            return read_preset(path).folder / MODEL_FILE
        if path.is_file() and path.suffix == ".keras":
            return path
        if path.suffix == ".keras":
            raise ZooError(
                f"A .keras weights file must exist. Received: {str(path)!r}, which does not. "
                "Check the path."
            )
        if isinstance(source, str) and not path.exists() and path.suffix != ".keras":
            from zoo._registry import default_registry
            from zoo._specs.component import ComponentSpec

            ids = _preset_ids()
            try:
                entry = default_registry().resolve(source)
            except ZooError:
                entry = None
            if isinstance(entry, ComponentSpec) and entry.kind == "preset":
                from zoo._presets.fetch import fetch

                return fetch(entry)
            names = ids + [i.partition("/")[2] for i in ids]
            raise ZooError(
                "weights= is a preset folder, a .keras file or the id of a declared preset. "
                f"Received: {source!r}, which is none of them.{did_you_mean(source, names)} "
                "Run `python -m zoo list --kind preset` to see the declared presets."
            )
    raise ZooError(
        "weights= is a preset folder, a .keras file or the id of a declared preset. "
        f"Received: {source!r}. Pass for example weights='my_preset' (a folder written by "
        "zoo.save_preset)."
    )


def from_preset(source: Any, *, compile: bool = True) -> Any:
    """The model of a preset folder, a ``.keras`` file or a declared preset, as it was saved.

    Loaded through `zoo.load` (safe mode on) after the folder or download is checked.

    Example:

    ```python
    zoo.save_preset("runs/digits", "presets/digits")      # a finished `zoo train` run
    model = zoo.from_preset("presets/digits")            # predicts as runs/digits/best.keras
    ```
    """
    from zoo._saving.load import load

    return load(source_path(source), compile=compile)


def _names(model: Any, shown: int = 8) -> str:
    names = [layer.name for layer in model.layers if layer.weights]
    more = f", ... ({len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _shapes(layer: Any) -> list[tuple[int, ...]]:
    return [tuple(w.shape) for w in layer.weights]


def load_weights_by_name(model: Any, source: Any, *, strict: bool = False) -> Any:
    """Copy the weights of ``source``'s layers into ``model``'s layers of the same name.

    Returns ``model``. A layer whose shapes differ, or that the source lacks, keeps its
    fresh weights and a `zoo.ZooWarning` names it; with ``strict=True`` that is a
    ZooError and nothing is loaded. A source with no layer in common is a ZooError.
    """
    path = source_path(source)
    from zoo._saving.load import load

    saved = load(path, compile=False)
    loaded, differ, absent = [], [], []
    pairs = []
    for layer in model.layers:
        if not layer.weights:
            continue
        try:
            theirs = saved.get_layer(layer.name)
        except ValueError:
            absent.append(layer.name)
            continue
        if _shapes(theirs) != _shapes(layer):
            differ.append(f"{layer.name} ({_shapes(layer)} here, {_shapes(theirs)} in the file)")
            continue
        pairs.append((layer, theirs))
    if not pairs:
        raise ZooError(
            "Weights load by layer name, so the source must share layers with the model. "
            f"Received: {str(path)!r}, whose layers ({_names(saved)}) match none of "
            f"{model.name!r}'s ({_names(model)}). "
            "Pass the preset of the same architecture."
        )
    fresh = differ + [f"{name} (not in the file)" for name in absent]
    if fresh and strict:
        raise ZooError(
            "strict=True loads every layer's weights. Received: "
            f"{len(fresh)} layer(s) of {model.name!r} that {str(path)!r} cannot fill: "
            f"{'; '.join(fresh)}. Pass strict=False to keep their fresh weights."
        )
    for layer, theirs in pairs:
        layer.set_weights(theirs.get_weights())
        loaded.append(layer.name)
    if fresh:
        warnings.warn(
            f"Loaded {len(loaded)} layer(s) of {model.name!r} from {str(path)!r}; "
            f"{len(fresh)} keep fresh weights: {'; '.join(fresh)}.",
            ZooWarning,
            stacklevel=3,
        )
    return model
