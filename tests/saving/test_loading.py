"""zoo.load: fresh processes, two plugins, missing plugins, versions, bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._saving.load import read_saved_file


def run_python(code: str, env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def first_party_env() -> dict[str, str]:
    """The installed first-party plugins only, as a user's fresh process sees them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env.pop("PYTHONPATH", None)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


# === Two first-party plugins, saved here, loaded in a fresh process ===

FRESH_LOAD = """
import json, sys
import numpy as np
import zoo

model = zoo.load(sys.argv[1])
data = np.load(sys.argv[2])
out = model.predict([data["texts"].astype(object), data["numbers"]], verbose=0)
np.save(sys.argv[3], out)
other = sorted(
    e.target.split(":")[0]
    for e in zoo.list_components()
    if hasattr(e, "target") and e.target.split(":")[0] in sys.modules
)
print(json.dumps({"imported": other, "loss": type(model.loss).__name__}))
"""


def two_plugin_model():
    """Strings through text/WhitespaceTokenizer, numbers through forecast's head and loss."""
    import keras

    tokenizer = zoo.get("text/WhitespaceTokenizer")
    head = zoo.get("forecast/NonCrossingQuantileHead")
    loss = zoo.get("forecast/QuantileLoss")
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "mat"]
    texts = keras.Input(shape=(), dtype="string", name="texts")
    numbers = keras.Input(shape=(3,), name="numbers")
    ids = tokenizer(vocabulary=vocabulary, sequence_length=6)(texts)
    words = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(8, 4)(ids))
    merged = keras.layers.Concatenate()([words, numbers])
    outputs = head(num_quantiles=3)(keras.layers.Dense(5, activation="relu")(merged))
    model = keras.Model([texts, numbers], outputs, name="two_plugins")
    model.compile(optimizer="adam", loss=loss(quantiles=[0.1, 0.5, 0.9]))
    return model


@pytest.mark.slow
def test_two_plugins_round_trip_in_a_fresh_process(tmp_path: Path) -> None:
    model = two_plugin_model()
    texts = np.array(["the cat sat", "a mat", "", "the the the cat"], dtype=object)
    numbers = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    y = np.sort(np.random.default_rng(1).standard_normal((4, 3)).astype("float32"), axis=-1)
    model.fit([texts, numbers], y, epochs=1, verbose=0)  # weights and optimizer state change
    expected = model.predict([texts, numbers], verbose=0)
    path = zoo.save(model, tmp_path / "two.keras")

    saved = read_saved_file(path)
    assert sorted(saved.classes) == ["forecast", "text"]
    assert saved.plugins["text"]["distribution"] == "keras-zoo"
    assert saved.plugins["forecast"]["names"] == ["NonCrossingQuantileHead", "QuantileLoss"]

    np.savez(tmp_path / "inputs.npz", texts=texts.astype(str), numbers=numbers)
    out = run_python(
        FRESH_LOAD, first_party_env(), path, tmp_path / "inputs.npz", tmp_path / "out.npy"
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), expected)
    assert report["loss"] == "QuantileLoss"
    # Only the plugins the file names, and only the modules their classes need.
    imported = report["imported"]
    assert {name.split(".")[0] for name in imported} == {"zoo_forecast", "zoo_text"}
    assert {
        "zoo_forecast.non_crossing_quantile_head",
        "zoo_forecast.quantile_loss",
        "zoo_text.whitespace_tokenizer",
    } <= set(imported)
    assert not {"zoo_text.text_cnn", "zoo_forecast.quantile_mlp"} & set(imported)


# === The toy plugin: what is recorded, and what happens when it is missing ===


def test_save_records_versions_in_the_metadata(toy_registry, tmp_path: Path) -> None:
    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("metadata.json"))
        assert archive.namelist()[:2] == ["metadata.json", "config.json"]
    import keras

    assert metadata["keras_version"] == keras.__version__
    assert metadata["zoo"] == {
        "format": 1,
        "zoo_version": zoo.__version__,
        "plugins": {"toy": {"distribution": "zoo-toy", "version": "0.1", "names": ["Affine"]}},
    }


def test_load_in_process_keeps_outputs_and_compile_state(toy_registry, tmp_path: Path) -> None:
    model = zoo.build("toy_small")
    model.compile(optimizer="sgd", loss=zoo.get("toy/ScaledMSE")(scale=3.0))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    path = zoo.save(model, tmp_path / "toy.keras")
    loaded = zoo.load(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.loss.scale == 3.0
    assert not zoo.load(path, compile=False).compiled


def test_a_plain_keras_file_loads_too(toy_registry, tmp_path: Path) -> None:
    model = zoo.build("toy_small")
    model.save(tmp_path / "plain.keras")
    assert read_saved_file(tmp_path / "plain.keras").zoo is None
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(
        zoo.load(tmp_path / "plain.keras").predict(x, verbose=0), model.predict(x, verbose=0)
    )


MISSING = """
import sys
import zoo
try:
    zoo.load(sys.argv[1])
except zoo.NotFoundError as error:
    print(error)
    print("keras imported:", "keras" in sys.modules)
"""


def test_missing_plugin_names_component_plugin_and_distribution(
    toy_registry, tmp_path: Path
) -> None:
    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    out = run_python(MISSING, first_party_env(), path)
    assert out.returncode == 0, out.stderr
    message, imported = out.stdout.strip().splitlines()
    assert "uses toy/Affine from the zoo plugin 'toy', which is not installed" in message
    assert "Install the distribution 'zoo-toy' (pip install 'zoo-toy==0.1'" in message
    assert imported == "keras imported: False"  # fails before importing anything heavy


def test_disabled_plugin_says_why(toy_registry, toy_env: dict[str, str], tmp_path: Path) -> None:
    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    env = {**toy_env, "ZOO_DISABLE_PLUGINS": "toy"}
    del env["ZOO_PLUGINS"]
    out = run_python(MISSING, env, path)
    assert out.returncode == 0, out.stderr
    assert "which is disabled (listed in ZOO_DISABLE_PLUGINS)" in out.stdout


def test_version_mismatch_warns_with_both_versions(toy_registry, tmp_path: Path) -> None:
    import zoo_toy

    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    zoo.unregister_plugin("toy")
    zoo.register_plugin(zoo_toy, "toy", distribution="zoo-toy", version="0.2")
    with pytest.warns(zoo.ZooWarning) as caught:
        zoo.load(path)
    (warning,) = caught
    assert "saved with the plugin 'toy' from zoo-toy 0.1; zoo-toy 0.2 is installed" in str(
        warning.message
    )
    zoo.unregister_plugin("toy")
    zoo.register_plugin(zoo_toy, "toy", distribution="zoo-toy", version="0.1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zoo.load(path)  # same version: silent


def test_a_newer_metadata_format_warns(toy_registry, tmp_path: Path) -> None:
    from zoo._saving.save import _rewrite_metadata

    path = zoo.save(zoo.build("toy_small"), tmp_path / "toy.keras")
    _rewrite_metadata(path, lambda metadata: metadata["zoo"].update(format=99))
    with pytest.warns(zoo.ZooWarning, match="metadata format 99"):
        zoo.load(path)


# === Imports through the plugin's specs, as in a fresh process ===

PRIVATE_HELPER = '''
import keras
import zoo

@zoo.serializable("priv")
class Doubler(keras.layers.Layer):
    """Not declared as a component: only the builder's module imports it."""

    def call(self, x):
        return 2.0 * x
'''

PRIVATE_BUILDER = """
import keras
from {package}.helper import Doubler

def net(width: int = 3):
    inputs = keras.Input((width,))
    return keras.Model(inputs, Doubler()(inputs))
"""


@pytest.fixture
def private_plugin(isolated_registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A plugin whose model uses a registered class that no spec declares."""
    package = f"plug_priv_{os.getpid()}"
    folder = tmp_path / "src" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "helper.py").write_text(PRIVATE_HELPER)
    (folder / "builder.py").write_text(PRIVATE_BUILDER.format(package=package))
    monkeypatch.syspath_prepend(str(tmp_path / "src"))

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(zoo.ComponentSpec("net", kind="model", target=f"{package}.builder:net"))

    zoo.register_plugin(Plugin(), "priv", distribution="zoo-priv", version="1.0")
    try:
        yield package
    finally:
        zoo.unregister_plugin("priv")
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def _forget(package: str, key: str) -> None:
    """Undo the imports, as in a fresh process: the module and the Keras registration."""
    import keras

    keras.saving.get_custom_objects().pop(key, None)
    for name in [m for m in sys.modules if m.startswith(package)]:
        del sys.modules[name]


def test_private_classes_are_found_through_the_plugin(private_plugin, tmp_path: Path) -> None:
    model = zoo.build("priv/net")
    path = zoo.save(model, tmp_path / "priv.keras")
    _forget(private_plugin, "zoo.priv>Doubler")
    loaded = zoo.load(path)
    assert f"{private_plugin}.helper" in sys.modules
    np.testing.assert_array_equal(loaded(np.ones((1, 3), "float32")), [[2.0, 2.0, 2.0]])


def test_a_class_the_installed_plugin_lacks(private_plugin, tmp_path: Path) -> None:
    path = zoo.save(zoo.build("priv/net"), tmp_path / "priv.keras")
    _forget(private_plugin, "zoo.priv>Doubler")
    (tmp_path / "src" / private_plugin / "helper.py").write_text(
        PRIVATE_HELPER.replace("class Doubler", "class Tripler")
    )
    (tmp_path / "src" / private_plugin / "builder.py").write_text(
        "from .helper import Tripler\n\ndef net():\n    pass\n"
    )
    with pytest.raises(zoo.NotFoundError) as info:
        zoo.load(path)
    message = str(info.value)
    assert "uses priv/Doubler, which the installed plugin 'priv' (zoo-priv 1.0)" in message
    assert "does not define" in message and "pip install 'zoo-priv==1.0'" in message


# === Files that are not intact Keras archives ===


@pytest.fixture
def saved_toy(toy_registry, tmp_path: Path) -> Path:
    return zoo.save(zoo.build("toy_small"), tmp_path / "good.keras")


def _flip_a_weight_byte(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("model.weights.h5")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data = bytearray(path.read_bytes())
    data[offset + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "a zip archive cut short (truncated)"),
        ("flip", "whose member 'model.weights.h5' fails its checksum (the file is corrupt)"),
        ("text", "not a zip archive"),
        ("empty", "an empty file"),
        ("hdf5", "an HDF5 file (the legacy .h5 format)"),
        ("zip", "a zip archive without config.json (it holds notes.txt)"),
        ("json", "holds JSON in config.json"),
    ],
)
def test_damaged_and_foreign_files(saved_toy: Path, damage: str, message: str) -> None:
    path = saved_toy
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "flip":
        _flip_a_weight_byte(path)
    elif damage == "text":
        path.write_text("definitely not a model")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "hdf5":
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    elif damage == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    elif damage == "json":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", "{not json")
    with pytest.raises(zoo.ZooError) as info:
        zoo.load(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_paths_that_are_not_keras_files(tmp_path: Path) -> None:
    with pytest.raises(zoo.NotFoundError, match="needs an existing file"):
        zoo.load(tmp_path / "nothing.keras")
    (tmp_path / "m.h5").write_bytes(b"x")
    with pytest.raises(zoo.ZooError, match=r"reads \.keras files"):
        zoo.load(tmp_path / "m.h5")
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(zoo.ZooError, match="a SavedModel folder"):
        zoo.load(tmp_path / "served")
