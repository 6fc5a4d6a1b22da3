"""The conformance kit: one call puts a registered component through the zoo's checks.

    import zoo.testing
    report = zoo.testing.check("vision/PixelShuffle")
    print(report)                      # one line per check: passed / failed / not applicable
    zoo.testing.assert_conforms("vision/PixelShuffle")   # raises AssertionError on a failure

The checks, each reported separately (a failure does not stop the others):

- ``config``: ``get_config`` holds every constructor argument, ``from_config`` rebuilds
  an equal config, and with the same weights the clone computes the same outputs;
- ``keras_file``: `zoo.save` then `zoo.load` (``safe_mode=True``) keep the outputs;
- ``gradients``: every trainable weight (for a loss: the prediction) gets a finite,
  non-zero gradient (TensorFlow backend);
- ``shapes``: the symbolic output shape (from ``keras.Input``) agrees with the eager one;
- ``registered_name``: every zoo class involved is saved as ``zoo.<plugin>>Name``, and
  no other class took that name;
- ``batch_independence``: inference on the whole batch equals inference one sample
  at a time (``rtol=1e-4``, ``atol=1e-5``);
- ``mixed_precision``: under the ``mixed_float16`` policy it builds, keeps float32
  weights, runs, gives finite outputs within 2% (of ``max(1, |output|)``) of float32
  with the same weights (a loss or metric: on float16 predictions);
- ``xla``: compiled with ``jit_compile=True``, one fit step gives a finite loss and
  changes the weights (nothing to train: the compiled predict matches eager; a loss:
  the compiled loss matches; a metric: the compiled evaluation matches). String inputs
  and layers declaring ``supports_jit = False`` are not applicable;
- ``lazy``: in a fresh interpreter, registering and listing the component's plugin
  imports neither TensorFlow, Keras, NumPy nor any of its implementation modules;
- ``export``: for a spec tagged ``export:saved_model`` or ``export:tflite``, the
  exported artifact (`zoo.export`) run by TensorFlow's SavedModel loader or the TFLite
  interpreter matches the Keras outputs within ``zoo._export.TOLERANCES``.

A recipe reuses its builder (or, for a graph recipe, registered layers) at other
sizes: ``mixed_precision`` and ``xla`` do not apply to it, the builder's own check
covers them (compiling a deep recipe with XLA takes minutes on a CPU).

Inputs come from the spec's `zoo.Example` (or one passed in), and every run is seeded.
Third parties run the
same checks in their CI with one line in a test module::

    test_conformance = zoo.testing.conformance_test(plugin="mine")

or from a shell: ``python -m zoo check --plugin mine``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

import zoo
from zoo._check_names import CHECKS
from zoo._registry import default_registry
from zoo._serializable import NameClash, name_clashes
from zoo._spec import ComponentSpec, Example, Recipe

__all__ = [
    "CHECKS",
    "EXPORT_TAGS",
    "CheckResult",
    "NameClash",
    "Report",
    "assert_conforms",
    "check",
    "component_ids",
    "conformance_test",
    "name_clashes",
]

Status = Literal["passed", "failed", "not applicable"]
#: Tags by which a spec (or a recipe, or a recipe's builder) claims an export format.
EXPORT_TAGS = {"export:saved_model": "saved_model", "export:tflite": "tflite"}
SEED = 1234
#: Modules that listing a plugin must not import (the lazy contract).
HEAVY_MODULES = (
    "tensorflow",
    "keras",
    "tensorflow_text",
    "tensorflow_hub",
    "keras_tuner",
    "jax",
    "torch",
    "numpy",
)
MIXED_TOLERANCE = 2e-2


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one component."""

    check: str
    status: Status
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


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

    def counts(self) -> dict[str, int]:
        """How many checks passed, failed, or did not apply."""
        counts = {"passed": 0, "failed": 0, "not applicable": 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "ok": self.ok,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }

    def __str__(self) -> str:
        lines = [self.component]
        for r in self.results:
            lines.append(f"  {r.check:<18} {r.status}" + (f": {r.reason}" if r.reason else ""))
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


def assert_conforms(
    name: str,
    *,
    example: Example | Mapping[str, Any] | None = None,
    checks: Sequence[str] | None = None,
) -> Report:
    """Run `check` and raise AssertionError listing every failed check."""
    report = check(name, example=example, checks=checks)
    if not report.ok:
        raise AssertionError(f"{name} does not conform:\n{report}")
    return report


def conformance_test(
    pattern: str | None = None,
    *,
    kind: str | None = None,
    plugin: str | None = None,
    checks: Sequence[str] | None = None,
) -> Callable[[str], None]:
    """A pytest test function parametrized over the matching components: one line.

    ``test_conformance = zoo.testing.conformance_test(plugin="astro")`` in a test
    module gives one test per component of the plugin ``astro`` (``test_conformance
    [astro/StarPool]``, ...), each failing with the full report. When nothing matches
    (the plugin is not installed, the pattern is wrong), the test fails instead of
    being silently skipped.
    """
    import pytest

    names = component_ids(pattern, kind=kind, plugin=plugin)
    if not names:
        wanted = ", ".join(
            f"{k}={v!r}"
            for k, v in (("pattern", pattern), ("kind", kind), ("plugin", plugin))
            if v is not None
        )

        def test_conformance() -> None:
            pytest.fail(
                f"No registered component matches {wanted or 'anything'}. Is the plugin "
                "installed? `python -m zoo plugins` shows what is."
            )

        return test_conformance

    @pytest.mark.parametrize("name", names)
    def test_conformance(name: str) -> None:
        report = check(name, checks=checks)
        if not report.ok:
            pytest.fail(f"{name} does not conform:\n{report}", pytrace=False)

    return test_conformance


def _selected(checks: Sequence[str] | None) -> tuple[str, ...]:
    if checks is None:
        return CHECKS
    if isinstance(checks, str):
        checks = [checks]
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise zoo.ZooError(
            f"The kit's checks are {', '.join(CHECKS)}. Received: {', '.join(unknown)}."
        )
    return tuple(c for c in CHECKS if c in checks)


def check(
    name: str,
    *,
    example: Example | Mapping[str, Any] | None = None,
    checks: Sequence[str] | None = None,
) -> Report:
    """Put the component or recipe ``name`` through the checks; never raises for a failure.

    Args:
        name: an id or unique short name of a registered layer, loss, metric, model,
            preprocessor, initializer or callback (or a recipe).
        example: how to exercise it; defaults to the spec's own ``example``.
        checks: the checks to run (default: all of `CHECKS`), reported in that order.

    The kit seeds Python, NumPy and the backend (``keras.utils.set_random_seed``) first,
    so a component's weights and inputs are the same on every run.
    """
    selected = _selected(checks)
    entry = default_registry().resolve(name)
    report = Report(entry.id)
    keras.utils.set_random_seed(SEED)  # the same weights and draws on every run
    ex = Example.coerce(example) if example is not None else _spec_example(entry)
    subject: _Subject | None = None
    setup_problem = "the spec declares no example; add example={...}"
    if ex is not None and any(c not in _PLUGIN_CHECKS for c in selected):
        try:
            subject = _make_subject(entry, ex)
        except Exception as error:
            setup_problem = f"could not set it up from its example: {type(error).__name__}: {error}"
    for name_ in selected:
        if name_ in _PLUGIN_CHECKS:
            run = functools.partial(_PLUGIN_CHECKS[name_], entry)
        elif subject is None:
            report.results.append(CheckResult(name_, "failed", setup_problem))
            continue
        else:
            run = getattr(subject, f"check_{name_}")
        try:
            run()
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


def _make_inputs(ex: Example, default_shape: Any = None, dtypes: Any = None) -> Any:
    """Inputs for ``ex``; ``dtypes`` gives one dtype per input of a multi-input model."""
    if ex.inputs is not None:
        if isinstance(ex.inputs, Mapping):
            return {k: np.asarray(v) for k, v in ex.inputs.items()}
        return np.asarray(ex.inputs)
    shape = ex.input_shape if ex.input_shape is not None else default_shape
    if shape is None:
        raise _Failed("the example gives neither inputs nor input_shape")
    rng = np.random.default_rng(SEED)
    if _is_multi(shape):
        kinds = dtypes if dtypes is not None else [ex.dtype] * len(shape)
        return [_random(s, d, ex.input_range, rng) for s, d in zip(shape, kinds)]
    return _random(shape, ex.dtype, ex.input_range, rng)


def _make_target(ex: Example, like: Any) -> Any:
    rng = np.random.default_rng(SEED + 1)
    shape = ex.target_shape if ex.target_shape is not None else np.shape(like)
    return _random(shape, ex.target_dtype, ex.target_range, rng)


def _numpy(value: Any) -> list[np.ndarray]:
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in keras.tree.flatten(value)]


def _same(a: Any, b: Any, what: str, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    left, right = _numpy(a), _numpy(b)
    if len(left) != len(right):
        raise _Failed(f"{what}: {len(left)} outputs before, {len(right)} after")
    for i, (x, y) in enumerate(zip(left, right)):
        if x.shape != y.shape:
            raise _Failed(f"{what}: output {i} has shape {x.shape} before, {y.shape} after")
        if x.dtype.kind in "fc":
            if not np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True):
                diff = float(np.nanmax(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                raise _Failed(f"{what}: output {i} differs by up to {diff:.3g}")
        elif not np.array_equal(x, y):
            raise _Failed(f"{what}: output {i} differs")


def _close(reference: Any, other: Any, what: str, tolerance: float) -> None:
    """Every output within ``tolerance * max(1, max|reference|)``; integers exactly equal."""
    left, right = _numpy(reference), _numpy(other)
    if len(left) != len(right):
        raise _Failed(f"{what}: {len(left)} outputs against {len(right)}")
    for i, (x, y) in enumerate(zip(left, right)):
        if x.shape != y.shape:
            raise _Failed(f"{what}: output {i} has shape {x.shape} against {y.shape}")
        if x.dtype.kind not in "fc":
            if not np.array_equal(x, y):
                raise _Failed(f"{what}: output {i} differs")
            continue
        y64 = y.astype(np.float64)
        if not np.all(np.isfinite(y64)[np.isfinite(x)]):
            raise _Failed(f"{what}: output {i} has non-finite values")
        if x.size == 0:
            continue
        scale = max(1.0, float(np.nanmax(np.abs(x))))
        diff = float(np.nanmax(np.abs(x.astype(np.float64) - y64)))
        if diff > tolerance * scale:
            raise _Failed(
                f"{what}: output {i} differs by up to {diff:.3g} "
                f"(allowed {tolerance:g} x {scale:.3g})"
            )


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
    """Every non-Keras class is registered as ``zoo.<plugin>>Name``, and owns that name."""
    problems = []
    clashes = {clash.name: clash for clash in name_clashes()}
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
        elif registered in clashes:
            problems.append(str(clashes[registered]))
        elif keras.saving.get_registered_object(registered) is not cls:
            other = keras.saving.get_registered_object(registered)
            problems.append(
                f"{registered!r} now names {getattr(other, '__qualname__', other)!r}, not "
                f"{cls.__qualname__}: another class took the name"
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
        path = zoo.save(model, Path(folder) / "component.keras")
        return zoo.load(path, compile=compile_args is not None)


def _leaves(x: Any) -> list[np.ndarray]:
    if isinstance(x, Mapping):
        return [np.asarray(v) for v in x.values()]
    if isinstance(x, (list, tuple)):
        return [np.asarray(v) for v in x]
    return [np.asarray(x)]


def _has_strings(x: Any) -> bool:
    return any(leaf.dtype.kind in "OUS" for leaf in _leaves(x))


def _batch_size(x: Any) -> int:
    sizes = {leaf.shape[0] if leaf.ndim else 0 for leaf in _leaves(x)}
    return sizes.pop() if len(sizes) == 1 else 0


def _sample(x: Any, i: int) -> Any:
    if isinstance(x, Mapping):
        return {k: np.asarray(v)[i : i + 1] for k, v in x.items()}
    if isinstance(x, list):
        return [np.asarray(v)[i : i + 1] for v in x]
    return np.asarray(x)[i : i + 1]


def _batch_independence(run: Callable[[Any], Any], x: Any) -> None:
    n = _batch_size(x)
    if n < 2:
        raise _NotApplicable("the example's batch holds fewer than two samples")
    full = _numpy(run(x))  # now: an earlier check may have moved BatchNorm statistics
    if any(out.ndim == 0 or out.shape[0] != n for out in full):
        raise _NotApplicable("an output has no batch dimension")
    parts = [_numpy(run(_sample(x, i))) for i in range(n)]
    joined = [np.concatenate([part[k] for part in parts]) for k in range(len(full))]
    _same(full, joined, "one sample at a time against the whole batch", atol=1e-5, rtol=1e-4)


@contextlib.contextmanager
def _dtype_policy(name: str) -> Iterator[None]:
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _float16_weights(weights: Sequence[Any]) -> None:
    half = [w.path for w in weights if "float16" in str(w.dtype)]
    if half:
        raise _Failed(
            f"under mixed_float16 the weights stay float32; {', '.join(half)} are float16"
        )


def _float_inputs_only(x: Any) -> None:
    if _has_strings(x):
        raise _NotApplicable("string inputs: XLA compiles numeric graphs only")


def _zeros_like_outputs(outputs: Any) -> Any:
    return keras.tree.map_structure(
        lambda t: np.zeros(np.shape(keras.ops.convert_to_numpy(t)), "float32"), outputs
    )


def _xla_model_check(model: Any, x: Any, expected: Any) -> None:
    """Compile with jit_compile=True and take one fit step: finite loss, weights change.

    Without trainable weights, or with non-float outputs, the compiled predict must
    match the eager outputs instead.
    """
    _float_inputs_only(x)
    model.compile(optimizer=keras.optimizers.SGD(1e-2), loss="mse", jit_compile=True)
    if not model.jit_compile:
        refusing = sorted(layer.name for layer in model._flatten_layers() if not layer.supports_jit)
        raise _NotApplicable(f"declared not XLA-compatible (supports_jit=False): {refusing}")
    outputs = _numpy(expected)
    if not model.trainable_weights or any(o.dtype.kind != "f" for o in outputs):
        predicted = model.predict_on_batch(x)
        _same(expected, predicted, "XLA predict against eager", atol=1e-4, rtol=1e-4)
        return
    before = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    loss = model.train_on_batch(x, _zeros_like_outputs(expected))
    if not np.all(np.isfinite(_numpy(loss)[0])):
        raise _Failed(f"one XLA fit step gave a non-finite loss: {loss}")
    after = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    if all(np.array_equal(b, a) for b, a in zip(before, after)):
        raise _Failed("one XLA fit step changed no trainable weight")


def _covered_by_parts(spec: ComponentSpec | Recipe, check: str) -> None:
    """Recipes reuse a builder (or registered layers) at other sizes: their checks cover it.

    Compiling a deep recipe with XLA takes minutes on a CPU and teaches nothing the
    builder's small example does not.
    """
    if not isinstance(spec, Recipe):
        return
    if getattr(spec, "graph", None) is not None:
        raise _NotApplicable(
            f"a graph recipe composes registered layers; their {check} check covers it"
        )
    raise _NotApplicable(
        f"a recipe fixes arguments of {spec.builder}; that builder's own {check} check covers it"
    )


def _export_formats(spec: ComponentSpec | Recipe) -> list[str]:
    tags = set(spec.tags)
    if isinstance(spec, Recipe) and getattr(spec, "graph", None) is None and spec.builder:
        with contextlib.suppress(Exception):
            tags |= set(default_registry().builder_of(spec).tags)
    return [fmt for tag, fmt in EXPORT_TAGS.items() if tag in tags]


def _export_check(spec: ComponentSpec | Recipe, model: Any, x: Any) -> None:
    formats = _export_formats(spec)
    if not formats:
        raise _NotApplicable("claims no export format (tag it export:saved_model or export:tflite)")
    if keras.config.backend() != "tensorflow":
        raise _NotApplicable("SavedModel and TFLite exports run on the tensorflow backend")
    from zoo._export import TOLERANCES, max_difference, run_saved_model, run_tflite

    reference = _numpy(model(x, training=False))
    names = [t.name for t in model.inputs]
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        for fmt in formats:
            path = Path(folder) / ("saved_model" if fmt == "saved_model" else "model.tflite")
            try:
                zoo.export(model, path, format=fmt)
                run = run_saved_model if fmt == "saved_model" else run_tflite
                outputs = run(path, x if isinstance(x, (Mapping, list)) else [x], names)
            except Exception as error:
                problems.append(f"{fmt}: {type(error).__name__}: {error}")
                continue
            diff = max_difference(reference, outputs)
            if not diff <= TOLERANCES[fmt]:
                problems.append(
                    f"{fmt}: outputs differ by {diff:.3g} (allowed {TOLERANCES[fmt]:g})"
                )
    if problems:
        raise _Failed("; ".join(problems))


# === The lazy contract, per plugin, in a fresh interpreter ===

_LAZY_PROBE = """
import importlib, json, sys
import zoo
if {plugin!r} not in [p.name for p in zoo.list_plugins() if p.status == "loaded"]:
    plugin = importlib.import_module({module!r})  # registered in code, not installed
    for part in filter(None, {attribute!r}.split(".")):
        plugin = getattr(plugin, part)
    zoo.register_plugin(plugin, {plugin!r})
entries = zoo.list_components(plugin={plugin!r})
targets = {{e.target.split(":")[0] for e in entries if hasattr(e, "target")}}
print(json.dumps({{
    "heavy": sorted(m for m in {heavy!r} if m in sys.modules),
    "implementations": sorted(t for t in targets if t in sys.modules),
    "entries": len(entries),
}}))
"""
_ENTRY_POINT_VALUE = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?\Z")


def _plugin_location(plugin: str) -> tuple[str, str] | None:
    """``(module, attribute)`` that a fresh interpreter imports to get the plugin object."""
    registry = default_registry()
    obj = registry.plugin_object(plugin)
    if isinstance(obj, types.ModuleType):
        return obj.__name__, ""
    info = next((p for p in registry.plugins() if p.name == plugin), None)
    if info is not None and _ENTRY_POINT_VALUE.match(info.value):
        module, _, attribute = info.value.partition(":")
        return module, attribute
    return None


@functools.cache
def _lazy_probe(plugin: str, module: str, attribute: str) -> tuple[str, str]:
    code = _LAZY_PROBE.format(
        module=module, attribute=attribute, plugin=plugin, heavy=HEAVY_MODULES
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["ZOO_PLUGINS"] = plugin  # an installed plugin loads alone; others stay out
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        return "failed", f"registering and listing {plugin!r} in a fresh interpreter failed: {tail}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    problems = []
    if result["heavy"]:
        problems.append(f"listing the plugin imports {', '.join(result['heavy'])}")
    if result["implementations"]:
        problems.append(
            f"listing the plugin imports its implementation modules "
            f"{', '.join(result['implementations'])} (keep the top-level module to specs)"
        )
    if problems:
        return "failed", "; ".join(problems)
    return "passed", ""


def _lazy_check(entry: ComponentSpec | Recipe) -> None:
    plugin = entry.plugin
    if plugin not in {info.name for info in default_registry().plugins()}:
        raise _NotApplicable(
            f"declared by a registry file under {plugin!r}, not by a plugin: nothing to import"
        )
    location = _plugin_location(plugin)
    if location is None:
        raise _NotApplicable(
            f"the plugin {plugin!r} was registered in code from an object, not a module: "
            "nothing a fresh interpreter could import"
        )
    status, reason = _lazy_probe(plugin, *location)
    if status == "failed":
        raise _Failed(reason)


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

    def check_batch_independence(self) -> None:
        raise _NotApplicable(f"a {self.spec.kind} has no per-sample inference")

    def check_mixed_precision(self) -> None:
        raise _NotApplicable(f"no mixed-precision check for a {self.spec.kind}")

    def check_xla(self) -> None:
        raise _NotApplicable(f"no XLA check for a {self.spec.kind}")

    def check_export(self) -> None:
        if _export_formats(self.spec):
            raise _Failed(f"a {self.spec.kind} cannot be exported; remove its export tags")
        raise _NotApplicable(f"a {self.spec.kind} is not exported on its own")


class _LayerSubject(_Subject):
    def __init__(self, spec: ComponentSpec, ex: Example, implementation: Any):
        super().__init__(spec, ex, implementation)
        self.layer = implementation(**ex.kwargs)
        self.x = _make_inputs(ex)
        self.y = self.layer(self.x)

    def _clone(self) -> Any:
        """A new layer from the config, built on the inputs, with the same weights."""
        clone = self.implementation.from_config(self.layer.get_config())
        clone(self.x)
        clone.set_weights(self.layer.get_weights())
        return clone

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

    def check_batch_independence(self) -> None:
        _batch_independence(self.layer, self.x)

    def check_mixed_precision(self) -> None:
        with _dtype_policy("mixed_float16"):
            layer = self.implementation(**self.ex.kwargs)
            layer(self.x)
            layer.set_weights(self.layer.get_weights())
            _float16_weights(layer.weights)
            y = layer(self.x)
        _close(self.layer(self.x), y, "mixed_float16 against float32", MIXED_TOLERANCE)

    def check_xla(self) -> None:
        _float_inputs_only(self.x)
        inputs = _symbolic_inputs(self.x)
        model = keras.Model(inputs, self._clone()(inputs))
        _xla_model_check(model, self.x, self.layer(self.x))

    def check_export(self) -> None:
        inputs = _symbolic_inputs(self.x)
        _export_check(self.spec, keras.Model(inputs, self.layer(inputs)), self.x)


class _TrainableScale(keras.layers.Layer):
    """x * w with one trainable scalar: the smallest model a loss can train (kit only)."""

    def build(self, input_shape: Any) -> None:
        self.w = self.add_weight(shape=(), initializer="ones", name="w")

    def call(self, x: Any) -> Any:
        return x * keras.ops.cast(self.w, x.dtype)


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

    def check_mixed_precision(self) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise _NotApplicable("the prediction is not floating point")
        # A mixed_float16 model hands the loss float16 predictions.
        with _dtype_policy("mixed_float16"):
            value = self.implementation(**self.ex.kwargs)(
                self.y_true, np.asarray(self.y_pred).astype("float16")
            )
        _close(self.value, value, "loss of float16 predictions against float32", MIXED_TOLERANCE)

    def check_xla(self) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise _NotApplicable("the prediction is not floating point")
        inputs = keras.Input(shape=np.shape(self.y_pred)[1:])
        model = keras.Model(inputs, _TrainableScale()(inputs))
        model.compile(
            optimizer=keras.optimizers.SGD(1e-2),
            loss=self.implementation(**self.ex.kwargs),
            jit_compile=True,
        )
        # The step reports the loss before its update, when the scale is still 1.
        loss = model.train_on_batch(self.y_pred, self.y_true)
        _same(self.value, loss, "XLA-compiled loss against eager", atol=1e-5, rtol=1e-4)
        if float(keras.ops.convert_to_numpy(model.trainable_weights[0])) == 1.0:
            raise _Failed("one XLA fit step on this loss changed nothing")


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
            loss="mse", metrics=[self.implementation(**self.ex.kwargs)], jit_compile=jit_compile
        )
        return model

    def check_keras_file(self) -> None:
        model = self._identity_model()
        loaded = _roundtrip_file(model, compile_args={})
        before, after = self._evaluate(model), self._evaluate(loaded)
        if sorted(before) != sorted(after):
            raise _Failed(f"metrics before {sorted(before)}, after {sorted(after)}")
        _same([before[k] for k in sorted(before)], [after[k] for k in sorted(after)], ".keras")

    def check_shapes(self) -> None:
        for value in _numpy(self.value):
            if not np.all(np.isfinite(value)):
                raise _Failed(f"the result is not finite: {value}")

    def check_mixed_precision(self) -> None:
        if np.asarray(self.y_pred).dtype.kind != "f":
            raise _NotApplicable("the prediction is not floating point")
        with _dtype_policy("mixed_float16"):
            metric = self.implementation(**self.ex.kwargs)
            metric.update_state(self.y_true, np.asarray(self.y_pred).astype("float16"))
            value = metric.result()
        _close(self.value, value, "metric of float16 predictions against float32", 5e-2)

    def check_xla(self) -> None:
        if _has_strings(self.y_pred):
            raise _NotApplicable("string inputs: XLA compiles numeric graphs only")
        model = self._identity_model(jit_compile=True)
        if not model.jit_compile:
            raise _NotApplicable("declared not XLA-compatible (supports_jit=False)")
        compiled = self._evaluate(model)
        eager = self._evaluate(self._identity_model())
        _same(
            [eager[k] for k in sorted(eager)],
            [compiled[k] for k in sorted(compiled)],
            "XLA-compiled evaluation against eager",
            atol=1e-5,
            rtol=1e-4,
        )


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
        dtypes = None
        if ex.dtype == "float32" and self.model.inputs and ex.inputs is None:
            dtypes = [str(t.dtype) for t in self.model.inputs]  # each input its own dtype
            self.ex = dataclasses.replace(ex, dtype=dtypes[0])
        self.x = _make_inputs(self.ex, default_shape, dtypes)
        self.y = self.model(self.x, training=False)

    def _rebuild(self) -> Any:
        """The same model built again by its builder, with the same weights."""
        model = default_registry().build(self.spec.id, **self.ex.kwargs)
        model.set_weights(self.model.get_weights())
        return model

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

    def check_batch_independence(self) -> None:
        _batch_independence(lambda x: self.model(x, training=False), self.x)

    def check_mixed_precision(self) -> None:
        _covered_by_parts(self.spec, "mixed_precision")
        with _dtype_policy("mixed_float16"):
            model = default_registry().build(self.spec.id, **self.ex.kwargs)
            model.set_weights(self.model.get_weights())
            _float16_weights(model.weights)
            y = model(self.x, training=False)
        reference = self.model(self.x, training=False)
        _close(reference, y, "mixed_float16 against float32", MIXED_TOLERANCE)

    def check_xla(self) -> None:
        _covered_by_parts(self.spec, "xla")
        _float_inputs_only(self.x)
        _xla_model_check(self._rebuild(), self.x, self.model(self.x, training=False))

    def check_export(self) -> None:
        _export_check(self.spec, self.model, self.x)


_SUBJECTS: dict[str, type[_Subject]] = {
    "layer": _LayerSubject,
    "loss": _LossSubject,
    "metric": _MetricSubject,
    "initializer": _InitializerSubject,
}

#: Checks of the component's plugin rather than of the component: they need no example.
_PLUGIN_CHECKS: dict[str, Callable[[ComponentSpec | Recipe], None]] = {"lazy": _lazy_check}
