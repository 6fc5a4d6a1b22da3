"""Declared presets: listed lazily, fetched once (file:// and a local HTTP server), hashed,
cached, reused without a request, and refused when the bytes differ."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from zoo._cli import main
from zoo._presets.fetch import cache_dir, cached_path

SMALL = {"depth": 8, "width": 4, "input_shape": [8, 8, 1], "num_classes": 4}
X = np.random.default_rng(2).random((3, 8, 8, 1)).astype("float32")


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


class CountingServer:
    """An HTTP server on 127.0.0.1 serving ``files`` (path -> bytes), counting requests."""

    def __init__(self, files):
        self.files = files
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                body = owner.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def declare(name, url, digest, **extra):
    """Register a plugin declaring one preset; return its id and an undo callable."""
    spec = zoo.ComponentSpec(
        name,
        kind="preset",
        summary="ResNet-8 on four classes (test).",
        preset={
            "builder": "vision/resnet_cifar",
            "url": url,
            "sha256": digest,
            "arguments": SMALL,
            "card": "Trained by the test.",
            **extra,
        },
    )

    class Plugin:
        @zoo.hookimpl
        def zoo_register(self, register):
            register(spec)

    plugin_name = f"presettest_{name}"
    zoo.register_plugin(Plugin(), plugin_name)
    return f"{plugin_name}/{name}", lambda: zoo.unregister_plugin(plugin_name)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ZOO_CACHE", str(folder))
    return folder


@pytest.fixture
def weights_file(tmp_path):
    model = zoo.build("resnet_cifar", **SMALL)
    weights = model.get_weights()
    rng = np.random.default_rng(4)
    model.set_weights([w + rng.normal(0, 0.1, w.shape).astype(w.dtype) for w in weights])
    path = zoo.save(model, tmp_path / "served.keras")
    return path, model


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_cache_folder_follows_zoo_cache_and_the_user_cache(tmp_path):
    assert cache_dir({"ZOO_CACHE": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "keras-zoo"
    assert cache_dir({}) == Path.home() / ".cache" / "keras-zoo"


def test_a_file_url_preset_is_fetched_checked_and_cached(cache, weights_file):
    path, source = weights_file
    preset_id, undo = declare("filepreset", path.as_uri(), sha(path.read_bytes()))
    try:
        model = zoo.from_preset(preset_id)
        np.testing.assert_array_equal(numpy_of(model(X)), numpy_of(source(X)))
        spec = zoo.get_spec(preset_id)
        assert cached_path(spec).read_bytes() == path.read_bytes()
        assert cached_path(spec).is_relative_to(cache)
        assert zoo.get(preset_id) is zoo.from_preset
    finally:
        undo()


def test_an_http_preset_is_requested_once_then_reused_and_a_change_is_refused(cache, weights_file):
    path, source = weights_file
    data = path.read_bytes()
    with CountingServer({"/w.keras": data}) as server:
        preset_id, undo = declare("httppreset", server.url("/w.keras"), sha(data))
        try:
            first = zoo.from_preset(preset_id)
            assert server.requests == ["/w.keras"]
            second = zoo.from_preset(preset_id)
            with pytest.warns(zoo.ZooWarning, match="classifier"):
                built = zoo.build("resnet_cifar", **{**SMALL, "num_classes": 2}, weights=preset_id)
            assert server.requests == ["/w.keras"]  # the cache answered: no second request
            for model in (first, second):
                np.testing.assert_array_equal(numpy_of(model(X)), numpy_of(source(X)))
            np.testing.assert_array_equal(
                built.get_layer("stem_conv").get_weights()[0],
                source.get_layer("stem_conv").get_weights()[0],
            )
        finally:
            undo()
        # The server's bytes change: a preset declaring the original hash is refused.
        server.files["/w.keras"] = data[:-10] + b"0123456789"
        preset_id, undo = declare("changedpreset", server.url("/w.keras"), sha(data))
        try:
            with pytest.raises(zoo.ZooError, match="must have the sha256 its spec declares"):
                zoo.from_preset(preset_id)
            assert len(server.requests) == 2
            cached = cached_path(zoo.get_spec(preset_id))
            assert not cached.exists()
            assert [p.name for p in cached.parent.iterdir()] == []  # nothing half-written
        finally:
            undo()


def test_a_damaged_cached_file_is_fetched_again(cache, weights_file):
    path, _ = weights_file
    data = path.read_bytes()
    with CountingServer({"/w.keras": data}) as server:
        preset_id, undo = declare("damaged", server.url("/w.keras"), sha(data))
        try:
            spec = zoo.get_spec(preset_id)
            cached_path(spec).parent.mkdir(parents=True)
            cached_path(spec).write_bytes(b"not the model")
            zoo.from_preset(preset_id)
            assert server.requests == ["/w.keras"]
            assert cached_path(spec).read_bytes() == data
        finally:
            undo()


def test_an_unreachable_url_fails_within_the_timeout(cache, monkeypatch):
    monkeypatch.setenv("ZOO_FETCH_TIMEOUT", "1")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    try:
        for name, url in (
            ("silent", f"http://127.0.0.1:{silent.getsockname()[1]}/w.keras"),
            ("refused", f"http://127.0.0.1:{closed_port}/w.keras"),
            ("missing", (cache.parent / "nothing.keras").as_uri()),
        ):
            preset_id, undo = declare(name, url, "0" * 64)
            try:
                start = time.monotonic()
                with pytest.raises(zoo.ZooError, match="is fetched from its url. Received"):
                    zoo.from_preset(preset_id)
                assert time.monotonic() - start < 10
            finally:
                undo()
    finally:
        silent.close()


def test_a_404_is_refused(cache):
    with CountingServer({}) as server:
        preset_id, undo = declare("notfound", server.url("/w.keras"), "0" * 64)
        try:
            with pytest.raises(zoo.ZooError, match="HTTP Error 404"):
                zoo.from_preset(preset_id)
        finally:
            undo()


def test_declared_presets_are_listed_and_shown_by_info(cache, capsys, weights_file):
    path, _ = weights_file
    preset_id, undo = declare("listed", path.as_uri(), sha(path.read_bytes()), license="MIT")
    try:
        assert main(["list", "--kind", "preset"]) == 0
        out = capsys.readouterr().out
        assert preset_id in out and "ResNet-8 on four classes" in out
        assert main(["list", "--kind", "preset", "--json"]) == 0
        assert '"license": "MIT"' in capsys.readouterr().out
        assert main(["info", "resnet_cifar"]) == 0
        assert f"presets:      {preset_id}" in capsys.readouterr().out
        assert not list(cache.glob("**/*.keras"))  # listing fetched nothing
    finally:
        undo()


@pytest.mark.parametrize(
    "preset, match",
    [
        ({"builder": "vision/resnet_cifar", "url": "ftp://x/w.keras", "sha256": "0" * 64}, "url"),
        ({"builder": "vision/resnet_cifar", "url": "file:///w.keras", "sha256": "abc"}, "64"),
        ({"builder": "", "url": "file:///w.keras", "sha256": "0" * 64}, "builder"),
        ({"builder": "b", "url": "file:///w", "sha256": "0" * 64, "size": 3}, "fields"),
        (None, "only such a spec"),
    ],
)
def test_a_preset_spec_is_checked(preset, match):
    with pytest.raises(zoo.ZooError, match=match):
        zoo.ComponentSpec("p", kind="preset", preset=preset)


def test_only_a_preset_spec_carries_a_preset():
    with pytest.raises(zoo.ZooError, match="only such a spec"):
        zoo.ComponentSpec(
            "p",
            kind="layer",
            target="m:A",
            preset={"builder": "b", "url": "file:///w", "sha256": "0" * 64},
        )
    with pytest.raises(zoo.ZooError, match="target"):
        zoo.ComponentSpec("p", kind="layer")


def test_listing_declared_presets_imports_neither_keras_nor_tensorflow(tmp_path):
    script = (
        "import sys, zoo\n"
        "spec = zoo.ComponentSpec('lazy', kind='preset', preset={'builder': 'vision/resnet_cifar',"
        " 'url': 'http://127.0.0.1:9/w.keras', 'sha256': '0' * 64})\n"
        "class Plugin:\n"
        "    @zoo.hookimpl\n"
        "    def zoo_register(self, register):\n"
        "        register(spec)\n"
        "zoo.register_plugin(Plugin(), 'lazytest')\n"
        "assert [e.id for e in zoo.list_components(kind='preset')] == ['lazytest/lazy']\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "ZOO_CACHE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert not list(tmp_path.iterdir())  # nothing fetched
