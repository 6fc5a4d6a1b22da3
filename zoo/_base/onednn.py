"""TensorFlow's oneDNN kernels, chosen before TensorFlow starts (private).

TensorFlow turns its oneDNN kernels on by itself only on x86 CPUs with AVX-512
VNNI/BF16 or AMX, and uses its Eigen kernels elsewhere; it reads
``TF_ENABLE_ONEDNN_OPTS`` once, when it starts. On an AVX2 CPU oneDNN trained ResNet-20
1.6x faster (``benchmarks/training_throughput.py``), so ``import zoo`` calls
`prefer_onednn`. ``zoo._training.performance.onednn`` records the outcome in ``run.json``.
This module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

ONEDNN = "TF_ENABLE_ONEDNN_OPTS"
REASON = (
    "TensorFlow turns oneDNN on by itself only on CPUs with AVX-512 VNNI/BF16 or AMX; "
    "the zoo turns it on for every x86-64 Linux CPU before TensorFlow starts (1.6x "
    "training throughput measured on an AVX2 CPU). Set TF_ENABLE_ONEDNN_OPTS=0 to keep "
    "TensorFlow's own choice"
)
#: True once `prefer_onednn` set the variable in this process's environment.
set_by_zoo = False


def decides_here() -> bool:
    """True where the zoo makes the choice: x86-64 Linux, whose TensorFlow wheels carry oneDNN."""
    return sys.platform.startswith("linux") and os.uname().machine == "x86_64"


def prefer_onednn(environ: MutableMapping[str, str] | None = None) -> bool:
    """Turn TensorFlow's oneDNN kernels on for this process if nobody has decided yet.

    Only where `decides_here`, only before TensorFlow is imported, and only when
    ``TF_ENABLE_ONEDNN_OPTS`` is not set: the user's value always wins. Returns True if it
    set the variable.
    """
    global set_by_zoo
    environ = os.environ if environ is None else environ
    if ONEDNN in environ or "tensorflow" in sys.modules:
        return False
    if not decides_here():
        return False
    environ[ONEDNN] = "1"
    set_by_zoo = set_by_zoo or environ is os.environ
    return True
