"""The conformance kit passes good components and catches each kind of broken one."""

from __future__ import annotations

import sys

import pytest

import zoo
import zoo.testing


def test_good_components_pass_every_applicable_check(toy_registry) -> None:
    for name in zoo.testing.component_ids():
        report = zoo.testing.assert_conforms(name)
        assert [r.check for r in report.results] == list(zoo.testing.CHECKS)
    metric = zoo.testing.check("toy/MaxAbsError")
    assert metric.status("gradients") == "not applicable"
    assert metric.status("keras_file") == "passed"


class _BrokenPlugin:
    @zoo.hookimpl
    def zoo_register(self, register):
        example = {"input_shape": [2, 3]}
        for name in ("ForgetsConfig", "DeadWeight", "Unregistered", "WrongShape", "HiddenState"):
            register(
                zoo.ComponentSpec(name, kind="layer", target=f"zoo_broken:{name}", example=example)
            )
        register(zoo.ComponentSpec("NoExample", kind="layer", target="zoo_broken:DeadWeight"))


@pytest.fixture
def broken(isolated_registry):
    zoo.register_plugin(_BrokenPlugin(), "broken")
    try:
        yield
    finally:
        zoo.unregister_plugin("broken")


@pytest.mark.parametrize(
    ("name", "check", "reason"),
    [
        ("ForgetsConfig", "config", "get_config() lacks the constructor argument(s) scale"),
        ("DeadWeight", "gradients", "unused gets no gradient"),
        ("Unregistered", "registered_name", "is not registered"),
        ("Unregistered", "keras_file", "Could not locate class 'Unregistered'"),
        ("WrongShape", "shapes", "symbolic shape (None, 3), eager shape (2, 6)"),
        ("HiddenState", "config", "config clone: output 0 differs"),
        ("HiddenState", "keras_file", ".keras round trip: output 0 differs"),
        ("NoExample", "config", "declares no example"),
    ],
)
def test_broken_components_fail_the_right_check(broken, name: str, check: str, reason: str) -> None:
    report = zoo.testing.check(f"broken/{name}")
    assert report.status(check) == "failed", str(report)
    failure = next(r for r in report.failures if r.check == check)
    assert reason in failure.reason
    with pytest.raises(AssertionError, match=f"broken/{name} does not conform"):
        zoo.testing.assert_conforms(f"broken/{name}")


def test_a_failure_does_not_stop_the_other_checks(broken) -> None:
    report = zoo.testing.check("broken/DeadWeight")
    assert report.status("config") == "passed"
    assert report.status("keras_file") == "passed"
    assert report.status("shapes") == "passed"
    assert report.status("gradients") == "failed"


def test_example_override(broken) -> None:
    report = zoo.testing.check("broken/NoExample", example={"input_shape": [2, 5]})
    assert report.status("config") == "passed"


def test_unregistered_layer_inside_a_model_is_caught(isolated_registry) -> None:
    import sys
    import types

    import keras
    from zoo_broken import Unregistered

    module = types.ModuleType("tests_model_with_unregistered")

    def builder():
        inputs = keras.Input((3,))
        return keras.Model(inputs, Unregistered()(inputs))

    module.builder = builder
    sys.modules[module.__name__] = module

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            target = f"{module.__name__}:builder"
            register(zoo.ComponentSpec("net", kind="model", target=target, example={}))

    zoo.register_plugin(Plugin(), "modelplug")
    try:
        report = zoo.testing.check("modelplug/net")
        assert report.status("registered_name") == "failed"
        assert report.status("gradients") == "not applicable"
    finally:
        zoo.unregister_plugin("modelplug")
        del sys.modules[module.__name__]


# === The checks added for issue 7: batch, mixed precision, XLA, lazy, export ===

KIT_CASES = '''
import keras
import numpy as np
import tensorflow as tf

import zoo


@zoo.serializable("kitcases")
class BatchMixer(keras.layers.Layer):
    """Centers each sample on the batch mean: its output depends on the other samples."""

    def call(self, x):
        return x - keras.ops.mean(x, axis=0, keepdims=True)


@zoo.serializable("kitcases")
class Amplifier(keras.layers.Layer):
    """Multiplies by 1e5: fine in float32, beyond float16's 65504 under mixed precision."""

    def call(self, x):
        return x * 1e5


@zoo.serializable("kitcases")
class NumpySort(keras.layers.Layer):
    """Sorts through tf.numpy_function: runs eagerly and in graphs, never under XLA."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

    def call(self, x):
        y = tf.numpy_function(np.sort, [x], tf.float32, stateful=False)
        return tf.ensure_shape(y, x.shape) * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape


@zoo.serializable("kitcases")
class Normalized(keras.layers.Layer):
    """Dense then BatchNormalization: training calls move its statistics."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4)
        self.norm = keras.layers.BatchNormalization(momentum=0.5)

    def call(self, x, training=None):
        return self.norm(self.dense(x), training=training)


@zoo.serializable("kitcases")
class Sinh(keras.layers.Layer):
    """tf.math.sinh: TFLite has no builtin for it."""

    def call(self, x):
        return tf.math.sinh(x)
'''


@pytest.fixture(scope="module")
def kit_cases_module(tmp_path_factory):
    """KIT_CASES as the module ``kit_cases``, imported once (its classes keep their names)."""
    folder = tmp_path_factory.mktemp("kit_cases")
    (folder / "kit_cases.py").write_text(KIT_CASES)
    sys.path.insert(0, str(folder))
    try:
        yield "kit_cases"
    finally:
        sys.path.remove(str(folder))


@pytest.fixture
def kit_cases(isolated_registry, kit_cases_module):
    """A plugin ``kitcases`` (registered from an object) over KIT_CASES, plus toy_mlp."""
    module = kit_cases_module
    example = {"input_shape": [3, 4]}

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            for name in ("BatchMixer", "Amplifier", "NumpySort", "Normalized"):
                register(
                    zoo.ComponentSpec(
                        name, kind="layer", target=f"{module}:{name}", example=example
                    )
                )
            register(
                zoo.ComponentSpec(
                    "Sinh",
                    kind="layer",
                    target=f"{module}:Sinh",
                    tags=("export:saved_model", "export:tflite"),
                    example=example,
                )
            )
            register(
                zoo.ComponentSpec(
                    "exported_mlp",
                    kind="model",
                    target="zoo_toy.toy_mlp:toy_mlp",
                    tags=("export:saved_model", "export:tflite"),
                    example={"kwargs": {"hidden": 3}},
                )
            )
            register(
                zoo.ComponentSpec(
                    "ExportedLoss",
                    kind="loss",
                    target="zoo_toy.scaled_mse:ScaledMSE",
                    tags=("export:tflite",),
                    example={"input_shape": [4, 3]},
                )
            )

    zoo.register_plugin(Plugin(), "kitcases")
    try:
        yield
    finally:
        zoo.unregister_plugin("kitcases")


def _failure(name: str, check: str) -> str:
    report = zoo.testing.check(name, checks=[check])
    assert [r.check for r in report.results] == [check]
    assert report.status(check) == "failed", str(report)
    return report.failures[0].reason


def test_batch_dependence_is_caught(kit_cases) -> None:
    reason = _failure("kitcases/BatchMixer", "batch_independence")
    assert reason.startswith("one sample at a time against the whole batch: output 0 differs")


def test_checks_see_the_state_earlier_checks_left(kit_cases) -> None:
    """The gradient check runs in training mode and moves BatchNorm statistics; later
    checks compare against outputs computed after it, not before."""
    checks = ["gradients", "batch_independence", "mixed_precision"]
    report = zoo.testing.check("kitcases/Normalized", checks=checks)
    assert report.counts() == {"passed": 3, "failed": 0, "not applicable": 0}, str(report)


def test_float16_overflow_is_caught(kit_cases) -> None:
    reason = _failure("kitcases/Amplifier", "mixed_precision")
    assert reason == "mixed_float16 against float32: output 0 has non-finite values"


def test_ops_xla_cannot_compile_are_caught(kit_cases) -> None:
    reason = _failure("kitcases/NumpySort", "xla")
    assert "PyFuncStateless" in reason and "XLA" in reason


def test_export_claims_are_checked(kit_cases) -> None:
    reason = _failure("kitcases/Sinh", "export")
    assert "tflite: ZooError: TFLite runs its builtin ops only" in reason
    assert "saved_model" not in reason  # the SavedModel half of the claim holds
    report = zoo.testing.check("kitcases/exported_mlp", checks=["export"])
    assert report.status("export") == "passed", str(report)
    assert _failure("kitcases/ExportedLoss", "export") == (
        "a loss cannot be exported; remove its export tags"
    )
    unclaimed = zoo.testing.check("kitcases/BatchMixer", checks=["export"])
    assert unclaimed.results[0].status == "not applicable"
    assert "claims no export format" in unclaimed.results[0].reason


def test_good_components_pass_the_new_checks(kit_cases) -> None:
    new = ["batch_independence", "mixed_precision", "xla", "export"]
    report = zoo.testing.check("kitcases/exported_mlp", checks=new)
    assert report.counts() == {"passed": 4, "failed": 0, "not applicable": 0}, str(report)
    lazy = zoo.testing.check("kitcases/Sinh", checks=["lazy"]).results[0]
    assert lazy.status == "not applicable" and "registered in code from an object" in lazy.reason


LAZY_PLUGIN = """
import zoo
{extra}

@zoo.hookimpl
def zoo_register(register):
    register(zoo.ComponentSpec("Thing", kind="layer", target="{impl}:Thing"))
"""


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("", None),
        ("import numpy", "listing the plugin imports numpy"),
        ("import {impl}", "listing the plugin imports its implementation modules {impl}"),
    ],
)
def test_the_plugins_lazy_contract_is_checked_in_a_fresh_interpreter(
    isolated_registry, tmp_path, monkeypatch, extra: str, reason: str | None
) -> None:
    import importlib

    name = f"lazy_plug_{abs(hash(extra))}"
    impl = f"{name}_impl"
    (tmp_path / f"{impl}.py").write_text("Thing = object  # stands for a Keras class\n")
    source = LAZY_PLUGIN.format(extra=extra.format(impl=impl), impl=impl)
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    zoo.register_plugin(importlib.import_module(name), "lazyplug")
    try:
        result = zoo.testing.check("lazyplug/Thing", checks=["lazy"], example={}).results[0]
    finally:
        zoo.unregister_plugin("lazyplug")
        sys.modules.pop(name, None)
        sys.modules.pop(impl, None)
    if reason is None:
        assert result.status == "passed", result
    else:
        assert result.status == "failed", result
        assert result.reason.startswith(reason.format(impl=impl)), result


def test_a_class_whose_name_was_taken_fails_registered_name(toy_registry) -> None:
    import keras
    from zoo_toy.affine import Affine

    def take_the_name() -> type:
        @keras.saving.register_keras_serializable(package="zoo.toy")
        class Affine(keras.layers.Layer):
            pass

        return Affine

    impostor = take_the_name()
    try:
        reason = _failure("toy/Affine", "registered_name")
        assert "'zoo.toy>Affine' is registered for 2 classes" in reason
        assert "take_the_name.<locals>.Affine (the one Keras loads)" in reason
    finally:
        from keras.src.saving.object_registration import GLOBAL_CUSTOM_NAMES

        keras.saving.get_custom_objects()["zoo.toy>Affine"] = Affine
        GLOBAL_CUSTOM_NAMES.pop(impostor, None)


def test_checks_are_selected_by_name(toy_registry) -> None:
    report = zoo.testing.check("toy/Affine", checks=["shapes", "config"])
    assert [r.check for r in report.results] == ["config", "shapes"]  # the kit's order
    with pytest.raises(zoo.ZooError, match="The kit's checks are config, .* Received: speed"):
        zoo.testing.check("toy/Affine", checks=["speed"])


def test_the_cli_offers_every_check() -> None:
    from zoo._cli import make_parser

    parser = make_parser()
    for check in zoo.testing.CHECKS:
        assert parser.parse_args(["check", "--check", check]).checks == [check]
