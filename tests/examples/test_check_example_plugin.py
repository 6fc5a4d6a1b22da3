"""examples/plugin_tabular: the complete external plugin passes its own test suite.

Its suite runs the conformance kit over every component (``conformance_test``), checks
the embeddings against NumPy references and its data source (``tabular/friedman``,
written with `zoo.data`) for shapes, determinism and errors; it runs here from the
source folder, as its README shows, in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plugin_tabular"


@pytest.mark.slow
def test_the_example_plugin_passes_its_tests(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["PYTHONPATH"] = str(EXAMPLE)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "25 passed" in done.stdout
    components = (
        "PeriodicEmbedding",
        "PiecewiseLinearEncoding",
        "tabular_mlp",
        "plr_mlp",
        "friedman",
    )
    for component in components:
        assert f"test_conformance[tabular/{component}] PASSED" in done.stdout


def test_the_example_plugin_declares_specs_only() -> None:
    source = (EXAMPLE / "zoo_tabular" / "__init__.py").read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import zoo"]
    pyproject = (EXAMPLE / "pyproject.toml").read_text()
    assert '[project.entry-points."zoo.plugins"]\ntabular = "zoo_tabular"' in pyproject
