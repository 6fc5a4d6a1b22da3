"""The cached listing of ``python -m zoo list``: reused while nothing it came from changed.

A listing loads every plugin's declarations, reads the registry files and checks each
recipe against its builder's source; on two cores that is most of ``zoo list``'s time
above the floor (Python, pluggy and the entry-point scan). So, like Python's own
bytecode cache, ``zoo list`` keeps what it listed in a file and reuses it while every
input it came from is unchanged:

- the interpreter, ``sys.path``, the working directory, keras-zoo's version, the
  installed ``zoo.plugins`` entry points (name, value, distribution folder), the
  ``ZOO_*`` and ``KERAS_BACKEND`` environment variables and the ``--registry`` files:
  together they name the cache file (``<ZOO_CACHE>/listing/<sha256>.json``), and the
  file repeats them, compared in full;
- the size and modification time (ns) of every file the listing ran or read outside
  the standard library (keras-zoo's modules, pluggy's, each plugin's, the registry
  files, the builders' sources read for their signatures), and the modification time
  of each one's folder and of every folder on ``sys.path``, so that an edit, a new
  module, or an install or uninstall there makes the next ``zoo list`` load afresh.

Only a listing that showed no warning is kept (a warning is said again by loading
again), only one whose files were all older than two seconds when it started (`store`),
and only the whole list: the filters (`zoo._specs.listing.filter_entries`, the
function `zoo.list_components` uses) run on it each time. ``--plugin`` with a name the
stored list does not hold loads afresh, for its error or warning. ``ZOO_LIST_CACHE=0``
turns the cache off. A cache that cannot be read or written is ignored: listing never
fails for it, and a file is replaced whole (written beside it, then renamed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from zoo._version import __version__

#: Changes when the file's layout or what it records changes.
FORMAT = 1
#: Cache files kept per cache folder (one per interpreter, folder and environment).
KEEP = 32
#: How old every file a listing read must be for the listing to be kept (see `store`).
SETTLE_NS = 2_000_000_000


class Row:
    """One listed component or recipe, as ``zoo list`` prints it (from its ``to_dict()``)."""

    __slots__ = ("data", "id", "is_recipe", "kind", "name", "plugin", "summary", "tags")

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id: str = data["id"]
        self.name: str = data["name"]
        self.kind: str = data["kind"]
        self.plugin: str = data["plugin"]
        self.summary: str = data["summary"]
        self.tags: tuple[str, ...] = tuple(data["tags"])
        self.is_recipe = bool(data.get("recipe"))


def enabled(environ: Mapping[str, str]) -> bool:
    return environ.get("ZOO_LIST_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def _identity(registry_args: Sequence[str], environ: Mapping[str, str]) -> dict[str, Any]:
    import importlib.metadata

    entry_points = [
        [ep.name, ep.value, str(getattr(getattr(ep, "dist", None), "_path", ""))]
        for ep in importlib.metadata.entry_points(group="zoo.plugins")
    ]
    return {
        "format": FORMAT,
        "zoo": __version__,
        "python": [sys.executable, sys.version],
        "path": list(sys.path),
        "cwd": os.getcwd(),
        "environ": sorted(
            [k, v] for k, v in environ.items() if k.startswith("ZOO_") or k == "KERAS_BACKEND"
        ),
        "registry": list(registry_args),
        "entry_points": sorted(entry_points),
    }


def _file(identity: dict[str, Any], environ: Mapping[str, str]) -> Path:
    from zoo._base.places import cache_dir

    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return cache_dir(environ) / "listing" / f"{digest[:32]}.json"


def _stamp(path: str) -> list[int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [status.st_mtime_ns, status.st_size]


def _unchanged(stamps: list[list[Any]]) -> bool:
    return all(_stamp(path) == (stamp or None) for path, *stamp in stamps)


def load(registry_args: Sequence[str], environ: Mapping[str, str]) -> list[Row] | None:
    """The stored listing when every input is as it was, else None."""
    if not enabled(environ):
        return None
    try:
        identity = _identity(registry_args, environ)
        with _file(identity, environ).open(encoding="utf-8") as stream:
            stored = json.load(stream)
        if stored.get("identity") != identity or not _unchanged(stored["files"]):
            return None
        return [Row(data) for data in stored["entries"]]
    except Exception:  # a missing, damaged or unreadable cache is no cache
        return None


def _inputs(read: Sequence[Path | str]) -> list[list[Any]]:
    """``[path, mtime_ns, size]`` of each file the listing ran or read, and its folders."""
    stdlib = os.path.dirname(os.__file__)
    files = {str(p) for p in read}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not os.path.isabs(file):
            continue
        in_stdlib = file.startswith(stdlib + os.sep)
        if not in_stdlib or "site-packages" in file or "dist-packages" in file:
            files.add(file)
    folders = {os.path.dirname(f) for f in files} | {p for p in sys.path if os.path.isdir(p)}
    return [[p, *(_stamp(p) or [])] for p in sorted(files | folders)]


def store(
    registry_args: Sequence[str],
    environ: Mapping[str, str],
    entries: Sequence[dict[str, Any]],
    read: Sequence[Path | str],
    started_ns: int,
) -> None:
    """Keep ``entries`` (every listed ``to_dict()``) for the next ``zoo list``; never raises.

    The files are stamped after the listing read them, so one changed while it ran (or
    just before: file systems round times down, some to 2 s) could be stamped as new
    with the old entries; a listing that saw a file younger than `SETTLE_NS` at
    ``started_ns`` keeps nothing (the next one will), as git treats a "racy" index entry.
    """
    if not enabled(environ):
        return
    with contextlib.suppress(Exception):
        files = _inputs(read)
        if any(len(f) == 3 and f[1] > started_ns - SETTLE_NS for f in files):
            return
        identity = _identity(registry_args, environ)
        target = _file(identity, environ)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"identity": identity, "files": files, "entries": list(entries)}, default=str
        )
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        _prune(target.parent)


def _prune(folder: Path) -> None:
    """Keep the `KEEP` most recently written cache files."""
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


@contextlib.contextmanager
def warnings_shown() -> Iterator[list[str]]:
    """Collect the message of each warning shown in the block (and show it as usual)."""
    shown: list[str] = []
    with warnings.catch_warnings():
        original = warnings.showwarning

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            shown.append(str(message))
            original(message, category, filename, lineno, file, line)

        warnings.showwarning = show
        yield shown
