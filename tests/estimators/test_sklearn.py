"""zoo.sklearn: recipes as scikit-learn estimators (clone, cross_val_score, GridSearchCV,
pipelines), checked against scikit-learn's own protocol (its check_estimator, every
check) and metrics."""

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


# === scikit-learn's own checks, and the data errors they ask for ===

#: The default recipes (forecast/mlp_classifier, forecast/mlp_regressor), small and quick:
#: one hidden layer of 16 units, 5 epochs of batches of 16 at 0.05 (the checks' data: 30
#: to 300 rows; the classifier must reach 0.83 and the regressor R2 0.5 on theirs).
FAST = {"hidden_units": [16], "epochs": 5, "batch_size": 16, "learning_rate": 0.05}


#: The checks that train several models (2.5 s or more each on 2 busy cores): CI's slow leg.
SLOW_CHECKS = {
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_train",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_regressor_data_not_an_array",
    "check_regressors_int",
    "check_regressors_train",
    "check_supervised_y_2d",
}


def _check_params():
    """Every check of check_estimator for both estimators, as parametrize_with_checks
    makes them (expected failures marked xfail, strict), the costly ones marked slow."""
    from sklearn.utils.estimator_checks import estimator_checks_generator

    import zoo.sklearn

    params = []
    for estimator in (zoo.sklearn.Classifier(**FAST), zoo.sklearn.Regressor(**FAST)):
        for item in estimator_checks_generator(
            estimator,
            expected_failed_checks=zoo.sklearn.EXPECTED_FAILED_CHECKS,
            mark="xfail",
            xfail_strict=True,
        ):
            (estimator_, check), marks = getattr(item, "values", item), getattr(item, "marks", ())
            function = getattr(check, "func", check)
            keywords = ",".join(f"{k}={v}" for k, v in getattr(check, "keywords", {}).items())
            name = function.__name__ + (f"({keywords})" if keywords else "")
            slow = [pytest.mark.slow] if function.__name__ in SLOW_CHECKS else []
            params.append(
                pytest.param(
                    estimator_,
                    check,
                    marks=[*marks, *slow],
                    id=f"{type(estimator_).__name__}-{name}",
                )
            )
    return params


@pytest.mark.parametrize(("estimator", "check"), _check_params())
def test_scikit_learn_check_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def fitted():
    import zoo.sklearn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    return (
        zoo.sklearn.Classifier(epochs=2).fit(x, y),
        zoo.sklearn.Regressor(epochs=2).fit(x, x[:, 0]),
        x,
        y,
    )


def test_defaults_are_the_tabular_mlp_recipes_whose_input_follows_the_data(fitted):
    classifier, regressor, x, _ = fitted
    assert classifier.recipe == "forecast/mlp_classifier" and classifier.name is None
    assert regressor.recipe == "forecast/mlp_regressor"
    assert classifier.model_.input_shape == (None, 4) == regressor.model_.input_shape
    assert classifier.model_.output_shape == (None, 2) and regressor.predict(x).shape == (60,)
    assert classifier.n_features_in_ == 4 and list(classifier.classes_) == [0, 1]
    assert len(classifier.history_["loss"]) == 2


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("more features at predict", "X has 5 features, but Classifier is expecting 4"),
        ("1-D X", "Expected 2D array, got 1D array"),
        ("NaN", "Input X contains NaN"),
        ("inf", "Input X contains infinity"),
        ("complex", "Complex data not supported"),
        ("empty", "0 sample"),
    ],
)
def test_data_errors_are_argument_errors_zoo_and_value_errors(fitted, case, message):
    import zoo

    classifier = fitted[0]
    bad = {
        "more features at predict": np.ones((3, 5)),
        "1-D X": np.ones(4),
        "NaN": np.where(np.eye(3, 4) > 0, np.nan, 1.0),
        "inf": np.where(np.eye(3, 4) > 0, np.inf, 1.0),
        "complex": np.ones((3, 4)) + 1j,
        "empty": np.ones((0, 4)),
    }[case]
    with pytest.raises(zoo.ArgumentError, match=message) as raised:
        classifier.predict(bad)
    assert isinstance(raised.value, zoo.ZooError) and isinstance(raised.value, ValueError)
    assert "Fix the data" in str(raised.value)


def test_label_errors_unfitted_and_sparse():
    import scipy.sparse
    from sklearn.exceptions import NotFittedError

    import zoo
    import zoo.sklearn

    x = np.random.default_rng(1).normal(size=(40, 3))
    with pytest.raises(zoo.ArgumentError, match="Unknown label type: continuous"):
        zoo.sklearn.Classifier(epochs=1).fit(x, x[:, 0])  # not 40 classes
    with pytest.raises(zoo.ArgumentError, match="at least two classes. Received: one class"):
        zoo.sklearn.Classifier(epochs=1).fit(x, np.zeros(40))
    with pytest.raises(zoo.ArgumentError, match="y should be a 1d array"):
        zoo.sklearn.Classifier(epochs=1).fit(x, np.zeros((40, 2)))
    with pytest.raises(zoo.ArgumentError, match="requires y to be passed"):
        zoo.sklearn.Regressor(epochs=1).fit(x)
    with pytest.raises(NotFittedError):
        zoo.sklearn.Regressor().predict(x)
    with pytest.raises(TypeError, match="dense data is required"):
        zoo.sklearn.Regressor(epochs=1).fit(scipy.sparse.csr_matrix(x), x[:, 0])


@pytest.mark.slow
def test_a_recipe_keeps_its_own_input_shape_in_a_pipeline(digits):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import zoo.sklearn

    x, y = digits  # flat rows of 64; the recipe fixes input_shape=[8, 8, 1]
    estimator = zoo.sklearn.Classifier("distill/digits_cnn_student", epochs=3)
    scores = cross_val_score(make_pipeline(StandardScaler(), estimator), x, y, cv=2)
    assert scores.shape == (2,) and scores.min() > 0.2
    fitted = estimator.fit(x[:600], y[:600])
    assert fitted.model_.input_shape == (None, 8, 8, 1)
    probabilities = fitted.predict_proba(x[600:700])  # the recipe emits logits
    assert np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.slow
def test_the_documented_examples_score_as_documented():
    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import zoo.sklearn

    x, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), zoo.sklearn.Classifier())
    assert cross_val_score(model, x, y, cv=3).mean() > 0.9  # 0.94 measured

    x, y = load_diabetes(return_X_y=True)
    model = make_pipeline(StandardScaler(), zoo.sklearn.Regressor())
    assert cross_val_score(model, x, y, cv=3).mean() > 0.4  # R2 0.48 measured
