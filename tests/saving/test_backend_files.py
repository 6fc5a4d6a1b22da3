"""A ``.keras`` file trained on one Keras backend loads and predicts the same on the others.

Each backend runs in its own interpreter (Keras picks its backend once per process):
one process per backend trains ``resnet_small`` and a forecast model for a step, saves
them with `zoo.save` and records their predictions; then one process per backend loads
every file (its own too, fresh) and predicts the same inputs. The backends are those
this interpreter can import, plus the interpreters named in ``ZOO_BACKEND_PYTHONS``
(``jax=.venv-jax/bin/python,torch=.venv-torch/bin/python``, as ``.ci/run``'s last leg
sets it), so the main leg checks TensorFlow against itself in fresh processes and the
backend leg checks every pair.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

MODELS = ("resnet_small", "forecast/quantile_forecaster_small")

TRAIN = """
import json, sys
from pathlib import Path
import keras, numpy as np
import zoo

folder = Path(sys.argv[1])
backend = keras.config.backend()
keras.utils.set_random_seed(7)
for i, name in enumerate(json.loads(sys.argv[2])):
    model = zoo.build(name)
    rng = np.random.default_rng(i)
    shape = (8, *model.inputs[0].shape[1:])
    x = rng.standard_normal(shape).astype("float32")
    y = rng.standard_normal((8, *model.outputs[0].shape[1:])).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # weights and BN statistics move
    zoo.save(model, folder / f"{backend}-{i}.keras")
    np.save(folder / f"x-{i}.npy", x)
    np.save(folder / f"{backend}-{i}-trained.npy", model.predict(x, verbose=0))
"""

LOAD = """
import json, sys
from pathlib import Path
import keras, numpy as np
import zoo

folder = Path(sys.argv[1])
backend = keras.config.backend()
for path in sorted(folder.glob("*.keras")):
    source, i = path.stem.rsplit("-", 1)
    model = zoo.load(path)
    x = np.load(folder / f"x-{i}.npy")
    np.save(folder / f"{source}-{i}-loaded-by-{backend}.npy", model.predict(x, verbose=0))
"""


def _interpreters() -> dict[str, str]:
    found = {
        b: sys.executable for b in ("tensorflow", "jax", "torch") if importlib.util.find_spec(b)
    }
    for item in filter(None, os.environ.get("ZOO_BACKEND_PYTHONS", "").split(",")):
        backend, _, python = item.partition("=")
        found[backend.strip()] = python.strip()
    return found


def _run(python: str, backend: str, code: str, *args: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    done = subprocess.run(
        [python, "-c", code, *args], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{backend}: {done.stderr[-3000:]}"


@pytest.mark.slow
def test_a_keras_file_predicts_the_same_on_every_backend(tmp_path: Path) -> None:
    pythons = _interpreters()
    assert "tensorflow" in pythons
    for backend, python in pythons.items():
        _run(python, backend, TRAIN, str(tmp_path), json.dumps(MODELS))
    for backend, python in pythons.items():  # every file, its own backend's too (fresh)
        _run(python, backend, LOAD, str(tmp_path))
    for source in pythons:
        for i, name in enumerate(MODELS):
            reference = np.load(tmp_path / f"{source}-{i}-trained.npy")
            assert np.all(np.isfinite(reference))
            assert np.ptp(reference) > 0, f"{name} on {source} predicts a constant"
            for backend in pythons:
                predicted = np.load(tmp_path / f"{source}-{i}-loaded-by-{backend}.npy")
                np.testing.assert_allclose(
                    predicted,
                    reference,
                    rtol=1e-4,
                    atol=1e-4,
                    err_msg=f"{name} trained on {source}, loaded and predicted on {backend}",
                )


def test_a_saved_config_names_public_optimizer_classes() -> None:
    """Keras on torch records its own optimizer module; the zoo records keras.optimizers."""
    from zoo._saving.save import portable_config

    torch_sgd = {"module": "keras.src.backend.torch.optimizers.torch_sgd", "class_name": "SGD"}
    config = {
        "class_name": "Functional",
        "module": "keras.src.models.functional",
        "compile_config": {"optimizer": torch_sgd, "loss": "mse"},
        "layers": [{"module": "keras.layers", "class_name": "Dense"}],
    }
    fixed = portable_config(config)
    assert fixed["compile_config"]["optimizer"] == {
        "module": "keras.optimizers",
        "class_name": "SGD",
    }
    assert fixed["module"] == "keras.src.models.functional"
    assert fixed["layers"] == config["layers"]
    assert config["compile_config"]["optimizer"] is torch_sgd  # the input is not changed
    assert torch_sgd["module"].startswith("keras.src.backend.torch")
