"""Saving models: atomically, with the zoo and plugin versions in the file's metadata.

A ``.keras`` file is a zip archive holding ``config.json`` (the architecture),
``metadata.json`` and the weights. `save` writes it beside the destination under a
hidden temporary name, adds a ``"zoo"`` entry to ``metadata.json``, checks the result
and only then renames it over the destination: a failure (an exception, a full disk,
a killed process) leaves the old file or nothing, never a partial one.

The ``"zoo"`` entry records, for every plugin whose classes the model uses, the
distribution and version that provided them; `zoo.load` reads it to import exactly
those plugins, to name the distribution to install when one is missing, and to warn
when the installed version differs.

Nothing here imports Keras at module level: ``import zoo`` stays light.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo._errors import ZooError
from zoo._version import __version__

#: The version of the ``"zoo"`` entry of ``metadata.json``.
METADATA_FORMAT = 1
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
_PARTIAL = ".partial"


def zoo_classes(config: Any) -> dict[str, dict[str, str]]:
    """``{plugin: {Name: module}}`` for every ``zoo.<plugin>>Name`` a serialized config holds.

    Walks every nested dict and list and reads each ``registered_name``, the key under
    which Keras serializes a registered custom object, and the ``module`` beside it.
    """
    found: dict[str, dict[str, str]] = {}
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            registered = item.get("registered_name")
            if isinstance(registered, str) and registered.startswith("zoo."):
                package, sep, name = registered.partition(">")
                if sep and name:
                    module = item.get("module")
                    plugin_classes = found.setdefault(package[len("zoo.") :], {})
                    plugin_classes[name] = module if isinstance(module, str) else ""
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _fsync_folder(folder: Path) -> None:
    # Make the rename durable where the platform allows it (POSIX); best effort elsewhere.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def check_destination(path: str | os.PathLike[str], suffix: str | None, what: str) -> Path:
    """Validate a destination path: its suffix (when given) and an existing parent folder."""
    path = Path(path)
    if suffix is not None and path.suffix != suffix:
        raise ZooError(
            f"{what} ends in {suffix}. Received: {str(path)!r}. "
            f"Use {str(path.with_suffix(suffix))!r}."
        )
    if not path.parent.is_dir():
        raise ZooError(
            f"The folder to save into must exist. Received: {str(path.parent)!r}. Create it first."
        )
    if path.exists() and path.is_dir() != (suffix is None):
        kind = "a folder" if path.is_dir() else "a file"
        raise ZooError(
            f"{what} would replace {kind}. Received: {str(path)!r}, which is {kind}. "
            "Remove it or choose another path."
        )
    return path


@contextlib.contextmanager
def atomic_destination(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it over ``path`` on success.

    The temporary path has the same suffix as ``path`` (Keras and TFLite look at it).
    Whatever the body leaves there is removed on failure. For a folder (a SavedModel),
    the old folder is moved aside, the new one renamed in, then the old one deleted.
    """
    partial = path.with_name(f".{path.stem}.{uuid.uuid4().hex}{_PARTIAL}{path.suffix}")
    try:
        yield partial
        if not partial.exists():
            raise ZooError(f"Nothing was written to {str(partial)!r}; {str(path)!r} is unchanged.")
        if partial.is_dir():
            _replace_folder(partial, path)
        else:
            _fsync_file(partial)
            os.replace(partial, path)
        _fsync_folder(path.parent)
    finally:
        _remove(partial)


def _replace_folder(partial: Path, path: Path) -> None:
    if not path.exists():
        os.replace(partial, path)
        return
    old = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
    os.replace(path, old)
    try:
        os.replace(partial, path)
    except BaseException:
        os.replace(old, path)
        raise
    _remove(old)


def save_atomic(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save ``model`` with ``model.save`` to a ``.keras`` file, atomically (no zoo metadata).

    `save` is the one to use; this is the bare atomic write it builds on.
    """
    path = check_destination(path, ".keras", "A saved model file")
    with atomic_destination(path) as partial:
        model.save(partial)
    return path


def plugin_record(plugins: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """For each plugin name: its distribution, version and the class names the model uses."""
    from zoo._registry import default_registry

    known = {info.name: info for info in default_registry().plugins()}
    record: dict[str, dict[str, Any]] = {}
    for plugin in sorted(plugins):
        info = known.get(plugin)
        record[plugin] = {
            "distribution": info.distribution if info is not None else "",
            "version": info.version if info is not None else "",
            "names": sorted(plugins[plugin]),
        }
    return record


#: Where Keras' torch backend keeps its own optimizer classes; a file naming them does
#: not load on another backend (nor without torch), so the zoo names the public class.
_BACKEND_OPTIMIZERS = re.compile(r"keras\.src\.backend\.\w+\.optimizers(\.\w+)?\Z")


def portable_config(config: Any) -> Any:
    """``config`` with backend-specific optimizer modules replaced by ``keras.optimizers``."""
    if isinstance(config, dict):
        fixed = {k: portable_config(v) for k, v in config.items()}
        if isinstance(fixed.get("module"), str) and _BACKEND_OPTIMIZERS.match(fixed["module"]):
            fixed["module"] = "keras.optimizers"
        return fixed
    if isinstance(config, list):
        return [portable_config(v) for v in config]
    return config


def _rewrite_metadata(partial: Path, add: Callable[[dict[str, Any]], None]) -> None:
    """Copy the archive with ``metadata.json`` amended by ``add`` and ``config.json`` made
    portable across backends (`portable_config`); members keep their order."""
    rewritten = partial.with_name(f".{uuid.uuid4().hex}{_PARTIAL}{partial.suffix}")
    try:
        with zipfile.ZipFile(partial) as source, zipfile.ZipFile(rewritten, "w") as target:
            for info in source.infolist():
                if info.filename == METADATA_FILE:
                    metadata = json.loads(source.read(info))
                    add(metadata)
                    target.writestr(info, json.dumps(metadata))
                    continue
                if info.filename == CONFIG_FILE:
                    config = json.loads(source.read(info))
                    target.writestr(info, json.dumps(portable_config(config)))
                    continue
                large = info.file_size >= zipfile.ZIP64_LIMIT
                with source.open(info) as src, target.open(info, "w", force_zip64=large) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(rewritten, partial)
    finally:
        rewritten.unlink(missing_ok=True)


def save(model: Any, path: str | os.PathLike[str]) -> Path:
    """Save a Keras model to a ``.keras`` file atomically, with the zoo's metadata.

    The model is written to a hidden file beside ``path``, then its ``metadata.json``
    gains a ``"zoo"`` entry (the zoo version and, for each plugin whose classes the
    model uses, its distribution, version and those class names), then the file is
    renamed over ``path``. A failure at any step leaves the old file, or no file.

    Args:
        model: a ``keras.Model``.
        path: the destination, ending in ``.keras``; its folder must exist.

    Returns:
        The path written.

    Example:

    ```python
    model = zoo.build("resnet_small")
    zoo.save(model, "resnet.keras")
    same = zoo.load("resnet.keras")     # in any process: imports the plugins it needs
    ```
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ZooError(
            f"zoo.save saves a keras.Model. Received: {type(model).__name__}. "
            "Wrap a layer in a model first: keras.Model(inputs, layer(inputs))."
        )
    path = check_destination(path, ".keras", "A saved model file")
    with atomic_destination(path) as partial:
        model.save(partial)
        with zipfile.ZipFile(partial) as archive:
            config = json.loads(archive.read(CONFIG_FILE))
        record = {
            "format": METADATA_FORMAT,
            "zoo_version": __version__,
            "plugins": plugin_record(zoo_classes(config)),
        }
        _rewrite_metadata(partial, lambda metadata: metadata.__setitem__("zoo", record))
        with zipfile.ZipFile(partial) as archive:
            bad = archive.testzip()
        if bad is not None:
            raise ZooError(f"The archive written for {str(path)!r} is corrupt ({bad}); not saved.")
    return path
