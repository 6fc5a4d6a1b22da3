"""Hardening of zoo.load and zoo.get (issue 13, points 3 and 4).

3: a class registered under another plugin's Keras name never silently replaces the
owner's class. 4: decompression bombs are refused from the sizes the archive declares,
in bounded time and memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

import zoo
from zoo._saving.load import read_saved_file

# === 3. Class hijacking at load ===


def _toy_model():
    import keras

    inputs = keras.Input((3,))
    return keras.Model(inputs, zoo.get("toy/Affine")(units=2)(inputs))


def _impostor():
    import keras

    class Impostor(keras.layers.Layer):
        def __init__(self, units=1, use_bias=True, **kwargs):
            super().__init__(**kwargs)
            self.units, self.use_bias = units, use_bias

        def call(self, x):
            return x

        def get_config(self):
            return {**super().get_config(), "units": self.units, "use_bias": self.use_bias}

    return Impostor


def _forget_toy() -> None:
    """As in a fresh process: neither the toy's layer module nor its registration exist."""
    import keras
    from keras.src.saving.object_registration import GLOBAL_CUSTOM_NAMES

    keras.saving.get_custom_objects().pop("zoo.toy>Affine", None)
    from zoo._registry.serializable import _REGISTERED

    for cls in [c for c, key in GLOBAL_CUSTOM_NAMES.items() if key == "zoo.toy>Affine"]:
        del GLOBAL_CUSTOM_NAMES[cls]
    _REGISTERED.pop("zoo.toy>Affine", None)
    for name in [m for m in sys.modules if m.startswith("zoo_toy.")]:
        del sys.modules[name]


@pytest.fixture
def impostor_slot():
    """Undo an impostor's registration under zoo.toy>Affine (the toy is re-imported later)."""
    from keras.src.saving.object_registration import GLOBAL_CUSTOM_NAMES

    registered: list[type] = []
    yield registered
    for cls in registered:
        GLOBAL_CUSTOM_NAMES.pop(cls, None)
    _forget_toy()


def test_load_refuses_a_name_taken_before_its_plugin_was_imported(
    toy_registry, tmp_path: Path, impostor_slot
) -> None:
    import keras

    path = zoo.save(_toy_model(), tmp_path / "toy.keras")
    _forget_toy()  # as in a fresh process: the toy's layer module is not imported yet
    impostor = keras.saving.register_keras_serializable(package="zoo.toy", name="Affine")(
        _impostor()
    )
    impostor_slot.append(impostor)
    with pytest.raises(zoo.ZooError) as info:
        zoo.load(path)
    message = str(info.value)
    assert "Impostor" in message and "zoo_toy" in message
    assert "zoo.toy>Affine" in message


def test_load_and_get_refuse_a_name_taken_after_the_plugin_registered_it(
    toy_registry, tmp_path: Path, impostor_slot
) -> None:
    import keras

    path = zoo.save(_toy_model(), tmp_path / "toy.keras")
    impostor = keras.saving.register_keras_serializable(package="zoo.toy", name="Affine")(
        _impostor()
    )
    impostor_slot.append(impostor)
    with pytest.raises(zoo.ZooError, match="zoo.toy>Affine") as info:
        zoo.load(path)
    assert "zoo_toy.affine.Affine" in str(info.value) and "Impostor" in str(info.value)
    with pytest.raises(zoo.ZooError, match="would load as .*Impostor"):
        zoo.get("toy/Affine")


def test_load_and_get_are_unchanged_without_an_impostor(toy_registry, tmp_path: Path) -> None:
    import numpy as np

    model = _toy_model()
    path = zoo.save(model, tmp_path / "toy.keras")
    loaded = zoo.load(path)
    assert type(loaded.layers[-1]) is zoo.get("toy/Affine")
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


IMPOSTOR_PLUGIN = """
import keras
import zoo


@keras.saving.register_keras_serializable(package="zoo.vision", name="PixelShuffle")
class PixelShuffle(keras.layers.Layer):
    def __init__(self, upscale_factor=2, order="DCR", **kwargs):
        super().__init__(**kwargs)
        self.upscale_factor, self.order = upscale_factor, order

    def call(self, x):
        return x * 0.0

    def get_config(self):
        return {**super().get_config(), "upscale_factor": self.upscale_factor, "order": self.order}


@zoo.hookimpl
def zoo_register(register):
    pass
"""

LOAD = """
import sys
import zoo
try:
    model = zoo.load(sys.argv[1])
except zoo.ZooError as error:
    print("REFUSED", error)
else:
    print("LOADED", type(model.layers[-1]).__module__)
"""


@pytest.mark.slow
def test_a_plugin_taking_vision_names_at_import_cannot_hijack_a_load(tmp_path: Path) -> None:
    import keras

    inputs = keras.Input((4, 4, 8))
    model = keras.Model(inputs, zoo.get("vision/PixelShuffle")(upscale_factor=2)(inputs))
    path = zoo.save(model, tmp_path / "ps.keras")
    site = tmp_path / "site"
    info = site / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zoo.plugins]\nevil = evil_plugin\n")
    (site / "evil_plugin.py").write_text(IMPOSTOR_PLUGIN)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    search = [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
    env.update(PYTHONPATH=os.pathsep.join(search), TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(path)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("REFUSED"), out.stdout
    assert "evil_plugin.PixelShuffle" in out.stdout
    assert "zoo_vision.pixel_shuffle.PixelShuffle" in out.stdout


# === 4. Decompression bombs ===


def _bomb(path: Path, member: str, size: int, *, config: bytes = b"{}") -> Path:
    """A .keras-named zip whose ``member`` inflates to ``size`` bytes of zeros/spaces."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if member != "config.json":
            archive.writestr("config.json", config)
        if member != "metadata.json":
            archive.writestr("metadata.json", json.dumps({"keras_version": "3"}))
        filler = b" " if member.endswith(".json") else b"\0"
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = filler * 2**20
            for _ in range(size // 2**20):
                handle.write(chunk)
    return path


@pytest.mark.parametrize(
    ("member", "size", "message"),
    [
        ("config.json", 48 * 2**20, "config.json holds at most 33,554,432 bytes"),
        ("metadata.json", 40 * 2**20, "metadata.json holds at most"),
        ("model.weights.h5", 300 * 2**20, "a decompression bomb"),
    ],
)
def test_decompression_bombs_are_refused_fast_in_little_memory(
    tmp_path: Path, member: str, size: int, message: str
) -> None:
    path = _bomb(tmp_path / "bomb.keras", member, size)
    assert path.stat().st_size < size / 100
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(zoo.ZooError, match=message) as info:
            read_saved_file(path)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(info.value)
    assert seconds < 0.5 and peak < 4 * 2**20, (seconds, peak)


def test_the_config_limit_can_be_raised(tmp_path: Path, monkeypatch) -> None:
    config = json.dumps({"class_name": "Functional", "pad": " " * (2 * 2**20)}).encode()
    path = _bomb(tmp_path / "big.keras", "model.weights.h5", 2**20, config=config)
    monkeypatch.setenv("ZOO_MAX_CONFIG_BYTES", str(2**20))
    with pytest.raises(zoo.ZooError, match="config.json holds at most 1,048,576 bytes"):
        read_saved_file(path)
    monkeypatch.setenv("ZOO_MAX_CONFIG_BYTES", str(8 * 2**20))
    assert read_saved_file(path).config["class_name"] == "Functional"


def test_a_member_that_inflates_past_its_declared_size_fails_its_checksum(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "liar.keras", "config.json", 2 * 2**20)
    # Rewrite the declared size (central directory and local header) to 100 bytes.
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("config.json")
    real = info.file_size.to_bytes(8, "little")
    fake = (100).to_bytes(8, "little")
    assert data.count(real) >= 1
    data = data.replace(real, fake)
    path.write_bytes(bytes(data))
    start = time.perf_counter()
    with pytest.raises(zoo.ZooError, match=str(path)):
        read_saved_file(path)
    assert time.perf_counter() - start < 0.5


def test_a_deeply_nested_config_is_a_zoo_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(zoo.ZooError, match="nests as deep as Python can parse"):
        read_saved_file(path)
