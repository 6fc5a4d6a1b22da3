"""Declared presets: downloaded once into the cache, checked against their sha256.

A plugin declares a preset as a spec of kind ``preset`` whose `zoo.PresetSource` names
a ``file://``, ``http://`` or ``https://`` URL and the file's sha256. On first use the
file is streamed (urllib, each socket operation bounded by ``ZOO_FETCH_TIMEOUT``
seconds, 30 by default; at most ``ZOO_FETCH_MAX_BYTES``, 2 GiB by default) into a
hidden file in the cache while it is hashed; only a file whose hash matches is renamed
into place, so nothing unchecked is ever loaded. Later uses find the cached file, check
its hash again, and make no request.

The cache is ``ZOO_CACHE`` if set, else ``$XDG_CACHE_HOME/keras-zoo`` (default
``~/.cache/keras-zoo``); presets live under ``presets/<plugin>/``.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from zoo._base.errors import ZooError
from zoo._base.places import cache_dir
from zoo._presets.folder import sha256_of

if TYPE_CHECKING:
    from zoo._specs.component import ComponentSpec, PresetSource

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 2 << 30


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ZooError(
            f"{name} is a positive number. Received: {name}={raw!r}. Unset it or give one, "
            "for example 30."
        )
    return value


def declared_source(spec: ComponentSpec) -> PresetSource:
    """Where the preset ``spec`` (a spec of kind ``preset``) says its file lives."""
    if spec.preset is None:
        raise ZooError(
            "A declared preset is a spec of kind 'preset' with preset={builder, url, sha256}. "
            f"Received: {spec.id!r}, a {spec.kind}. Name a preset "
            "(`python -m zoo list --kind preset`)."
        )
    return spec.preset


def cached_path(spec: ComponentSpec) -> Path:
    """Where the cache keeps the file of the declared preset ``spec``."""
    digest = declared_source(spec).sha256
    return cache_dir() / "presets" / spec.plugin / f"{spec.name}-{digest[:16]}.keras"


def fetch(spec: ComponentSpec) -> Path:
    """The checked local file of a declared preset, downloaded on first use."""
    preset = declared_source(spec)
    target = cached_path(spec)
    if target.is_file():
        if sha256_of(target) == preset.sha256:
            return target
        target.unlink()  # damaged in the cache: download it again
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ZooError(
            f"The preset cache must be writable. Received: {str(target.parent)!r}: {error}. "
            "Set ZOO_CACHE to a writable folder."
        ) from None
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    try:
        digest = _download(spec, partial)
        if digest != preset.sha256:
            raise ZooError(
                f"A preset's file must have the sha256 its spec declares. Received: "
                f"{digest} from {preset.url} for {spec.id}, which declares {preset.sha256}. "
                "The file changed or is not the one meant: nothing was loaded or cached; "
                "ask the plugin's author for the right file or hash."
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _download(spec: ComponentSpec, partial: Path) -> str:
    url = declared_source(spec).url
    timeout = _number("ZOO_FETCH_TIMEOUT", DEFAULT_TIMEOUT)
    limit = int(_number("ZOO_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES))
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise ZooError(
                        f"A preset's file is at most ZOO_FETCH_MAX_BYTES={limit} bytes. "
                        f"Received: more from {url} for {spec.id}. Raise the limit if the "
                        "file is meant to be that large."
                    )
                digest.update(chunk)
                out.write(chunk)
    except ZooError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        if isinstance(error, urllib.error.HTTPError):
            reason = f"HTTP Error {error.code}: {error.reason}"
        raise ZooError(
            f"A declared preset is fetched from its url. Received: {url} for {spec.id} "
            f"failed (timeout {timeout:g} s): {type(error).__name__}: {reason}. Check the "
            f"address and the network, or copy the file to {str(cached_path(spec))!r}."
        ) from None
    return digest.hexdigest()
