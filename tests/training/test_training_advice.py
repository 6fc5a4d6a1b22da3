"""Issue #28 point 3: advice a user can follow, from training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._training.checks import shape_argument


def test_a_shape_mismatch_names_the_builders_own_argument(tmp_path: Path) -> None:
    model = zoo.build("forecast/mlp", input_dim=8, num_classes=3, hidden_units=[4])
    x = np.random.default_rng(0).random((30, 4)).astype("float32")
    y = np.arange(30) % 3
    with pytest.raises(zoo.ZooError) as raised:
        zoo.fit(model, (x, y), out=tmp_path / "run", epochs=1, verbose=0)
    message = str(raised.value)
    assert "Build it with input_dim=4, or use data of the model's shape." in message
    assert "input_shape=" not in message


@pytest.mark.parametrize(
    ("shape", "accepted", "built_with", "expected"),
    [
        ((4,), {"input_dim"}, {}, "input_dim=4"),
        ((4,), {"input_dim", "input_shape"}, {"input_dim": 8, "input_shape": None}, "input_dim=4"),
        ((4,), {"input_dim", "input_shape"}, {"input_shape": [8]}, "input_shape=[4]"),
        ((8, 8, 1), {"input_dim", "input_shape"}, {}, "input_shape=[8, 8, 1]"),
        ((4,), None, {}, "input_shape=[4]"),
        ((8, 8), {"units"}, {}, ""),
    ],
)
def test_shape_argument(
    shape: tuple[int, ...], accepted: set[str] | None, built_with: dict, expected: str
) -> None:
    assert shape_argument(shape, accepted, built_with) == expected
