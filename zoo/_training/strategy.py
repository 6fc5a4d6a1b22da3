"""Choosing the ``tf.distribute`` strategy a run trains under (docs/distributed.md).

- ``"default"``: TensorFlow's default strategy, one device, one process.
- ``"mirrored"``: ``tf.distribute.MirroredStrategy`` over the local GPUs (the first
  ``devices`` of them), or, on a machine without GPUs, over ``devices`` logical CPU
  devices that the CPU is split into (which must happen before TensorFlow sets up its
  devices in the process).
- ``"multi-worker"``: ``tf.distribute.MultiWorkerMirroredStrategy`` over the cluster that
  ``TF_CONFIG`` describes, as TensorFlow documents it (one process per host, the same
  command on each). A worker first waits, bounded, for the chief to listen; a task
  whose cluster does not come together within the wait ends with a ZooError sentence.
- ``"auto"``: multi-worker when ``TF_CONFIG`` names more than one task, mirrored when
  there are several GPUs or ``devices`` is given, the default strategy otherwise.

``ZOO_CONNECT_TIMEOUT`` (seconds, default 120) bounds the waits for the cluster.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from zoo._base.errors import ArgumentError, ZooError, did_you_mean

STRATEGIES = ("auto", "default", "mirrored", "multi-worker")
JOBS = ("chief", "worker")
CONNECT_TIMEOUT = 120.0


class ClusterError(ZooError):
    """TF_CONFIG does not describe a usable cluster, or the cluster did not come together."""


def resolve_strategy(strategy: Any = "auto", devices: int | None = None) -> Any:
    """A ``tf.distribute.Strategy`` for ``strategy`` (a name or a Strategy object).

    Args:
        strategy: ``"auto"``, ``"default"``, ``"mirrored"``, ``"multi-worker"`` or a
            ``tf.distribute.Strategy``.
        devices: mirrored only: how many local devices (GPUs, or logical CPU devices
            on a machine without GPUs). Default: every GPU, or one CPU device.
    """
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.Strategy):
        if devices is not None:
            raise ArgumentError(
                "devices chooses the devices of a strategy the zoo creates. Received: "
                f"devices={devices!r} with a {type(strategy).__name__} object. Drop devices."
            )
        return strategy
    if strategy not in STRATEGIES:
        raise ArgumentError(
            f"strategy is one of {', '.join(STRATEGIES)} or a tf.distribute.Strategy. "
            f"Received: strategy={strategy!r}.{did_you_mean(str(strategy), STRATEGIES)}"
        )
    if devices is not None and (isinstance(devices, bool) or not isinstance(devices, int)):
        raise ArgumentError(f"devices is a positive integer. Received: devices={devices!r}.")
    if devices is not None and devices < 1:
        raise ArgumentError(f"devices is a positive integer. Received: devices={devices!r}.")
    if strategy == "auto":
        strategy = _automatic(devices)
    if strategy in ("default", "multi-worker") and devices is not None:
        raise ArgumentError(
            "devices splits the machine for the mirrored strategy. Received: "
            f"devices={devices!r} with strategy={strategy!r}. Drop devices, or use "
            "strategy='mirrored'."
        )
    if strategy == "default":
        return tf.distribute.get_strategy()
    if strategy == "mirrored":
        return tf.distribute.MirroredStrategy(devices=local_devices(devices))
    return multi_worker()


def _automatic(devices: int | None) -> str:
    import tensorflow as tf

    config = os.environ.get("TF_CONFIG")
    if config:
        cluster = read_tf_config(config)["cluster"]
        if sum(len(cluster.get(job, [])) for job in JOBS) > 1:
            return "multi-worker"
    if devices is not None or len(tf.config.list_physical_devices("GPU")) > 1:
        return "mirrored"
    return "default"


# === Mirrored: local devices ===


def local_devices(devices: int | None) -> list[str]:
    """The device names of a MirroredStrategy: GPUs, or ``devices`` logical CPUs."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if devices is not None and devices > len(gpus):
            raise ArgumentError(
                f"devices is at most the number of GPUs here. Received: devices={devices} "
                f"on a machine with {len(gpus)}. Use devices={len(gpus)} or fewer."
            )
        return [f"/gpu:{i}" for i in range(devices or len(gpus))]
    count = devices or 1
    split_cpu(count)
    return [f"/cpu:{i}" for i in range(count)]


def split_cpu(count: int) -> None:
    """Split the CPU into ``count`` logical devices, before TensorFlow sets up its devices."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if len(current or [None]) == count:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        existing = len(tf.config.list_logical_devices("CPU"))
        if existing == count:
            return
        raise ZooError(
            f"Splitting the CPU into {count} devices must come before TensorFlow sets up "
            f"its devices in this process. Received: devices={count} after TensorFlow "
            f"already made {existing} CPU device(s) (a model or tensor was created first). "
            "Make the mirrored zoo.fit the first TensorFlow work of a fresh process, or "
            "restart the kernel."
        ) from None


# === Multi-worker: TF_CONFIG ===


def read_tf_config(text: str | None = None) -> dict[str, Any]:
    """``TF_CONFIG`` parsed and checked: ``{"cluster": {...}, "task": {...}}``."""
    if text is None:
        text = os.environ.get("TF_CONFIG")
    if not text:
        raise ClusterError(
            "The multi-worker strategy reads the cluster from TF_CONFIG. Received: "
            "TF_CONFIG is not set. Set it on each host (docs/distributed.md), or pass "
            "--workers N to try N local workers."
        )
    shown = text if len(text) <= 120 else text[:117] + "..."
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ClusterError(
            'TF_CONFIG is JSON: {"cluster": {"worker": ["host:port", ...]}, "task": '
            f'{{"type": "worker", "index": 0}}}}. Received: {shown!r} ({error}). Fix '
            "the JSON (docs/distributed.md)."
        ) from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not any(cluster.get(job) for job in JOBS):
        raise ClusterError(
            'TF_CONFIG\'s cluster lists the tasks by job: {"worker": ["host:port", ...]} '
            f'and at most one "chief". Received: {shown!r}. List the workers\' addresses.'
        )
    unknown = sorted(set(cluster) - {*JOBS, "evaluator"})
    if unknown:
        raise ClusterError(
            "A multi-worker cluster has the jobs chief and worker (and evaluator). "
            f"Received: {unknown} in TF_CONFIG. Remove them (parameter servers are "
            "another strategy)."
        )
    for job, addresses in cluster.items():
        if not isinstance(addresses, list) or not all(_address(a) for a in addresses):
            raise ClusterError(
                f'Each job of TF_CONFIG lists addresses as "host:port". Received: '
                f'{job}={addresses!r}. Write each as "10.0.0.1:12345".'
            )
    if len(cluster.get("chief", [])) > 1:
        raise ClusterError(
            f"A cluster has at most one chief. Received: chief={cluster['chief']!r}. Keep one."
        )
    task = config.get("task")
    kind = task.get("type") if isinstance(task, dict) else None
    index = task.get("index") if isinstance(task, dict) else None
    if kind not in cluster or isinstance(index, bool) or not isinstance(index, int):
        raise ClusterError(
            "TF_CONFIG's task names this process: {\"type\": one of the cluster's jobs, "
            f'"index": its position}}. Received: task={task!r} for jobs {sorted(cluster)}. '
            "Set the task of each host."
        )
    if not 0 <= index < len(cluster[kind]):
        raise ClusterError(
            f"TF_CONFIG's task index is a position in its job's list. Received: {kind} "
            f"index {index} of {len(cluster[kind])}. Use 0 to {len(cluster[kind]) - 1}."
        )
    return {"cluster": cluster, "task": {"type": kind, "index": index}}


def _address(value: Any) -> bool:
    if not isinstance(value, str) or ":" not in value:
        return False
    host, _, port = value.rpartition(":")
    return bool(host) and port.isdigit() and 0 < int(port) < 65536


def chief_address(config: Mapping[str, Any]) -> tuple[str, bool]:
    """The chief's address and whether this task is the chief (worker 0 without a chief)."""
    cluster, task = config["cluster"], config["task"]
    if cluster.get("chief"):
        return cluster["chief"][0], task["type"] == "chief"
    return cluster["worker"][0], task["type"] == "worker" and task["index"] == 0


def connect_timeout() -> float:
    text = os.environ.get("ZOO_CONNECT_TIMEOUT")
    if not text:
        return CONNECT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ArgumentError(
            f"ZOO_CONNECT_TIMEOUT is a positive number of seconds. Received: {text!r}. "
            "Unset it for the default (120)."
        )
    return value


def wait_for(address: str, timeout: float, what: str) -> None:
    """Wait until ``address`` accepts a TCP connection, at most ``timeout`` seconds."""
    host, _, port = address.rpartition(":")
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=1.0):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise ClusterError(
                    f"A worker waits at most {timeout:g} s for {what} to listen. Received: "
                    f"no answer from {what} at {address}. Start it, check the address and "
                    "port in TF_CONFIG, or raise ZOO_CONNECT_TIMEOUT."
                ) from None
            time.sleep(0.5)


def multi_worker() -> Any:
    """A MultiWorkerMirroredStrategy for the TF_CONFIG cluster, or a ZooError, bounded.

    A worker first waits for the chief's port. Then every task blocks in TensorFlow until
    the whole cluster has registered, which TensorFlow does not bound: a watchdog ends
    the process with the ZooError sentence if that takes longer than the wait.
    """
    import tensorflow as tf

    config = read_tf_config()
    timeout = connect_timeout()
    chief, is_chief = chief_address(config)
    if not is_chief:
        wait_for(chief, timeout, "the chief")
    me = config["cluster"][config["task"]["type"]][config["task"]["index"]]
    others = [a for job in JOBS for a in config["cluster"].get(job, []) if a not in (me, chief)]
    done = threading.Event()

    def watchdog() -> None:
        if done.wait(timeout):
            return
        silent = [a for a in [chief, *others] if a != me and not _listens(a)]
        message = (
            f"Every task of a multi-worker cluster joins within {timeout:g} s. Received: "
            f"no answer from {', '.join(silent) or 'a task'} (this is {me}). Start every "
            "task of TF_CONFIG, check their addresses, or raise ZOO_CONNECT_TIMEOUT."
        )
        print(f"error: {message}", file=sys.stderr, flush=True)
        os._exit(3)

    thread = threading.Thread(target=watchdog, name="zoo-cluster-watchdog", daemon=True)
    thread.start()
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    finally:
        done.set()


def _listens(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


# === What run.json records ===


def describe(strategy: Any) -> dict[str, Any]:
    """``{"name": ..., "replicas": n, "workers": n, ...}`` for run.json."""
    import tensorflow as tf

    from zoo._training.keras_fix import is_multi_worker

    result: dict[str, Any] = {"name": "default"}
    if is_multi_worker(strategy):
        resolver = strategy.cluster_resolver
        spec = resolver.cluster_spec().as_dict()
        result = {
            "name": "multi-worker",
            "workers": sum(len(spec.get(job, [])) for job in JOBS),
            "task": {"type": resolver.task_type, "index": int(resolver.task_id)},
            "cluster": {job: list(spec.get(job, [])) for job in JOBS if spec.get(job)},
        }
    elif isinstance(strategy, tf.distribute.MirroredStrategy):
        result = {"name": "mirrored", "devices": list(strategy.extended.worker_devices)}
    elif not isinstance(strategy, type(tf.distribute.get_strategy())):
        result = {"name": type(strategy).__name__}
    result.setdefault("workers", 1)
    result["replicas"] = strategy.num_replicas_in_sync
    return result


def is_chief(strategy: Any) -> bool:
    """Whether this process writes the run folder (the chief, or the only process)."""
    from zoo._training.keras_fix import is_multi_worker

    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    spec = resolver.cluster_spec().as_dict()
    if spec.get("chief"):
        return resolver.task_type == "chief"
    return resolver.task_type == "worker" and int(resolver.task_id) == 0


__all__ = ["ClusterError", "describe", "is_chief", "read_tf_config", "resolve_strategy"]
