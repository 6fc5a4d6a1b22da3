"""Subjects: one class per kind of component, each with a method per check."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Iterator
from typing import Any

import keras
import ml_dtypes
import numpy as np

from zoo._factory.build import build
from zoo._kit.checks import (
    COMPUTE_DTYPE,
    MIXED_TOLERANCE,
    batch_independence,
    canonical,
    check_config_complete,
    check_registered,
    compare_shapes,
    covered_by_parts,
    dtype_policy,
    export_check,
    export_formats,
    float32_weights,
    float_inputs_only,
    mixed_layer,
    roundtrip_file,
    xla_model_check,
)
from zoo._kit.data import (
    close,
    has_strings,
    make_inputs,
    make_target,
    projection,
    same,
    symbolic_inputs,
    to_numpy,
)
from zoo._kit.gradients import RETRIES, gradient_check
from zoo._kit.report import Failed, NotApplicable
from zoo._registry import default_registry
from zoo._specs.component import ComponentSpec, Example, Recipe


def spec_example(entry: ComponentSpec | Recipe) -> Example | None:
    # A recipe is its own example: its fixed arguments say what to build.
    return Example() if isinstance(entry, Recipe) else entry.example


def make_subject(entry: ComponentSpec | Recipe, ex: Example) -> Subject:
    if isinstance(entry, Recipe) or entry.kind == "model":
        return ModelSubject(entry, ex)
    implementation = default_registry().get(entry.id)
    kind = entry.kind
    if kind == "preprocessor" and is_layer_class(implementation):
        kind = "layer"
    return SUBJECTS.get(kind, OtherSubject)(entry, ex, implementation)


def is_layer_class(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, keras.layers.Layer)


class Subject:
    def __init__(self, spec: ComponentSpec | Recipe, ex: Example, implementation: Any = None):
        self.spec = spec
        self.ex = ex
        self.implementation = implementation
        self.plugin = spec.plugin
        self.default_shape: Any = None
        self.dtypes: Any = None

    def check_config(self) -> None:
        raise NotApplicable(f"no config check for a {self.spec.kind}")

    def check_keras_file(self) -> None:
        raise NotApplicable(f"no .keras check for a {self.spec.kind}")

    def check_gradients(self) -> None:
        raise NotApplicable(f"nothing to differentiate in a {self.spec.kind}")

    def check_shapes(self) -> None:
        raise NotApplicable(f"no shapes to compare for a {self.spec.kind}")

    def check_registered_name(self) -> None:
        if not inspect.isclass(self.implementation):
            raise NotApplicable("not a class")
        check_registered([self.implementation], self.plugin)

    def check_batch_independence(self) -> None:
        raise NotApplicable(f"a {self.spec.kind} has no per-sample inference")

    def check_mixed(self, policy: str) -> None:
        raise NotApplicable(f"no mixed-precision check for a {self.spec.kind}")

    def fresh_batches(self, x: Any) -> Iterator[Any]:
        """The example's batch, then up to RETRIES fresh ones (generated inputs only)."""
        yield x
        if self.ex.inputs is None:
            for draw in range(1, RETRIES + 1):
                yield make_inputs(self.ex, self.default_shape, self.dtypes, draw=draw)

    def check_xla(self) -> None:
        raise NotApplicable(f"no XLA check for a {self.spec.kind}")

    def check_export(self) -> None:
        if export_formats(self.spec):
            raise Failed(f"a {self.spec.kind} cannot be exported; remove its export tags")
        raise NotApplicable(f"a {self.spec.kind} is not exported on its own")


class LayerSubject(Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.layer = implementation(**ex.kwargs)
        self.x = make_inputs(ex)
        self.y = self.layer(self.x)

    def _clone(self) -> Any:
        """A new layer from the config, built on the inputs, with the same weights."""
        clone = self.implementation.from_config(self.layer.get_config())
        clone(self.x)
        clone.set_weights(self.layer.get_weights())
        return clone

    def check_config(self) -> None:
        config = self.layer.get_config()
        check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if canonical(clone.get_config()) != canonical(config):
            raise Failed("from_config(get_config()) gives a different config")
        clone(self.x)
        clone.set_weights(self.layer.get_weights())
        same(self.y, clone(self.x), "config clone")

    def check_keras_file(self) -> None:
        inputs = symbolic_inputs(self.x)
        model = keras.Model(inputs, self.layer(inputs))
        same(model(self.x), roundtrip_file(model)(self.x), ".keras round trip")

    def check_gradients(self) -> None:
        weights = self.layer.trainable_weights
        if not weights:
            raise NotApplicable("no trainable weights")
        read_out = projection(self.y)
        gradient_check(
            lambda x: read_out(self.layer(x, training=True)),
            self.fresh_batches(self.x),
            weights,
            [w.path for w in weights],
            self.ex.allow_zero_gradient,
        )

    def check_shapes(self) -> None:
        compare_shapes(self.layer(symbolic_inputs(self.x)), self.y)

    def check_registered_name(self) -> None:
        check_registered([type(self.layer)], self.plugin)

    def check_batch_independence(self) -> None:
        batch_independence(self.layer, self.x)

    def check_mixed(self, policy: str) -> None:
        def make(**dtype: Any) -> Any:
            return self.implementation(**{**self.ex.kwargs, **dtype})

        y = mixed_layer(make, self.layer.get_weights(), self.x, policy)
        close(self.layer(self.x), y, f"{policy} against float32", MIXED_TOLERANCE[policy])

    def check_xla(self) -> None:
        float_inputs_only(self.x)
        inputs = symbolic_inputs(self.x)
        model = keras.Model(inputs, self._clone()(inputs))
        xla_model_check(model, self.x, self.layer(self.x))

    def check_export(self) -> None:
        inputs = symbolic_inputs(self.x)
        export_check(self.spec, keras.Model(inputs, self.layer(inputs)), self.x)


def rounded(array: Any, dtype: str) -> np.ndarray:
    """``array`` rounded to the compute dtype, as NumPy.

    bfloat16 comes back as float32 holding bfloat16 values: Keras' torch backend keeps
    an ml_dtypes bfloat16 array bfloat16 even when asked to cast it to float32.
    """
    if dtype == "bfloat16":
        return np.asarray(array).astype(ml_dtypes.bfloat16).astype("float32")
    return np.asarray(array).astype(dtype)


class TrainableScale(keras.layers.Layer):
    """x * w with one trainable scalar: the smallest model a loss can train (kit only)."""

    def build(self, input_shape: Any) -> None:
        self.w = self.add_weight(shape=(), initializer="ones", name="w")

    def call(self, x: Any) -> Any:
        return x * keras.ops.cast(self.w, x.dtype)


class LossSubject(Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.loss = implementation(**ex.kwargs)
        self.y_pred = make_inputs(ex)
        self.y_true = make_target(ex, self.y_pred)
        self.value = self.loss(self.y_true, self.y_pred)

    def check_config(self) -> None:
        config = self.loss.get_config()
        check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if canonical(clone.get_config()) != canonical(config):
            raise Failed("from_config(get_config()) gives a different config")
        same(self.value, clone(self.y_true, self.y_pred), "config clone")

    def check_keras_file(self) -> None:
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(loss=self.loss)
        loaded = roundtrip_file(model, compile_args={})
        restored = loaded.loss
        if not isinstance(restored, self.implementation):
            raise Failed(f"the loaded model's loss is {type(restored).__name__}")
        same(self.value, restored(self.y_true, self.y_pred), ".keras round trip")

    def check_gradients(self) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise NotApplicable("the prediction is not floating point")
        y_pred = keras.Variable(self.y_pred, name="y_pred")
        gradient_check(
            lambda _: self.loss(self.y_true, y_pred),
            [None],
            [y_pred],
            ["y_pred"],
            self.ex.allow_zero_gradient,
        )

    def check_shapes(self) -> None:
        value = to_numpy(self.value)[0]
        if value.shape != () or not np.isfinite(value):
            raise Failed(f"the reduced loss is a finite scalar; got shape {value.shape}: {value}")

    def check_mixed(self, policy: str) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise NotApplicable("the prediction is not floating point")
        # A mixed-precision model hands the loss predictions in its compute dtype.
        dtype = COMPUTE_DTYPE[policy]
        with dtype_policy(policy):
            y_pred = rounded(self.y_pred, dtype)
            value = self.implementation(**self.ex.kwargs)(self.y_true, y_pred)
        what = f"loss of {dtype} predictions against float32"
        close(self.value, value, what, MIXED_TOLERANCE[policy])

    def check_xla(self) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise NotApplicable("the prediction is not floating point")
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, TrainableScale()(inputs))
        model.compile(
            optimizer=keras.optimizers.SGD(1e-2),
            loss=self.implementation(**self.ex.kwargs),
            jit_compile=True,
        )
        # The step reports the loss before its update, when the scale is still 1.
        loss = model.train_on_batch(self.y_pred, self.y_true)
        same(self.value, loss, "XLA-compiled loss against eager", atol=1e-5, rtol=1e-4)
        if float(keras.ops.convert_to_numpy(model.trainable_weights[0])) == 1.0:
            raise Failed("one XLA fit step on this loss changed nothing")


class MetricSubject(Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.metric = implementation(**ex.kwargs)
        self.y_pred = make_inputs(ex)
        self.y_true = make_target(ex, self.y_pred)
        self.metric.update_state(self.y_true, self.y_pred)
        self.value = self.metric.result()

    def check_config(self) -> None:
        config = self.metric.get_config()
        check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if canonical(clone.get_config()) != canonical(config):
            raise Failed("from_config(get_config()) gives a different config")
        fresh = clone.result()
        clone.update_state(self.y_true, self.y_pred)
        same(self.value, clone.result(), "config clone")
        clone.reset_state()
        same(fresh, clone.result(), "reset_state")

    def _evaluate(self, model: Any) -> dict[str, Any]:
        return model.evaluate(
            x=self.y_pred,
            y=self.y_true,
            batch_size=len(self.y_pred),
            verbose=0,
            return_dict=True,
        )

    def _identity_model(self, jit_compile: bool = False) -> Any:
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(
            loss=self._loss(),
            metrics=[self.implementation(**self.ex.kwargs)],
            jit_compile=jit_compile,
        )
        return model

    def _loss(self) -> Any:
        """The loss compiled beside the metric: the example's, or one its targets fit."""
        if self.ex.loss is not None:
            return keras.losses.get(self.ex.loss)
        true, pred = np.shape(self.y_true), np.shape(self.y_pred)
        labels = np.asarray(self.y_true).dtype.kind in "iu"
        if labels and len(pred) >= 2 and pred[-1] > 1 and true in (pred[:-1], (*pred[:-1], 1)):
            # Integer labels against per-class scores: a sparse metric.
            return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        try:
            np.broadcast_shapes(true, pred)
        except ValueError:
            raise Failed(
                f"targets of shape {true} and predictions of shape {pred} fit neither mse nor "
                "sparse categorical cross-entropy; name the loss in the example (loss=...)"
            ) from None
        return "mse"

    def check_keras_file(self) -> None:
        model = self._identity_model()
        loaded = roundtrip_file(model, compile_args={})
        before, after = self._evaluate(model), self._evaluate(loaded)
        if sorted(before) != sorted(after):
            raise Failed(f"metrics before {sorted(before)}, after {sorted(after)}")
        same([before[k] for k in sorted(before)], [after[k] for k in sorted(after)], ".keras")

    def check_shapes(self) -> None:
        for value in to_numpy(self.value):
            if not np.all(np.isfinite(value)):
                raise Failed(f"the result is not finite: {value}")

    def check_mixed(self, policy: str) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise NotApplicable("the prediction is not floating point")
        dtype = COMPUTE_DTYPE[policy]
        with dtype_policy(policy):
            metric = self.implementation(**self.ex.kwargs)
            metric.update_state(self.y_true, rounded(self.y_pred, dtype))
            value = metric.result()
        # A metric accumulates in float32 but sees rounded predictions: twice the slack.
        what = f"metric of {dtype} predictions against float32"
        close(self.value, value, what, 2.5 * MIXED_TOLERANCE[policy])

    def check_xla(self) -> None:
        if has_strings(self.y_pred):
            raise NotApplicable("string inputs: XLA compiles numeric graphs only")
        model = self._identity_model(jit_compile=True)
        if not model.jit_compile:
            raise NotApplicable("declared not XLA-compatible (supports_jit=False)")
        compiled = self._evaluate(model)
        eager = self._evaluate(self._identity_model())
        same(
            [eager[k] for k in sorted(eager)],
            [compiled[k] for k in sorted(compiled)],
            "XLA-compiled evaluation against eager",
            atol=1e-5,
            rtol=1e-4,
        )


class InitializerSubject(Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.initializer = implementation(**ex.kwargs)
        if ex.input_shape is None:
            raise Failed("an initializer's example gives input_shape: the weight shape")
        self.shape = tuple(ex.input_shape)
        self.value = self.initializer(self.shape, dtype="float32")

    def check_config(self) -> None:
        config = self.initializer.get_config()
        check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if canonical(clone.get_config()) != canonical(config):
            raise Failed("from_config(get_config()) gives a different config")

    def check_shapes(self) -> None:
        if tuple(self.value.shape) != self.shape:
            raise Failed(f"asked for shape {self.shape}, got {tuple(self.value.shape)}")


class OtherSubject(Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)


class ModelSubject(Subject):
    def __init__(self, spec: ComponentSpec | Recipe, ex: Example):
        super().__init__(spec, ex)
        self.model = build(spec.id, ex.kwargs)
        # One shape per input; a single-input model's is the shape itself.
        default_shape: list[tuple[Any, ...]] | tuple[Any, ...]
        default_shape = [(2, *t.shape[1:]) for t in self.model.inputs]
        if any(d is None for s in default_shape for d in s) and ex.input_shape is None:
            raise Failed("the model has free input dimensions; give the example an input_shape")
        if len(default_shape) == 1:
            default_shape = default_shape[0]
        dtypes = None
        if ex.dtype == "float32" and self.model.inputs and ex.inputs is None:
            dtypes = [str(t.dtype) for t in self.model.inputs]  # each input its own dtype
            self.ex = dataclasses.replace(ex, dtype=dtypes[0])
        self.default_shape, self.dtypes = default_shape, dtypes
        self.x = make_inputs(self.ex, default_shape, dtypes)
        self.y = self.model(self.x, training=False)

    def _rebuild(self) -> Any:
        """The same model built again by its builder, with the same weights."""
        model = build(self.spec.id, self.ex.kwargs)
        model.set_weights(self.model.get_weights())
        return model

    def check_config(self) -> None:
        clone = type(self.model).from_config(self.model.get_config())
        clone.set_weights(self.model.get_weights())
        same(self.y, clone(self.x, training=False), "config clone")

    def check_keras_file(self) -> None:
        loaded = roundtrip_file(self.model)
        same(self.y, loaded(self.x, training=False), ".keras round trip")

    def check_gradients(self) -> None:
        weights = self.model.trainable_weights
        if not weights:
            raise NotApplicable("no trainable weights")
        read_out = projection(self.y)
        gradient_check(
            lambda x: read_out(self.model(x, training=True)),
            self.fresh_batches(self.x),
            weights,
            [w.path for w in weights],
            self.ex.allow_zero_gradient,
        )

    def check_shapes(self) -> None:
        compare_shapes(self.model.outputs, self.y)

    def check_registered_name(self) -> None:
        classes = {type(self.model)} | {type(layer) for layer in self.model._flatten_layers()}
        check_registered(sorted(classes, key=lambda c: c.__qualname__), None)

    def check_batch_independence(self) -> None:
        batch_independence(lambda x: self.model(x, training=False), self.x)

    def check_mixed(self, policy: str) -> None:
        covered_by_parts(self.spec, "mixed_precision" if policy == "mixed_float16" else policy)
        with dtype_policy(policy):
            model = build(self.spec.id, self.ex.kwargs)
            model.set_weights(self.model.get_weights())
            float32_weights(model.weights, policy)
            y = model(self.x, training=False)
        reference = self.model(self.x, training=False)
        close(reference, y, f"{policy} against float32", MIXED_TOLERANCE[policy])

    def check_xla(self) -> None:
        covered_by_parts(self.spec, "xla")
        float_inputs_only(self.x)
        xla_model_check(self._rebuild(), self.x, self.model(self.x, training=False))

    def check_export(self) -> None:
        export_check(self.spec, self.model, self.x)


SUBJECTS: dict[str, type[Subject]] = {
    "layer": LayerSubject,
    "loss": LossSubject,
    "metric": MetricSubject,
    "initializer": InitializerSubject,
}
