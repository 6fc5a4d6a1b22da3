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


# === A loss that does not fit the targets; a failed run says so in run.json ===


def test_a_loss_error_is_one_sentence_naming_the_loss_and_the_task() -> None:
    from types import SimpleNamespace

    from zoo._training.checks import loss_errors

    plan = SimpleNamespace(
        loss=None, defaults=SimpleNamespace(loss="sparse_categorical_crossentropy"), label="m"
    )
    info = SimpleNamespace(source="forecast/diabetes", task="regression")
    tensorflow_text = (
        "Graph execution error:\n\nDetected at node compile_loss/sparse_categorical_"
        'crossentropy/Sparse defined at (most recent call last):\n  File "x.py", line 8\n'
        "\nReceived a label value of -1 which is outside the valid range of [0, 2).  Label "
        "values: 0 0 -1\n\t [[{{node compile_loss/sparse_categorical_crossentropy}}]]"
    )
    with pytest.raises(zoo.ZooError) as raised, loss_errors(plan, info):  # type: ignore[arg-type]
        raise RuntimeError(tensorflow_text)
    assert str(raised.value) == (
        "The loss 'sparse_categorical_crossentropy' of m could not be computed on the targets "
        "of forecast/diabetes, which is regression data. Received: a label value of -1 which is "
        "outside the valid range of [0, 2). Train a model made for regression data, or pass a "
        "loss that fits these targets."
    )
    with pytest.raises(KeyError), loss_errors(plan, info):  # type: ignore[arg-type]
        raise KeyError("another error passes through")


@pytest.mark.slow
def test_a_classifier_on_regression_data_fails_in_one_sentence_and_is_recorded(
    tmp_path: Path,
) -> None:
    from zoo._training import run_folder

    with pytest.raises(zoo.ZooError) as raised:
        zoo.fit("forecast/mlp_classifier", "forecast/diabetes", epochs=1, out=tmp_path / "r")
    message = str(raised.value)
    assert message.startswith("The loss 'sparse_categorical_crossentropy' of ")
    assert "could not be computed on the targets of forecast/diabetes" in message
    assert "\\n" not in message and "\n" not in message and len(message) < 500
    record = run_folder.read_run(tmp_path / "r")
    assert record["status"] == "failed" and record["error"] == message
