"""Train / validation / test splits: `DataInfo`, `DataSplits`, the seeded splitter, pipelines.

`DataInfo` is plain data (JSON-ready through ``to_dict``). `DataSplits` holds batched,
prefetched ``tf.data`` pipelines; this module imports TensorFlow only inside the
functions that build them, so ``zoo.DataInfo`` and ``zoo.DataSplits`` stay importable
without it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zoo._base.errors import ZooError
from zoo._base.jsonable import jsonable
from zoo._data.tasks import Task, get_task

SPLITS = ("train", "validation", "test")
SHARD_POLICIES = ("AUTO", "FILE", "DATA", "OFF")


@dataclass(frozen=True)
class DataInfo:
    """What a data source tells training: shapes, dtypes, task, classes, split sizes.

    Args:
        source: the source id (``"vision/digits"``, ``"zoo/npz"``, ``"arrays"``, ``"tf.data"``).
        arguments: the source arguments, JSON-ready.
        task: a declared task's name (the core's ``classification`` or ``regression``,
            or one a plugin declared), or a `Task`, which declares it; kept as its name.
        input_shape: the shape of one example, no batch dimension (a dict for named inputs).
        input_dtype: its dtype (a dict for named inputs).
        target_shape: the shape of one target, no batch dimension.
        target_dtype: its dtype.
        num_classes: the number of classes of a classifier's labels.
        class_names: the classes' names, in label order.
        sizes: examples per split, ``{"train": n, "validation": n, "test": n}``.
        split: how the splits were made, ``{"seed": 0, "validation": 0.1, ...}``.
        builder_arguments: what the data implies for a builder that accepts it
            (``{"input_shape": [8, 8, 1], "num_classes": 10}``).
        preprocessing: the input contract (``{"scale": 1 / 16}``).
    """

    source: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    task: str | Task = "classification"
    input_shape: tuple[Any, ...] | Mapping[str, tuple[Any, ...]] = ()
    input_dtype: str | Mapping[str, str] = "float32"
    target_shape: tuple[Any, ...] = ()
    target_dtype: str = "int64"
    num_classes: int | None = None
    class_names: tuple[str, ...] | None = None
    sizes: Mapping[str, int | None] = field(default_factory=dict)
    split: Mapping[str, Any] = field(default_factory=dict)
    builder_arguments: Mapping[str, Any] = field(default_factory=dict)
    preprocessing: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "task", get_task(self.task, self.source).name)

    @property
    def is_classification(self) -> bool:
        """True if the targets are class labels (the task was declared a classification)."""
        return get_task(self.task, self.source).classification

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``run.json``)."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass
class DataSplits:
    """Train / validation / test pipelines and what training needs to know about them.

    Args:
        train: batched by ``batch_size``, reshuffled each epoch (seeded), prefetched.
        validation: batched and prefetched, in order; None if the source has none.
        test: batched and prefetched, in order; None if the source has none.
        info: the `DataInfo`.
        batch_size: the batch size of the pipelines.
        examples: per split, the whole split in order, as an ``(x, y)`` pair of arrays
            or an unbatched ``tf.data.Dataset`` (what `arrays` returns).
    """

    train: Any
    validation: Any
    test: Any
    info: DataInfo
    batch_size: int
    examples: dict[str, Any] = field(default_factory=dict, repr=False)

    def arrays(self, split: str) -> tuple[Any, Any]:
        """The whole ``split`` in order as ``(x, y)`` numpy arrays (dicts for named ones)."""
        if split not in SPLITS:
            raise ZooError(
                f"A split is one of {', '.join(SPLITS)}. Received: split={split!r}. Use 'train'."
            )
        if split in self.examples:
            stored = self.examples[split]
            if isinstance(stored, tuple):
                return stored
            return _stack(stored.as_numpy_iterator(), batched=False)
        dataset = getattr(self, split)
        if dataset is None:
            raise ZooError(
                f"arrays() needs a split the source provides. Received: split={split!r} "
                f"from {self.info.source!r}, which has none. Use one of "
                f"{', '.join(s for s in SPLITS if getattr(self, s) is not None)}."
            )
        return _stack(dataset.as_numpy_iterator(), batched=True)


def _stack(elements: Any, *, batched: bool) -> tuple[Any, Any]:
    xs, ys = [], []
    for x, y in elements:
        xs.append(x)
        ys.append(y)
    join = np.concatenate if batched else np.stack
    if not xs:
        raise ZooError("arrays() needs a split with examples. Received: an empty split.")

    def joined(items: list[Any]) -> Any:
        if isinstance(items[0], Mapping):
            return {k: join([item[k] for item in items]) for k in items[0]}
        return join(items)

    return joined(xs), joined(ys)


# === The seeded, stratified splitter ===


def check_finite(values: Any, name: str, where: str) -> None:
    """Refuse NaN or infinite values in a float array, with their count and the first index.

    Non-finite inputs or targets train every weight to NaN without an error, so a data
    source refuses them when it loads them; ``name`` and ``where`` say which array of
    which data. The array is scanned in blocks of rows, so the check holds no second
    copy of it.
    """
    kind = getattr(getattr(values, "dtype", None), "kind", "")
    if kind not in ("f", "c") or not getattr(values, "ndim", 0):
        return
    rows = max(1, 2**22 // max(1, values[:1].size))
    count, first = 0, None
    for start in range(0, len(values), rows):
        finite = np.isfinite(values[start : start + rows])
        if finite.all():
            continue
        count += int(finite.size - np.count_nonzero(finite))
        if first is None:
            index = np.argwhere(~finite)[0]
            first = (start + int(index[0]), *(int(i) for i in index[1:]))
    if first is None:
        return
    raise ZooError(
        "Data values are finite numbers (a NaN or an infinity trains every weight to NaN). "
        f"Received: {count:,} non-finite value(s) in {name} of {where}, the first "
        f"({values[first]}) at index {first}. Drop or fill those values before loading."
    )


def check_fractions(validation: float, test: float) -> None:
    """Raise ZooError unless both fractions lie in [0, 1) and leave a training split."""
    for name, value in (("validation", validation), ("test", test)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ZooError(
                f"A split fraction lies in [0, 1). Received: {name}={value!r}. "
                "Use for example validation=0.1, test=0.2."
            )
    if validation + test >= 1:
        raise ZooError(
            "The validation and test fractions must leave examples to train on. "
            f"Received: validation={validation}, test={test}. Make their sum below 1."
        )


def split_indices(
    y: np.ndarray,
    *,
    validation: float = 0.1,
    test: float = 0.2,
    seed: int = 0,
    stratified: bool = True,
) -> dict[str, np.ndarray]:
    """Seeded train / validation / test indices of ``len(y)`` examples, each sorted.

    Stratified: each class is split on its own, so every split keeps the class
    proportions (``round(n_c * test)`` test and ``round(n_c * validation)`` validation
    examples of a class of ``n_c``). Otherwise one permutation of all examples.
    The same seed gives the same indices; the splits never overlap.
    """
    check_fractions(validation, test)
    y = np.asarray(y)
    n = len(y)
    rng = np.random.default_rng(seed)
    groups = [np.arange(n)]
    if stratified:
        labels = y.reshape(n, -1)[:, 0] if y.ndim > 1 else y
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    parts: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    for group in groups:
        order = rng.permutation(group)
        n_test = round(len(order) * test)
        n_val = round(len(order) * validation)
        parts["test"].append(order[:n_test])
        parts["validation"].append(order[n_test : n_test + n_val])
        parts["train"].append(order[n_test + n_val :])
    return {s: np.sort(np.concatenate(p)).astype(np.int64) for s, p in parts.items()}


def take(x: Any, index: np.ndarray) -> Any:
    """``x[index]`` for an array or a dict of arrays (named inputs)."""
    if isinstance(x, Mapping):
        return {k: np.asarray(v)[index] for k, v in x.items()}
    return np.asarray(x)[index]


def length(x: Any) -> int:
    """The number of examples of an array or of a dict of arrays, which must agree."""
    if isinstance(x, Mapping):
        lengths = {k: len(v) for k, v in x.items()}
        if len(set(lengths.values())) > 1:
            raise ZooError(
                "Named inputs hold one row per example each. "
                f"Received: lengths {lengths}. Give every input the same number of rows."
            )
        return next(iter(lengths.values()), 0)
    return len(x)


# === Pipelines ===


def options(shard_policy: str = "DATA") -> Any:
    """``tf.data.Options`` with ``experimental_distribute.auto_shard_policy`` set."""
    import tensorflow as tf

    if shard_policy not in SHARD_POLICIES:
        raise ZooError(
            f"auto_shard_policy is one of {', '.join(SHARD_POLICIES)}. "
            f"Received: {shard_policy!r}. Use 'DATA' for in-memory data, 'FILE' for many files."
        )
    opts = tf.data.Options()
    opts.experimental_distribute.auto_shard_policy = getattr(
        tf.data.experimental.AutoShardPolicy, shard_policy
    )
    return opts


def pipeline(
    dataset: Any,
    *,
    batch_size: int,
    shuffle: bool,
    seed: int = 0,
    buffer_size: int | None = None,
    shard_policy: str = "DATA",
) -> Any:
    """Batch an unbatched ``tf.data.Dataset``; reshuffle each epoch (seeded) if ``shuffle``.

    For a data source that builds its own ``tf.data`` pipeline (decoding files, say) and
    then makes `DataSplits` itself: training splits shuffle, the others keep their order.

    Args:
        dataset: an unbatched ``tf.data.Dataset`` of ``(x, y)`` examples.
        batch_size: examples per batch.
        shuffle: reshuffle the examples each epoch (the training split).
        seed: the seed of the shuffle.
        buffer_size: the shuffle buffer; by default the dataset's cardinality (all of it
            when known, else 10,000).
        shard_policy: the ``tf.data`` auto-shard policy under a distribution strategy:
            ``"DATA"`` for in-memory data, ``"FILE"`` for many files, ``"AUTO"``, ``"OFF"``.

    Example:

    >>> import tensorflow as tf
    >>> import zoo.data
    >>> examples = tf.data.Dataset.from_tensor_slices((tf.zeros([10, 3]), tf.range(10)))
    >>> batches = zoo.data.pipeline(examples, batch_size=4, shuffle=True, seed=0)
    >>> [int(y.shape[0]) for _, y in batches]
    [4, 4, 2]
    """
    import tensorflow as tf

    check_batch_size(batch_size)
    if shuffle:
        if buffer_size is None:
            cardinality = int(dataset.cardinality())
            buffer_size = cardinality if cardinality > 0 else 10_000
        dataset = dataset.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(options(shard_policy))


def check_batch_size(batch_size: object) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ZooError(
            f"batch_size is a positive integer. Received: batch_size={batch_size!r}. Use 32."
        )


def array_pipeline(x: Any, y: np.ndarray, *, batch_size: int, shuffle: bool, seed: int) -> Any:
    """A pipeline over in-memory arrays (auto-shard policy DATA)."""
    import tensorflow as tf

    inputs = dict(x) if isinstance(x, Mapping) else x
    dataset = tf.data.Dataset.from_tensor_slices((inputs, y))
    return pipeline(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed, shard_policy="DATA")


def _shape_dtype(x: Any) -> tuple[Any, Any]:
    if isinstance(x, Mapping):
        return (
            {k: tuple(np.asarray(v).shape[1:]) for k, v in x.items()},
            {k: str(np.asarray(v).dtype) for k, v in x.items()},
        )
    x = np.asarray(x)
    return tuple(x.shape[1:]), str(x.dtype)


def from_arrays(
    splits: Mapping[str, tuple[Any, np.ndarray] | None],
    *,
    source: str,
    arguments: Mapping[str, Any] | None = None,
    task: str | Task,
    batch_size: int,
    seed: int,
    split: Mapping[str, Any] | None = None,
    num_classes: int | None = None,
    class_names: tuple[str, ...] | None = None,
    builder_arguments: Mapping[str, Any] | None = None,
    preprocessing: Mapping[str, Any] | None = None,
) -> DataSplits:
    """`DataSplits` over in-memory ``{"train": (x, y), "validation": ..., "test": ...}``.

    For a data source that splits its examples itself (in time, by file, by subject);
    `split_arrays` makes a seeded split for you. ``train`` is required, a missing or
    empty ``validation`` or ``test`` gives no pipeline. The `DataInfo` is read from
    the training arrays (shapes, dtypes) and the arguments.

    Args:
        splits: ``{"train": (x, y), "validation": (x, y) or None, "test": ...}``; ``x`` is
            an array or a dict of arrays (named inputs), ``y`` an array.
        source: the source's id (``"forecast/co2"``).
        arguments: the source's arguments, for ``run.json``.
        task: a declared task's name or a `Task` (which declares it).
        batch_size: examples per batch.
        seed: the seed of the training split's per-epoch shuffle.
        split: how the splits were made (``{"seed": 0, "validation": 0.1, ...}``).
        num_classes: the number of classes of a classifier's labels.
        class_names: the classes' names, in label order.
        builder_arguments: what the data implies for a builder (``{"input_dim": 10}``).
        preprocessing: the input contract (``{"mean": [...], "std": [...]}``).

    Example:

    >>> import numpy as np
    >>> import zoo.data
    >>> series = np.arange(100, dtype="float32")
    >>> x, y = series[:-1, None], series[1:]
    >>> data = zoo.data.from_arrays(
    ...     {"train": (x[:80], y[:80]), "validation": (x[80:], y[80:]), "test": None},
    ...     source="mine/series", task="regression", batch_size=16, seed=0)
    >>> dict(data.info.sizes), data.test
    ({'train': 80, 'validation': 19, 'test': None}, None)
    """
    check_batch_size(batch_size)
    train = splits.get("train")
    if train is None:
        raise ZooError(
            "A data source has a training split. Received: splits without 'train' from "
            f"{source!r}. Pass {{'train': (x, y), ...}}."
        )
    train_x, train_y = train
    input_shape, input_dtype = _shape_dtype(train_x)
    train_y = np.asarray(train_y)
    info = DataInfo(
        source=source,
        arguments=jsonable(dict(arguments or {})),
        task=task,
        input_shape=input_shape,
        input_dtype=input_dtype,
        target_shape=tuple(train_y.shape[1:]),
        target_dtype=str(train_y.dtype),
        num_classes=num_classes,
        class_names=None if class_names is None else tuple(str(c) for c in class_names),
        sizes={s: _size(splits.get(s)) for s in SPLITS},
        split=jsonable(dict(split or {})),
        builder_arguments=jsonable(dict(builder_arguments or {})),
        preprocessing=jsonable(dict(preprocessing or {})),
    )
    pipes: dict[str, Any] = {}
    examples: dict[str, Any] = {}
    for name in SPLITS:
        pair = splits.get(name)
        if pair is None or length(pair[0]) == 0:
            pipes[name] = None
            continue
        x, y = pair
        examples[name] = (x, np.asarray(y))
        pipes[name] = array_pipeline(
            x, np.asarray(y), batch_size=batch_size, shuffle=name == "train", seed=seed
        )
    return DataSplits(
        train=pipes["train"],
        validation=pipes["validation"],
        test=pipes["test"],
        info=info,
        batch_size=batch_size,
        examples=examples,
    )


def _size(pair: tuple[Any, Any] | None) -> int | None:
    return None if pair is None else length(pair[0])


def split_arrays(
    x: Any,
    y: Any,
    *,
    source: str = "arrays",
    arguments: Mapping[str, Any] | None = None,
    task: str | Task | None = None,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    stratified: bool | None = None,
    num_classes: int | None = None,
    class_names: tuple[str, ...] | None = None,
    builder_arguments: Mapping[str, Any] | None = None,
    preprocessing: Mapping[str, Any] | None = None,
) -> DataSplits:
    """Split ``(x, y)`` arrays with a seeded (stratified for classes) split into `DataSplits`.

    The main entry point of a data source over in-memory examples: the same seed gives
    the same splits, the splits never overlap, and a classification split keeps each
    class's share in every split.

    Args:
        x: the inputs, one row per example (an array, or a dict of arrays for named
            inputs).
        y: the targets, one row per example.
        source: the source's id (``"tabular/synthetic"``).
        arguments: the source's arguments, for ``run.json``.
        task: a declared task's name or a `Task` (which declares it). By default
            ``classification`` for integer labels of one value per example (then
            ``num_classes`` defaults to ``max(y) + 1``) and ``regression`` otherwise.
        batch_size: examples per batch.
        seed: the seed of the split and of the training split's per-epoch shuffle.
        validation: fraction held out for validation.
        test: fraction held out for testing.
        stratified: split each class on its own; by default, for a classification task.
        num_classes: the number of classes of a classifier's labels.
        class_names: the classes' names, in label order.
        builder_arguments: what the data implies for a builder; by default the input
            shape (and ``input_dim`` for flat features) plus ``num_classes``.
        preprocessing: the input contract (``{"scale": 1 / 255}``).

    Example:

    >>> import numpy as np
    >>> import zoo.data
    >>> x = np.random.default_rng(0).normal(size=(100, 4)).astype("float32")
    >>> y = (x[:, 0] > 0).astype("int64")
    >>> data = zoo.data.split_arrays(x, y, source="mine/toy", batch_size=8, seed=0)
    >>> data.info.task, data.info.num_classes, dict(data.info.sizes)
    ('classification', 2, {'train': 70, 'validation': 10, 'test': 20})
    >>> data.arrays("test")[0].shape
    (20, 4)
    """
    y = np.asarray(y)
    n = length(x)
    if n != len(y):
        raise ZooError(
            "x and y hold one row per example. "
            f"Received: {n} inputs and {len(y)} targets. Pass arrays of the same length."
        )
    if n == 0:
        raise ZooError("A data source needs examples. Received: empty arrays. Pass some data.")
    inputs = x.items() if isinstance(x, Mapping) else [("", x)]
    for key, values in [*inputs, ("", y)]:
        label = ("y" if values is y else "x") + (f"[{key!r}]" if key else "")
        check_finite(values, label, f"the data of {source}")
    integer = np.issubdtype(y.dtype, np.integer) and (y.ndim == 1 or y.shape[1:] == (1,))
    if task is None:
        task = "classification" if integer else "regression"
    classify = get_task(task, source).classification
    if classify and num_classes is None:
        if not integer or y.min() < 0:
            raise ZooError(
                "A classifier's labels are integers from 0 to num_classes - 1. "
                f"Received: labels of dtype {y.dtype} from {y.min()} to {y.max()}. "
                "Encode the classes as 0, 1, ... or pass task='regression'."
            )
        num_classes = int(y.max()) + 1
    if stratified is None:
        stratified = classify
    index = split_indices(y, validation=validation, test=test, seed=seed, stratified=stratified)
    if builder_arguments is None:
        input_shape, _ = _shape_dtype(x)
        builder_arguments = {}
        if not isinstance(input_shape, Mapping):
            builder_arguments["input_shape"] = list(input_shape)
            if len(input_shape) == 1:
                builder_arguments["input_dim"] = input_shape[0]
        if classify:
            builder_arguments["num_classes"] = num_classes
    parts = {s: (take(x, i), y[i]) for s, i in index.items()}
    return from_arrays(
        parts,
        source=source,
        arguments=arguments,
        task=task,
        batch_size=batch_size,
        seed=seed,
        split={"seed": seed, "validation": validation, "test": test, "stratified": stratified},
        num_classes=num_classes if classify else None,
        class_names=class_names,
        builder_arguments=builder_arguments,
        preprocessing=preprocessing,
    )


def named_targets(splits: DataSplits, names: list[str] | tuple[str, ...]) -> DataSplits:
    """The same splits whose pipelines yield ``(x, {name: y, ...})``: one target per output.

    For a model with several outputs trained on the same labels (an auxiliary head);
    ``arrays()`` keeps returning the labels once.
    """
    names = list(names)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ZooError(
            "outputs names the model's outputs that each get the targets. "
            f"Received: outputs={names!r}. Pass for example ['digit', 'aux']."
        )

    def spread(x: Any, y: Any) -> Any:
        return x, {name: y for name in names}

    mapped: dict[str, Any] = {
        name: None if getattr(splits, name) is None else getattr(splits, name).map(spread)
        for name in SPLITS
    }
    info = dataclasses.replace(splits.info, arguments={**splits.info.arguments, "outputs": names})
    return dataclasses.replace(splits, info=info, **mapped)
