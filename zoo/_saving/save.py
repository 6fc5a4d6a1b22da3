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
import sys
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError, ZooWarning
from zoo._version import __version__

#: The version of the ``"zoo"`` entry of ``metadata.json``.
METADATA_FORMAT = 1
CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
_PARTIAL = ".partial"
_OLD = ".old"
#: A temporary of an older keras-zoo (no process id in its name) is stale after this long.
STALE_SECONDS = 3600.0


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


def _temporary(path: Path, tag: str) -> Path:
    """A hidden name beside ``path`` that says whose it is: ``.<stem>.<pid>-<hex><tag><suffix>``."""
    return path.with_name(f".{path.stem}.{os.getpid()}-{uuid.uuid4().hex}{tag}{path.suffix}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or this platform cannot tell
    return True


def _temporaries(path: Path) -> list[tuple[Path, str, bool]]:
    """``(temporary, kind, stale)`` for the temporaries of earlier saves to ``path``.

    ``kind`` is ``"partial"`` or ``"old"`` (a replaced folder moved aside). A temporary
    is stale when the process named in it has ended; one of an older keras-zoo (without
    a process id) when it is older than `STALE_SECONDS`.
    """
    stem, suffix = re.escape(path.stem), re.escape(path.suffix)
    current = re.compile(
        rf"\.{stem}\.(\d+)-[0-9a-f]{{32}}(?:\.rewrite)?(\{_PARTIAL}|\{_OLD}){suffix}\Z"
    )
    legacy = re.compile(
        rf"\.(?:{stem}\.)?[0-9a-f]{{32}}(\{_PARTIAL}{suffix}|\.old)\Z"  # an older keras-zoo
    )
    found = []
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return []
    now = time.time()
    for sibling in siblings:
        name = sibling.name
        if not name.startswith("."):
            continue
        if match := current.match(name):
            kind = "old" if match.group(2) == _OLD else "partial"
            found.append((sibling, kind, not _alive(int(match.group(1)))))
        elif match := legacy.match(name):
            kind = "old" if match.group(1) == ".old" else "partial"
            try:
                stale = now - sibling.lstat().st_mtime > STALE_SECONDS
            except OSError:
                continue
            found.append((sibling, kind, stale))
    return found


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.lstat().st_size


def clean_leftovers(path: Path) -> list[Path]:
    """Remove what interrupted saves to ``path`` left beside it; say so with a ZooWarning.

    A folder that a killed replacement had moved aside while ``path`` is missing is
    moved back first: ``path`` then holds the last complete export again.
    """
    leftovers = [(p, kind) for p, kind, stale in _temporaries(path) if stale]
    if not leftovers:
        return []
    recovered = None
    if not path.exists():
        olds = sorted((p for p, kind in leftovers if kind == "old"), key=_mtime, reverse=True)
        if olds:
            with contextlib.suppress(OSError):
                os.replace(olds[0], path)
                recovered = olds[0]
    removed, size = [], 0
    for leftover, _ in leftovers:
        if leftover == recovered:
            continue
        with contextlib.suppress(OSError):
            size += _size(leftover)
            _remove(leftover)
            removed.append(leftover)
    parts = []
    if recovered is not None:
        parts.append(
            f"restored {str(path)!r} from {recovered.name}, which a killed save had moved aside"
        )
    if removed:
        parts.append(
            f"removed {len(removed)} temporary file(s) ({size / 2**20:.1f} MiB) that interrupted "
            f"saves had left beside it: {', '.join(p.name for p in removed[:3])}"
            + (", ..." if len(removed) > 3 else "")
        )
    warnings.warn(f"Saving {str(path)!r}: {'; '.join(parts)}.", ZooWarning, stacklevel=4)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


@contextlib.contextmanager
def atomic_destination(path: Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it over ``path`` on success.

    The temporary path has the same suffix as ``path`` (Keras and TFLite look at it)
    and names this process, so that the next save to ``path`` removes what a killed
    one left (`clean_leftovers`). Whatever the body leaves there is removed on failure.
    A folder (a SavedModel) is swapped in atomically where the system can
    (`_replace_folder`).
    """
    clean_leftovers(path)
    partial = _temporary(path, _PARTIAL)
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


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # this file system cannot swap: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def _replace_folder(partial: Path, path: Path) -> None:
    """Put the folder ``partial`` at ``path``, leaving the old or the new one there always.

    Where the system swaps two paths atomically, the new folder and the old one trade
    places and the old one is removed. Elsewhere the old one is moved aside (under a
    name that says which process did it) and the new one renamed in; a process killed
    between the two leaves ``path`` missing, and the next save to ``path`` moves the
    old folder back first (`clean_leftovers`).
    """
    if not path.exists():
        os.replace(partial, path)
        return
    if _exchange(partial, path):
        _remove(partial)  # now the old folder
        return
    old = _temporary(path, _OLD)
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
    if _PARTIAL in partial.name:  # beside its target, found by the next save if left behind
        rewritten = partial.with_name(partial.name.replace(_PARTIAL, ".rewrite" + _PARTIAL, 1))
    else:
        rewritten = _temporary(partial, ".rewrite" + _PARTIAL)
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
