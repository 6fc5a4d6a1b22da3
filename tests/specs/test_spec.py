"""Component specs, recipes and examples: plain data, validated on construction."""

from __future__ import annotations

import pytest

import zoo
from zoo._specs.component import natural_key


def test_spec_id_and_defaults() -> None:
    spec = zoo.ComponentSpec("PixelShuffle", kind="layer", target="pkg.mod:PixelShuffle")
    assert spec.backends == () and spec.tags == () and spec.example is None
    assert spec.to_dict()["backends"] == ["any"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "has space"}, "component name"),
        ({"name": "a/b"}, "component name"),
        ({"kind": "widget"}, "kind is one of layer, loss"),
        ({"target": "pkg.mod.PixelShuffle"}, "'package.module:attribute'"),
        ({"target": "pkg mod:X"}, "'package.module:attribute'"),
        ({"summary": "two\nlines"}, "one line"),
        ({"tags": "vision"}, "tags must be a list of strings"),
        ({"backends": ("tensorflow", "theano")}, "Received: theano"),
        ({"example": {"input_shapes": [2, 3]}}, "Received: input_shapes"),
    ],
)
def test_invalid_spec_fields_are_refused(fields: dict[str, object], message: str) -> None:
    base = {"name": "Good", "kind": "layer", "target": "pkg.mod:Good"}
    with pytest.raises(zoo.ZooError, match=message):
        zoo.ComponentSpec(**{**base, **fields})


def test_example_from_mapping() -> None:
    spec = zoo.ComponentSpec(
        "L", kind="layer", target="m:L", example={"kwargs": {"units": 2}, "input_shape": [2, 3]}
    )
    assert isinstance(spec.example, zoo.Example)
    assert spec.example.kwargs == {"units": 2}


def test_recipe_builder_is_a_name_never_an_import_path() -> None:
    with pytest.raises(zoo.ZooError, match="never an import path"):
        zoo.Recipe("r", builder="os:system")


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"type": "choise", "values": [1]}, "type is one of choice, int, float, boolean"),
        ({"type": "choice", "values": []}, "non-empty list"),
        ({"type": "int", "min": 1}, "missing=\\['max'\\]"),
        ({"type": "int", "min": 1.5, "max": 3}, "are ints"),
        ({"type": "float", "min": 2.0, "max": 1.0}, "below .max"),
        ({"type": "float", "min": 0.1, "max": 1.0, "sampling": "exp"}, "sampling is one of"),
        ({"type": "boolean", "values": [True]}, "unknown=\\['values'\\]"),
    ],
)
def test_search_space_is_validated(space: dict[str, object], message: str) -> None:
    with pytest.raises(zoo.ZooError, match=message):
        zoo.Recipe("r", builder="b", search={"width": space})


def test_valid_search_space() -> None:
    recipe = zoo.Recipe(
        "r",
        builder="vision/b",
        search={
            "width": {"type": "choice", "values": [16, 32]},
            "depth": {"type": "int", "min": 1, "max": 4, "step": 1},
            "rate": {"type": "float", "min": 1e-4, "max": 1e-2, "sampling": "log"},
            "bn": {"type": "boolean"},
        },
        namespace="lab",
    )
    assert recipe.id == "lab/r" and recipe.kind == "model"


def test_natural_sort() -> None:
    names = ["resnet110", "resnet20", "resnet56", "Resnet32", "resnet"]
    assert sorted(names, key=natural_key) == [
        "resnet",
        "resnet20",
        "Resnet32",
        "resnet56",
        "resnet110",
    ]
