"""Training defaults as data: how a model builder or a recipe trains.

A builder's spec (``ComponentSpec(..., training={...})``) and a recipe (a ``training``
table in ``registry.toml``) may declare::

    [recipes.vision.resnet_small.training]
    loss = "sparse_categorical_crossentropy"          # a Keras identifier
    metrics = ["accuracy"]
    optimizer = { class_name = "SGD", config = { momentum = 0.9 } }   # a Keras config
    learning_rate = 0.1
    schedule = "cosine"               # "constant", "cosine", or a Keras schedule config
    weight_decay = 1e-4               # decoupled weight decay (optimizers that take it)
    monitor = "val_accuracy"          # what EarlyStopping, ModelCheckpoint and
    mode = "max"                      #   ReduceLROnPlateau watch ("min", "max", "auto")
    batch_size = 32
    epochs = 30
    patience = 10                     # EarlyStopping; 0 turns it off
    reduce_lr_patience = 5            # ReduceLROnPlateau (without a schedule); 0: off

A loss, metric or optimizer is a Keras identifier string, a Keras config table
(``{class_name = ..., config = {...}}``) or a zoo component
(``{id = "forecast/QuantileLoss", args = {quantiles = {arg = "quantiles"}}}``), where
``{arg = "name"}`` stands for the model's resolved builder argument ``name``. A
recipe's table is merged key by key over its builder's. This module is data only: it
imports neither TensorFlow nor Keras, so specs are validated at registration; it sits
beside `zoo._specs.component` (which checks a spec's ``training`` table with it), and
`zoo._training.defaults` resolves an entry's merged defaults from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo._base.errors import ZooError, did_you_mean

MODES = ("auto", "min", "max")
SCHEDULES = ("constant", "cosine")
_KERAS_CONFIG_KEYS = ("class_name", "config", "module", "registered_name")
_ZOO_KEYS = ("id", "args")


@dataclass(frozen=True)
class TrainingDefaults:
    """How a model trains when the user does not say otherwise (see the module docs)."""

    loss: Any = None
    metrics: tuple[Any, ...] = ()
    optimizer: Any = "adam"
    learning_rate: float | None = None
    schedule: Any = "constant"
    weight_decay: float | None = None
    monitor: str = "val_loss"
    mode: str = "auto"
    batch_size: int = 32
    epochs: int = 10
    patience: int = 10
    reduce_lr_patience: int = 5

    def merged(self, table: Mapping[str, Any] | None) -> TrainingDefaults:
        """These defaults with the keys of ``table`` (already checked) replacing them."""
        if not table:
            return self
        values = dict(table)
        if "metrics" in values:
            values["metrics"] = tuple(values["metrics"])
        return dataclasses.replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON/TOML-ready table of every field."""
        data = dataclasses.asdict(self)
        data["metrics"] = list(self.metrics)
        return data


FIELDS = tuple(f.name for f in dataclasses.fields(TrainingDefaults))


def check_training(table: object, where: str) -> dict[str, Any]:
    """Validate a ``training`` table; return it as a plain dict, or raise ZooError.

    ``where`` names the table in messages (``"recipes.vision.resnet_small.training"``).
    """
    if not isinstance(table, Mapping):
        raise ZooError(
            f"{where} is a table of training defaults. Received: {table!r}. "
            'Example: { loss = "mse", epochs = 10 }.'
        )
    result: dict[str, Any] = {}
    for key, value in table.items():
        if key not in FIELDS:
            raise ZooError(
                f"{where} accepts the keys {', '.join(FIELDS)}. Received: {key!r}."
                f"{did_you_mean(str(key), FIELDS)}"
            )
        result[key] = _check_value(key, value, f"{where}.{key}")
    return result


def _check_value(key: str, value: Any, where: str) -> Any:
    if key in ("loss", "optimizer"):
        return check_object(value, where)
    if key == "metrics":
        if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
            raise ZooError(
                f'{where} is a list of metrics. Received: {value!r}. Example: ["accuracy"].'
            )
        return [check_object(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if key in ("learning_rate", "weight_decay"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ZooError(
                f"{where} is a non-negative number. Received: {value!r}. Example: 0.001."
            )
        return float(value)
    if key == "schedule":
        if isinstance(value, str):
            if value not in SCHEDULES:
                raise ZooError(
                    f"{where} is one of {', '.join(SCHEDULES)} or a Keras schedule config. "
                    f"Received: {value!r}.{did_you_mean(value, SCHEDULES)}"
                )
            return value
        return check_object(value, where, zoo_allowed=False)
    if key == "monitor":
        if not isinstance(value, str) or not value:
            raise ZooError(
                f'{where} names a logged metric. Received: {value!r}. Example: "val_loss".'
            )
        return value
    if key == "mode":
        if value not in MODES:
            raise ZooError(f"{where} is one of {', '.join(MODES)}. Received: {value!r}.")
        return value
    # batch_size, epochs, patience, reduce_lr_patience
    low = 1 if key in ("batch_size", "epochs") else 0
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ZooError(f"{where} is an integer of at least {low}. Received: {value!r}.")
    return value


def check_object(value: Any, where: str, *, zoo_allowed: bool = True) -> Any:
    """Validate a Keras identifier, Keras config table or zoo component reference."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping):
        keys = set(value)
        if "id" in keys and zoo_allowed:
            unknown = sorted(keys - set(_ZOO_KEYS))
            if unknown or not isinstance(value["id"], str) or "/" not in value["id"]:
                raise ZooError(
                    f'{where}: a zoo component is {{ id = "<plugin>/<Name>", args = {{...}} }}. '
                    f"Received: {dict(value)!r}."
                )
            args = value.get("args", {})
            if not isinstance(args, Mapping):
                raise ZooError(f"{where}.args is a table. Received: {args!r}.")
            for name, arg in args.items():
                if isinstance(arg, Mapping) and set(arg) != {"arg"} and "arg" in arg:
                    raise ZooError(
                        f"{where}.args.{name}: a builder-argument reference is "
                        f'{{ arg = "name" }} alone. Received: {dict(arg)!r}.'
                    )
            return {"id": value["id"], "args": dict(args)}
        if "class_name" in keys:
            unknown = sorted(keys - set(_KERAS_CONFIG_KEYS))
            if unknown or not isinstance(value["class_name"], str):
                raise ZooError(
                    f'{where}: a Keras config is {{ class_name = "...", config = {{...}} }}. '
                    f"Received: unknown keys {unknown}."
                )
            if not isinstance(value.get("config", {}), Mapping):
                raise ZooError(f"{where}.config is a table. Received: {value['config']!r}.")
            return dict(value)
    choices = "a Keras identifier, a Keras config { class_name, config }"
    if zoo_allowed:
        choices += ' or a zoo component { id = "<plugin>/<Name>", args }'
    raise ZooError(f"{where} is {choices}. Received: {value!r}.")
