"""Checks shared by several kinds of subject: config, names, gradients, files, XLA, export."""

from __future__ import annotations

import contextlib
import inspect
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo._export import export
from zoo._export.common import max_difference
from zoo._export.formats import FORMATS, ExportFormat, and_join, formats_tagged, sharing_backends
from zoo._kit.data import batch_length, has_strings, same, sample, to_numpy
from zoo._kit.report import Failed, NotApplicable
from zoo._registry import default_registry
from zoo._registry.serializable import name_clashes
from zoo._saving.load import load
from zoo._saving.save import save
from zoo._specs.component import ComponentSpec, Recipe

#: Tags by which a spec (or a recipe, or a recipe's builder) claims an export format
#: (one per row of the export table: ``export:<format>``).
EXPORT_TAGS = {fmt.tag: fmt.name for fmt in FORMATS}
#: The mixed-precision policies the kit checks, by check name, and how far (relative to
#: ``max(1, |float32 output|)``) each may stray from float32: float16 keeps 11 bits of
#: mantissa, bfloat16 8 (with float32's range).
MIXED_POLICIES = {"mixed_precision": "mixed_float16", "mixed_bfloat16": "mixed_bfloat16"}
MIXED_TOLERANCE = {"mixed_float16": 2e-2, "mixed_bfloat16": 6e-2}
#: The compute dtype of each policy.
COMPUTE_DTYPE = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


def canonical(config: Any) -> str:
    return json.dumps(config, sort_keys=True, default=repr)


def constructor_arguments(cls: type[Any]) -> list[str]:
    try:
        signature = inspect.signature(cls.__init__)
    except (TypeError, ValueError):
        return []
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in signature.parameters.values() if p.kind in named and p.name != "self"]


def check_config_complete(cls: type, config: Mapping[str, Any]) -> None:
    missing = [a for a in constructor_arguments(cls) if a not in config]
    if missing:
        raise Failed(f"get_config() lacks the constructor argument(s) {', '.join(missing)}")


def check_registered(classes: Sequence[type], plugin: str | None) -> None:
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
        raise Failed("; ".join(problems))


def gradient_check(
    compute: Callable[[], Any], variables: Sequence[Any], names: Sequence[str]
) -> None:
    if keras.config.backend() != "tensorflow":
        raise NotApplicable("the gradient check runs on the tensorflow backend")
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
        raise Failed("; ".join(problems))


def compare_shapes(symbolic: Any, eager: Any) -> None:
    sym = keras.tree.flatten(symbolic)
    real = to_numpy(eager)
    if len(sym) != len(real):
        raise Failed(f"{len(sym)} symbolic outputs, {len(real)} eager ones")
    for i, (s, e) in enumerate(zip(sym, real)):
        shape = tuple(s.shape)
        if len(shape) != e.ndim or any(d is not None and d != r for d, r in zip(shape, e.shape)):
            raise Failed(f"output {i}: symbolic shape {shape}, eager shape {e.shape}")


def roundtrip_file(model: Any, compile_args: Mapping[str, Any] | None = None) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = save(model, Path(folder) / "component.keras")
        return load(path, compile=compile_args is not None)


def batch_independence(run: Callable[[Any], Any], x: Any) -> None:
    n = batch_length(x)
    if n < 2:
        raise NotApplicable("the example's batch holds fewer than two samples")
    full = to_numpy(run(x))  # now: an earlier check may have moved BatchNorm statistics
    if any(out.ndim == 0 or out.shape[0] != n for out in full):
        raise NotApplicable("an output has no batch dimension")
    parts = [to_numpy(run(sample(x, i))) for i in range(n)]
    joined = [np.concatenate([part[k] for part in parts]) for k in range(len(full))]
    same(full, joined, "one sample at a time against the whole batch", atol=1e-5, rtol=1e-4)


@contextlib.contextmanager
def dtype_policy(name: str) -> Iterator[None]:
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def float32_weights(weights: Sequence[Any], policy: str) -> None:
    """Under a mixed policy the variables stay float32 (only the computation is cast)."""
    half = [w.path for w in weights if "float16" in str(w.dtype)]
    if half:
        raise Failed(
            f"under {policy} the weights stay float32; {', '.join(half)} are "
            f"{COMPUTE_DTYPE[policy]}"
        )


def compute_dtype_outputs(layer: Any, x: Any, outputs: Any, policy: str) -> None:
    """Under a mixed policy a layer's outputs have the dtypes it declares (Keras' rule).

    As strict as Keras' ``run_layer_test``: each output has the dtype of the layer's
    symbolic output (``compute_output_spec`` on inputs in the compute dtype), which is
    ``layer.compute_dtype`` (float16 under mixed_float16) for a layer that only says its
    output shape. A layer that cannot say is held to its compute dtype for floating
    outputs. A layer whose Keras sublayers were built without its dtype policy returns
    float32 here.
    """
    standardize = keras.backend.standardize_dtype
    compute = standardize(layer.compute_dtype)
    got = [standardize(t.dtype) for t in keras.tree.flatten(outputs)]
    declared = declared_dtypes(layer, x)
    if declared is None or len(declared) != len(got):
        declared = [compute if keras.backend.is_float_dtype(d) else d for d in got]
    problems = [
        f"output {i} is {dtype}, expected {expected}"
        for i, (dtype, expected) in enumerate(zip(got, declared))
        if dtype != expected
    ]
    if problems:
        raise Failed(
            f"under {policy} the outputs of {type(layer).__name__} have the dtypes it declares, "
            f"its compute dtype {compute} unless its compute_output_spec says otherwise (as "
            f"Keras' run_layer_test asserts); {'; '.join(problems)}. Build its sublayers with "
            "dtype=self.dtype_policy, or cast to self.compute_dtype"
        )


def declared_dtypes(layer: Any, x: Any) -> list[str] | None:
    """The output dtypes ``compute_output_spec`` declares for ``x`` (float inputs in the
    compute dtype, as the layer autocasts them), or None when it cannot say."""

    def symbolic(array: Any) -> Any:
        dtype = keras.backend.standardize_dtype(np.asarray(array).dtype)
        if layer.autocast and keras.backend.is_float_dtype(dtype):
            dtype = layer.compute_dtype
        return keras.KerasTensor(np.shape(array), dtype=dtype)

    try:
        spec = layer.compute_output_spec(keras.tree.map_structure(symbolic, x))
        return [keras.backend.standardize_dtype(t.dtype) for t in keras.tree.flatten(spec)]
    except Exception:
        return None


def mixed_layer(make: Callable[..., Any], weights: Sequence[Any], x: Any, policy: str) -> Any:
    """The layer under ``policy`` both ways Keras offers; its output under the global one.

    ``keras.config.set_dtype_policy(policy)`` (every layer mixed) and ``dtype=policy``
    given to this layer alone, as Keras' ``run_layer_test`` builds it: either way the
    weights stay float32 and the outputs are in the compute dtype.
    """
    with dtype_policy(policy):
        layer = make()
        layer(x)
        layer.set_weights(weights)
        float32_weights(layer.weights, policy)
        y = layer(x)
        compute_dtype_outputs(layer, x, y, policy)
    alone = make(dtype=policy)
    compute_dtype_outputs(alone, x, alone(x), policy)
    float32_weights(alone.weights, policy)
    return y


def float_inputs_only(x: Any) -> None:
    if has_strings(x):
        raise NotApplicable("string inputs: XLA compiles numeric graphs only")


def zeros_like_outputs(outputs: Any) -> Any:
    return keras.tree.map_structure(
        lambda t: np.zeros(np.shape(keras.ops.convert_to_numpy(t)), "float32"), outputs
    )


def xla_model_check(model: Any, x: Any, expected: Any) -> None:
    """Compile with jit_compile=True and take one fit step: finite loss, weights change.

    Without trainable weights, or with non-float outputs, the compiled predict must
    match the eager outputs instead.
    """
    float_inputs_only(x)
    model.compile(optimizer=keras.optimizers.SGD(1e-2), loss="mse", jit_compile=True)
    if not model.jit_compile:
        refusing = sorted(layer.name for layer in model._flatten_layers() if not layer.supports_jit)
        raise NotApplicable(f"declared not XLA-compatible (supports_jit=False): {refusing}")
    outputs = to_numpy(expected)
    if not model.trainable_weights or any(o.dtype.kind != "f" for o in outputs):
        predicted = model.predict_on_batch(x)
        same(expected, predicted, "XLA predict against eager", atol=1e-4, rtol=1e-4)
        return
    before = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    loss = model.train_on_batch(x, zeros_like_outputs(expected))
    if not np.all(np.isfinite(to_numpy(loss)[0])):
        raise Failed(f"one XLA fit step gave a non-finite loss: {loss}")
    after = [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]
    if all(np.array_equal(b, a) for b, a in zip(before, after)):
        raise Failed("one XLA fit step changed no trainable weight")


def covered_by_parts(spec: ComponentSpec | Recipe, check: str) -> None:
    """Recipes reuse a builder (or registered layers) at other sizes: their checks cover it.

    Compiling a deep recipe with XLA takes minutes on a CPU and teaches nothing the
    builder's small example does not.
    """
    if not isinstance(spec, Recipe):
        return
    if getattr(spec, "graph", None) is not None:
        raise NotApplicable(
            f"a graph recipe composes registered layers; their {check} check covers it"
        )
    raise NotApplicable(
        f"a recipe fixes arguments of {spec.builder}; that builder's own {check} check covers it"
    )


def export_formats(spec: ComponentSpec | Recipe) -> list[str]:
    """The formats ``spec`` claims by its tags (a recipe: or its builder's), in table order."""
    return [fmt.name for fmt in claimed_formats(spec)]


def claimed_formats(spec: ComponentSpec | Recipe) -> list[ExportFormat]:
    tags = set(spec.tags)
    if isinstance(spec, Recipe) and getattr(spec, "graph", None) is None and spec.builder:
        with contextlib.suppress(Exception):
            tags |= set(default_registry().builder_of(spec).tags)
    return formats_tagged(tags)


def export_check(spec: ComponentSpec | Recipe, model: Any, x: Any) -> None:
    """Export to every claimed format, run each artifact in its runtime, compare with Keras."""
    formats = claimed_formats(spec)
    if not formats:
        tags = and_join([fmt.tag for fmt in FORMATS], "or")
        raise NotApplicable(f"claims no export format (tag it {tags})")
    backend = keras.config.backend()
    if not any(backend in fmt.backends for fmt in formats):
        titles = and_join([f.title for f in sharing_backends(formats[0])])
        raise NotApplicable(
            f"{titles} exports run on the {and_join(list(formats[0].backends), 'or')} backend"
        )
    reference = to_numpy(model(x, training=False))
    names = [t.name for t in model.inputs]
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        for fmt in formats:
            if backend not in fmt.backends:
                continue  # checked where its backend runs; another claimed format runs here
            path = fmt.sample_path(Path(folder))
            allowed = fmt.tolerances[None]
            try:
                export(model, path, format=fmt.name)
                outputs = fmt.run(path, x if isinstance(x, (Mapping, list)) else [x], names)
            except Exception as error:
                problems.append(f"{fmt.name}: {type(error).__name__}: {error}")
                continue
            diff = max_difference(reference, outputs)
            if not diff <= allowed:
                problems.append(f"{fmt.name}: outputs differ by {diff:.3g} (allowed {allowed:g})")
    if problems:
        raise Failed("; ".join(problems))
