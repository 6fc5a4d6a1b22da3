"""forecast/mlp: the tabular MLP behind forecast/mlp_classifier and forecast/mlp_regressor."""

from __future__ import annotations

import numpy as np
import pytest

import zoo


def test_a_classifier_or_a_regressor_whose_input_follows_the_arguments() -> None:
    classifier = zoo.build("forecast/mlp_classifier", input_dim=5, num_classes=4)
    assert classifier.input_shape == (None, 5) and classifier.output_shape == (None, 4)
    probabilities = np.asarray(classifier(np.ones((3, 5), "float32")))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    regressor = zoo.build("forecast/mlp_regressor", input_shape=[7], outputs=2)
    assert regressor.input_shape == (None, 7) and regressor.output_shape == (None, 2)
    images = zoo.build("forecast/mlp", input_shape=[8, 8, 1], input_dim=64, num_classes=10)
    assert images.input_shape == (None, 8, 8, 1) and images.get_layer("flatten") is not None
    linear = zoo.build("forecast/mlp", hidden_units=[])
    assert [w.shape for w in linear.weights] == [(10, 1), (1,)]  # input_dim=10 by default


def test_the_head_stays_float32_under_mixed_precision() -> None:
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = zoo.build("forecast/mlp", input_dim=3, num_classes=2, hidden_units=[4])
    finally:
        keras.config.set_dtype_policy(previous)
    assert model.get_layer("dense_0").compute_dtype == "float16"
    assert model.get_layer("probabilities").compute_dtype == "float32"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_classes": 1}, "num_classes of 2 or more"),
        ({"input_shape": []}, "at least one axis"),
        ({"input_dim": 0}, "input_dim as a positive integer"),
        ({"hidden_units": 8}, "hidden_units as a list"),
        ({"dropout": 1.0}, r"dropout in \[0, 1\)"),
        ({"activation": "nope"}, "activation as the name of a Keras activation"),
    ],
)
def test_arguments_are_checked(kwargs, message) -> None:
    from zoo_forecast.mlp import mlp

    with pytest.raises(ValueError, match=message):
        mlp(**kwargs)
