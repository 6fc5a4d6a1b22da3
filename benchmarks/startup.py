"""Startup cost of the command line, and how listing scales with the number of recipes.

Every command runs as a fresh process, interleaved with the others, in one session
(bytecode caches warm, as for an installed package); the figures are ratios of medians:

- ``python -m zoo list`` against the floor: Python start, ``import pluggy`` and the
  ``zoo.plugins`` entry-point scan, which no plugin system avoids (target: 1.3x). It
  is timed twice: as it runs from the second time on, from its cached listing
  (``zoo._cli._list_cache``, in a cache folder of this run's own), and loading every
  plugin and registry file as the first run after a change does
  (``ZOO_LIST_CACHE=0``), with where the loading run's time above the floor goes:
  ``import zoo``, the registry's load, the command line and printing (each the
  difference between two commands);
- ``python -m zoo info resnet_small`` and ``zoo list`` against
  ``python -c "import tensorflow"`` (target for info: under a tenth);
- ``zoo list`` loading (no cache) with a registry file of N user recipes (N = 0, 1,000,
  4,000, 20,000 by default): the seconds per recipe and the growth exponent between the two largest
  counts (1.0 is linear; the quadratic table rebuild that issue 13 removed measured 2).

Both wall-clock and CPU seconds (user + system of the child) are reported: on a shared
machine, CPU seconds are the steadier figure. Take final figures on a quiet machine.

    python benchmarks/startup.py [--repeat 7] [--counts 0,1000,4000,20000] [--no-scaling]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import report

FLOOR = (
    "import importlib.metadata, pluggy; list(importlib.metadata.entry_points(group='zoo.plugins'))"
)
LIST = [sys.executable, "-m", "zoo", "list"]
COMMANDS = {
    "floor (python + pluggy + entry-point scan)": [sys.executable, "-c", FLOOR],
    "python -m zoo list": LIST,
    "python -m zoo list, loading (ZOO_LIST_CACHE=0)": LIST,
    "python -m zoo info resnet_small": [sys.executable, "-m", "zoo", "info", "resnet_small"],
    'python -c "import tensorflow"': [sys.executable, "-c", "import tensorflow"],
}
#: Where a loading ``zoo list`` spends its time above the floor, one stage more per
#: command: the floor plus ``import zoo`` (its modules), then the registry's load (plugins'
#: declarations, registry files, validation); the rest is the command line and printing.
STAGES = {
    "floor + import zoo": [sys.executable, "-c", f"{FLOOR}; import zoo"],
    "floor + import zoo + zoo.list_components()": [
        sys.executable,
        "-c",
        f"{FLOOR}; import zoo; zoo.list_components()",
    ],
}


#: The cached listing's folder for this run (set in `main`): never the user's own cache.
_CACHE = ""


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    env["ZOO_CACHE"] = _CACHE
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.update(extra)
    return env


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _measure(commands: dict[str, tuple[list[str], dict[str, str]]], repeat: int) -> dict:
    for command, env in commands.values():  # warm-up: bytecode, file-system caches
        _run(command, env)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, env) in commands.items():
            times[name].append(_run(command, env))
    return {
        name: {
            "wall": statistics.median(w for w, _ in values),
            "cpu": statistics.median(c for _, c in values),
            "min_wall": min(w for w, _ in values),
        }
        for name, values in times.items()
    }


def _recipes_file(folder: Path, count: int) -> Path:
    path = folder / f"recipes_{count}.toml"
    path.write_text(
        "".join(
            f'[recipes.user.r{i}]\nbuilder = "vision/resnet_cifar"\nargs = {{ depth = 20 }}\n'
            f'summary = "user recipe {i}"\n'
            for i in range(count)
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--counts", default="0,1000,4000,20000", help="recipe counts to time")
    parser.add_argument("--no-scaling", action="store_true", help="skip the recipe scaling")
    args = parser.parse_args()
    global _CACHE
    with tempfile.TemporaryDirectory() as cache:
        _CACHE = cache
        _main(args)


def _main(args: argparse.Namespace) -> None:
    env, loading = _environment(), _environment(ZOO_LIST_CACHE="0")
    commands = {n: (c, loading if "loading" in n else env) for n, c in COMMANDS.items()}
    commands.update({n: (c, env) for n, c in STAGES.items()})
    results = _measure(commands, args.repeat)
    floor, listing, loaded_list, info, tensorflow = (results[name] for name in COMMANDS)
    imported, loaded = (results[name] for name in STAGES)
    rows = [
        [
            name,
            r["wall"],
            r["cpu"],
            r["min_wall"],
            r["wall"] / floor["wall"],
            r["cpu"] / floor["cpu"],
        ]
        for name, r in results.items()
    ]
    summary: dict[str, object] = {
        "repeat": args.repeat,
        "list_over_floor_wall": listing["wall"] / floor["wall"],
        "list_over_floor_cpu": listing["cpu"] / floor["cpu"],
        "list_loading_over_floor_wall": loaded_list["wall"] / floor["wall"],
        "list_over_tensorflow_import": listing["wall"] / tensorflow["wall"],
        "info_over_tensorflow_import": info["wall"] / tensorflow["wall"],
        # Milliseconds of CPU above the floor of a loading `zoo list`, by stage (they add
        # up to its excess).
        "loading_above_floor_ms": {
            "import zoo": round(1000 * (imported["cpu"] - floor["cpu"]), 1),
            "registry load": round(1000 * (loaded["cpu"] - imported["cpu"]), 1),
            "command line and printing": round(1000 * (loaded_list["cpu"] - loaded["cpu"]), 1),
        },
    }
    report(
        "startup",
        ["command", "median_wall_s", "median_cpu_s", "min_wall_s", "x_floor_wall", "x_floor_cpu"],
        rows,
        summary,
    )
    if not args.no_scaling:
        counts = [int(c) for c in args.counts.split(",") if c.strip()]
        report("startup_scaling", *_scaling(counts, max(3, args.repeat // 2)))
    print("(take final figures on a quiet machine)")


def _scaling(counts: list[int], repeat: int) -> tuple[list[str], list[list[object]], dict]:
    """``zoo list`` with a registry file of each count of user recipes."""
    with tempfile.TemporaryDirectory() as scratch:
        runs = {
            n: (
                LIST,
                _environment(ZOO_REGISTRY=str(_recipes_file(Path(scratch), n)), ZOO_LIST_CACHE="0"),
            )
            for n in counts
        }
        results = _measure(runs, repeat)
    base = results[counts[0]]["cpu"]
    rows: list[list[object]] = []
    for n in counts:
        r = results[n]
        per = (r["cpu"] - base) / (n - counts[0]) * 1e6 if n != counts[0] else 0.0
        rows.append([n, r["wall"], r["cpu"], per])
    summary: dict[str, object] = {"repeat": repeat}
    if len(counts) >= 3:  # the growth between the two largest counts, over the smallest
        (n1, n2), (c1, c2) = counts[-2:], (results[counts[-2]]["cpu"], results[counts[-1]]["cpu"])
        if c1 > base and c2 > base:
            summary["growth_exponent"] = math.log((c2 - base) / (c1 - base)) / math.log(n2 / n1)
    headers = ["recipes", "median_wall_s", "median_cpu_s", "cpu_us_per_recipe"]
    return headers, rows, summary


if __name__ == "__main__":
    main()
