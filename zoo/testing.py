"""The conformance kit: one call puts a registered component through the zoo's checks.

    import zoo.testing
    report = zoo.testing.check("vision/PixelShuffle")
    print(report)                      # one line per check: passed / failed / not applicable
    zoo.testing.assert_conforms("vision/PixelShuffle")   # raises AssertionError on a failure

The checks, each reported separately (a failure does not stop the others):

- ``config``: ``get_config`` holds every constructor argument, ``from_config`` rebuilds
  an equal config, and with the same weights the clone computes the same outputs;
- ``keras_file``: a ``.keras`` save and ``load_model(safe_mode=True)`` keep the outputs;
- ``gradients``: every trainable weight (for a loss: the prediction) gets a finite,
  non-zero gradient (TensorFlow backend);
- ``shapes``: the symbolic output shape (from ``keras.Input``) agrees with the eager one;
- ``registered_name``: every zoo class involved is saved as ``zoo.<plugin>>Name``.

Inputs come from the spec's `zoo.Example` (or one passed in). Third parties run the
same checks in their CI: ``pytest.mark.parametrize("name", zoo.testing.component_ids(
plugin="mine"))`` then ``zoo.testing.assert_conforms(name)``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

import zoo
from zoo._registry import default_registry
from zoo._spec import ComponentSpec, Example, Recipe

__all__ = ["CheckResult", "Report", "assert_conforms", "check", "component_ids"]

Status = Literal["passed", "failed", "not applicable"]
CHECKS = ("config", "keras_file", "gradients", "shapes", "registered_name")
SEED = 1234


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one component."""

    check: str
    status: Status
    reason: str = ""


@dataclass
class Report:
    """Every check's outcome for one component."""

    component: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "failed"]

    def status(self, check: str) -> Status:
        """The status of one check by name."""
        for result in self.results:
            if result.check == check:
                return result.status
        raise KeyError(check)

    def __str__(self) -> str:
        lines = [self.component]
        for r in self.results:
            lines.append(f"  {r.check:<16} {r.status}" + (f": {r.reason}" if r.reason else ""))
        return "\n".join(lines)


class _NotApplicable(Exception):
    """Raised inside a check that does not apply to this component."""


class _Failed(Exception):
    """Raised inside a check that found a problem."""


def component_ids(
    pattern: str | None = None, *, kind: str | None = None, plugin: str | None = None
) -> list[str]:
    """Ids of the registered components and recipes, for ``pytest.mark.parametrize``."""
    return [e.id for e in zoo.list_components(pattern, kind=kind, plugin=plugin)]


def assert_conforms(name: str, *, example: Example | Mapping[str, Any] | None = None) -> Report:
    """Run `check` and raise AssertionError listing every failed check."""
    report = check(name, example=example)
    if not report.ok:
        raise AssertionError(f"{name} does not conform:\n{report}")
    return report


def check(name: str, *, example: Example | Mapping[str, Any] | None = None) -> Report:
    """Put the component or recipe ``name`` through every check; never raises for a failure.

    Args:
        name: an id or unique short name of a registered layer, loss, metric, model,
            preprocessor, initializer or callback (or a recipe).
        example: how to exercise it; defaults to the spec's own ``example``.
    """
    entry = default_registry().resolve(name)
    report = Report(entry.id)
    ex = Example.coerce(example) if example is not None else _spec_example(entry)
    if ex is None:
        report.results = [
            CheckResult(c, "failed", "the spec declares no example; add example={...}")
            for c in CHECKS
        ]
        return report
    try:
        subject = _make_subject(entry, ex)
    except Exception as error:
        reason = f"could not set it up from its example: {type(error).__name__}: {error}"
        report.results = [CheckResult(c, "failed", reason) for c in CHECKS]
        return report
    for name_ in CHECKS:
        method = getattr(subject, f"check_{name_}")
        try:
            method()
        except _NotApplicable as reason:
            report.results.append(CheckResult(name_, "not applicable", str(reason)))
        except Exception as error:  # a failed check, whatever raised it
            reason = (
                str(error) if isinstance(error, _Failed) else f"{type(error).__name__}: {error}"
            )
            report.results.append(CheckResult(name_, "failed", reason))
        else:
            report.results.append(CheckResult(name_, "passed"))
    return report


# === Helpers ===


def _spec_example(entry: ComponentSpec | Recipe) -> Example | None:
    # A recipe is its own example: its fixed arguments say what to build.
    return Example() if isinstance(entry, Recipe) else entry.example


def _make_subject(entry: ComponentSpec | Recipe, ex: Example) -> _Subject:
    if isinstance(entry, Recipe) or entry.kind == "model":
        return _ModelSubject(entry, ex)
    implementation = default_registry().get(entry.id)
    kind = entry.kind
    if kind == "preprocessor" and _is_layer_class(implementation):
        kind = "layer"
    return _SUBJECTS.get(kind, _OtherSubject)(entry, ex, implementation)


def _is_layer_class(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, keras.layers.Layer)


def _random(shape: Sequence[int], dtype: str, bounds: Sequence[float] | None, rng: Any) -> Any:
    shape = tuple(int(d) for d in shape)
    if "int" in dtype:
        low, high = bounds if bounds is not None else (0, 10)
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if bounds is not None:
        return rng.uniform(bounds[0], bounds[1], size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


def _is_multi(shape: Sequence[Any]) -> bool:
    return len(shape) > 0 and isinstance(shape[0], (list, tuple))


def _make_inputs(ex: Example, default_shape: Any = None) -> Any:
    if ex.inputs is not None:
        if isinstance(ex.inputs, Mapping):
            return {k: np.asarray(v) for k, v in ex.inputs.items()}
        return np.asarray(ex.inputs)
    shape = ex.input_shape if ex.input_shape is not None else default_shape
    if shape is None:
        raise _Failed("the example gives neither inputs nor input_shape")
    rng = np.random.default_rng(SEED)
    if _is_multi(shape):
        return [_random(s, ex.dtype, ex.input_range, rng) for s in shape]
    return _random(shape, ex.dtype, ex.input_range, rng)


def _make_target(ex: Example, like: Any) -> Any:
    rng = np.random.default_rng(SEED + 1)
    shape = ex.target_shape if ex.target_shape is not None else np.shape(like)
    return _random(shape, ex.target_dtype, ex.target_range, rng)


def _numpy(value: Any) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in keras.tree.flatten(value)]


def _same(a: Any, b: Any, what: str, atol: float = 1e-5) -> None:
    left, right = _numpy(a), _numpy(b)
    if len(left) != len(right):
        raise _Failed(f"{what}: {len(left)} outputs before, {len(right)} after")
    for i, (x, y) in enumerate(zip(left, right)):
        if x.shape != y.shape:
            raise _Failed(f"{what}: output {i} has shape {x.shape} before, {y.shape} after")
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=1e-5, atol=atol, equal_nan=True):
                diff = float(np.nanmax(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                raise _Failed(f"{what}: output {i} differs by up to {diff:.3g}")
        elif not np.array_equal(x, y):
            raise _Failed(f"{what}: output {i} differs")


def _canonical(config: Any) -> str:
    return json.dumps(config, sort_keys=True, default=repr)


def _constructor_arguments(cls: type) -> list[str]:
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return []
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in signature.parameters.values() if p.kind in named and p.name != "self"]


def _check_config_complete(cls: type, config: Mapping[str, Any]) -> None:
    missing = [a for a in _constructor_arguments(cls) if a not in config]
    if missing:
        raise _Failed(f"get_config() lacks the constructor argument(s) {', '.join(missing)}")


def _check_registered(classes: Sequence[type], plugin: str | None) -> None:
    """Every non-Keras class must be registered as ``zoo.<plugin>>Name``."""
    problems = []
    for cls in classes:
        if cls.__module__.startswith("keras"):
            continue
        registered = keras.saving.get_registered_name(cls)
        package, sep, _ = registered.partition(">")
        if not sep or not package.startswith("zoo."):
            problems.append(
                f"{cls.__module__}.{cls.__qualname__} is not registered (decorate it with "
                "@zoo.serializable(<plugin>))"
            )
        elif plugin is not None and package != f"zoo.{plugin}":
            problems.append(
                f"{cls.__qualname__} is registered as {registered!r}, expected zoo.{plugin}>"
            )
    if problems:
        raise _Failed("; ".join(problems))


def _gradient_check(
    compute: Callable[[], Any], variables: Sequence[Any], names: Sequence[str]
) -> None:
    if keras.config.backend() != "tensorflow":
        raise _NotApplicable("the gradient check runs on the tensorflow backend")
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = compute()
    grads = tape.gradient(value, list(variables))
    problems = []
    for name, grad in zip(names, grads):
        if grad is None:
            problems.append(f"{name} gets no gradient")
            continue
        grad = tf.convert_to_tensor(grad).numpy()
        if not np.all(np.isfinite(grad)):
            problems.append(f"{name} gets a non-finite gradient")
        elif not np.any(grad):
            problems.append(f"{name} gets an all-zero gradient")
    if problems:
        raise _Failed("; ".join(problems))


def _projection(outputs: Any) -> Callable[[Any], Any]:
    """A fixed random linear read-out, so no output symmetry cancels the gradients."""
    weights = [
        np.random.default_rng(SEED + 2 + i).standard_normal(np.shape(o)).astype("float32")
        for i, o in enumerate(_numpy(outputs))
    ]

    def read_out(values: Any) -> Any:
        total = 0.0
        for value, w in zip(keras.tree.flatten(values), weights):
            total = total + keras.ops.sum(keras.ops.cast(value, "float32") * w)
        return total

    return read_out


def _symbolic_inputs(x: Any) -> Any:
    def one(array: Any) -> Any:
        array = np.asarray(array)
        dtype = "string" if array.dtype.kind in "OUS" else str(array.dtype)
        return keras.Input(shape=array.shape[1:], dtype=dtype)

    if isinstance(x, Mapping):
        return {k: one(v) for k, v in x.items()}
    if isinstance(x, list):
        return [one(v) for v in x]
    return one(x)


def _compare_shapes(symbolic: Any, eager: Any) -> None:
    sym = keras.tree.flatten(symbolic)
    real = _numpy(eager)
    if len(sym) != len(real):
        raise _Failed(f"{len(sym)} symbolic outputs, {len(real)} eager ones")
    for i, (s, e) in enumerate(zip(sym, real)):
        shape = tuple(s.shape)
        if len(shape) != e.ndim or any(d is not None and d != r for d, r in zip(shape, e.shape)):
            raise _Failed(f"output {i}: symbolic shape {shape}, eager shape {e.shape}")


def _roundtrip_file(model: Any, compile_args: Mapping[str, Any] | None = None) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "component.keras"
        model.save(path)
        return keras.saving.load_model(path, safe_mode=True, compile=compile_args is not None)


# === Subjects: one per kind ===


class _Subject:
    def __init__(self, spec: ComponentSpec | Recipe, ex: Example, implementation: Any = None):
        self.spec = spec
        self.ex = ex
        self.implementation = implementation
        self.plugin = spec.plugin

    def check_config(self) -> None:
        raise _NotApplicable(f"no config check for a {self.spec.kind}")

    def check_keras_file(self) -> None:
        raise _NotApplicable(f"no .keras check for a {self.spec.kind}")

    def check_gradients(self) -> None:
        raise _NotApplicable(f"nothing to differentiate in a {self.spec.kind}")

    def check_shapes(self) -> None:
        raise _NotApplicable(f"no shapes to compare for a {self.spec.kind}")

    def check_registered_name(self) -> None:
        if not inspect.isclass(self.implementation):
            raise _NotApplicable("not a class")
        _check_registered([self.implementation], self.plugin)


class _LayerSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.layer = implementation(**ex.kwargs)
        self.x = _make_inputs(ex)
        self.y = self.layer(self.x)

    def check_config(self) -> None:
        config = self.layer.get_config()
        _check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if _canonical(clone.get_config()) != _canonical(config):
            raise _Failed("from_config(get_config()) gives a different config")
        clone(self.x)
        clone.set_weights(self.layer.get_weights())
        _same(self.y, clone(self.x), "config clone")

    def check_keras_file(self) -> None:
        inputs = _symbolic_inputs(self.x)
        model = keras.Model(inputs, self.layer(inputs))
        _same(model(self.x), _roundtrip_file(model)(self.x), ".keras round trip")

    def check_gradients(self) -> None:
        weights = self.layer.trainable_weights
        if not weights:
            raise _NotApplicable("no trainable weights")
        read_out = _projection(self.y)
        _gradient_check(
            lambda: read_out(self.layer(self.x, training=True)),
            weights,
            [w.path for w in weights],
        )

    def check_shapes(self) -> None:
        _compare_shapes(self.layer(_symbolic_inputs(self.x)), self.y)

    def check_registered_name(self) -> None:
        _check_registered([type(self.layer)], self.plugin)


class _LossSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.loss = implementation(**ex.kwargs)
        self.y_pred = _make_inputs(ex)
        self.y_true = _make_target(ex, self.y_pred)
        self.value = self.loss(self.y_true, self.y_pred)

    def check_config(self) -> None:
        config = self.loss.get_config()
        _check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if _canonical(clone.get_config()) != _canonical(config):
            raise _Failed("from_config(get_config()) gives a different config")
        _same(self.value, clone(self.y_true, self.y_pred), "config clone")

    def check_keras_file(self) -> None:
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(loss=self.loss)
        loaded = _roundtrip_file(model, compile_args={})
        restored = loaded.loss
        if not isinstance(restored, self.implementation):
            raise _Failed(f"the loaded model's loss is {type(restored).__name__}")
        _same(self.value, restored(self.y_true, self.y_pred), ".keras round trip")

    def check_gradients(self) -> None:
        if keras.config.backend() != "tensorflow":
            raise _NotApplicable("the gradient check runs on the tensorflow backend")
        import tensorflow as tf

        y_pred = tf.Variable(self.y_pred)
        _gradient_check(lambda: self.loss(self.y_true, y_pred), [y_pred], ["y_pred"])

    def check_shapes(self) -> None:
        value = _numpy(self.value)[0]
        if value.shape != () or not np.isfinite(value):
            raise _Failed(f"the reduced loss is a finite scalar; got shape {value.shape}: {value}")


class _MetricSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.metric = implementation(**ex.kwargs)
        self.y_pred = _make_inputs(ex)
        self.y_true = _make_target(ex, self.y_pred)
        self.metric.update_state(self.y_true, self.y_pred)
        self.value = self.metric.result()

    def check_config(self) -> None:
        config = self.metric.get_config()
        _check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if _canonical(clone.get_config()) != _canonical(config):
            raise _Failed("from_config(get_config()) gives a different config")
        fresh = clone.result()
        clone.update_state(self.y_true, self.y_pred)
        _same(self.value, clone.result(), "config clone")
        clone.reset_state()
        _same(fresh, clone.result(), "reset_state")

    def check_keras_file(self) -> None:
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, keras.layers.Identity()(inputs))
        model.compile(loss="mse", metrics=[self.implementation(**self.ex.kwargs)])
        loaded = _roundtrip_file(model, compile_args={})
        kwargs = {"x": self.y_pred, "y": self.y_true, "verbose": 0, "return_dict": True}
        before = model.evaluate(batch_size=len(self.y_pred), **kwargs)
        after = loaded.evaluate(batch_size=len(self.y_pred), **kwargs)
        if sorted(before) != sorted(after):
            raise _Failed(f"metrics before {sorted(before)}, after {sorted(after)}")
        _same([before[k] for k in sorted(before)], [after[k] for k in sorted(after)], ".keras")

    def check_shapes(self) -> None:
        for value in _numpy(self.value):
            if not np.all(np.isfinite(value)):
                raise _Failed(f"the result is not finite: {value}")


class _InitializerSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.initializer = implementation(**ex.kwargs)
        if ex.input_shape is None:
            raise _Failed("an initializer's example gives input_shape: the weight shape")
        self.shape = tuple(ex.input_shape)
        self.value = self.initializer(self.shape, dtype="float32")

    def check_config(self) -> None:
        config = self.initializer.get_config()
        _check_config_complete(self.implementation, config)
        clone = self.implementation.from_config(config)
        if _canonical(clone.get_config()) != _canonical(config):
            raise _Failed("from_config(get_config()) gives a different config")

    def check_shapes(self) -> None:
        if tuple(self.value.shape) != self.shape:
            raise _Failed(f"asked for shape {self.shape}, got {tuple(self.value.shape)}")


class _OtherSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)


class _ModelSubject(_Subject):
    def __init__(self, spec: ComponentSpec | Recipe, ex: Example):
        super().__init__(spec, ex)
        self.model = default_registry().build(spec.id, **ex.kwargs)
        default_shape = [(2, *t.shape[1:]) for t in self.model.inputs]
        if any(d is None for s in default_shape for d in s) and ex.input_shape is None:
            raise _Failed("the model has free input dimensions; give the example an input_shape")
        if len(default_shape) == 1:
            default_shape = default_shape[0]
        if ex.dtype == "float32" and self.model.inputs and ex.inputs is None:
            dtype = self.model.inputs[0].dtype
            self.ex = dataclasses.replace(ex, dtype=str(dtype))
        self.x = _make_inputs(self.ex, default_shape)
        self.y = self.model(self.x, training=False)

    def check_config(self) -> None:
        clone = type(self.model).from_config(self.model.get_config())
        clone.set_weights(self.model.get_weights())
        _same(self.y, clone(self.x, training=False), "config clone")

    def check_keras_file(self) -> None:
        loaded = _roundtrip_file(self.model)
        _same(self.y, loaded(self.x, training=False), ".keras round trip")

    def check_gradients(self) -> None:
        weights = self.model.trainable_weights
        if not weights:
            raise _NotApplicable("no trainable weights")
        read_out = _projection(self.y)
        _gradient_check(
            lambda: read_out(self.model(self.x, training=True)), weights, [w.path for w in weights]
        )

    def check_shapes(self) -> None:
        _compare_shapes(self.model.outputs, self.y)

    def check_registered_name(self) -> None:
        classes = {type(self.model)} | {type(layer) for layer in self.model._flatten_layers()}
        _check_registered(sorted(classes, key=lambda c: c.__qualname__), None)


_SUBJECTS: dict[str, type[_Subject]] = {
    "layer": _LayerSubject,
    "loss": _LossSubject,
    "metric": _MetricSubject,
    "initializer": _InitializerSubject,
}
