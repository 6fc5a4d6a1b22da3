"""The conformance kit passes good components and catches each kind of broken one."""

from __future__ import annotations

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
