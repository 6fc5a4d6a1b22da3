"""Which TF Hub handles a saved model may load: the trust policy of `HubLayer`.

Loading a SavedModel runs its TensorFlow graph, which can read and write files. Keras'
``safe_mode`` refuses such artifacts when it deserializes a model (``TFSMLayer`` is
refused since Keras 3.14); `HubLayer` follows the same spirit, with an allowlist. When
a HubLayer is rebuilt from a config (``keras.saving.load_model``, ``from_config``,
``model_from_json``, ``clone_model``) its handle must be trusted, that is:

- listed in the environment variable ``ZOO_HUB_TRUSTED_HANDLES`` (comma-separated);
- listed in ``trusted_handles`` of the ``[settings.hub]`` table of a registry file
  (read with ``zoo.plugin_settings("hub")``);
- passed to the `trusted_handles` context manager around the load;
- the plugin's own demo SavedModel (`zoo_hub.demo_handle()`), which this code writes;
- or Keras' unsafe deserialization is on: ``safe_mode=False`` passed to the loading
  function, or ``keras.config.enable_unsafe_deserialization()``.

Handles compare after normalization: a local path by its real absolute path (so
``/models/enc/`` and ``/models/x/../enc`` are the same handle, and a symbolic link
is trusted only if its target is), a URL (anything with ``://``) as written, without
a trailing slash. A trusted entry names one handle, never a folder of handles.

Constructing a `HubLayer` in code needs no trust: the code chose the handle.

This module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from typing import Any

import zoo

__all__ = [
    "ENV_VAR",
    "UntrustedHandleError",
    "check_trusted",
    "is_trusted",
    "normalize_handle",
    "trusted_handles",
]

#: The environment variable holding trusted handles, separated by commas.
ENV_VAR = "ZOO_HUB_TRUSTED_HANDLES"

_SCOPED: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "zoo_hub_trusted_handles", default=()
)


class UntrustedHandleError(zoo.ZooError, ValueError):
    """A saved model references a TF Hub handle that is not trusted."""


def normalize_handle(handle: str | os.PathLike[str]) -> str:
    """The form handles are compared in: a real absolute path, or a URL without trailing '/'."""
    text = os.fspath(handle)
    if "://" in text:
        return text.rstrip("/")
    return os.path.realpath(text)


@contextlib.contextmanager
def trusted_handles(*handles: str | os.PathLike[str]) -> Iterator[None]:
    """Trust ``handles`` while the block runs (in this thread or task only).

    Example:

    ```python
    with trusted_handles("/models/text_encoder"):
        model = keras.saving.load_model("classifier.keras")
    ```
    """
    for handle in handles:
        if not isinstance(handle, (str, os.PathLike)) or not os.fspath(handle):
            raise UntrustedHandleError(
                "trusted_handles takes handles: paths or URLs. "
                f"Received: {handle!r}. Pass strings such as '/models/encoder'."
            )
    token = _SCOPED.set(_SCOPED.get() + tuple(os.fspath(h) for h in handles))
    try:
        yield
    finally:
        _SCOPED.reset(token)


def _settings_handles() -> list[str]:
    value: Any = zoo.plugin_settings("hub").get("trusted_handles", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        files = ", ".join(str(p) for p in zoo.registry_files()) or "(no registry file)"
        raise zoo.ZooError(
            "[settings.hub] trusted_handles is a list of handles (paths or URLs). "
            f"Received: trusted_handles={value!r} in {files}. "
            "Write it as trusted_handles = ['/models/encoder']."
        )
    return value


def _allowlist() -> list[str]:
    from_env = [h.strip() for h in os.environ.get(ENV_VAR, "").split(",") if h.strip()]
    return [*_SCOPED.get(), *from_env, *_settings_handles()]


def is_trusted(handle: str | os.PathLike[str]) -> bool:
    """Whether ``handle`` is on an allowlist or is the plugin's own demo SavedModel."""
    from zoo_hub import _demo

    wanted = normalize_handle(handle)
    if any(normalize_handle(h) == wanted for h in _allowlist()):
        return True
    if _demo.is_demo_handle(os.fspath(handle)):
        _demo.ensure_demo_saved_model()  # raises if its folder is not private to us
        return True
    return False


def check_trusted(handle: str | os.PathLike[str], safe_mode: bool | None) -> None:
    """Raise UntrustedHandleError unless ``safe_mode is False`` or ``handle`` is trusted.

    ``safe_mode`` is Keras' current setting while deserializing; ``None`` (outside any
    Keras loading function) counts as safe, as it does for ``keras.layers.TFSMLayer``.
    """
    if safe_mode is False or is_trusted(handle):
        return
    text = os.fspath(handle)
    raise UntrustedHandleError(
        "A saved HubLayer loads its TF Hub handle only if the handle is trusted: loading "
        "a SavedModel runs its TensorFlow graph, which can read and write files. "
        f"Received: handle={text!r}, which is not trusted. If you trust it, do one of: "
        f"set the environment variable {ENV_VAR}={text!r} (comma-separated list); "
        f"add trusted_handles = [{text!r}] to the [settings.hub] table of a registry "
        "file (ZOO_REGISTRY); load inside "
        f"`with zoo_hub.trust.trusted_handles({text!r}):`; or, if you trust the whole "
        "file, pass safe_mode=False to keras.saving.load_model (or call "
        "keras.config.enable_unsafe_deserialization())."
    )
