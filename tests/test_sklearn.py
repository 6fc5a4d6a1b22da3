"""zoo.sklearn: recipes as scikit-learn estimators (clone, cross_val_score, GridSearchCV,
pipelines), checked against scikit-learn's own protocol and metrics."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

SMALL = {"input_shape": [8, 8, 1], "depth": 8, "width": 4, "epochs": 2, "learning_rate": 0.01}


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    index = rng.permutation(len(y))
    return (x[index] / 16.0).astype("float32"), y[index]


def test_import_keeps_the_lazy_contract():
    code = (
        "import sys, zoo.sklearn; "
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_params_cover_overrides_and_training_options_and_clone_round_trips():
    from sklearn.base import clone

    import zoo.sklearn

    estimator = zoo.sklearn.Classifier("resnet_small", **SMALL)
    params = estimator.get_params()
    assert params["width"] == 4 and params["depth"] == 8 and params["input_shape"] == [8, 8, 1]
    assert (
        params["epochs"] == 2
        and params["learning_rate"] == 0.01
        and params["name"] == "resnet_small"
    )
    copy = clone(estimator)
    assert copy is not estimator and copy.get_params() == params
    copy.set_params(width=8, batch_size=16)
    assert copy.get_params()["width"] == 8 and copy.batch_size == 16
    assert estimator.get_params()["width"] == 4  # the original is untouched
    assert "resnet_small" in repr(copy)


@pytest.mark.slow
def test_cross_val_score_returns_three_accuracies_that_match_predict(digits):
    from sklearn.model_selection import cross_val_score

    import zoo.sklearn

    x, y = digits
    estimator = zoo.sklearn.Classifier("resnet_small", **SMALL)
    scores = cross_val_score(estimator, x, y, cv=3)
    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores.mean() > 0.2  # ten classes: chance is 0.1

    fitted = zoo.sklearn.Classifier("resnet_small", **SMALL).fit(x[:1200], y[:1200])
    predicted = fitted.predict(x[1200:])
    assert set(predicted) <= set(fitted.classes_)
    assert fitted.score(x[1200:], y[1200:]) == pytest.approx(np.mean(predicted == y[1200:]))
    probabilities = fitted.predict_proba(x[1200:])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)
    assert len(fitted.history_["loss"]) == 2


@pytest.mark.slow
def test_grid_search_over_width_and_a_pipeline_with_a_scaler(digits):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import zoo.sklearn

    x, y = digits
    small = {k: v for k, v in SMALL.items() if k != "epochs"}
    search = GridSearchCV(
        zoo.sklearn.Classifier("resnet_small", epochs=1, **small), {"width": [2, 4]}, cv=2
    )
    search.fit(x, y)
    assert [p["width"] for p in search.cv_results_["params"]] == [2, 4]
    assert search.best_params_["width"] in (2, 4)
    assert search.best_estimator_.model_.get_layer(index=1) is not None

    labels = np.array(["even", "odd"])[y % 2]  # string labels, two classes
    pipeline = make_pipeline(StandardScaler(), zoo.sklearn.Classifier("resnet_small", **SMALL))
    pipeline.fit(x[:1200], labels[:1200])
    predicted = pipeline.predict(x[1200:])
    assert set(predicted) <= {"even", "odd"}
    assert pipeline.score(x[1200:], labels[1200:]) == pytest.approx(
        np.mean(predicted == labels[1200:])
    )


REGRESSION_PLUGIN = """
import keras
import zoo


def line(input_dim: int = 1, name: str = "line"):
    inputs = keras.Input(shape=(input_dim,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs), name=name)


@zoo.hookimpl
def zoo_register(register):
    register(zoo.ComponentSpec("line", kind="model", target="zoo_line_plugin:line",
                               summary="A linear regression.",
                               training={"loss": "mse", "learning_rate": 0.1, "epochs": 60}))
"""


@pytest.mark.slow
def test_regressor_fits_a_line_like_least_squares(isolated_registry, tmp_path, monkeypatch):
    from sklearn.linear_model import LinearRegression

    import zoo
    import zoo.sklearn

    (tmp_path / "zoo_line_plugin.py").write_text(textwrap.dedent(REGRESSION_PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    import zoo_line_plugin

    zoo.register_plugin(zoo_line_plugin, "lin")
    try:
        rng = np.random.default_rng(0)
        x = rng.normal(size=(256, 3)).astype("float32")
        y = x @ np.array([1.5, -2.0, 0.5], "float32") + 0.3
        estimator = zoo.sklearn.Regressor("lin/line", batch_size=32).fit(x, y)
        reference = LinearRegression().fit(x, y)
        assert estimator.predict(x).shape == (256,)
        np.testing.assert_allclose(
            estimator.model_.layers[-1].get_weights()[0].ravel(), reference.coef_, atol=0.05
        )
        assert estimator.score(x, y) > 0.99
    finally:
        zoo.unregister_plugin("lin")
