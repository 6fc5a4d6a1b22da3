"""hub/HubLayer imports and runs where setuptools ships no ``pkg_resources`` (issue 14.11).

setuptools 81+ dropped ``pkg_resources``, which tensorflow-hub 0.16.1 imports at top
level; newer Pythons' venvs carry no setuptools at all. The subprocess hides
``pkg_resources`` from the import system, as such an environment would.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HIDE = """
import importlib.abc, sys

class NoPkgResources(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "pkg_resources":
            raise ModuleNotFoundError("No module named 'pkg_resources'", name=name)
        return None

sys.meta_path.insert(0, NoPkgResources())
"""

USE = """
import numpy as np
import zoo
import zoo_hub
HubLayer = zoo.get("hub/HubLayer")
layer = HubLayer(handle=zoo_hub.demo_handle())
print(tuple(np.asarray(layer(np.zeros((2, 4), "float32"))).shape))
print("pkg_resources left behind:", "pkg_resources" in sys.modules)
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_hub_layer_works_without_pkg_resources() -> None:
    bare = _run(HIDE + "import tensorflow_hub\n")
    assert bare.returncode != 0 and "No module named 'pkg_resources'" in bare.stderr
    run = _run(HIDE + USE)
    assert run.returncode == 0, run.stderr
    shape, left = run.stdout.strip().splitlines()[-2:]
    assert shape.startswith("(2, ") and left == "pkg_resources left behind: False"


def test_the_shim_offers_parse_version_only_during_the_import() -> None:
    from zoo_hub._pkg_resources import without_setuptools

    had = sys.modules.pop("pkg_resources", None)
    try:
        with without_setuptools():
            from pkg_resources import parse_version

            assert parse_version("2.21.0") > parse_version("1.15.0")
            assert parse_version("2.9") < parse_version("2.10")
        assert "pkg_resources" not in sys.modules
    finally:
        if had is not None:
            sys.modules["pkg_resources"] = had
