"""zoo.hypermodel: the public keras-tuner HyperModel of a recipe, checked against what
keras-tuner samples and what Keras trains."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import zoo

pytestmark = pytest.mark.slow


def test_build_and_fit_use_the_sampled_arguments_and_training_options(tmp_path: Path) -> None:
    import keras
    import keras_tuner as kt

    model_space = zoo.hypermodel(
        "resnet_small", data="vision/digits", depth=8, weight_decay=1e-4, epochs=1,
        search={"width": {"type": "choice", "values": [2, 4]},
                "learning_rate": {"type": "float", "min": 1e-3, "max": 1e-1, "sampling": "log"},
                "batch_size": {"type": "choice", "values": [16, 64]}},
    )  # fmt: skip
    hp = kt.HyperParameters()
    hp.Fixed("width", 4)
    hp.Fixed("learning_rate", 0.05)
    hp.Fixed("batch_size", 64)
    model = model_space.build(hp)
    assert model.zoo_arguments["width"] == 4 and model.zoo_arguments["depth"] == 8
    assert tuple(model.zoo_arguments["input_shape"]) == (8, 8, 1)  # implied by the data
    assert model.zoo_arguments["num_classes"] == 10
    assert model.loss == "sparse_categorical_crossentropy"  # the recipe's declared loss
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)  # cosine, at step 0

    class Batches(keras.callbacks.Callback):
        count = 0

        def on_train_batch_end(self, batch, logs=None):
            Batches.count += 1

    history = model_space.fit(hp, model, callbacks=[Batches()])
    train_size = model_space.splits.info.sizes["train"]
    assert Batches.count == math.ceil(train_size / 64)  # the sampled batch size, one epoch
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}

    tuner = kt.RandomSearch(
        model_space, objective=kt.Objective("val_accuracy", "max"), max_trials=2,
        directory=str(tmp_path), project_name="p", seed=1,
    )  # fmt: skip
    tuner.search(verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 2 and all(t.status == "COMPLETED" for t in trials)
    assert all(1e-3 <= t.hyperparameters.values["learning_rate"] <= 1e-1 for t in trials)


def test_without_data_the_tuner_passes_its_arrays_to_keras_fit(tmp_path: Path) -> None:
    import keras_tuner as kt
    import numpy as np
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).reshape(-1, 8, 8, 1).astype("float32")
    model_space = zoo.hypermodel(
        "resnet_small", input_shape=[8, 8, 1], depth=8, width=2, schedule="constant",
        epochs=1, search={"batch_size": {"type": "choice", "values": [64, 128]}},
    )  # fmt: skip
    assert model_space.defaults.schedule == "constant"  # a fixed training default
    tuner = kt.RandomSearch(
        model_space, objective="val_accuracy", max_trials=1, directory=str(tmp_path),
        project_name="p",
    )  # fmt: skip
    tuner.search(x[:1200], y[:1200], validation_data=(x[1200:], y[1200:]), verbose=0)
    (trial,) = tuner.oracle.trials.values()
    assert trial.status == "COMPLETED" and 0 <= trial.score <= 1
    assert np.isfinite(trial.metrics.get_last_value("loss"))
