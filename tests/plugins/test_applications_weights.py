"""pretrained="imagenet": Keras' own download, cache and hash check, on a local server.

The weights file is one the test writes (a freshly built backbone saved in Keras'
legacy HDF5 format, like keras.applications' files), served from 127.0.0.1 by an
http.server the test starts and stops; nothing touches the internet.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import zoo

FAMILY = "mobilenet_v3_small"
SHAPE = (32, 32, 3)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An http.server on a free port of 127.0.0.1 serving a fresh folder: (url, folder)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        assert not thread.is_alive()


@pytest.fixture
def keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)  # bounded waits for urlretrieve
    yield home
    socket.setdefaulttimeout(previous)


def _point_at(monkeypatch: pytest.MonkeyPatch, base_url: str, file_hash: str | None = None):
    from zoo_applications import _weights

    monkeypatch.setattr(_weights, "BASE_URL", base_url)
    entry = _weights.WEIGHTS[FAMILY][1]  # without the top
    if file_hash is not None:
        mine = _weights.WeightsFile(entry.folder, entry.file_name, file_hash)
        monkeypatch.setitem(_weights.WEIGHTS, FAMILY, (_weights.WEIGHTS[FAMILY][0], mine))
    return entry


def _write_weights(folder: Path, file_name: str) -> tuple[object, str]:
    """A fresh backbone saved as a legacy .h5 file at ``folder/file_name``; (model, md5)."""
    source = zoo.build(FAMILY, input_shape=SHAPE, include_top=False)
    path = folder / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    source.save(path)  # Keras' legacy HDF5 format, as keras.applications' files are
    return source, hashlib.md5(path.read_bytes()).hexdigest()


def test_imagenet_weights_are_downloaded_checked_and_cached(server, keras_home, monkeypatch):
    base_url, folder = server
    from zoo_applications import _weights

    entry = _weights.WEIGHTS[FAMILY][1]
    source, md5 = _write_weights(folder / entry.folder, entry.file_name)
    _point_at(monkeypatch, base_url, md5)

    model = zoo.build(FAMILY, input_shape=SHAPE, include_top=False, pretrained="imagenet")
    cached = keras_home / "models" / entry.file_name
    assert cached.is_file() and hashlib.md5(cached.read_bytes()).hexdigest() == md5
    assert len(model.weights) == len(source.weights)
    for mine, theirs in zip(model.weights, source.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))

    # The cache serves the next build: the server no longer has the file.
    (folder / entry.folder / entry.file_name).unlink()
    again = zoo.build(FAMILY, input_shape=SHAPE, include_top=False, pretrained="imagenet")
    np.testing.assert_array_equal(np.asarray(again.weights[0]), np.asarray(source.weights[0]))


def test_a_file_with_the_wrong_hash_is_one_zoo_error(server, keras_home, monkeypatch):
    base_url, folder = server
    from zoo_applications import _weights

    entry = _weights.WEIGHTS[FAMILY][1]
    _write_weights(folder / entry.folder, entry.file_name)
    _point_at(monkeypatch, base_url, "0" * 32)  # not the file's md5
    with pytest.raises(zoo.ZooError, match="checked against their hash") as caught:
        zoo.build(FAMILY, input_shape=SHAPE, include_top=False, pretrained="imagenet")
    assert f"{base_url}{entry.folder}/{entry.file_name}" in str(caught.value)


def test_offline_is_one_zoo_error_naming_the_url_and_the_cache_file(keras_home, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    entry = _point_at(monkeypatch, f"http://127.0.0.1:{port}/")
    with pytest.raises(zoo.ZooError) as caught:
        zoo.build(FAMILY, input_shape=SHAPE, include_top=False, pretrained="imagenet")
    message = str(caught.value)
    url = f"http://127.0.0.1:{port}/{entry.folder}/{entry.file_name}"
    assert url in message
    assert os.path.join(str(keras_home), "models", entry.file_name) in message
    assert "URL fetch failure" in message  # Keras' own reason, on the same line
    assert "\n" not in message
    assert not (keras_home / "models" / entry.file_name).exists()  # no partial file


def test_the_weights_table_is_keras_own() -> None:
    """File names and hashes as keras.applications has them (its module-level tables)."""
    from keras.src.applications import convnext, efficientnet_v2, mobilenet_v3, resnet
    from zoo_applications._weights import WEIGHTS

    assert [w.file_hash for w in WEIGHTS["resnet50_v2"]] == list(
        resnet.WEIGHTS_HASHES["resnet50v2"]
    )
    small = mobilenet_v3.WEIGHTS_HASHES["small_224_1.0_float"]
    large = mobilenet_v3.WEIGHTS_HASHES["large_224_1.0_float"]
    assert [w.file_hash for w in WEIGHTS["mobilenet_v3_small"]] == list(small)
    assert [w.file_hash for w in WEIGHTS["mobilenet_v3_large"]] == list(large)
    assert [w.file_hash for w in WEIGHTS["efficientnet_v2_b0"]] == list(
        efficientnet_v2.WEIGHTS_HASHES["b0"]
    )
    assert [w.file_hash for w in WEIGHTS["convnext_tiny"]] == list(
        convnext.WEIGHTS_HASHES["convnext_tiny"]
    )
    for family in WEIGHTS.values():
        for entry in family:
            assert entry.url.startswith(
                "https://storage.googleapis.com/tensorflow/keras-applications/"
            )
