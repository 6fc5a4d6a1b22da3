"""The kit's mixed-precision checks are as strict as Keras' own run_layer_test on dtypes.

Under mixed_float16 and mixed_bfloat16, given globally or to the layer alone
(``dtype="mixed_float16"``, as Keras' harness builds it), a layer keeps float32 weights
and its outputs have the dtypes of its symbolic outputs (``compute_output_spec``): the
compute dtype for a layer that only says its output shape. A layer whose Keras sublayers were built
without its dtype policy (vision/ImageAugmentation once) fails with a message naming the
layer and the dtypes.

Backend-neutral (keras.ops only), like tests/kit/test_kit_judging.py.
"""

from __future__ import annotations

import sys

import pytest

import zoo
import zoo.testing

CASES = '''
import keras

import zoo


@zoo.serializable("mixedcases")
class Halves(keras.layers.Layer):
    """x / 2 in the compute dtype: what the kit and Keras expect."""

    def call(self, x):
        return x / 2.0


@zoo.serializable("mixedcases")
class FloatSublayer(keras.layers.Layer):
    """Its Dense sublayer is built without the layer's dtype policy (the defect)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2, name="dense")

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        return self.dense(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2)


@zoo.serializable("mixedcases")
class CastsToFloat32(keras.layers.Layer):
    """Says its output shape (so its declared dtype is the compute dtype), returns float32."""

    def call(self, x):
        return keras.ops.cast(x * 2.0, "float32")

    def compute_output_shape(self, input_shape):
        return input_shape


@zoo.serializable("mixedcases")
class TracedFloat32(keras.layers.Layer):
    """Casts to float32 and says nothing: its traced symbolic output is float32 too."""

    def call(self, x):
        return keras.ops.cast(x * 2.0, "float32")


@zoo.serializable("mixedcases")
class DeclaresFloat32(CastsToFloat32):
    """Casts its output to float32 and says so in compute_output_spec (a float32 head)."""

    def compute_output_spec(self, x):
        return keras.KerasTensor(x.shape, dtype="float32")


@zoo.serializable("mixedcases")
class ArgMax(keras.layers.Layer):
    """An integer output: not a floating one, so it keeps its own dtype."""

    def call(self, x):
        return keras.ops.argmax(x, axis=-1)
'''

NAMES = ("Halves", "FloatSublayer", "CastsToFloat32", "TracedFloat32", "DeclaresFloat32", "ArgMax")
CHECKS = ["mixed_precision", "mixed_bfloat16"]


@pytest.fixture(scope="module")
def cases_module(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mixed_cases")
    (folder / "mixed_cases.py").write_text(CASES)
    sys.path.insert(0, str(folder))
    try:
        yield "mixed_cases"
    finally:
        sys.path.remove(str(folder))


@pytest.fixture
def mixed(isolated_registry, cases_module):
    specs = [
        zoo.ComponentSpec(
            name, kind="layer", target=f"{cases_module}:{name}", example={"input_shape": [2, 3]}
        )
        for name in NAMES
    ]

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            for spec in specs:
                register(spec)

    zoo.register_plugin(Plugin(), "mixedcases")
    try:
        yield
    finally:
        zoo.unregister_plugin("mixedcases")


def _reason(name: str, check: str) -> str | None:
    report = zoo.testing.check(f"mixedcases/{name}", checks=[check])
    (result,) = report.results
    return None if result.status == "passed" else f"{result.status}: {result.reason}"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("name", ["Halves", "TracedFloat32", "DeclaresFloat32", "ArgMax"])
def test_outputs_in_the_compute_dtype_or_declared_pass(mixed, name, check) -> None:
    # TracedFloat32 passes, as in Keras' harness: its symbolic output (traced) and its
    # eager output agree on float32.
    assert _reason(name, check) is None


POLICIES = [
    ("mixed_precision", "mixed_float16", "float16"),
    ("mixed_bfloat16", "mixed_bfloat16", "bfloat16"),
]


@pytest.mark.parametrize(("check", "policy", "compute"), POLICIES)
def test_a_sublayer_without_the_policy_fails_naming_the_layer_and_dtypes(
    mixed, check, policy, compute
) -> None:
    # Under the global policy the sublayer is mixed too; given to the layer alone, as
    # Keras' run_layer_test gives it, the policy does not reach the sublayer.
    assert _reason("FloatSublayer", check) == (
        f"failed: under {policy} the outputs of FloatSublayer have the dtypes it declares, "
        f"its compute dtype {compute} unless its compute_output_spec says otherwise (as "
        f"Keras' run_layer_test asserts); output 0 is float32, expected {compute}. Build its "
        "sublayers with dtype=self.dtype_policy, or cast to self.compute_dtype"
    )


@pytest.mark.parametrize(("check", "policy", "compute"), POLICIES)
def test_a_float32_output_declared_as_the_compute_dtype_fails(
    mixed, check, policy, compute
) -> None:
    reason = _reason("CastsToFloat32", check)
    assert reason is not None and reason.startswith(f"failed: under {policy} the outputs of ")
    assert "CastsToFloat32" in reason and f"output 0 is float32, expected {compute}" in reason
