"""``zoo new-plugin``: the scaffold writes a package that installs, lists, builds and tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import zoo
from zoo._cli import main
from zoo._cli.scaffold import new_plugin


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_scaffold_files(tmp_path: Path, capsys) -> None:
    assert main(["new-plugin", "astro", "-d", str(tmp_path / "pkg")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote the plugin 'astro' in {tmp_path / 'pkg'}:")
    root = tmp_path / "pkg"
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "tests/test_astro.py",
        "zoo_astro/__init__.py",
        "zoo_astro/layer_scale.py",
        "zoo_astro/residual_mlp.py",
    ]
    pyproject = (root / "pyproject.toml").read_text()
    assert 'name = "zoo-astro"' in pyproject
    assert '[project.entry-points."zoo.plugins"]\nastro = "zoo_astro"' in pyproject
    major_minor = ".".join(zoo.__version__.split(".")[:2])
    assert f'dependencies = ["keras-zoo>={major_minor}"]' in pyproject
    assert "__" not in (root / "zoo_astro" / "__init__.py").read_text().replace("__init__", "")
    # Declarations only: the plugin module imports nothing but zoo.
    source = (root / "zoo_astro" / "__init__.py").read_text()
    assert [line for line in source.splitlines() if line.startswith("import")] == ["import zoo"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Astro", "A plugin name is lowercase letters"),
        ("2d", "A plugin name is lowercase letters"),
        ("zoo", "A plugin name is lowercase letters"),
    ],
)
def test_bad_names(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(zoo.ZooError, match=message):
        new_plugin(name, tmp_path / "pkg", check_installed=False)


def test_a_taken_name_or_a_full_folder_is_refused(toy_registry, tmp_path: Path) -> None:
    with pytest.raises(zoo.ZooError, match="already used by zoo-toy"):
        new_plugin("toy", tmp_path / "pkg")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(zoo.ZooError, match="exists and is not empty"):
        new_plugin("fresh", tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_scaffold_round_trip_through_pip(tmp_path: Path) -> None:
    """Scaffold, pip-install into this environment, list, build, run its tests, uninstall."""
    name = f"scaffold{os.getpid()}"
    distribution = f"zoo-{name}"
    root = tmp_path / distribution
    new_plugin(name, root, check_installed=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.pop("PYTHONPATH", None)
    installed = run(
        "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--quiet", str(root)
    )
    assert installed.returncode == 0, installed.stderr
    try:
        listed = run("-m", "zoo", "list", "--plugin", name, env=env, cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        ids = [line.split()[0] for line in listed.stdout.splitlines()[1:]]
        assert ids == [f"{name}/LayerScale", f"{name}/residual_mlp", f"{name}/residual_mlp_small"]
        plugins = run("-m", "zoo", "plugins", env=env, cwd=tmp_path)
        row = next(line.split() for line in plugins.stdout.splitlines() if line.startswith(name))
        assert row[:5] == [name, "loaded", distribution, "0.1.0", "3"]

        built = run("-m", "zoo", "build", f"{name}/residual_mlp_small", env=env, cwd=tmp_path)
        assert built.returncode == 0, built.stderr
        assert "built residual_mlp: " in built.stdout
        assert "inputs (None, 8); outputs (None, 3)" in built.stdout

        # The generated tests run against the installed package (not the source folder).
        tested = run(
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(root / "tests"),
            env=env,
            cwd=tmp_path,
        )
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "6 passed" in tested.stdout  # 3 conformance cases + 3 of its own
        assert "warning" not in tested.stdout.lower(), tested.stdout  # filtered as ours are
    finally:
        removed = run("-m", "pip", "uninstall", "--yes", "--quiet", distribution)
    assert removed.returncode == 0, removed.stderr
    after = run("-m", "zoo", "list", "--plugin", name, env=env, cwd=tmp_path)
    assert after.returncode == 1 and f"No plugin is called {name!r}" in after.stderr
