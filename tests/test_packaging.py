"""The wheel: registry.toml and every first-party plugin inside, entry points declared,
and a regular (non-editable) install that lists without TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PLUGINS = PYPROJECT["project"]["entry-points"]["zoo.plugins"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("keras_zoo-*.whl")
    return path


def test_every_plugin_package_exists_and_is_in_the_wheel_list() -> None:
    packages = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for name, module in PLUGINS.items():
        assert f"plugins/{module}" in packages, name
        assert (ROOT / "plugins" / module / "__init__.py").is_file(), name


@pytest.mark.slow
def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "zoo/registry.toml" in names
    assert "zoo/__init__.py" in names and "zoo/hookspecs.py" in names
    for module in PLUGINS.values():
        assert f"{module}/__init__.py" in names
    assert not any(n.startswith(("tests/", "plugins/", ".venv")) for n in names)
    (entry_points,) = [n for n in names if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    for name, module in PLUGINS.items():
        assert f"{name} = {module}" in text
    packaged = zipfile.ZipFile(wheel).read("zoo/registry.toml")
    assert packaged == (ROOT / "registry.toml").read_bytes()


@pytest.mark.slow
def test_regular_install_finds_registry_and_plugins(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
            "pluggy",
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "import json, zoo; print(json.dumps({'files': [str(p) for p in zoo.registry_files()], "
        "'file': zoo.__file__}))"
    )
    out = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    found = json.loads(out.stdout)
    assert found["file"].startswith(str(venv))
    assert found["files"] == [str(Path(found["file"]).parent / "registry.toml")]
    plugins = subprocess.run(
        [str(python), "-m", "zoo", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    listed = json.loads(plugins.stdout)["plugins"]
    statuses = {p["name"]: (p["status"], p["distribution"]) for p in listed}
    # The entry points, and the core's own plugin `zoo` (its data sources and recipes).
    assert statuses == {name: ("loaded", "keras-zoo") for name in [*PLUGINS, "zoo"]}
