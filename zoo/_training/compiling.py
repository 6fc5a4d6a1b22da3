"""``zoo.compile``: turn training defaults (data) into a compiled Keras model.

Losses, metrics and optimizers are named as Keras identifiers, Keras configs or zoo
components (see `zoo._training.defaults`); this module resolves them, builds the
learning-rate schedule, and calls ``keras.Model.compile``. The user's own values
(objects or identifiers) always win over the declared defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError, ZooError
from zoo._training.defaults import TrainingDefaults, check_object, training_defaults

if TYPE_CHECKING:
    from zoo._registry.registry import Registry

JIT_CHOICES = ("auto", True, False)


def defaults_for(model: Any, registry: Registry | None = None) -> TrainingDefaults:
    """The training defaults of a model built by ``zoo.build`` (by its ``zoo_id``), or bare."""
    entry_id = getattr(model, "zoo_id", None)
    if entry_id is None:
        return TrainingDefaults()
    if registry is None:
        from zoo._registry import default_registry

        registry = default_registry()
    return training_defaults(registry.resolve(entry_id), registry)


def resolve_object(value: Any, kind: str, arguments: Mapping[str, Any], where: str) -> Any:
    """A loss, metric or optimizer object (or Keras identifier) from its declaration.

    ``kind`` is ``"loss"``, ``"metric"`` or ``"optimizer"``; ``arguments`` are the model's
    resolved builder arguments, for ``{arg = "name"}`` references.
    """
    import keras

    if not isinstance(value, (str, Mapping)):
        return value  # a Keras object the user passed
    value = check_object(value, where)
    if isinstance(value, str) and "/" not in value:
        return value  # a Keras identifier: compile() resolves it, with its own errors
    from zoo._registry import default_registry

    if isinstance(value, str):
        value = {"id": value, "args": {}}
    if "id" in value:
        args = {name: _argument(arg, arguments, where) for name, arg in value["args"].items()}
        factory = default_registry().get(value["id"])
        try:
            return factory(**args)
        except (TypeError, ValueError) as error:
            raise ZooError(
                f"{where}: {value['id']} could not be constructed. Received: args={args!r} "
                f"({error}). Fix the training defaults or pass your own {kind}."
            ) from error
    module = {"loss": keras.losses, "metric": keras.metrics, "optimizer": keras.optimizers}[kind]
    try:
        return module.deserialize(dict(value))
    except (TypeError, ValueError) as error:
        raise ZooError(
            f"{where}: the Keras {kind} config {dict(value)!r} could not be deserialized "
            f"({error}). Name a Keras {kind} class and its arguments."
        ) from error


def _argument(arg: Any, arguments: Mapping[str, Any], where: str) -> Any:
    if isinstance(arg, Mapping) and set(arg) == {"arg"}:
        name = arg["arg"]
        if name not in arguments:
            raise ZooError(
                f"{where} refers to the builder argument {name!r}, which the model does not "
                f"record. Received: arguments {sorted(arguments)}. Build it with zoo.build."
            )
        value = arguments[name]
        return list(value) if isinstance(value, tuple) else value
    return arg


def make_optimizer(defaults: TrainingDefaults, steps_per_epoch: int | None, epochs: int) -> Any:
    """The optimizer of ``defaults``, with its learning rate, schedule and weight decay."""
    import keras

    value = defaults.optimizer
    if not isinstance(value, (str, Mapping)):
        return value
    if isinstance(value, str):
        if "/" in value:
            return resolve_object(value, "optimizer", {}, "training.optimizer")
        try:
            cls = type(keras.optimizers.get(value))
        except ValueError as error:
            raise ZooError(
                f"training.optimizer names a Keras optimizer. Received: {value!r} ({error})."
            ) from None
        config: dict[str, Any] = {}
    else:
        optimizer = resolve_object(value, "optimizer", {}, "training.optimizer")
        cls, config = type(optimizer), optimizer.get_config()
        for key in ("name", "learning_rate"):
            config.pop(key, None)
    rate = defaults.learning_rate
    if rate is None:
        rate = config.pop("learning_rate", None) or cls().learning_rate.numpy().item()
    config["learning_rate"] = make_schedule(defaults.schedule, rate, steps_per_epoch, epochs)
    if defaults.weight_decay is not None:
        config["weight_decay"] = defaults.weight_decay
    try:
        return cls(**config)
    except (TypeError, ValueError) as error:
        raise ZooError(
            f"training.optimizer {cls.__name__} does not take {sorted(config)} ({error}). "
            "Pick an optimizer that accepts them (AdamW for weight decay) or drop the option."
        ) from None


def make_schedule(schedule: Any, rate: float, steps_per_epoch: int | None, epochs: int) -> Any:
    """A learning rate or Keras schedule: ``"constant"``, ``"cosine"`` or a Keras config."""
    import keras

    if schedule in (None, "constant"):
        return rate
    if schedule == "cosine":
        if not steps_per_epoch:
            raise ZooError(
                "A cosine schedule decays over all training steps, so it needs the number "
                f"of steps per epoch. Received: steps_per_epoch={steps_per_epoch!r}. Pass "
                "steps_per_epoch= and epochs= to zoo.compile, or schedule='constant'."
            )
        return keras.optimizers.schedules.CosineDecay(rate, decay_steps=steps_per_epoch * epochs)
    config = dict(schedule)
    inner = dict(config.get("config", {}))
    inner.setdefault("initial_learning_rate", rate)
    if "decay_steps" not in inner and steps_per_epoch:
        inner["decay_steps"] = steps_per_epoch * epochs
    return keras.optimizers.schedules.deserialize({**config, "config": inner})


def compile_model(
    model: Any,
    defaults: TrainingDefaults,
    *,
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
    optimizer: Any = None,
    steps_per_epoch: int | None = None,
    epochs: int | None = None,
    jit_compile: Any = "auto",
) -> Any:
    """Compile ``model`` with ``defaults``, the given values replacing theirs; return it."""
    if jit_compile not in JIT_CHOICES:
        raise ArgumentError(
            f"jit_compile is 'auto', True or False. Received: jit_compile={jit_compile!r}."
        )
    arguments = dict(getattr(model, "zoo_arguments", {}) or {})
    loss = defaults.loss if loss is None else loss
    if loss is None:
        raise ZooError(
            f"Compiling {getattr(model, 'zoo_id', None) or model.name} needs a loss, and it "
            "declares no training defaults. Received: loss=None. Pass loss= (and metrics=), "
            "or declare training = { loss = ... } in its recipe."
        )
    loss = resolve_object(loss, "loss", arguments, "training.loss")
    resolved = [
        resolve_object(m, "metric", arguments, f"training.metrics[{i}]")
        for i, m in enumerate(defaults.metrics if metrics is None else metrics)
    ]
    compiled_metrics: list[Any] | dict[str, list[Any]] = resolved
    if len(getattr(model, "outputs", None) or ()) > 1:
        # One loss (and the same metrics) per named output, as Keras pairs them with y.
        if not isinstance(loss, (Mapping, list, tuple)):
            loss = {name: loss for name in model.output_names}
        if resolved:
            compiled_metrics = {name: list(resolved) for name in model.output_names}
    if optimizer is None:
        optimizer = make_optimizer(defaults, steps_per_epoch, epochs or defaults.epochs)
    elif isinstance(optimizer, (str, Mapping)):
        optimizer = make_optimizer(
            dataclasses.replace(defaults, optimizer=optimizer),
            steps_per_epoch,
            epochs or defaults.epochs,
        )
    model.compile(optimizer=optimizer, loss=loss, metrics=compiled_metrics, jit_compile=jit_compile)
    return model


def compile(
    model_or_name: Any,
    *,
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
    optimizer: Any = None,
    learning_rate: float | None = None,
    schedule: Any = None,
    weight_decay: float | None = None,
    steps_per_epoch: int | None = None,
    epochs: int | None = None,
    jit_compile: Any = "auto",
    **overrides: Any,
) -> Any:
    """Compile a model (or build the recipe ``name`` with ``overrides``, then compile it).

    The declared training defaults of its recipe or builder apply unless you pass your
    own ``loss``, ``metrics``, ``optimizer`` (an object, an identifier or a config),
    ``learning_rate``, ``schedule`` or ``weight_decay``. A cosine schedule needs
    ``steps_per_epoch`` (and ``epochs``; default: the declared epochs).

    Returns:
        The compiled ``keras.Model``.
    """
    from zoo._factory.build import build

    if isinstance(model_or_name, str):
        model = build(model_or_name, overrides)
    elif overrides:
        raise ArgumentError(
            "Builder overrides apply when zoo.compile builds the model from a name. "
            f"Received: a model and {sorted(overrides)}. Pass the recipe's name instead."
        )
    else:
        model = model_or_name
    defaults = defaults_for(model)
    changes = {
        key: value
        for key, value in (
            ("learning_rate", learning_rate),
            ("schedule", schedule),
            ("weight_decay", weight_decay),
        )
        if value is not None
    }
    if changes:
        from zoo._training.defaults import check_training

        defaults = defaults.merged(check_training(changes, "zoo.compile"))
    return compile_model(
        model,
        defaults,
        loss=loss,
        metrics=metrics,
        optimizer=optimizer,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        jit_compile=jit_compile,
    )
