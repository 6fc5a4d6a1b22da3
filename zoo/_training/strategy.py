"""Choosing the ``tf.distribute`` strategy a run trains under.

``"auto"`` and ``"default"`` give TensorFlow's default strategy (one device, one
process). The distributed strategies are chosen here too (see docs/distributed.md when
they are installed); a name this module does not know is a ZooError.
"""

from __future__ import annotations

from typing import Any

from zoo._errors import ArgumentError, did_you_mean

STRATEGIES = ("auto", "default")


def resolve_strategy(strategy: Any = "auto", devices: int | None = None) -> Any:
    """A ``tf.distribute.Strategy`` for ``strategy`` (a name or a Strategy object)."""
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy not in STRATEGIES:
        raise ArgumentError(
            f"strategy is one of {', '.join(STRATEGIES)} or a tf.distribute.Strategy. "
            f"Received: strategy={strategy!r}.{did_you_mean(str(strategy), STRATEGIES)}"
        )
    if devices is not None:
        raise ArgumentError(
            "devices splits the machine for a multi-device strategy. Received: "
            f"devices={devices!r} with strategy={strategy!r}. Drop devices."
        )
    return tf.distribute.get_strategy()


def describe(strategy: Any) -> dict[str, Any]:
    """``{"name": ..., "replicas": n, "workers": n}`` for run.json."""
    import tensorflow as tf

    name = "default"
    if not isinstance(strategy, type(tf.distribute.get_strategy())):
        name = type(strategy).__name__
    workers = 1
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None:
        spec = resolver.cluster_spec().as_dict()
        workers = max(1, len(spec.get("worker", [])) + len(spec.get("chief", [])))
    return {"name": name, "replicas": strategy.num_replicas_in_sync, "workers": workers}
