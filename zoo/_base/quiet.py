"""Keeping TensorFlow's C++ log lines off a command's stderr.

TensorFlow 2.21 writes some lines (``oneDNN custom operations are on``, ``Could not
find cuda drivers``) while its shared library loads, before absl's logging reads
``TF_CPP_MIN_LOG_LEVEL``; TFLite prints ``Created TensorFlow Lite XNNPACK delegate``
through a logger of its own. The command line (`quiet_tensorflow`) therefore sets the
log level before TensorFlow is first imported and points file descriptor 2 at a
temporary file around that first import (and around a TFLite interpreter's start),
then writes back every captured line that is not such a log line. ``ZOO_DEBUG=1``
(or ``python -m zoo -v``) leaves everything as TensorFlow prints it.

Importing this module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from importlib.abc import Loader

#: A C++ log line of TensorFlow/absl (``I0000 00:00:1796180337.932905    5093 port.cc:153] ...``),
#: absl's note that it is not initialised yet, TFLite's delegate notice, or the TFLite
#: quantizer's settings line (``fully_quantize: 0, inference_type: 6, ...``).
NATIVE_LOG_LINE = re.compile(
    r"(?:[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|INFO: Created TensorFlow Lite \w+ delegate"
    r"|fully_quantize: \d+, inference_type: \d+, input_inference_type: \w+)"
)

_enabled = False
#: True while the quiet mode is `quiet_for_library`'s, which set ``TF_CPP_MIN_LOG_LEVEL``.
_by_library = False
LOG_LEVEL = "TF_CPP_MIN_LOG_LEVEL"


def debug_requested(environ: Any = None) -> bool:
    """Whether ``ZOO_DEBUG`` asks for TensorFlow's own logs (and tracebacks)."""
    value = (os.environ if environ is None else environ).get("ZOO_DEBUG", "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")


@contextlib.contextmanager
def native_logs_filtered() -> Iterator[None]:
    """Capture file descriptor 2 for the block; write back what is not a native log line.

    Does nothing unless `quiet_tensorflow` turned quiet mode on (the command line does,
    and ``import zoo`` through `quiet_for_library` when the user chose no log level).
    """
    if not _enabled:
        yield
        return
    import tempfile  # not at module level: every command imports this module

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", errors="replace")
            kept = [line for line in text.splitlines(True) if not NATIVE_LOG_LINE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


# The two classes below follow the import protocol without deriving from importlib.abc,
# whose import (importlib.resources with it) would cost every command a few milliseconds.
class _QuietLoader:
    """Runs the real loader of ``tensorflow`` inside `native_logs_filtered`."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        with native_logs_filtered():
            self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _FirstTensorFlowImport:
    """Finds ``tensorflow`` once, through the normal finders, with a quiet loader."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "tensorflow":
            return None
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            # The quiet loader follows the loader protocol without deriving from
            # importlib.abc.Loader (see above), which the annotation names.
            spec.loader = cast("Loader", _QuietLoader(spec.loader))
        return spec


def quiet_tensorflow(debug: bool = False) -> None:
    """Keep TensorFlow's C++ logs off stderr for the rest of this process (the CLI's choice).

    With ``debug`` (or ``ZOO_DEBUG=1``) nothing is changed. Otherwise
    ``TF_CPP_MIN_LOG_LEVEL`` defaults to 3 (a user's own value wins) and the first
    import of TensorFlow, wherever it happens, runs with stderr filtered.
    """
    global _enabled
    if debug or debug_requested():
        _undo_library_quiet()
        return
    os.environ.setdefault(LOG_LEVEL, "3")
    _enabled = True
    if "tensorflow" not in sys.modules and not any(
        isinstance(f, _FirstTensorFlowImport) for f in sys.meta_path
    ):
        sys.meta_path.insert(0, _FirstTensorFlowImport())


def quiet_for_library() -> bool:
    """``import zoo``: the command line's quiet mode for a Python user too (True if set).

    When zoo (or anything after ``import zoo``) first imports TensorFlow, its C++ log lines
    (oneDNN notices, CUDA ``E0000`` lines) stay off stderr, as `quiet_tensorflow` keeps
    them off a command's. Nothing changes if TensorFlow is already imported, the user set
    ``TF_CPP_MIN_LOG_LEVEL`` (their choice wins) or ``ZOO_DEBUG=1``; a later
    ``quiet_tensorflow(debug=True)`` (``python -m zoo -v``) undoes it.
    """
    global _by_library
    if "tensorflow" in sys.modules or LOG_LEVEL in os.environ or debug_requested() or _enabled:
        return False
    quiet_tensorflow()
    _by_library = True
    return True


def _undo_library_quiet() -> None:
    """Take back `quiet_for_library`'s quiet mode (before TensorFlow is imported)."""
    global _enabled, _by_library
    if not _by_library:
        return
    _by_library = _enabled = False
    if os.environ.get(LOG_LEVEL) == "3":
        del os.environ[LOG_LEVEL]
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _FirstTensorFlowImport)]
