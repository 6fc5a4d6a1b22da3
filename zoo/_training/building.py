"""What a run trains: the data's splits, and the model built, checked and compiled for them.

The model is built (or taken as given) under the distribution strategy's scope and the
precision's dtype policy, checked against the data before the first step
(`zoo._training.checks`) and compiled with the training defaults (`zoo.compile`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError
from zoo._training.options import FitOptions, warn_slow_precision

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits


def load_splits(data: Any, options: FitOptions, distribution: Any) -> DataSplits:
    """The `zoo.DataSplits` of ``data`` at the global batch size, which splits over replicas."""
    from zoo._data.resolve import load_data

    replicas = distribution.num_replicas_in_sync
    global_batch = options.batch_size
    if global_batch % replicas:
        raise ArgumentError(
            f"The global batch is split evenly over the replicas. Received: batch_size="
            f"{global_batch} over {replicas} replicas. Use a multiple of {replicas}."
        )
    splits = load_data(data, batch_size=global_batch, seed=options.seed, **options.data_args)
    warn_slow_precision(options.precision)
    return splits


def build_model(
    options: FitOptions, splits: DataSplits, distribution: Any
) -> tuple[Any, int | None]:
    """``(the compiled model, steps per epoch)``, made under ``distribution``'s scope."""
    import keras

    from zoo._factory.build import build
    from zoo._training.arguments import implied_arguments
    from zoo._training.checks import check_fits
    from zoo._training.compiling import compile_model
    from zoo._training.epochs import steps_per_epoch

    keras.utils.set_random_seed(options.seed)
    previous_policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(options.precision)
    try:
        with distribution.scope():
            model = options.model
            if model is None:
                entry = options.entry
                assert entry is not None  # fit_options: a model not given is built from its entry
                arguments = implied_arguments(
                    entry, options.overrides, splits.info, options.registry
                )
                model = build(entry.id, arguments, registry=options.registry)
            check_fits(model, splits.info, options.label, _builder_arguments(options))
            steps = steps_per_epoch(splits, options.batch_size)
            compile_model(
                model,
                options.defaults,
                loss=options.loss,
                metrics=options.metrics,
                optimizer=options.optimizer,
                steps_per_epoch=steps,
                epochs=options.epochs,
                jit_compile=options.jit,
            )
    finally:
        keras.config.set_dtype_policy(previous_policy)
    return model, steps


def _builder_arguments(options: FitOptions) -> set[str] | None:
    """The argument names of the model's builder, for the advice of a shape mismatch."""
    from zoo._training.arguments import accepted_arguments

    if options.entry is None:
        return None
    try:
        return accepted_arguments(options.entry, options.registry)
    except Exception:  # only advice: a builder that cannot be inspected gives the default
        return None


__all__ = ["build_model", "load_splits"]
