"""Every component and recipe the installed plugins register goes through the kit.

Parametrized over what the registry discovers, so a new component is tested the
moment it is registered (STYLE.md item 9). A spec without an ``example`` fails here.
"""

from __future__ import annotations

import pytest

import zoo
import zoo.testing

# Recipes whose models take more than a few seconds through the kit on a 2-core CPU.
SLOW = {"vision/resnet32", "vision/resnet44", "vision/resnet56", "vision/resnet110"}

# keras.applications' deep families: 25 to 135 s each through the kit on TensorFlow (most of
# it the XLA check), minutes each on JAX, where every check compiles. They run in the
# TensorFlow slow leg; the JAX and torch legs deselect them (-m "not heavy") to keep CI
# within its time, and test the family's shared code through vgg16 and the transfer models.
HEAVY = {
    "applications/resnet50_v2",
    "applications/mobilenet_v3_small",
    "applications/mobilenet_v3_large",
    "applications/efficientnet_v2_b0",
    "applications/convnext_tiny",
}
SLOW |= HEAVY | {"applications/vgg16", "applications/transfer_classifier"}


def _params() -> list[object]:
    return [
        pytest.param(name, marks=_marks(name)) if name in SLOW else name
        for name in zoo.testing.component_ids()
    ]


def _marks(name: str) -> list[pytest.MarkDecorator]:
    return [pytest.mark.slow, pytest.mark.heavy] if name in HEAVY else [pytest.mark.slow]


def test_first_party_plugins_all_load() -> None:
    statuses = {p.name: p.status for p in zoo.list_plugins() if p.distribution == "keras-zoo"}
    assert statuses, "no first-party plugin was discovered"
    assert set(statuses.values()) == {"loaded"}, zoo.list_plugins()


@pytest.mark.parametrize("name", _params())
def test_component_conforms(name: str) -> None:
    zoo.testing.assert_conforms(name)
