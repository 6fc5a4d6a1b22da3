"""Every model recipe trains one epoch through ``zoo.fit`` on a data source that fits it.

With its declared training defaults: the loss and metrics it reports are the ones its
recipe or builder declares (pinball loss and interval coverage for the forecasters,
PSNR for ESPCN, accuracy for the classifiers).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import zoo

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# recipe id -> (data source, its arguments, metrics the run must report)
DATA = {
    "vision/resnet_small": ("vision/digits", {}, {"accuracy"}),
    "vision/resnet32": ("vision/digits", {}, {"accuracy"}),
    "vision/resnet44": ("vision/digits", {}, {"accuracy"}),
    "vision/resnet56": ("vision/digits", {}, {"accuracy"}),
    "vision/resnet110": ("vision/digits", {}, {"accuracy"}),
    "vision/espcn_x2": ("vision/super_resolution", {"scale": 2}, {"psnr"}),
    "vision/espcn_x3": ("vision/super_resolution", {"scale": 3}, {"psnr"}),
    "vision/espcn_x4": ("vision/super_resolution", {"scale": 4}, {"psnr"}),
    "vision/espcn_graph": ("vision/super_resolution", {"scale": 2}, {"psnr"}),
    "forecast/quantile_mlp_small": (
        "forecast/diabetes",
        {},
        {"pinball_loss", "interval_coverage"},
    ),
    "forecast/mlp_classifier": ("vision/digits", {}, {"accuracy"}),
    "forecast/mlp_regressor": ("forecast/diabetes", {}, {"mae"}),
    "forecast/quantile_forecaster_small": (
        "forecast/co2",
        {"window": 24, "horizon": 6},
        {"pinball_loss", "interval_coverage"},
    ),
    "distill/digits_cnn_teacher": ("vision/digits", {}, {"accuracy"}),
    "distill/digits_cnn_student": ("vision/digits", {}, {"accuracy"}),
    "text/imdb_bag_of_embeddings": ("text/fortunes", {}, {"accuracy"}),
    "text/kim_cnn": ("text/fortunes", {}, {"accuracy"}),
    "text/bilstm_small": ("text/fortunes", {}, {"accuracy"}),
    "zoo/digits_aux": ("vision/digits", {"outputs": ["digit", "aux"]}, {"digit_loss", "aux_loss"}),
    "zoo/wide_deep": ("fair", {}, {"accuracy"}),
    # ImageNet-sized images: no installed package ships any, so seeded noise at the
    # recipe's own 224x224x3 (the run checks that the recipe trains, not what it learns).
    "applications/vgg16_transfer": ("images224", {}, {"accuracy"}),
}
SLOW = {
    "vision/resnet44",
    "vision/resnet56",
    "vision/resnet110",
    "text/bilstm_small",
    "applications/vgg16_transfer",
}


def _images224() -> tuple[np.ndarray, np.ndarray]:
    """60 seeded noise images of 224x224x3 in [0, 255], six of each of ten classes."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, size=(60, 224, 224, 3)).astype("float32")
    return x, np.repeat(np.arange(10), 6)


def _fair_arrays() -> tuple[dict[str, np.ndarray], np.ndarray]:
    """statsmodels' fair data as wide_deep's three named inputs (examples/wide_deep.py)."""
    spec = importlib.util.spec_from_file_location("wide_deep_example", EXAMPLES / "wide_deep.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y, _ = module.load_fair()
    return x, y


def test_every_model_recipe_has_a_data_source_here() -> None:
    recipes = {e.id for e in zoo.list_components(kind="model") if isinstance(e, zoo.Recipe)}
    assert recipes == set(DATA)


@pytest.mark.slow
@pytest.mark.parametrize(
    "recipe",
    [pytest.param(r, marks=pytest.mark.slow) if r in SLOW else r for r in sorted(DATA)],
)
def test_every_recipe_trains_one_epoch_with_its_defaults(recipe: str, tmp_path: Path) -> None:
    if recipe.startswith("text/") and not Path("/usr/share/games/fortunes").is_dir():
        pytest.fail("text/fortunes needs Debian's fortunes: apt-get install fortunes")
    source, args, reported = DATA[recipe]
    data = {"fair": _fair_arrays, "images224": _images224}.get(source, lambda: source)()
    result = zoo.fit(recipe, data, data_args=args, epochs=1, out=tmp_path / "run", verbose=0)
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["status"] == "completed" and record["epochs_run"] == 1
    test = result.metrics["test"]
    assert reported <= set(test), test
    assert all(np.isfinite(v) for v in test.values()), test
    assert len(result.history["loss"]) == 1
    shutil.rmtree(tmp_path / "run")
