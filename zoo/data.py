"""What a plugin's data source is written with: splits, pipelines, tasks and errors.

keras-zoo has two faces, the way keras-hub offers its public API as namespaces
(``keras_hub.models``, ``keras_hub.layers``, ``keras_hub.tokenizers``) over a private
``keras_hub.src``. The user's face is ``zoo`` itself (`zoo.build`, `zoo.fit`,
`zoo.tune`, `zoo.load`, `zoo.load_data`, ...). The plugin author's face is this module
for data sources, `zoo.testing` for the conformance kit, and `zoo.hookspecs` /
`zoo.hookimpl` for the hook that registers specs (`zoo.ComponentSpec`, `zoo.Recipe`).
First-party plugins are written with these public modules only, exactly as a third
party's; anything under ``zoo._...`` is private and may change.

A data source is a function, declared as a spec of kind ``dataset`` in the plugin's
``zoo_register`` hook and imported on first use, that takes keyword arguments (always
``batch_size`` and ``seed``) and returns `DataSplits`::

    # my_plugin/__init__.py: declarations only
    @zoo.hookimpl
    def zoo_register(register):
        register(zoo.ComponentSpec("toy", kind="dataset", target="my_plugin.toy:toy",
                                   summary="A seeded toy set."))

    # my_plugin/toy.py: the implementation
    import numpy as np
    import zoo.data

    def toy(*, batch_size=32, seed=0, validation=0.1, test=0.2):
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(200, 4)).astype("float32")
        y = (x.sum(axis=1) > 0).astype("int64")
        return zoo.data.split_arrays(x, y, source="my/toy", batch_size=batch_size,
                                     seed=seed, validation=validation, test=test)

Then ``zoo.load_data("my/toy")`` and ``zoo.fit(model, "my/toy")`` use it.

A task that the core does not know (``classification`` and ``regression`` are its
own) is declared by the plugin with a `Task`, passed as ``task=`` to `split_arrays`,
`from_arrays` or `DataInfo`: ``zoo.data.Task("ranking", summary="...")``.

A data source bounds what a hostile file can ask for before allocating it: at most
`MAX_IMAGE_PIXELS` pixels per image, `MAX_CLASSES` classes, `max_data_bytes` bytes per
file (``ZOO_MAX_DATA_BYTES``).

Nothing here imports TensorFlow at import time; the pipelines are built on first use.
"""

from __future__ import annotations

from zoo._base.errors import ArgumentError, NotFoundError, ZooError, did_you_mean
from zoo._base.limits import MAX_CLASSES, MAX_IMAGE_PIXELS, max_data_bytes
from zoo._data.requires import require
from zoo._data.splits import (
    SPLITS,
    DataInfo,
    DataSplits,
    check_fractions,
    from_arrays,
    named_targets,
    pipeline,
    split_arrays,
    split_indices,
)
from zoo._data.tasks import Task, declare_task, declared_tasks, get_task

__all__ = [
    "MAX_CLASSES",
    "MAX_IMAGE_PIXELS",
    "SPLITS",
    "ArgumentError",
    "DataInfo",
    "DataSplits",
    "NotFoundError",
    "Task",
    "ZooError",
    "check_fractions",
    "declare_task",
    "declared_tasks",
    "did_you_mean",
    "from_arrays",
    "get_task",
    "max_data_bytes",
    "named_targets",
    "pipeline",
    "require",
    "split_arrays",
    "split_indices",
]
