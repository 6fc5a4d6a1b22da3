"""Tuning, the fast part: search spaces (values, keys, --search), the hyperparameters they
map to, the TOML a search writes, and the errors a search gives before its first trial."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import zoo
from zoo._cli import main


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"type": ["int"], "min": 1, "max": 2}, "type is one of choice, int, float, boolean"),
        ({"type": "float", "min": 0.0, "max": 1.0, "sampling": "log"}, "min is above 0"),
        ({"type": "int", "min": -4, "max": 4, "sampling": "reverse_log"}, "min is above 0"),
        ({"type": "int", "min": 1, "max": 8, "step": "2"}, "step is a positive integer"),
        ({"type": "int", "min": 1, "max": 8, "step": 1.5}, "step is a positive integer"),
        ({"type": "float", "min": 0.0, "max": 1.0, "step": 0}, "step is a positive number"),
        ({"type": "float", "min": 0.0, "max": 1.0, "step": True}, "step is a positive number"),
        ({"type": "int", "min": 1, "max": 64, "sampling": "log", "step": 1}, "above 1"),
        ({"type": "choice", "values": []}, "non-empty list"),
        ({"type": "choice", "values": [8, "16"]}, "all of one kind"),
        ({"type": "choice", "values": [[8, 8], [16, 16]]}, "all of one kind"),
    ],
)
def test_bad_search_values_are_errors(space: dict, message: str) -> None:
    with pytest.raises(zoo.ZooError, match=message):
        zoo.Recipe("r", builder="lab/b", search={"width": space})


def test_a_registry_file_error_names_the_file_and_the_key(tmp_path: Path) -> None:
    from zoo._registry.files import RegistryConfig, read_registry_file

    path = tmp_path / "registry.toml"
    path.write_text(
        '[recipes.lab.r]\nbuilder = "lab/b"\n'
        'search = { rate = { type = "float", min = 0.0, max = 0.1, sampling = "log" } }\n'
    )
    with pytest.raises(zoo.RegistryFileError) as error:
        read_registry_file(path, RegistryConfig())
    assert str(path) in str(error.value) and "recipes.lab.r" in str(error.value)
    assert "search.rate" in str(error.value)


def test_spaces_map_to_keras_tuner_hyperparameters() -> None:
    import keras_tuner as kt

    from zoo._tuning.hypermodel import declare

    hp = kt.HyperParameters()
    assert declare(hp, "w", {"type": "choice", "values": [8, 16]}) == 8
    assert declare(hp, "n", {"type": "int", "min": 2, "max": 32, "step": 2, "sampling": "log"}) == 2
    assert declare(hp, "r", {"type": "float", "min": 1e-4, "max": 1e-1, "sampling": "log"}) == 1e-4
    assert declare(hp, "b", {"type": "boolean"}) is False
    space = {p.name: p for p in hp.space}
    assert isinstance(space["w"], kt.engine.hyperparameters.Choice)
    assert space["w"].values == [8, 16]
    assert (space["n"].min_value, space["n"].max_value, space["n"].step) == (2, 32, 2)
    assert space["n"].sampling == "log" and space["r"].sampling == "log"
    assert isinstance(space["b"], kt.engine.hyperparameters.Boolean)


def test_search_option_parses_tables_and_choice_lists() -> None:
    from zoo._tuning.hypermodel import parse_space

    assert parse_space("width=[8, 16]") == ("width", {"type": "choice", "values": [8, 16]})
    key, space = parse_space('learning_rate={type="float", min=1e-4, max=0.1, sampling="log"}')
    assert key == "learning_rate" and space["sampling"] == "log" and space["max"] == 0.1
    with pytest.raises(zoo.ZooError, match="KEY=SPACE"):
        parse_space("width")
    with pytest.raises(zoo.ZooError, match="min is above 0"):
        parse_space('rate={type="float", min=0.0, max=1.0, sampling="log"}')


def test_search_keys_are_builder_arguments_or_training_options() -> None:
    from zoo._registry import default_registry
    from zoo._tuning.hypermodel import search_space, split_values

    registry = default_registry()
    entry = registry.resolve("resnet_small")
    space = search_space(
        entry, registry, {"learning_rate": {"type": "choice", "values": [0.01, 0.1]}}, {"width": 8}
    )
    assert set(space) == {"weight_decay", "learning_rate"}  # width is fixed
    accepted = {"width", "weight_decay", "depth"}
    arguments, options = split_values(
        {"width": 8, "weight_decay": 1e-4, "learning_rate": 0.1, "tuner/epochs": 2}, accepted
    )
    # resnet_cifar takes weight_decay itself: a builder argument, not the optimizer's
    assert arguments == {"width": 8, "weight_decay": 1e-4} and options == {"learning_rate": 0.1}
    with pytest.raises(zoo.ZooError, match="Did you mean 'width'"):
        search_space(entry, registry, {"widht": {"type": "choice", "values": [8]}})


def test_best_toml_is_a_registry_file_that_reads_back(tmp_path: Path) -> None:
    from zoo._registry.files import RegistryConfig, read_registry_file
    from zoo._tuning.results import best_recipe_toml

    text = best_recipe_toml(
        namespace="vision",
        name="resnet_small_tuned",
        builder="vision/resnet_cifar",
        args={
            "width": 8,
            "input_shape": [8, 8, 1],
            "weight_decay": 3.1e-05,
            "shortcut": "zero_pad",
        },
        training={"learning_rate": 0.01, "epochs": 2, "optimizer": {"class_name": "SGD"}},
        summary='Tuned "small" one.',
        tags=["tuned"],
        comments=["a comment"],
    )
    path = tmp_path / "best.toml"
    path.write_text(text)
    assert tomllib.loads(text)["recipes"]["vision"]["resnet_small_tuned"]["args"]["width"] == 8
    config = RegistryConfig()
    read_registry_file(path, config)
    (recipe,) = config.recipes
    assert recipe.id == "vision/resnet_small_tuned"
    assert dict(recipe.args) == {
        "width": 8,
        "input_shape": [8, 8, 1],
        "weight_decay": 3.1e-05,
        "shortcut": "zero_pad",
    }
    assert recipe.training["learning_rate"] == 0.01 and recipe.summary == 'Tuned "small" one.'


# === Bad input: one ZooError each, exit 1 and one line from the CLI ===


def _cli_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def test_cli_unknown_search_key_with_close_match(capsys, tmp_path: Path) -> None:
    err = _cli_error(
        capsys, "tune", "resnet_small", "--data", "vision/digits", "--search", "widht=[4, 8]",
        "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert "'widht'" in err and "Did you mean 'width'" in err
    assert not (tmp_path / "s").exists()


def test_cli_tuner_typo(capsys, tmp_path: Path) -> None:
    err = _cli_error(
        capsys, "tune", "resnet_small", "--data", "vision/digits", "--tuner", "randm",
        "--out", str(tmp_path / "s"),
    )  # fmt: skip
    assert "Did you mean 'random'" in err


def test_cli_resume_on_a_folder_that_is_no_search(capsys, tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("not a search")
    err = _cli_error(
        capsys, "tune", "resnet_small", "--data", "vision/digits", "--resume",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert "no search.json" in err and str(tmp_path) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


def test_a_new_search_needs_an_empty_folder_and_hyperband_takes_no_max_trials(tmp_path: Path):
    (tmp_path / "x").write_text("")
    with pytest.raises(zoo.ZooError, match="new or empty folder"):
        zoo.tune("resnet_small", "vision/digits", out=tmp_path)
    with pytest.raises(zoo.ZooError, match="Hyperband sizes its brackets"):
        zoo.tune("resnet_small", "vision/digits", tuner="hyperband", max_trials=3)
    with pytest.raises(zoo.ZooError, match="direction is :max or :min"):
        zoo.tune("resnet_small", "vision/digits", objective="val_accuracy:up")


def test_resume_repeats_the_options_the_search_started_with(tmp_path: Path) -> None:
    import json

    (tmp_path / "keras_tuner").mkdir()
    (tmp_path / "keras_tuner" / "oracle.json").write_text("{}")
    started = {
        "recipe": "vision/resnet_small", "data": "vision/digits", "data_args": {},
        "tuner": "random", "epochs": 2, "objective": "val_accuracy", "fixed": {"depth": 8},
        "space": {"width": {"type": "choice", "values": [8, 16, 32]},
                  "weight_decay": {"type": "float", "min": 1e-5, "max": 1e-3,
                                   "sampling": "log"}},
        "seed": 0, "status": "running",
    }  # fmt: skip
    (tmp_path / "search.json").write_text(json.dumps(started))
    with pytest.raises(zoo.ZooError, match=r"epochs=3 \(the search has 2\)"):
        zoo.tune(
            "resnet_small", "vision/digits", epochs=3, overrides={"depth": 8}, out=tmp_path,
            resume=True,
        )  # fmt: skip
    with pytest.raises(zoo.ZooError, match="no keras_tuner/oracle.json"):
        (tmp_path / "keras_tuner" / "oracle.json").unlink()
        zoo.tune("resnet_small", "vision/digits", epochs=2, out=tmp_path, resume=True)
