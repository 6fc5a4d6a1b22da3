"""The plugin's demo SavedModel: a tiny dense encoder, written on demand.

The conformance kit and the docstring examples need a SavedModel on disk, and nothing
may be downloaded. This module writes one, deterministically (fixed weights), to the
path `zoo_hub.demo_handle()` returns, inside a folder private to the current user.

The demo handle is trusted without an allowlist entry (`zoo_hub.trust`), because its
content is written by this code. That holds only if nobody else can write there, so
the folder must be owned by the current user and not writable by group or others;
otherwise `DemoFolderError` is raised and nothing is loaded from it.

Only the standard library is imported at module level: ``zoo_hub.trust`` imports this
module without pulling in TensorFlow.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import zoo
from zoo_hub import demo_handle

#: Input width and output width of the demo encoder.
INPUT_DIM = 4
OUTPUT_DIM = 3


class DemoFolderError(zoo.ZooError, ValueError):
    """The demo SavedModel's folder is not private to the current user."""


def is_demo_handle(handle: str) -> bool:
    """Whether ``handle`` names the demo SavedModel's path."""
    return os.path.realpath(handle) == os.path.realpath(demo_handle())


def check_private_folder(folder: Path) -> None:
    """Raise DemoFolderError unless ``folder`` is owned by us and closed to others."""
    info = folder.lstat()
    problems = []
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        problems.append("it is not a plain directory")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        problems.append(f"it is owned by uid {info.st_uid}, not by you (uid {os.getuid()})")
    if hasattr(os, "getuid") and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problems.append(f"group or others may write to it (mode {stat.S_IMODE(info.st_mode):o})")
    if problems:
        raise DemoFolderError(
            "The demo SavedModel's folder must be a directory private to the current user. "
            f"Received: {str(folder)!r}, but {'; '.join(problems)}. Remove that folder (or "
            "point TMPDIR elsewhere) and try again."
        )


def ensure_demo_saved_model() -> str:
    """Write the demo SavedModel if it is missing; return its path (the demo handle)."""
    target = Path(demo_handle())
    folder = target.parent
    folder.mkdir(mode=0o700, exist_ok=True)
    check_private_folder(folder)
    if (target / "saved_model.pb").is_file():
        return str(target)
    if target.exists():  # left over from an interrupted manual copy: start again
        shutil.rmtree(target)
    staging = tempfile.mkdtemp(prefix=".writing-", dir=folder)
    try:
        _write(staging)
        try:
            os.rename(staging, target)  # atomic: readers see all of it or nothing
        except OSError:
            if not (target / "saved_model.pb").is_file():  # not a concurrent writer's win
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return str(target)


def _write(path: str) -> None:
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((INPUT_DIM, OUTPUT_DIM)).astype("float32") / 2
    bias = rng.standard_normal((OUTPUT_DIM,)).astype("float32") / 10
    spec = tf.TensorSpec([None, INPUT_DIM], tf.float32, name="features")

    class DemoEncoder(tf.Module):
        """tanh(x W + b); the "encode" signature also returns the row norms."""

        def __init__(self) -> None:
            super().__init__(name="demo_encoder")
            self.kernel = tf.Variable(kernel, name="kernel")
            self.bias = tf.Variable(bias, name="bias")

        @tf.function(input_signature=[spec])
        def __call__(self, features):
            return tf.tanh(tf.matmul(features, self.kernel) + self.bias)

        @tf.function(input_signature=[spec])
        def encode(self, features):
            embedding = self(features)
            return {"embedding": embedding, "norm": tf.norm(embedding, axis=-1, keepdims=True)}

    module = DemoEncoder()
    tf.saved_model.save(
        module, path, signatures={"serving_default": module.__call__, "encode": module.encode}
    )
