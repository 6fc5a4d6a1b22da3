"""Issue #28 point 3: ``import zoo`` keeps TensorFlow's C++ log lines off stderr, as the CLI
does, unless the user chose a log level (``TF_CPP_MIN_LOG_LEVEL``) or ``ZOO_DEBUG``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoo._base.quiet import NATIVE_LOG_LINE

NOISY_TENSORFLOW = (
    "import os, sys\n"
    "os.write(2, b'I0000 00:00:1796180337.932905    5093 port.cc:153] oneDNN custom "
    "operations are on.\\n')\n"
    "os.write(2, b'E0000 00:00:1796180337.932905    5093 cuda_platform.cc:52] failed call "
    "to cuInit\\n')\n"
    "print('a real warning', file=sys.stderr)\n"
    "print('level', os.environ.get('TF_CPP_MIN_LOG_LEVEL'))\n"
)


def _python(script: str, tmp_path: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("ZOO_DEBUG", "TF_CPP_MIN_LOG_LEVEL")
    }
    if tmp_path is not None:  # a fake tensorflow that logs as the real one does
        (tmp_path / "tensorflow").mkdir(exist_ok=True)
        (tmp_path / "tensorflow" / "__init__.py").write_text(NOISY_TENSORFLOW)
        path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
        environ["PYTHONPATH"] = os.pathsep.join(path)
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_zoo_quiets_the_first_tensorflow_import(tmp_path: Path) -> None:
    run = _python("import zoo\nimport tensorflow\n", tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "a real warning\n"  # only TensorFlow's native lines are dropped
    assert run.stdout == "level 3\n"


@pytest.mark.parametrize("env", [{"TF_CPP_MIN_LOG_LEVEL": "0"}, {"ZOO_DEBUG": "1"}])
def test_a_users_log_level_or_zoo_debug_leaves_tensorflow_as_it_is(
    tmp_path: Path, env: dict[str, str]
) -> None:
    run = _python("import zoo\nimport tensorflow\n", tmp_path, **env)
    assert run.returncode == 0, run.stderr
    assert "port.cc:153] oneDNN" in run.stderr and "E0000" in run.stderr
    assert run.stdout == f"level {env.get('TF_CPP_MIN_LOG_LEVEL')}\n"


def test_the_cli_verbose_flag_takes_the_library_quiet_back(tmp_path: Path) -> None:
    script = (
        "from zoo._cli import main\nmain(['-v', 'list', '--kind', 'loss'])\nimport tensorflow\n"
    )
    run = _python(script, tmp_path)
    assert "port.cc:153] oneDNN" in run.stderr
    assert run.stdout.endswith("level None\n")


@pytest.mark.slow
def test_zoo_build_in_a_fresh_interpreter_prints_no_tensorflow_log_line() -> None:
    run = _python("import zoo\nmodel = zoo.build('forecast/mlp_regressor')\nprint(model.name)\n")
    assert run.returncode == 0, run.stderr
    logged = [line for line in run.stderr.splitlines() if NATIVE_LOG_LINE.match(line)]
    assert logged == [], run.stderr
    assert "oneDNN" not in run.stderr and "E0000" not in run.stderr
