"""The kit judges fairly: on every backend, with a loss that fits a metric's targets, a
gradient check that retries fresh batches, bfloat16, and kinds it has no checks for.

Backend-neutral (keras.ops only): the JAX and torch CI legs run this file too.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import zoo
import zoo.testing

CASES = '''
import keras

import zoo


@zoo.serializable("judged")
class ReluGate(keras.layers.Layer):
    """relu(w * x[..., 0] - threshold): its one unit is off for inputs below threshold."""

    def __init__(self, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def build(self, input_shape):
        self.w = self.add_weight(shape=(1,), initializer="ones", name="w")

    def call(self, x):
        return keras.ops.relu(x[..., :1] * self.w - self.threshold)

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}


@zoo.serializable("judged")
class Cancellation(keras.layers.Layer):
    """(x + 64) - 64: exact in float32, within 2% in float16, not in bfloat16."""

    def call(self, x):
        return (x + 64.0) - 64.0
'''


@pytest.fixture(scope="module")
def cases_module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("judged_cases")
    (folder / "judged_cases.py").write_text(CASES)
    sys.path.insert(0, str(folder))
    try:
        yield "judged_cases"
    finally:
        sys.path.remove(str(folder))


def _threshold_between_draws() -> float:
    """A threshold above every x[:, 0] of the kit's example batch, below one of the next."""
    from zoo._kit.data import make_inputs

    ex = zoo.Example(input_shape=[4, 3])
    first = make_inputs(ex)[:, 0].max()
    second = make_inputs(ex, draw=1)[:, 0].max()
    assert second > first, "the kit's first fresh batch must reach higher (pick another shape)"
    return float((first + second) / 2)


@pytest.fixture
def judged(isolated_registry, cases_module):
    module = cases_module
    sparse = {"input_shape": [6, 4], "target_shape": [6], "target_dtype": "int32"}
    sparse["target_range"] = [0, 4]
    specs = [
        zoo.ComponentSpec(
            "SparseAccuracy",
            kind="metric",
            target="keras.metrics:SparseCategoricalAccuracy",
            example=sparse,
        ),
        zoo.ComponentSpec(
            "SparseAccuracyMse",
            kind="metric",
            target="keras.metrics:SparseCategoricalAccuracy",
            example={**sparse, "loss": "mse"},
        ),
        zoo.ComponentSpec(
            "SparseAccuracyNamed",
            kind="metric",
            target="keras.metrics:SparseCategoricalAccuracy",
            example={
                **sparse,
                "loss": {"class_name": "SparseCategoricalCrossentropy", "config": {}},
            },
        ),
        zoo.ComponentSpec(
            "GateOffOnFirstBatch",
            kind="layer",
            target=f"{module}:ReluGate",
            example={"kwargs": {"threshold": _threshold_between_draws()}, "input_shape": [4, 3]},
        ),
        zoo.ComponentSpec(
            "GateAlwaysOff",
            kind="layer",
            target=f"{module}:ReluGate",
            example={"kwargs": {"threshold": 100.0}, "input_shape": [4, 3]},
        ),
        zoo.ComponentSpec(
            "GateAlwaysOffAllowed",
            kind="layer",
            target=f"{module}:ReluGate",
            example={
                "kwargs": {"threshold": 100.0},
                "input_shape": [4, 3],
                "allow_zero_gradient": ["*/w"],
            },
        ),
        zoo.ComponentSpec(
            "Cancellation", kind="layer", target=f"{module}:Cancellation", example={}
        ),
        zoo.ComponentSpec("digits", kind="dataset", target=f"{module}:no_such_function"),
        zoo.ComponentSpec(
            "trained",
            kind="preset",
            target=f"{module}:no_such_weights",
            preset={
                "builder": "vision/resnet_small",
                "url": "file:///nowhere.keras",
                "sha256": "0" * 64,
            },
        ),
        zoo.ComponentSpec(
            "OpenVinoOnly",
            kind="layer",
            target=f"{module}:Cancellation",
            backends=("openvino",),
            example={"input_shape": [2, 3]},
        ),
    ]

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            for spec in specs:
                register(spec)

    zoo.register_plugin(Plugin(), "judged")
    try:
        yield
    finally:
        zoo.unregister_plugin("judged")


def _result(name: str, check: str) -> zoo.testing.CheckResult:
    report = zoo.testing.check(name, checks=[check])
    return report.results[0]


def test_a_sparse_metric_is_compiled_with_a_loss_its_targets_fit(judged) -> None:
    for name in ("judged/SparseAccuracy", "judged/SparseAccuracyNamed"):
        report = zoo.testing.check(name, checks=["keras_file", "xla"])
        assert report.status("keras_file") == "passed", str(report)
        assert report.status("xla") != "failed", str(report)
    # The example may name the loss; mse does not fit sparse labels (a shape error).
    forced = _result("judged/SparseAccuracyMse", "keras_file")
    assert forced.status == "failed", forced


def test_the_whole_sparse_metric_conforms(judged) -> None:
    report = zoo.testing.check("judged/SparseAccuracy")
    assert report.ok, str(report)
    assert report.status("keras_file") == "passed"


def test_the_gradient_check_retries_on_fresh_batches(judged) -> None:
    retried = _result("judged/GateOffOnFirstBatch", "gradients")
    assert retried.status == "passed", retried
    dead = _result("judged/GateAlwaysOff", "gradients")
    assert dead.status == "failed"
    assert dead.reason.endswith(
        "/w gets an all-zero gradient on 4 batches (if that is right for the example, "
        "list it in Example.allow_zero_gradient)"
    ), dead.reason
    allowed = _result("judged/GateAlwaysOffAllowed", "gradients")
    assert allowed.status == "passed", allowed


def test_the_gradient_is_the_backends_own_and_exact(judged) -> None:
    """d/dw sum(P * relu(w x0 - t)) = sum(P * x0 [w x0 > t]) against NumPy."""
    import keras
    from judged_cases import ReluGate

    from zoo._kit.data import SEED, make_inputs, projection
    from zoo._kit.gradients import gradients

    layer = ReluGate(threshold=-0.5)
    x = make_inputs(zoo.Example(input_shape=[4, 3]))
    y = layer(x)
    read_out = projection(y)
    (grad,) = gradients(lambda: read_out(layer(x)), [layer.w])
    p = np.random.default_rng(SEED + 2).standard_normal((4, 1)).astype("float32")
    x0 = x[:, :1]
    expected = np.sum(p * x0 * (x0 > -0.5))
    np.testing.assert_allclose(grad, [expected], rtol=1e-5)
    assert keras.config.backend() in ("tensorflow", "jax", "torch")


def test_bfloat16_has_its_own_check_and_tolerance(judged) -> None:
    report = zoo.testing.check("judged/Cancellation", example={"input_shape": [4, 3]})
    assert report.status("mixed_precision") == "passed", str(report)
    assert report.status("mixed_bfloat16") == "failed", str(report)
    reason = next(r.reason for r in report.failures if r.check == "mixed_bfloat16")
    assert reason.startswith("mixed_bfloat16 against float32: output 0 differs by up to 0.")
    assert "(allowed 0.06 x " in reason


@pytest.mark.parametrize(("name", "kind"), [("digits", "dataset"), ("trained", "preset")])
def test_datasets_and_presets_are_not_applicable_with_the_reason(judged, name, kind) -> None:
    report = zoo.testing.check(f"judged/{name}")
    assert report.ok
    assert [r.check for r in report.results] == list(zoo.testing.CHECKS)
    for result in report.results:
        assert result.status == "not applicable", result
        if result.check != "lazy":  # the plugin was registered from an object
            assert result.reason.startswith(f"a {kind} is "), result
            assert "not a Keras object" in result.reason


def test_a_component_declared_for_other_backends_is_not_applicable(judged) -> None:
    import keras

    report = zoo.testing.check("judged/OpenVinoOnly")
    assert report.ok
    reason = (
        "declared for the openvino backend only (backends=['openvino']); "
        f"this run is on {keras.config.backend()}"
    )
    statuses = {r.check: (r.status, r.reason) for r in report.results if r.check != "lazy"}
    assert set(statuses.values()) == {("not applicable", reason)}
