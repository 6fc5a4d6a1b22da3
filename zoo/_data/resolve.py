"""`zoo.load_data`: a source id, a path, arrays, a ``tf.data.Dataset`` or `DataSplits`."""

from __future__ import annotations

import glob
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zoo._base.arguments import check_arguments
from zoo._base.errors import NotFoundError, ZooError, did_you_mean
from zoo._data.splits import DataInfo, DataSplits, check_batch_size, split_arrays

if TYPE_CHECKING:
    from zoo._registry.registry import Registry

#: File suffixes and the data source each one picks.
SUFFIXES = {
    ".npz": "zoo/npz",
    ".csv": "zoo/csv",
    ".tfrecord": "vision/tfrecord",
    ".tfrec": "vision/tfrecord",
}
_GLOB = set("*?[")


def load_data(data: Any, *, batch_size: int = 32, seed: int = 0, **args: Any) -> DataSplits:
    """Train / validation / test pipelines from a data source, a path, arrays or a dataset.

    Args:
        data: a registered data source id (``"vision/digits"``); a path whose form picks
            the source (``.npz`` -> ``zoo/npz``, ``.csv`` -> ``zoo/csv`` with ``target=``,
            a folder of class subfolders -> ``vision/image_folder``, ``.tfrecord`` /
            ``.tfrec`` or a glob -> ``vision/tfrecord``); an ``(x, y)`` pair of arrays
            (a seeded split, stratified for integer labels); a ``tf.data.Dataset`` of
            ``(x, y)`` batches (train only); or a `DataSplits` (returned as is).
        batch_size: examples per batch.
        seed: the seed of the split and of the per-epoch shuffle.
        **args: the source's own arguments (``validation=0.1``, ``target="label"``).
    """
    if isinstance(data, DataSplits):
        if args:
            raise ZooError(
                "Data that is already split takes no source arguments. "
                f"Received: {', '.join(sorted(args))}. Pass them to the source instead."
            )
        return data
    check_batch_size(batch_size)
    if isinstance(data, Path):
        return _from_path(data, batch_size=batch_size, seed=seed, args=args)
    if isinstance(data, str):
        if _looks_like_path(data):
            return _from_path(Path(data), batch_size=batch_size, seed=seed, args=args)
        return call_source(data, batch_size=batch_size, seed=seed, **args)
    if _is_tf_dataset(data):
        return _from_tf_dataset(data, batch_size=batch_size, args=args)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
        if isinstance(x, Mapping):
            x = {k: np.asarray(v) for k, v in x.items()}
        return split_arrays(x, np.asarray(y), batch_size=batch_size, seed=seed, **args)
    raise ZooError(
        "Data is a data source id, a path, an (x, y) pair of arrays, a tf.data.Dataset or "
        f"zoo.DataSplits. Received: {type(data).__name__}. "
        "Pass for example 'vision/digits' or (x, y)."
    )


def _looks_like_path(text: str) -> bool:
    path = Path(text)
    return (
        path.exists()
        or path.suffix.lower() in SUFFIXES
        or bool(_GLOB & set(text))
        or text.startswith((".", "/", "~"))
    )


def source_for_path(path: Path) -> str:
    """The data source a path picks by its form."""
    text = str(path)
    if path.suffix.lower() in SUFFIXES:
        return SUFFIXES[path.suffix.lower()]
    if path.is_dir():
        return "vision/image_folder"
    if _GLOB & set(text):
        return "vision/tfrecord"
    if not path.exists():
        raise ZooError(
            f"A data path names an existing file or folder. Received: {text!r}, which does "
            f"not exist.{did_you_mean(text, close_paths(text))} Check the path, or pass a data "
            "source id such as 'vision/digits'."
        )
    raise ZooError(
        "A data file is .npz, .csv, .tfrecord or .tfrec, or a folder with one subfolder per "
        f"class. Received: {text!r}. Convert it, or pass (x, y) arrays to zoo.load_data."
    )


def _from_path(path: Path, *, batch_size: int, seed: int, args: Mapping[str, Any]) -> DataSplits:
    path = path.expanduser()
    source = source_for_path(path)
    if source != "vision/tfrecord" and not path.exists():
        raise ZooError(
            f"A data path names an existing file or folder. Received: {str(path)!r}, which "
            f"does not exist.{did_you_mean(str(path), close_paths(str(path)))} Check the path."
        )
    if source == "vision/tfrecord" and not path.exists() and not glob.glob(str(path)):
        raise ZooError(
            "A TFRecord path names existing files (a glob may match several). "
            f"Received: {str(path)!r}, which matches no file. Check the path."
        )
    return call_source(source, batch_size=batch_size, seed=seed, path=str(path), **args)


def close_paths(text: str) -> list[str]:
    """Existing files and folders beside ``text`` whose names are close to its name.

    ``digit_png/`` beside a ``digits_png/`` folder gives ``["digits_png/"]`` (written as
    the user wrote the path: same folder part, a trailing ``/`` kept).
    """
    import difflib

    slash = "/" if text.endswith("/") else ""
    path = Path(text.rstrip("/") or text)
    parent = path.parent.expanduser()
    try:
        names = [p.name for p in parent.iterdir()] if parent.is_dir() else []
    except OSError:
        return []
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.75)
    folder = "" if str(path.parent) == "." and not text.startswith("./") else f"{path.parent}/"
    return [f"{folder}{name}{slash if (parent / name).is_dir() else ''}" for name in close]


def _registry() -> Registry:
    from zoo._registry import default_registry

    return default_registry()


def call_source(name: str, *, batch_size: int = 32, seed: int = 0, **args: Any) -> DataSplits:
    """Resolve a ``dataset`` component by id and call it with keyword arguments."""
    registry = _registry()
    try:
        spec = registry.resolve(name)
    except NotFoundError:
        ids = [e.id for e in registry.entries(kind="dataset")]
        names = ids + [i.split("/", 1)[1] for i in ids]
        near = close_paths(name)
        hint = did_you_mean(name, near) if near else did_you_mean(name, names)
        raise NotFoundError(
            f"Data is a registered data source or a path. Received: {name!r}, which is "
            f"neither.{hint} "
            f"Data sources: {', '.join(ids) or '(none)'}; see python -m zoo list --kind dataset."
        ) from None
    if spec.kind != "dataset":
        raise ZooError(
            f"Data names a component of kind 'dataset'. Received: {spec.id!r}, a {spec.kind}. "
            "See python -m zoo list --kind dataset."
        )
    function = registry.get(spec.id)
    check_arguments(function, {"batch_size": batch_size, "seed": seed, **args}, spec.id)
    splits = function(batch_size=batch_size, seed=seed, **args)
    if not isinstance(splits, DataSplits):
        raise ZooError(
            f"A data source returns zoo.DataSplits. Received: {type(splits).__name__} from "
            f"{spec.id!r}. Fix the source's function."
        )
    return splits


def _is_tf_dataset(data: Any) -> bool:
    module = type(data).__module__ or ""
    return module.startswith("tensorflow") and hasattr(data, "element_spec")


def _spec_shape(spec: Any) -> tuple[Any, ...]:
    return tuple(spec.shape[1:]) if spec.shape.rank else ()


def _from_tf_dataset(dataset: Any, *, batch_size: int, args: Mapping[str, Any]) -> DataSplits:
    """A batched ``tf.data.Dataset`` of ``(x, y)`` as the train split alone."""
    if args:
        raise ZooError(
            "A tf.data.Dataset takes no source arguments. "
            f"Received: {', '.join(sorted(args))}. Split and batch it yourself."
        )
    element = dataset.element_spec
    if not isinstance(element, tuple) or len(element) < 2:
        raise ZooError(
            "A tf.data.Dataset for training yields (x, y) batches. "
            f"Received: elements {element!r}. Map it to (inputs, targets) pairs."
        )
    x_spec, y_spec = element[0], element[1]
    if isinstance(x_spec, Mapping):
        input_shape: Any = {k: _spec_shape(v) for k, v in x_spec.items()}
        input_dtype: Any = {k: v.dtype.name for k, v in x_spec.items()}
    else:
        input_shape, input_dtype = _spec_shape(x_spec), x_spec.dtype.name
    classify = y_spec.dtype.is_integer
    info = DataInfo(
        source="tf.data",
        task="classification" if classify else "regression",
        input_shape=input_shape,
        input_dtype=input_dtype,
        target_shape=_spec_shape(y_spec),
        target_dtype=y_spec.dtype.name,
        sizes={"train": None, "validation": None, "test": None},
    )
    return DataSplits(train=dataset, validation=None, test=None, info=info, batch_size=batch_size)
