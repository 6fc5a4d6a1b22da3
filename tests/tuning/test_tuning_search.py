"""Tuning searches end to end on vision/digits with tiny ResNets (depth 8, width 2-4, one
or two epochs): keras-tuner's random, grid, Hyperband and Bayesian oracles, the search
folder, best.toml through `zoo build`, and resuming after a SIGKILL mid-trial."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zoo

pytestmark = pytest.mark.slow

TINY = {"depth": 8}
WIDTHS = {"width": {"type": "choice", "values": [2, 4]}}
ROOT = Path(__file__).resolve().parents[2]


def _zoo(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "zoo", *argv],
        capture_output=True, text=True, env=env, cwd=ROOT, **kwargs,
    )  # fmt: skip


def _rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "trials.csv", newline="") as stream:
        return list(csv.DictReader(stream))


def _log(folder: Path) -> list[dict]:
    path = folder / "trials.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_random_search_cli_three_trials_and_a_buildable_best_toml(tmp_path: Path) -> None:
    out = tmp_path / "search"
    done = _zoo(
        "tune", "resnet_small", "--data", "vision/digits", "--tuner", "random",
        "--max-trials", "3", "--epochs", "2", "--set", "depth=8", "--out", str(out),
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("trial ")]
    assert len(lines) == 3 and all("completed: val_accuracy" in line for line in lines), lines
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["COMPLETED"] * 3
    assert {"trial", "score", "seconds", "width", "weight_decay"} <= set(rows[0])
    assert all(float(r["seconds"]) > 0 and 0 <= float(r["score"]) <= 1 for r in rows)
    for name in ("best.keras", "best.toml", "trials.png", "search.json", "keras_tuner"):
        assert (out / name).exists(), name
    assert (out / "trials.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    best = max(rows, key=lambda r: float(r["score"]))
    import tomllib

    recipe = tomllib.loads((out / "best.toml").read_text())["recipes"]["vision"][
        "resnet_small_tuned"
    ]
    assert recipe["builder"] == "vision/resnet_cifar"
    assert recipe["args"]["width"] == int(best["width"]) and recipe["args"]["depth"] == 8
    assert recipe["args"]["weight_decay"] == pytest.approx(float(best["weight_decay"]))
    assert recipe["training"]["epochs"] == 2

    built = _zoo("build", "--registry", str(out / "best.toml"), "vision/resnet_small_tuned")
    assert built.returncode == 0, built.stderr[-2000:]
    model = zoo.load(out / "best.keras")
    assert model.count_params() > 0
    registry = zoo._registry.Registry(registry_files=[out / "best.toml"])
    from zoo._factory.build import build

    rebuilt = build("vision/resnet_small_tuned", registry=registry)
    assert rebuilt.count_params() == model.count_params()


def test_grid_search_runs_each_choice_once(tmp_path: Path) -> None:
    result = zoo.tune(
        "resnet_small", "vision/digits", tuner="grid", max_trials=5, epochs=1,
        search=WIDTHS, overrides={**TINY, "weight_decay": 1e-4}, out=tmp_path, verbose=0,
        strategy="default",  # each trial under a tf.distribute strategy
    )  # fmt: skip
    assert sorted(row["values"]["width"] for row in result.trials) == [2, 4]
    assert result.best_values["width"] in (2, 4)
    assert result.recipe_id == "vision/resnet_small_tuned"


def test_hyperband_completes_a_small_search(tmp_path: Path) -> None:
    result = zoo.tune(
        "resnet_small", "vision/digits", tuner="hyperband", epochs=2, search=WIDTHS,
        overrides={**TINY, "weight_decay": 1e-4}, out=tmp_path, verbose=0,
    )  # fmt: skip
    rows = _rows(tmp_path)
    assert rows and all(r["status"] == "COMPLETED" for r in rows)
    assert {int(r["tuner/epochs"]) for r in rows} <= {1, 2}
    best = max(result.trials, key=lambda t: t["score"])
    assert result.best_score == pytest.approx(best["score"])
    assert result.training["epochs"] == best["values"]["tuner/epochs"]


def test_bayesian_optimization_proposes_after_its_initial_points(tmp_path: Path) -> None:
    space = {"weight_decay": {"type": "float", "min": 1e-5, "max": 1e-2, "sampling": "log"}}
    result = zoo.tune(
        "resnet_small", "vision/digits", tuner="bayesian", max_trials=4, epochs=1,
        search=space, overrides={**TINY, "width": 2}, out=tmp_path, verbose=0,
    )  # fmt: skip
    assert [t["status"] for t in result.trials] == ["COMPLETED"] * 4  # 3 random, 1 from the GP
    decays = [t["values"]["weight_decay"] for t in result.trials]
    assert len(set(decays)) == 4 and all(1e-5 <= d <= 1e-2 for d in decays)
    scores = [t["score"] for t in result.trials]
    assert result.best_score == max(scores)


def test_objective_that_no_metric_produces_stops_the_search(tmp_path: Path, capsys) -> None:
    from zoo._cli import main

    code = main(
        ["tune", "resnet_small", "--data", "vision/digits", "--objective", "val_acuracy",
         "--max-trials", "2", "--epochs", "1", "--set", "depth=8", "--set", "width=2",
         "--out", str(tmp_path)]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1 and "\n" not in err, err
    assert "val_acuracy" in err and "Did you mean 'val_accuracy'" in err
    assert len([e for e in _log(tmp_path) if e["event"] == "begin"]) == 1  # stopped at once


def test_sigkill_mid_trial_then_resume_keeps_the_completed_trials(tmp_path: Path) -> None:
    out = tmp_path / "search"
    argv = [
        "tune", "resnet_small", "--data", "vision/digits", "--max-trials", "3",
        "--epochs", "2", "--set", "depth=8", "--search", "width=[2, 4]", "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "zoo", *argv], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            events = _log(out)
            if [e["trial"] for e in events if e["event"] == "begin"][1:]:
                break  # the first trial ended, the second began
            assert process.poll() is None, "the search ended before it was interrupted"
            time.sleep(0.2)
        else:
            pytest.fail("the second trial never began")
        time.sleep(2)  # into the second trial's training
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    first = json.loads((out / "keras_tuner" / "trial_0" / "trial.json").read_text())
    assert first["status"] == "COMPLETED"
    assert not (out / "trials.csv").exists()

    result = zoo.tune(
        "resnet_small", "vision/digits", max_trials=3, epochs=2, overrides={"depth": 8},
        search={"width": {"type": "choice", "values": [2, 4]}}, out=out, resume=True, verbose=0,
    )  # fmt: skip
    assert [t["status"] for t in result.trials] == ["COMPLETED"] * 3
    assert result.trials[0]["score"] == pytest.approx(first["score"])
    begins = [e["trial"] for e in _log(out) if e["event"] == "begin"]
    ends = [e["trial"] for e in _log(out) if e["event"] == "end"]
    assert begins.count("0") == 1  # the completed trial was kept, not run again
    assert begins.count("1") == 2  # the interrupted one ran again, to its end
    assert sorted(ends) == ["0", "1", "2"]
