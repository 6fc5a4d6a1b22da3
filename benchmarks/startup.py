"""Startup cost of listing: `python -m zoo list` against `python -c "import tensorflow"`.

Both commands run as fresh processes, interleaved, in the same session; the figure is
the ratio of their medians (target: listing under a tenth of a TensorFlow import).
`info_against_tensorflow` does the same for `python -m zoo info resnet_small`, which
reads the builder's signature and docstring from its source (target: under a tenth).

    python benchmarks/startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _common import report

COMMANDS = {
    "python -m zoo list": [sys.executable, "-m", "zoo", "list"],
    'python -c "import tensorflow"': [sys.executable, "-c", "import tensorflow"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=7, help="fresh processes per command (default 7)"
    )
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    rows = [[name, medians[name], min(values), max(values)] for name, values in times.items()]
    listing, tensorflow = medians.values()
    report(
        "startup",
        ["command", "median_s", "min_s", "max_s"],
        rows,
        {"repeat": args.repeat, "ratio_list_over_tensorflow_import": listing / tensorflow},
    )
    info_against_tensorflow(args.repeat)


INFO_COMMANDS = {
    "python -m zoo info resnet_small": [sys.executable, "-m", "zoo", "info", "resnet_small"],
    'python -c "import tensorflow"': [sys.executable, "-c", "import tensorflow"],
}


def info_against_tensorflow(repeat: int) -> dict[str, float]:
    """Time `zoo info resnet_small` against a TensorFlow import, interleaved; report the ratio."""
    times: dict[str, list[float]] = {name: [] for name in INFO_COMMANDS}
    for _ in range(repeat):
        for name, command in INFO_COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    rows = [[name, medians[name], min(values), max(values)] for name, values in times.items()]
    info, tensorflow = medians.values()
    report(
        "startup_info",
        ["command", "median_s", "min_s", "max_s"],
        rows,
        {"repeat": repeat, "ratio_info_over_tensorflow_import": info / tensorflow},
    )
    return medians


if __name__ == "__main__":
    main()
