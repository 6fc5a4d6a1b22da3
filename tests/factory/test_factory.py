"""zoo.build and zoo.get: recipes, builders, and overrides checked before building."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest

import zoo
from zoo._base.arguments import check_arguments, parameters


def test_build_a_recipe_and_a_builder(toy_registry) -> None:
    import keras

    small = zoo.build("toy_small")
    assert isinstance(small, keras.Model)
    assert small.get_layer(index=1).units == 2  # the recipe's fixed hidden=2
    default = zoo.build("toy/toy_mlp")
    assert default.get_layer(index=1).units == 8  # the builder's default
    wide = zoo.build("toy_small", hidden=5, num_classes=7, name="wide")
    assert wide.get_layer(index=1).units == 5 and wide.output_shape == (None, 7)
    assert wide.name == "wide"
    out = wide.predict(np.ones((3, 4), "float32"), verbose=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_get_of_a_recipe_builds_it(toy_registry) -> None:
    model = zoo.get("toy_small")(num_classes=2)
    assert model.output_shape == (None, 2)


def test_unknown_override_names_it_and_lists_accepted(toy_registry) -> None:
    with pytest.raises(zoo.ArgumentError) as info:
        zoo.build("toy_small", num_clases=10)
    message = str(info.value)
    assert "does not accept the argument 'num_clases'" in message
    assert "Did you mean 'num_classes'?" in message
    assert "Accepted arguments: input_dim, hidden, num_classes, name." in message
    assert "recipe toy/toy_small (builder toy/toy_mlp)" in message


def test_mistyped_override_is_refused_before_building(toy_registry) -> None:
    with pytest.raises(
        zoo.ArgumentError, match="expects num_classes of type int. Received: num_classes='ten'"
    ):
        zoo.build("toy_small", num_classes="ten")
    with pytest.raises(zoo.ArgumentError, match="of type int. Received: hidden=True"):
        zoo.build("toy_small", hidden=True)


def test_build_refuses_a_non_model(toy_registry) -> None:
    with pytest.raises(zoo.ZooError, match="Received: 'toy/Affine', a layer. Use zoo.get"):
        zoo.build("Affine")


def test_builder_value_error_becomes_a_zoo_error(isolated_registry) -> None:
    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.ComponentSpec("picky", kind="model", target="tests_builders:picky"))
            register(zoo.ComponentSpec("liar", kind="model", target="tests_builders:liar"))

    import sys
    import types

    module = types.ModuleType("tests_builders")

    def picky(units: int = 1):
        raise ValueError(f"units must be even. Received: units={units}.")

    module.picky = picky
    module.liar = lambda: "not a model"
    sys.modules["tests_builders"] = module
    zoo.register_plugin(Plugin(), "builders")
    try:
        with pytest.raises(
            zoo.ZooError, match="Building builders/picky failed: units must be even"
        ):
            zoo.build("picky", units=3)
        with pytest.raises(zoo.ZooError, match="returns a keras.Model. Received: str"):
            zoo.build("liar")
    finally:
        zoo.unregister_plugin("builders")
        del sys.modules["tests_builders"]


def _typed(
    a: int,
    b: float = 1.0,
    c: str | None = None,
    d: tuple[int, int, int] = (1, 2, 3),
    e: list[int] | None = None,
    f: Literal["A", "B"] = "A",
    g: dict | None = None,
    h: object = None,
) -> None: ...


@pytest.mark.parametrize(
    "arguments",
    [
        {"a": 1},
        {"a": 1, "b": 2},
        {"a": 1, "c": None, "d": [4, 5, 6], "e": [1], "f": "B", "g": {"x": 1}, "h": object()},
    ],
)
def test_check_arguments_accepts(arguments: dict[str, object]) -> None:
    check_arguments(_typed, arguments, "f")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "requires the argument\\(s\\) a"),
        ({"a": 1.5}, "expects a of type int"),
        ({"a": 1, "b": "x"}, "expects b of type float"),
        ({"a": 1, "d": [1, 2]}, "expects d of type tuple"),
        ({"a": 1, "e": [1, "x"]}, "expects e of type"),
        ({"a": 1, "f": "C"}, "expects f to be one of .A., .B."),
        ({"a": 1, "g": [1]}, "expects g of type"),
        ({"a": 1, "z": 1}, "does not accept the argument 'z'"),
    ],
)
def test_check_arguments_refuses(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(zoo.ArgumentError, match=message):
        check_arguments(_typed, arguments, "f")


def test_parameters_describe_defaults() -> None:
    described = {p.name: p for p in parameters(_typed)}
    assert described["a"].required and described["a"].annotation == "int"
    assert described["d"].default == (1, 2, 3) and not described["d"].required
