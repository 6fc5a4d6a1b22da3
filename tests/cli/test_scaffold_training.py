"""Issue #28 point 3: the new-plugin scaffold's model declares training defaults, so
``zoo train`` / ``zoo.fit`` train it without the author guessing ``training={...}``."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._cli import main
from zoo._registry import Registry, set_default_registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


@pytest.fixture
def scaffolded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    name = f"advice{abs(hash(str(tmp_path))) % 10**6}"
    assert main(["new-plugin", name, "-d", str(tmp_path / "pkg")]) == 0
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    module = importlib.import_module(f"zoo_{name}")
    yield name, module
    for loaded in [m for m in sys.modules if m.startswith(f"zoo_{name}")]:
        del sys.modules[loaded]


def test_the_scaffolds_model_declares_training_defaults(scaffolded) -> None:
    name, module = scaffolded
    registry = Registry(environ={}, include_default_file=False, entry_points=[])
    registry.register_plugin(module, name)
    training = registry.resolve(f"{name}/residual_mlp").training
    assert training is not None and training["loss"] == "sparse_categorical_crossentropy"
    assert training["metrics"] == ["accuracy"]


@pytest.mark.slow
def test_the_scaffolds_recipe_trains_as_it_is(scaffolded, tmp_path: Path) -> None:
    name, module = scaffolded
    registry = Registry(environ={}, include_default_file=False, entry_points=[])
    registry.register_plugin(module, name)
    x = np.random.default_rng(0).random((60, 8)).astype("float32")
    y = np.arange(60) % 3
    previous = set_default_registry(registry)
    try:
        result = zoo.fit(f"{name}/residual_mlp_small", (x, y), out=tmp_path / "run", epochs=1)
    finally:
        set_default_registry(previous)
    assert "accuracy" in result.metrics["test"]


def test_the_plugin_docs_example_declares_training_defaults() -> None:
    text = DOCS.read_text()
    example = text[text.index('"star_net", kind="model"') :][:800]
    assert "training={" in example and '"loss": "sparse_categorical_crossentropy"' in example
