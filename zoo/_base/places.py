"""Where the zoo's own files are: the registry files it reads and its cache folder.

Standard library only: the command line finds them before it imports the registry.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def default_registry_path() -> Path | None:
    """The project's ``registry.toml``: inside the installed package, else the checkout root."""
    here = Path(__file__).resolve().parents[1]  # the zoo package (this file is zoo/_base/)
    if (here / "registry.toml").is_file():  # the package on disk (importlib.resources is slow)
        return here / "registry.toml"
    from importlib import resources

    packaged = resources.files("zoo") / "registry.toml"
    if packaged.is_file():
        return Path(str(packaged))
    checkout = here.parent / "registry.toml"
    return checkout if checkout.is_file() else None


def user_registry_paths(environ: Mapping[str, str]) -> list[Path]:
    """The files named by ``ZOO_REGISTRY`` (``os.pathsep``-separated)."""
    value = environ.get("ZOO_REGISTRY", "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def registry_paths(
    environ: Mapping[str, str], extra: Iterable[Any] = (), *, include_default: bool = True
) -> list[Path]:
    """The registry files a registry reads, in order: the project's, ZOO_REGISTRY's, ``extra``."""
    files = []
    if include_default and (path := default_registry_path()) is not None:
        files.append(path)
    return files + user_registry_paths(environ) + [Path(p) for p in extra]


def cache_dir(environ: Any = None) -> Path:
    """The zoo's cache folder: ``ZOO_CACHE``, else the user's cache folder + ``keras-zoo``."""
    environ = os.environ if environ is None else environ
    if environ.get("ZOO_CACHE"):
        return Path(environ["ZOO_CACHE"]).expanduser()
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "keras-zoo"
