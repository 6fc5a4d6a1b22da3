"""How `zoo.fit` runs fastest on this machine without changing what it computes (private).

`choose` is called once by `zoo.fit` after the model is compiled and before it trains. It
applies what the zoo controls and returns the record that goes into ``run.json`` under
``"performance"``: for each setting its ``value``, who chose it (``"user"``, ``"zoo"``,
``"keras"``, ``"environment"`` or ``"tensorflow"``) and why. None of the choices changes
the precision: float32 stays float32, every step sees the same batch in the same order
(oneDNN's kernels, below, add in another order than Eigen's: round-off differs).

What was measured (``benchmarks/training_throughput.py``, ResNet-20 at batch 128 on an
AVX-512 CPU, and TensorFlow's profiler on its training step):

- XLA (``jit_compile=True``) trains at about 0.6x on CPUs, so ``jit="auto"`` keeps Keras'
  rule: XLA on accelerators, off on CPU-only machines and under ``tf.distribute``.
- Python runs once per *execution*, not once per step: ``steps_per_execution`` runs
  several steps in one ``tf.function`` call. It matters for small models (the
  digits-sized ResNet takes milliseconds a step), and costs nothing for large ones. The
  zoo picks the largest divisor of the steps per epoch up to `MAX_STEPS_PER_EXECUTION`,
  so an execution never runs into the next epoch's batches (a resumed run sees the same
  batches), and keeps 1 when a user callback acts per batch (Keras would call it only
  once per execution) or the epoch length is unknown. The trained model goes back to
  one step per call (`one_step_per_call`: Keras' ``predict`` unrolls its steps).
- oneDNN: TensorFlow turns its oneDNN kernels on by itself only on x86 CPUs with
  AVX-512 VNNI/BF16 or AMX, and uses its Eigen kernels elsewhere. On an AVX2 CPU
  (2 cores of an AMD EPYC) oneDNN trained ResNet-20 1.6x faster (139 -> 228 images/s)
  and doubled the float32 matmul rate, so `prefer_onednn` turns it on for x86-64 Linux
  before TensorFlow starts: ``import zoo`` does it when TensorFlow is not imported yet
  (the CLI, and a script or notebook that imports ``zoo`` before ``keras``). Both are
  float32 kernels; they differ in the order of additions (round-off), as TensorFlow's
  own choice differs between CPUs.
  ``TF_ENABLE_ONEDNN_OPTS=0`` (or 1) in the environment is the user's choice and wins.
- TensorFlow's thread pools (intra- and inter-op) are fixed when TensorFlow starts:
  recorded, never changed (``TF_NUM_INTRAOP_THREADS``/``TF_NUM_INTEROP_THREADS``).
- The rest of the step is convolutions and batch normalization
  (``benchmarks/step_profile.py``). Keras 3's batch normalization is about ten unfused
  ops on TensorFlow (30% of the op time on the AVX-512 CPU, 23% on the AVX2 one); the
  ResNets now train it with TensorFlow's fused kernel (`zoo_vision.fused_batch_norm`,
  the same results as Keras' layer): 11% of the op time, the step 1.3x faster. The
  zero-padding shortcut's strided slice, 5%, is a 1x1 max pool (`zoo_vision._residual`),
  bit for bit the same. What remains is the convolutions: over 80% of the op time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoo._base import onednn as _onednn
from zoo._base.onednn import ONEDNN

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits

#: The most steps one ``tf.function`` call runs (its divisor of the epoch is used).
MAX_STEPS_PER_EXECUTION = 32

#: Callback methods Keras calls once per execution instead of once per step.
BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
)


def choose(model: Any, splits: DataSplits, options: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the fastest settings that keep the results; return what was chosen, and why.

    Args:
        model: the compiled ``keras.Model`` about to train.
        splits: the `zoo.DataSplits` it trains on.
        options: ``jit`` (the user's ``"auto"``, True or False), ``steps_per_epoch``
            (None if unknown), ``callbacks`` (the user's Keras callbacks) and ``replicas``
            (of the tf.distribute strategy; default 1).

    Returns:
        ``{"backend", "jit", "steps_per_execution", "threading", "onednn"}``, JSON-ready.
    """
    import keras

    backend = keras.backend.backend()
    record: dict[str, Any] = {"backend": backend}
    record["jit"] = _jit(model, options.get("jit", "auto"))
    steps = _steps_per_execution(
        backend,
        options.get("steps_per_epoch"),
        options.get("callbacks", ()),
        options.get("replicas", 1),
    )
    model.steps_per_execution = steps["value"]
    record["steps_per_execution"] = steps
    if backend == "tensorflow":
        record["threading"] = threading()
        record["onednn"] = onednn()
    return record


def _jit(model: Any, asked: Any) -> dict[str, Any]:
    value = bool(model.jit_compile)
    if asked in (True, False):
        return {"value": value, "chosen_by": "user", "reason": f"jit={asked!r} was given"}
    return {
        "value": value,
        "chosen_by": "keras",
        "reason": "jit='auto': Keras turns XLA off on CPU-only machines and under "
        "tf.distribute (0.6x on CPU), on elsewhere",
    }


def _steps_per_execution(
    backend: str, steps_per_epoch: Any, callbacks: Any, replicas: int = 1
) -> dict[str, Any]:
    def kept(reason: str) -> dict[str, Any]:
        return {"value": 1, "chosen_by": "zoo", "reason": reason}

    if backend != "tensorflow":
        return kept(f"measured on TensorFlow only; Keras' default on {backend}")
    if replicas > 1:
        # Keras 3.15's multi-step loop feeds no value to its placeholders under
        # MultiWorkerMirroredStrategy ("You must feed a value for placeholder tensor").
        return kept(f"several steps per call fail under tf.distribute ({replicas} replicas)")
    if not steps_per_epoch:
        return kept("the steps per epoch are unknown, so an execution could cross epochs")
    per_batch = [type(c).__name__ for c in callbacks if _acts_per_batch(c)]
    if per_batch:
        return kept(f"the callbacks {per_batch} act per batch")
    value = largest_divisor(int(steps_per_epoch), MAX_STEPS_PER_EXECUTION)
    return {
        "value": value,
        "chosen_by": "zoo",
        "reason": f"the largest divisor of {steps_per_epoch} steps per epoch up to "
        f"{MAX_STEPS_PER_EXECUTION}: one Python call per {value} steps",
    }


def one_step_per_call(model: Any) -> None:
    """Put ``model`` back on Keras' default of one step per call, once training is done.

    Several steps per call pay off in ``fit`` and ``evaluate``, whose multi-step function
    is a ``tf.while_loop`` traced once. Keras' ``predict`` instead unrolls its steps in
    Python inside one traced function (``multi_step_on_data`` in Keras 3.15), so its first
    call traces the model once per step, and again for a shorter last execution: ResNet-110
    on digits took 15.1 s for its first ``predict`` at 12 steps per call against 3.1 s at
    one. The model `zoo.fit` returns is predicted with far more often than it is refitted,
    so it goes back to one step per call, with its cached functions dropped (Keras builds
    them again on first use; a cached multi-step function would run several steps where
    its loop counts one).
    """
    model.steps_per_execution = 1
    model.train_function = model.test_function = model.predict_function = None


def _acts_per_batch(callback: Any) -> bool:
    import keras

    base = keras.callbacks.Callback
    return any(
        getattr(type(callback), hook, None) is not getattr(base, hook) for hook in BATCH_HOOKS
    )


def largest_divisor(number: int, limit: int) -> int:
    """The largest divisor of ``number`` that is at most ``limit`` (1 for ``number`` < 1)."""
    return max((d for d in range(1, min(number, limit) + 1) if number % d == 0), default=1)


def threading() -> dict[str, Any]:
    """TensorFlow's intra- and inter-op thread counts in effect (0: one per core) and why."""
    import tensorflow as tf

    variables = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")
    given = {name: os.environ[name] for name in variables if name in os.environ}
    return {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "cores": os.cpu_count(),
        "chosen_by": "environment" if given else "tensorflow",
        "reason": f"set by {given}"
        if given
        else "TensorFlow's defaults (one thread per core), fixed when it starts",
    }


def onednn() -> dict[str, Any]:
    """Whether TensorFlow's oneDNN (MKL) kernels are on, and who decided."""
    import tensorflow as tf

    setting = os.environ.get(ONEDNN)
    try:
        from tensorflow.python.util import _pywrap_util_port

        enabled = bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        enabled = setting != "0" and "86" in (os.uname().machine or "")
    if _onednn.set_by_zoo:
        return {"value": enabled, "chosen_by": "zoo", "reason": _onednn.REASON}
    if setting is not None:
        return {"value": enabled, "chosen_by": "environment", "reason": f"{ONEDNN}={setting}"}
    reason = f"TensorFlow {tf.__version__}'s default on this CPU"
    if not enabled and _onednn.decides_here():
        reason += (
            " (TensorFlow was imported before the zoo could choose: set "
            f"{ONEDNN}=1 before importing it, 1.6x faster on an AVX2 CPU)"
        )
    return {"value": enabled, "chosen_by": "tensorflow", "reason": reason}


__all__ = [
    "MAX_STEPS_PER_EXECUTION",
    "ONEDNN",
    "choose",
    "largest_divisor",
    "onednn",
    "threading",
]
