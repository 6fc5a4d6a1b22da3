"""`zoo.hypermodel`: a recipe and its search space as a ``keras_tuner.HyperModel``.

A search space is a table per name (see `zoo._specs.component.check_search_space`)::

    search = { width = { type = "choice", values = [8, 16, 32] },
               learning_rate = { type = "float", min = 1e-4, max = 1e-1, sampling = "log" } }

A name the builder accepts is a builder argument; otherwise it is one of the training
options ``learning_rate``, ``batch_size``, ``optimizer``, ``weight_decay`` and
``epochs`` (so a builder's own ``weight_decay`` argument wins over the optimizer's).
``build(hp)`` builds the recipe with the sampled arguments (plus what the data implies,
as `zoo.fit` does) and compiles it through `zoo.compile`'s path with the sampled
training options; ``fit(hp, model, ...)`` trains it with ``keras.Model.fit`` at the
sampled batch size.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import keras_tuner

from zoo._base.errors import ZooError, did_you_mean
from zoo._specs.component import Entry, Recipe, check_search_space
from zoo._specs.search_keys import TRAINING_OPTIONS

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits
    from zoo._registry.registry import Registry


class FatalZooError(ZooError, keras_tuner.errors.FatalError):
    """A ZooError raised inside a trial: keras-tuner stops the search instead of retrying."""


def entry_of(name: str, registry: Registry) -> Entry:
    """The recipe or model builder ``name`` names (ZooError for another kind)."""
    entry = registry.resolve(name)
    if not isinstance(entry, Recipe) and entry.kind != "model":
        raise ZooError(
            f"Tuning searches recipes and model builders. Received: {entry.id!r}, a "
            f"{entry.kind}. Name a model (`python -m zoo list --kind model`)."
        )
    return entry


def accepted_names(entry: Entry, registry: Registry) -> set[str] | None:
    """The builder arguments of ``entry`` (None: a graph recipe, whose keys are overrides)."""
    from zoo._training.arguments import accepted_arguments

    return accepted_arguments(entry, registry)


def search_space(
    entry: Entry,
    registry: Registry,
    extra: Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The recipe's declared space, updated by ``extra``, without the ``fixed`` names.

    Every name must be a builder argument or a training option (ZooError with close
    matches otherwise); every table is checked by `check_search_space`.
    """
    space = {k: dict(v) for k, v in getattr(entry, "search", {}).items()}
    for key, value in (extra or {}).items():
        check_search_space(key, value)
        space[key] = dict(value)
    accepted = accepted_names(entry, registry)
    if accepted is not None:
        names = sorted(accepted | set(TRAINING_OPTIONS))
        for key in space:
            if key not in names:
                raise ZooError(
                    f"A search key is a builder argument of {entry.id} or a training option "
                    f"({', '.join(TRAINING_OPTIONS)}). Received: {key!r}."
                    f"{did_you_mean(key, names)} See `python -m zoo info {entry.id}`."
                )
    return {k: v for k, v in space.items() if k not in (fixed or {})}


def parse_space(text: str) -> tuple[str, dict[str, Any]]:
    """``key=<space>`` of ``--search``: a TOML inline table, or a shorthand list of choices.

    ``width={type="choice", values=[8, 16]}`` and ``width=[8, 16]`` are the same space.
    """
    import tomllib

    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ZooError(
            "--search takes KEY=SPACE, SPACE a TOML table or a list of choices. Received: "
            f'{text!r}. Example: --search \'learning_rate={{type="float", min=1e-4, max=0.1, '
            'sampling="log"}}\' or --search width=[8,16].'
        )
    try:
        space = tomllib.loads(f"value = {value.strip()}")["value"]
    except tomllib.TOMLDecodeError as error:
        raise ZooError(
            f"--search {key}= is a TOML table or list. Received: {value!r} ({error}). "
            'Example: {type="choice", values=[8, 16]}.'
        ) from None
    if isinstance(space, list):
        space = {"type": "choice", "values": space}
    check_search_space(key, space)
    return key, space


def declare(hp: Any, name: str, space: Mapping[str, Any]) -> Any:
    """Declare ``space`` as the keras-tuner hyperparameter ``name``; return its value."""
    kind = space["type"]
    if kind == "choice":
        return hp.Choice(name, list(space["values"]))
    if kind == "boolean":
        return hp.Boolean(name)
    options = {"sampling": space.get("sampling", "linear")}
    if "step" in space:
        options["step"] = space["step"]
    if kind == "int":
        return hp.Int(name, space["min"], space["max"], **options)
    return hp.Float(name, float(space["min"]), float(space["max"]), **options)


def split_values(
    values: Mapping[str, Any],
    accepted: set[str] | None,
    training: tuple[str, ...] = TRAINING_OPTIONS,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(builder arguments, training options)`` of sampled or fixed values.

    ``training`` names the training options (fixed values may set any training default,
    ``schedule="constant"`` for one).
    """
    arguments, options = {}, {}
    for key, value in values.items():
        if key.startswith("tuner/"):
            continue  # keras-tuner's own bookkeeping (Hyperband's epochs and brackets)
        if key in training and (accepted is None or key not in accepted):
            options[key] = value
        else:
            arguments[key] = value
    return arguments, options


def maximize(monitor: str, mode: str) -> bool:
    """Whether a larger ``monitor`` is better (``mode`` "auto" guesses as Keras does)."""
    if mode != "auto":
        return mode == "max"
    return any(word in monitor for word in ("acc", "auc", "precision", "recall", "psnr", "ssim"))


class ZooHyperModel(keras_tuner.HyperModel):
    """A recipe, its search space and (optionally) its data, for any keras-tuner tuner.

    Args:
        name: a recipe or model builder (id or short name).
        data: a data source, path, arrays or `zoo.DataSplits` (see `zoo.load_data`).
            With data, the arguments it implies are filled in and ``fit`` trains on its
            splits; without, ``fit`` passes its arguments to ``keras.Model.fit``.
        search: more (or replacing) search spaces, ``{name: {type = ...}}``.
        data_args: the data source's own arguments.
        epochs: epochs per trial (default: sampled, else the declared training epochs).
        seed: seeds the data split and each trial's weights.
        objective: a logged metric the search optimizes; ``fit`` stops the search with
            a ZooError if training does not log it.
        **fixed: builder arguments and training defaults that stay fixed (any key of
            `zoo.TrainingDefaults`: ``learning_rate=0.01``, ``schedule="constant"``).
    """

    def __init__(
        self,
        name: str,
        data: Any = None,
        *,
        search: Mapping[str, Any] | None = None,
        data_args: Mapping[str, Any] | None = None,
        epochs: int | None = None,
        seed: int = 0,
        objective: str | None = None,
        **fixed: Any,
    ) -> None:
        from zoo._registry import default_registry
        from zoo._training.defaults import FIELDS, check_training, training_defaults

        super().__init__(name=None, tunable=True)
        self.registry = default_registry()
        self.entry = entry_of(name, self.registry)
        self.accepted = accepted_names(self.entry, self.registry)
        self.fixed = dict(fixed)
        self.space = search_space(self.entry, self.registry, search, self.fixed)
        self.fixed_arguments, fixed_options = split_values(self.fixed, self.accepted, FIELDS)
        self.defaults = training_defaults(self.entry, self.registry).merged(
            check_training(fixed_options, f"zoo.hypermodel({name!r})")
        )
        self.epochs = epochs
        self.seed = seed
        self.objective = objective
        self.splits: DataSplits | None = None
        if data is not None:
            from zoo._data.resolve import load_data

            self.splits = load_data(
                data, batch_size=self.defaults.batch_size, seed=seed, **dict(data_args or {})
            )

    # === keras-tuner's HyperModel ===

    def build(self, hp: Any) -> Any:
        """Build and compile the recipe with the values ``hp`` samples."""
        import keras

        from zoo._factory.build import build
        from zoo._training.checks import check_fits
        from zoo._training.compiling import compile_model

        arguments, defaults = self.resolve(hp)
        keras.utils.set_random_seed(self.seed)
        model = build(self.entry.id, arguments, registry=self.registry)
        if self.splits is not None:
            check_fits(model, self.splits.info, self.entry.id)
        return compile_model(
            model,
            defaults,
            steps_per_epoch=self._steps(defaults.batch_size),
            epochs=self._epochs(hp, defaults),
        )

    def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train ``model`` with ``keras.Model.fit`` at the sampled batch size and epochs."""
        _, defaults = self.resolve(hp)
        epochs = kwargs.pop("epochs", None) or self._epochs(hp, defaults)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if self.objective is not None:
            callbacks.insert(0, _objective_check(self.objective, self.entry.id))
        if self.splits is None:
            kwargs.setdefault("batch_size", defaults.batch_size)
            return model.fit(*args, epochs=epochs, callbacks=callbacks, **kwargs)
        if args or set(kwargs) - {"initial_epoch", "verbose"}:
            raise ZooError(
                "A hypermodel made with data= trains on that data. Received: more fit "
                f"arguments {sorted(kwargs) or 'x, y'}. Pass them to zoo.hypermodel instead."
            )
        from zoo._training.epochs import epoch_pipeline

        initial = int(kwargs.get("initial_epoch", 0))
        batch = defaults.batch_size
        train = epoch_pipeline(self.splits, batch, self.seed, initial, epochs)
        return model.fit(
            train,
            validation_data=self.splits.validation,
            epochs=epochs,
            initial_epoch=initial,
            steps_per_epoch=self._steps(batch),
            callbacks=callbacks,
            verbose=kwargs.get("verbose", 0),
            shuffle=False,  # each epoch is shuffled by its own seed, as in zoo.fit
        )

    # === What a trial builds and trains with ===

    def resolve(self, hp: Any) -> tuple[dict[str, Any], Any]:
        """``(builder arguments, training defaults)`` of the values ``hp`` samples."""
        from zoo._training.arguments import implied_arguments
        from zoo._training.defaults import check_training

        sampled = {name: declare(hp, name, space) for name, space in self.space.items()}
        arguments, options = split_values(sampled, self.accepted)
        arguments = {**self.fixed_arguments, **arguments}
        if self.splits is not None:
            arguments = implied_arguments(self.entry, arguments, self.splits.info, self.registry)
        defaults = self.defaults.merged(check_training(options, "the sampled training options"))
        return arguments, defaults

    def _epochs(self, hp: Any, defaults: Any) -> int:
        if "tuner/epochs" in hp.values:
            return int(hp.values["tuner/epochs"])
        if "epochs" in self.space and (self.accepted is None or "epochs" not in self.accepted):
            return defaults.epochs
        return self.epochs or defaults.epochs

    def _steps(self, batch_size: int) -> int | None:
        if self.splits is None:
            return None
        from zoo._training.epochs import steps_per_epoch

        return steps_per_epoch(self.splits, batch_size)


def _objective_check(objective: str, label: str) -> Any:
    import keras

    class ObjectiveCheck(keras.callbacks.Callback):
        """Stop the search when the first epoch does not log the objective."""

        def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
            logs = logs or {}
            if objective not in logs:
                raise FatalZooError(
                    f"The objective is a metric that training logs. Received: "
                    f"objective={objective!r}, while {label} logs {sorted(logs)}."
                    f"{did_you_mean(objective, logs)} Pick one of those."
                )

    return ObjectiveCheck()


def hypermodel(name: str, data: Any = None, **fixed: Any) -> ZooHyperModel:
    """A ``keras_tuner.HyperModel`` for the recipe ``name`` and its search space.

    Hand it to any keras-tuner tuner::

        model = zoo.hypermodel("resnet_small", data="vision/digits", depth=8)
        tuner = keras_tuner.RandomSearch(model, objective="val_accuracy", max_trials=3)
        tuner.search(epochs=2)

    Args:
        name: a recipe or model builder (id or short name).
        data: a data source, path, arrays or `zoo.DataSplits` (see `zoo.load_data`);
            without it, ``tuner.search(x, y, ...)`` passes the data to ``keras.Model.fit``.
        **fixed: builder arguments and training options that stay fixed; also
            ``search=``, ``data_args=``, ``epochs=``, ``seed=`` and ``objective=`` (see
            `ZooHyperModel`).

    Returns:
        A `ZooHyperModel`.
    """
    return ZooHyperModel(name, data, **fixed)


__all__ = ["TRAINING_OPTIONS", "FatalZooError", "ZooHyperModel", "hypermodel", "parse_space"]
