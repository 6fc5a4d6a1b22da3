"""The command line keeps TensorFlow's C++ log lines off stderr (issue 14.1).

Each command runs in a real process, as a user runs it: stderr holds the zoo's own
lines only, and ``ZOO_DEBUG=1`` / ``-v`` show TensorFlow's lines again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zoo._base.quiet import NATIVE_LOG_LINE


def zoo_cli(env: dict[str, str], *args: str, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def quiet_env(toy_env: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in toy_env.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "ZOO_DEBUG")}
    return env


def test_the_log_line_pattern_matches_what_tensorflow_writes() -> None:
    lines = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796180337.932905    5093 port.cc:153] oneDNN custom operations are on.",
        "I0000 00:00:1796180337.937631    5093 cudart_stub.cc:31] Could not find cuda drivers",
        "E0000 00:00:1796180354.498808    5496 cuda_platform.cc:52] failed call to cuInit: INTE",
        "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    ]
    assert all(NATIVE_LOG_LINE.match(line) for line in lines)
    ours = ["error: No component or recipe is called 'x'.", "I0000 is not a log line"]
    assert not any(NATIVE_LOG_LINE.match(line) for line in ours)


@pytest.mark.slow
def test_commands_write_only_the_zoos_own_lines_on_stderr(toy_env, tmp_path: Path) -> None:
    env = quiet_env(toy_env)
    runs = {
        "build": zoo_cli(env, "build", "toy_small", "--save", str(tmp_path / "m.keras")),
        "info": zoo_cli(env, "info", "toy/toy_mlp"),
        "export": zoo_cli(env, "export", "toy_small", "-o", str(tmp_path / "m.tflite")),
        "check": zoo_cli(env, "check", "toy/Affine", "--check", "config", "--check", "keras_file"),
        "failing": zoo_cli(env, "build", "toy_small", "--set", "hidden=three"),
    }
    for name, run in runs.items():
        if name == "failing":
            assert run.returncode == 1
            lines = run.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
        else:
            assert run.returncode == 0, (name, run.stderr)
            assert run.stderr == "", (name, run.stderr)
    assert (tmp_path / "m.keras").is_file() and (tmp_path / "m.tflite").is_file()
    assert "exported toy_mlp" in runs["export"].stdout


@pytest.mark.slow
def test_zoo_debug_and_verbose_show_tensorflows_lines_again(toy_env) -> None:
    env = quiet_env(toy_env)
    for extra_env, args in (({"ZOO_DEBUG": "1"}, ["list"]), ({}, ["-v", "list"])):
        # `list` never imports TensorFlow itself: the script does, after main set the mode.
        script = (
            "import sys\nfrom zoo._cli import main\nrc = main(sys.argv[1:])\n"
            "import tensorflow\nsys.exit(rc)\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", script, *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert any(NATIVE_LOG_LINE.match(line) for line in run.stderr.splitlines()), run.stderr
    quiet = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom zoo._cli import main\nrc = main(['list'])\nimport tensorflow\n",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_python_writes_during_the_first_import_are_kept(tmp_path: Path) -> None:
    """Only native log lines are dropped: a warning printed while importing stays."""
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os, sys\n"
        "os.write(2, b'I0000 00:00:1796180337.932905    5093 port.cc:153] noise\\n')\n"
        "print('a real warning', file=sys.stderr)\n"
    )
    script = (
        "import sys\nfrom zoo._base.quiet import quiet_tensorflow\nquiet_tensorflow()\n"
        "import tensorflow\nprint('imported')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ZOO_DEBUG"}
    env["PYTHONPATH"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "a real warning\n" and run.stdout == "imported\n"
