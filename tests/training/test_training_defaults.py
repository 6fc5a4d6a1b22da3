"""Training defaults as data: validated at registration, merged recipe over builder, compiled."""

from __future__ import annotations

import pytest

import zoo
from zoo._base.errors import RegistryFileError
from zoo._registry import Registry
from zoo._training.defaults import TrainingDefaults, check_training, training_defaults


def _registry_file(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text(body)
    return path


def _load(path):
    Registry(environ={}, include_default_file=False, entry_points=[], registry_files=[path]).load()


@pytest.mark.parametrize(
    ("training", "message"),
    [
        ("{ epoch = 3 }", "accepts the keys .* Received: 'epoch'. Did you mean 'epochs'"),
        ('{ mode = "maximum" }', "mode is one of auto, min, max. Received: 'maximum'"),
        ('{ metrics = "accuracy" }', "metrics is a list of metrics"),
        ("{ batch_size = 0 }", "batch_size is an integer of at least 1. Received: 0"),
        ('{ schedule = "cosin" }', "Did you mean 'cosine'"),
        ('{ loss = { id = "QuantileLoss" } }', "a zoo component is"),
        ("{ learning_rate = -1.0 }", "learning_rate is a non-negative number"),
    ],
)
def test_a_malformed_training_table_names_the_file_and_key(tmp_path, training, message):
    path = _registry_file(
        tmp_path,
        f'[recipes.lab.net]\nbuilder = "toy/toy_mlp"\ntraining = {training}\n',
    )
    with pytest.raises(RegistryFileError, match=message) as caught:
        _load(path)
    assert str(path) in str(caught.value)
    assert "recipes.lab.net" in str(caught.value)


def test_only_model_builders_declare_training_defaults():
    with pytest.raises(zoo.ZooError, match="Only a model builder declares training defaults"):
        zoo.ComponentSpec("L", kind="layer", target="a.b:L", training={"epochs": 2})


def test_a_recipe_merges_its_table_over_its_builders():
    merged = TrainingDefaults().merged({"epochs": 3, "loss": "mse"}).merged({"epochs": 5})
    assert (merged.epochs, merged.loss, merged.batch_size) == (5, "mse", 32)
    assert check_training({"metrics": ("mae",)}, "t") == {"metrics": ["mae"]}


def test_every_first_party_model_declares_how_it_trains():
    models = zoo.list_components(kind="model")
    assert len(models) >= 15
    for entry in models:
        defaults = training_defaults(entry)
        assert defaults.loss is not None, entry.id
        assert defaults.mode in ("min", "max"), entry.id


def test_zoo_compile_applies_the_declared_defaults_and_the_users_values_win():
    import keras

    model = zoo.compile("quantile_mlp_small")
    loss_cls = zoo.get("forecast/QuantileLoss")
    assert isinstance(model.loss, loss_cls)
    # {arg = "quantiles"} took the recipe's quantiles.
    assert list(model.loss.quantiles) == [0.1, 0.5, 0.9]
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(1e-3)

    model = zoo.compile("quantile_mlp_small", loss="mae", optimizer="sgd", learning_rate=0.5)
    assert model.loss == "mae"
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.optimizer.learning_rate.numpy() == pytest.approx(0.5)


def test_a_cosine_schedule_decays_over_every_step():
    import keras

    model = zoo.compile("resnet_small", steps_per_epoch=10, epochs=3, depth=8, width=4)
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.decay_steps == 30
    assert schedule.initial_learning_rate == pytest.approx(2e-3)
    with pytest.raises(zoo.ZooError, match="needs the number of steps per epoch"):
        zoo.compile("resnet_small", depth=8, width=4)


def test_a_bare_model_needs_a_loss():
    import keras

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    with pytest.raises(zoo.ZooError, match="needs a loss, and it declares no training defaults"):
        zoo.compile(model)
    assert zoo.compile(model, loss="mse").loss == "mse"
