"""The per-epoch pipeline: each epoch's batches shuffled by a seed of its own.

Seeding each epoch's shuffle with ``(seed, epoch)`` makes the batches of epoch k the
same whether a run got there in one go or was resumed (`zoo.fit`), and lets a tuner
trial start at any epoch (`zoo.hypermodel`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits


def steps_per_epoch(splits: DataSplits, batch_size: int) -> int | None:
    """The training steps of one epoch at ``batch_size`` (None: unknown, a dataset as given)."""
    size = splits.info.sizes.get("train")
    if size:
        return math.ceil(size / batch_size)
    cardinality = int(splits.train.cardinality())
    return cardinality if cardinality > 0 else None


def epoch_pipeline(splits: DataSplits, batch_size: int, seed: int, first: int, epochs: int) -> Any:
    """The training batches of epochs ``first`` .. ``epochs - 1``, each shuffled by its seed.

    Data without its examples in order (a ``tf.data.Dataset`` given as is) is used as given.
    """
    import tensorflow as tf

    stored = splits.examples.get("train") if hasattr(splits, "examples") else None
    if stored is None:
        return splits.train
    if isinstance(stored, tuple):
        dataset = _from_arrays(stored, batch_size, seed, first, epochs)
    else:
        dataset = _from_dataset(stored, splits, batch_size, seed, first, epochs)
    wanted = splits.train.element_spec[1]
    if isinstance(wanted, Mapping) and not isinstance(dataset.element_spec[1], Mapping):
        # The source spreads one label over several named outputs (zoo.DataSplits docs).
        names = list(wanted)
        dataset = dataset.map(lambda x, y: (x, {name: y for name in names}))
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(splits.train.options())


def _from_arrays(
    stored: tuple[Any, Any], batch_size: int, seed: int, first: int, epochs: int
) -> Any:
    import tensorflow as tf

    x, y = stored
    x = {k: tf.constant(v) for k, v in x.items()} if isinstance(x, Mapping) else tf.constant(x)
    y = tf.constant(y)
    size = int(y.shape[0])

    def epoch(index: Any) -> Any:
        order = tf.random.experimental.stateless_shuffle(
            tf.range(size, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), index])
        )
        take = functools.partial(tf.gather, indices=order)
        return tf.data.Dataset.from_tensor_slices((tf.nest.map_structure(take, x), take(y))).batch(
            batch_size
        )

    return tf.data.Dataset.range(first, epochs).flat_map(epoch)


def _from_dataset(
    stored: Any, splits: DataSplits, batch_size: int, seed: int, first: int, epochs: int
) -> Any:
    import tensorflow as tf

    size = splits.info.sizes.get("train") or int(stored.cardinality())
    steps = math.ceil(size / batch_size)
    per_epoch = [
        stored.shuffle(size, seed=seed * 100_003 + e, reshuffle_each_iteration=False).batch(
            batch_size
        )
        for e in range(first, epochs)
    ]
    choice = tf.data.Dataset.range(len(per_epoch)).flat_map(
        lambda i: tf.data.Dataset.from_tensors(i).repeat(steps)
    )
    return tf.data.Dataset.choose_from_datasets(per_epoch, choice)


__all__ = ["epoch_pipeline", "steps_per_epoch"]
