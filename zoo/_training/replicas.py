"""What the workers of a multi-worker run share: the chief's backup, replica state, digests.

Only the chief writes the run folder; the other workers train from a copy of its backup
(the run folder's `seed_backup`), take the first replica's non-trainable state
(`share_first_replica_state`, see the function for why) and report a digest of their
final weights (`digests`).
"""

from __future__ import annotations

from typing import Any


def share_first_replica_state(model: Any, distribution: Any) -> None:
    """Give every replica and worker the first replica's non-trainable state.

    Keras 3 creates a layer's non-trainable variables (BatchNormalization's moving mean
    and variance) with ``aggregation="none"``, so under a ``tf.distribute`` strategy each
    replica updates its own copy from its own share of the batch, and the copies drift
    apart; a single process saves the first replica's. Copying the first replica's values
    (the chief's, in a multi-worker run) to all, with one all-gather, makes the evaluated,
    saved and digested model the same on every worker. Trainable weights are in sync
    already (TensorFlow all-reduces their gradients).
    """
    if distribution.num_replicas_in_sync < 2 or not model.non_trainable_weights:
        return
    import numpy as np
    import tensorflow as tf

    variables = list(model.non_trainable_weights)
    flat = np.concatenate([np.asarray(v.numpy(), np.float64).reshape(-1) for v in variables])
    value = tf.constant(flat[None])
    local = distribution.experimental_distribute_values_from_function(lambda context: value)
    first = distribution.gather(local, axis=0).numpy()[0]
    offset = 0
    for variable in variables:
        size = int(np.prod(variable.shape))
        part = first[offset : offset + size].reshape(variable.shape)
        variable.assign(part.astype(variable.dtype))
        offset += size


def weights_digest(model: Any) -> str:
    """sha256 of the model's weights (every variable, in order, as float bytes)."""
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for value in model.get_weights():
        digest.update(np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def digests(model: Any, distribution: Any) -> list[dict[str, Any]]:
    """``[{"task": "worker/0", "weights_sha256": ...}, ...]``, one per worker.

    Under a multi-worker strategy each worker's digest is all-gathered with the strategy's
    own collective, so the chief can record them all without a shared folder.
    """
    from zoo._training.keras_fix import is_multi_worker

    own = weights_digest(model)
    if not is_multi_worker(distribution):
        return [{"task": "local", "weights_sha256": own}]
    import numpy as np
    import tensorflow as tf

    resolver = distribution.cluster_resolver
    spec = resolver.cluster_spec().as_dict()
    tasks = [f"{job}/{i}" for job in ("chief", "worker") for i in range(len(spec.get(job, [])))]
    values = tf.constant(np.frombuffer(bytes.fromhex(own), np.uint8).astype(np.int32)[None])
    local = distribution.experimental_distribute_values_from_function(lambda context: values)
    gathered = distribution.gather(local, axis=0).numpy()
    per_worker = distribution.num_replicas_in_sync // len(tasks)
    return [
        {"task": task, "weights_sha256": bytes(gathered[i * per_worker].astype(np.uint8)).hex()}
        for i, task in enumerate(tasks)
    ]
