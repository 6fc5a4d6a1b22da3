"""A narrow fix for Keras 3's ``fit`` under ``tf.distribute.MultiWorkerMirroredStrategy``.

Keras 3 (3.12 to 3.15 at least; keras-team/keras#20585) fails on every worker of a
multi-worker run, in ``keras/src/backend/tensorflow/trainer.py``:

1. ``TensorFlowTrainer._maybe_symbolic_build`` calls ``strategy.reduce("MEAN", batch)``
   on the whole nested ``(x, y)`` batch of distributed values, which a multi-worker
   strategy refuses: ``ValueError: Attempt to convert a value (PerReplica...)``. The
   build only needs the batch's shapes and dtypes.
2. Once past that, ``reduce_per_replica`` reduces each per-replica log with
   ``strategy.reduce("MEAN", value, axis=0)``, and the logs (loss, metric results) are
   scalars: ``Invalid reduction dimension 0 for input with 0 dimensions``. A scalar is
   averaged over the replicas with ``axis=None``.

`applied` fixes exactly these two, and only while `zoo.fit` trains, evaluates and
predicts under a multi-worker strategy, and only for the defects the installed Keras
still has: each is detected by running the Keras code itself on a tiny probe (never by
version string), so a Keras that fixes them switches the fix off. What is replaced, for
the duration only: the ``_maybe_symbolic_build`` attribute of the one model being
trained (an instance attribute, deleted afterwards; the class is untouched), and the
module-level ``reduce_per_replica`` that Keras' step functions call (a wrapper that
changes the scalar-under-multi-worker case and hands everything else to the original).
The model, its loss, metrics, optimizer and callbacks are not changed.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

# What the probes found in this process, per defect: True when the defect is present.
_FOUND: dict[str, bool] = {}


def is_multi_worker(strategy: Any) -> bool:
    """True for a MultiWorkerMirroredStrategy actually spanning several workers."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and bool(
        strategy.extended._in_multi_worker_mode()
    )


def defects(strategy: Any) -> dict[str, bool]:
    """``{"symbolic_build": bool, "scalar_logs": bool}``: which defects Keras has here.

    Runs two tiny probes under ``strategy`` (every worker must call this at the same
    point, as the probes may run collectives); the answers are kept for the process.
    """
    if not _FOUND:
        _FOUND["symbolic_build"] = _probe_symbolic_build(strategy)
        _FOUND["scalar_logs"] = _probe_scalar_logs(strategy)
    return dict(_FOUND)


@contextlib.contextmanager
def applied(model: Any, strategy: Any, *, enabled: bool = True) -> Iterator[dict[str, bool]]:
    """Fix the defects the installed Keras has while the block runs, then undo it.

    Yields what is applied (``{}`` when nothing is: another strategy, ``enabled=False``,
    or a Keras without the defects).
    """
    if not enabled or not is_multi_worker(strategy):
        yield {}
        return
    found = defects(strategy)
    from keras.src.backend.tensorflow import trainer as trainer_module

    original = trainer_module.reduce_per_replica
    patched_build = False
    try:
        if found["symbolic_build"] and "_maybe_symbolic_build" not in vars(model):
            model._maybe_symbolic_build = functools.partial(_symbolic_build, model)
            patched_build = True
        if found["scalar_logs"]:
            trainer_module.reduce_per_replica = functools.partial(_reduce_per_replica, original)
        yield {k: v for k, v in found.items() if v}
    finally:
        trainer_module.reduce_per_replica = original
        if patched_build:
            del model._maybe_symbolic_build


# === The fixed pieces ===


def _symbolic_build(model: Any, iterator: Any = None, data_batch: Any = None) -> None:
    """Keras' ``_maybe_symbolic_build`` without reducing the batch over the replicas.

    The batch's structure of shapes and dtypes is read from the distributed iterator's
    ``element_spec`` (one replica's share), so no batch is consumed for it.
    """
    if model._distribute_strategy is None:
        return
    if iterator is not None:
        for _, _, data_iterator in iterator:
            data_batch = _one_replica(data_iterator.element_spec)
            break
    with model.distribute_strategy.scope():
        model._symbolic_build(data_batch=data_batch)


def _one_replica(spec: Any) -> Any:
    import tensorflow as tf

    def first(value: Any) -> Any:
        specs = getattr(value, "_value_specs", None)  # PerReplicaSpec: one per local replica
        return specs[0] if specs else value

    return tf.nest.map_structure(first, spec)


def _reduce_per_replica(original: Any, values: Any, strategy: Any, reduction: str) -> Any:
    """Keras' ``reduce_per_replica``, with scalars averaged over the replicas (axis=None)."""
    import tensorflow as tf

    if reduction not in ("auto", "mean") or not is_multi_worker(strategy):
        return original(values, strategy, reduction)

    def reduce(value: Any) -> Any:
        local = strategy.experimental_local_results(value)[0]
        if getattr(local, "shape", None) is not None and local.shape.rank == 0:
            return strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
        return original(value, strategy, reduction)

    return tf.nest.map_structure(reduce, values)


# === Probes: run the Keras code on something tiny, see whether it fails ===


def _probe_symbolic_build(strategy: Any) -> bool:
    import keras
    import numpy as np
    import tensorflow as tf

    with strategy.scope():
        probe = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)], name="zoo_probe")
        probe.compile(optimizer="sgd", loss="mse")
    replicas = strategy.num_replicas_in_sync
    data = np.zeros((2 * replicas, 1), "float32")
    dataset = tf.data.Dataset.from_tensor_slices((data, data)).batch(2 * replicas)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(dataset.with_options(options))
    try:
        probe._maybe_symbolic_build(iterator=[(0, 0, iter(distributed))])
    except (ValueError, TypeError) as error:
        if "PerReplica" in str(error) or "DistributedValues" in str(error):
            return True
        raise
    return False


def _probe_scalar_logs(strategy: Any) -> bool:
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer as trainer_module

    @tf.function
    def step() -> Any:  # as Keras' step functions run it: traced, not eager
        values = strategy.run(lambda: {"loss": tf.constant(1.0)})
        return trainer_module.reduce_per_replica(values, strategy, "auto")

    try:
        step()
    except (ValueError, tf.errors.InvalidArgumentError) as error:
        if "dimension" in str(error) or "reduction" in str(error).lower():
            return True
        raise
    return False


__all__ = ["applied", "defects", "is_multi_worker"]
