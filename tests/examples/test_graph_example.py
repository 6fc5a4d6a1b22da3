"""examples/wide_deep.py: its data preparation, its baseline, and a short run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from graph_helpers import canonical

import zoo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wide_deep.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("wide_deep_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fair_data_becomes_the_recipe_inputs(example) -> None:
    inputs, y, vocab = example.load_fair()
    assert vocab == {"sparse": 46, "crossed": 98}  # the recipe's num_tokens and input_dim
    assert inputs["sparse"].shape == (6366, 8) and inputs["crossed"].shape == (6366, 3)
    assert inputs["numeric"].shape == (6366, 8) and y.shape == (6366,)
    assert 0.32 < y.mean() < 0.33  # 2,053 of 6,366 women reported an affair
    # Each feature (and each crossed pair) has its own id range, in feature order.
    sparse = inputs["sparse"]
    lows, highs = sparse.min(axis=0), sparse.max(axis=0)
    assert lows[0] == 0 and highs[-1] == 45 and np.all(highs[:-1] < lows[1:])
    crossed = inputs["crossed"]
    assert crossed.min() == 0 and crossed.max() < 98
    assert np.all(crossed.max(axis=0)[:-1] < crossed.min(axis=0)[1:])
    # A crossed id is one (a, b) pair: it determines both features' ids.
    for column, (a, b) in enumerate(example.CROSSES):
        ia, ib = example.FEATURES.index(a), example.FEATURES.index(b)
        pairs = {}
        for cross, left, right in zip(crossed[:, column], sparse[:, ia], sparse[:, ib]):
            assert pairs.setdefault(cross, (left, right)) == (left, right)
    # The multi-hot matrix the scikit-learn baseline sees is what the wide nodes compute.
    model = zoo.build_graph(example.LINEAR)
    import keras

    features = keras.Model(model.inputs, model.get_layer("wide_features").output)
    x = {k: inputs[k][:50] for k in ("sparse", "crossed")}
    np.testing.assert_array_equal(features(x), example.multi_hot(x, vocab))


def test_the_baseline_is_the_recipe_wide_part(example) -> None:
    full = zoo.build("wide_deep")
    linear = zoo.build_graph(example.LINEAR)
    for layer in linear.layers:
        mine = {k: v for k, v in layer.get_config().items() if k != "name"}
        theirs = {k: v for k, v in full.get_layer(layer.name).get_config().items() if k != "name"}
        assert canonical(mine) == canonical(theirs), layer.name


@pytest.mark.slow
def test_a_short_run_beats_chance(example, capsys) -> None:
    report = example.run(seeds=1, epochs=2)
    example.print_table(report)
    assert set(report["models"]) == {
        "wide & deep (zoo/wide_deep)",
        "wide only (same linear part)",
        "logistic regression (scikit-learn)",
    }
    for name, metrics in report["models"].items():
        assert 0.65 < metrics["auc"]["mean"] <= 1.0, (name, metrics)
    assert "test ROC AUC" in capsys.readouterr().out
