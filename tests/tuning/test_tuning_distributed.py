"""Distributed tuning on keras-tuner's protocol: a chief oracle and two workers on
127.0.0.1 run every trial exactly once, and no process outlives the search."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

import zoo

pytestmark = pytest.mark.slow


def _processes_naming(folder: Path) -> list[int]:
    """Ids of live processes whose command line names ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(folder) in command:
            found.append(int(entry.name))
    return found


def test_two_workers_run_every_trial_exactly_once(tmp_path: Path, capfd) -> None:
    out = tmp_path / "search"
    result = zoo.tune(
        "resnet_small", "vision/digits", max_trials=4, epochs=1, workers=2, timeout=900,
        search={"width": {"type": "choice", "values": [2, 4]}},
        overrides={"depth": 8}, out=out, verbose=2,
    )  # fmt: skip
    events = [json.loads(line) for line in (out / "trials.log").read_text().splitlines()]
    begins = Counter(e["trial"] for e in events if e["event"] == "begin")
    ends = Counter(e["trial"] for e in events if e["event"] == "end")
    assert begins == ends == Counter({"0": 1, "1": 1, "2": 1, "3": 1})
    assert [t["status"] for t in result.trials] == ["COMPLETED"] * 4
    tuners = {e["tuner"] for e in events}
    assert tuners == {"tuner0", "tuner1"}  # both workers ran trials; the chief none
    assert {t["tuner"] for t in result.trials} == tuners
    lines = [line for line in capfd.readouterr().out.splitlines() if line.startswith("trial ")]
    assert len(lines) == 4  # one progress line per trial, from the workers
    assert sorted(p.name for p in (out / "logs").iterdir()) == [
        "chief.log",
        "tuner0.log",
        "tuner1.log",
    ]
    assert (out / "best.toml").exists() and result.recipe_id == "vision/resnet_small_tuned"
    assert _processes_naming(out) == []


def test_a_chief_that_fails_stops_the_search_with_its_log(tmp_path: Path) -> None:
    out = tmp_path / "search"
    with pytest.raises(zoo.ZooError, match="chief oracle") as error:
        zoo.tune(
            "resnet_small", "vision/digits", max_trials=2, epochs=1, workers=2, timeout=600,
            search={"depth": {"type": "choice", "values": [10, 16]}},  # not 6n + 2
            overrides={"width": 2}, out=out, verbose=0,
        )  # fmt: skip
    assert "chief.log" in str(error.value)
    assert "depth" in (out / "logs" / "chief.log").read_text()
    assert _processes_naming(out) == []
