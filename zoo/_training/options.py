"""The options of one `zoo.fit` call, checked at once, and what a resumed run remembers.

`fit_options` checks every argument before anything is built or written, resolves the
recipe, its training defaults and the callbacks; `FitOptions.settled` then fills what
the call left open from the run being resumed (its epochs, batch size, learning rate)
or from the training defaults.
"""

from __future__ import annotations

import dataclasses
import numbers
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError, ZooWarning, did_you_mean
from zoo._training import run_folder
from zoo._training.defaults import TrainingDefaults, check_training, training_defaults

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import Entry

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
JITS = {"auto": "auto", "on": True, "off": False, True: True, False: False}


@dataclass(frozen=True)
class FitOptions:
    """The checked options of a `zoo.fit` call (see its arguments)."""

    registry: Registry
    entry: Entry | None  # the recipe or builder (None: a model the zoo did not build)
    model: Any  # the model given (None: built from ``entry``)
    label: str
    defaults: TrainingDefaults
    callbacks: list[Any]
    overrides: dict[str, Any]
    data_args: dict[str, Any]
    epochs: int  # 0: not given (until settled)
    batch_size: int  # 0: not given (until settled)
    learning_rate: float | None
    seed: int
    precision: str
    jit: Any
    verbose: int
    loss: Any
    metrics: Any
    optimizer: Any

    def settled(self, earlier: Mapping[str, Any] | None) -> FitOptions:
        """Epochs, batch size, learning rate: given, else the resumed run's, else the defaults."""
        learning_rate = run_folder.remembered(earlier, "learning_rate", self.learning_rate)
        defaults = self.defaults
        if learning_rate is not None:
            defaults = defaults.merged(check_training({"learning_rate": learning_rate}, "fit"))
        return dataclasses.replace(
            self,
            defaults=defaults,
            learning_rate=learning_rate,
            epochs=run_folder.remembered(earlier, "epochs", self.epochs or None) or defaults.epochs,
            batch_size=run_folder.remembered(earlier, "batch_size", self.batch_size or None)
            or defaults.batch_size,
        )

    def run_options(self, data: Any) -> dict[str, Any]:
        """``run.json["options"]`` (settled options): what ``--resume`` repeats."""
        return run_folder.run_options(
            recipe=self.label,
            overrides=self.overrides,
            data=data,
            data_arguments=self.data_args,
            seed=self.seed,
            precision=self.precision,
            epochs=self.epochs,
            batch_size=self.batch_size,
            jit=self.jit,
            learning_rate=self.learning_rate,
        )


def fit_options(given: Mapping[str, Any]) -> FitOptions:
    """Check the arguments of `zoo.fit` (by name) and resolve the recipe, defaults, callbacks."""
    from zoo._registry import default_registry
    from zoo._training.arguments import model_entry
    from zoo._training.callbacks import callback_of

    checked = check_options(
        epochs=given["epochs"],
        batch_size=given["batch_size"],
        seed=given["seed"],
        precision=given["precision"],
        jit=given["jit"],
        verbose=given["verbose"],
    )
    overrides = dict(given["overrides"] or {})
    registry = default_registry()
    entry, model = model_entry(given["model_or_name"], overrides, registry)
    callbacks = [callback_of(c, registry) for c in given["callbacks"]]
    learning_rate = given["learning_rate"]
    if learning_rate is not None:
        check_training({"learning_rate": learning_rate}, "fit")
    return FitOptions(
        registry=registry,
        entry=entry,
        model=model,
        label=entry.id if entry is not None else model.name,
        defaults=training_defaults(entry, registry) if entry is not None else TrainingDefaults(),
        callbacks=callbacks,
        overrides=overrides,
        data_args=dict(given["data_args"] or {}),
        learning_rate=learning_rate,
        loss=given["loss"],
        metrics=given["metrics"],
        optimizer=given["optimizer"],
        epochs=checked.pop("epochs") or 0,
        batch_size=checked.pop("batch_size") or 0,
        **checked,
    )


def check_options(**options: Any) -> dict[str, Any]:
    """``epochs``, ``batch_size``, ``seed``, ``precision``, ``jit`` and ``verbose``, checked.

    ``jit`` becomes ``"auto"``, True or False; ``verbose="auto"`` becomes 1 on a terminal
    and 2 otherwise.
    """
    for name in ("epochs", "batch_size"):
        value = options[name]
        if value is not None and (isinstance(value, bool) or not is_int(value) or value < 1):
            raise ArgumentError(f"{name} is a positive integer. Received: {name}={value!r}.")
        options[name] = None if value is None else int(value)
    if isinstance(options["seed"], bool) or not is_int(options["seed"]):
        raise ArgumentError(f"seed is an integer. Received: seed={options['seed']!r}.")
    precision = options["precision"]
    if precision not in PRECISIONS:
        raise ArgumentError(
            f"precision is one of {', '.join(PRECISIONS)}. Received: precision={precision!r}."
            f"{did_you_mean(str(precision), PRECISIONS)}"
        )
    try:
        options["jit"] = JITS[options["jit"]]
    except (KeyError, TypeError):
        raise ArgumentError(
            f"jit is 'auto', 'on' or 'off'. Received: jit={options['jit']!r}."
        ) from None
    verbose = options["verbose"]
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2):
        raise ArgumentError(f"verbose is 'auto', 0, 1 or 2. Received: verbose={verbose!r}.")
    options["verbose"] = verbose
    return options


def is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral)


def warn_slow_precision(precision: str) -> None:
    """Warn when ``mixed_bfloat16`` would be emulated (no native bfloat16 here), slower."""
    if precision != "mixed_bfloat16":
        return
    flags = run_folder.machine()["cpu_flags"]
    if not {"avx512_bf16", "amx_bf16"} & set(flags):
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            warnings.warn(
                "This CPU has no native bfloat16 instructions (no avx512_bf16 or amx_bf16), "
                "so mixed_bfloat16 emulates them and trains slower than float32. "
                "Use precision='float32' here.",
                ZooWarning,
                stacklevel=4,
            )


__all__ = ["JITS", "PRECISIONS", "FitOptions", "check_options", "fit_options", "is_int"]
