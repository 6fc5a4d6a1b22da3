"""Shared by the benchmark scripts: a results folder and a table printer."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def report(name: str, headers: list[str], rows: list[list[Any]], summary: dict[str, Any]) -> Path:
    """Print ``rows`` as a table and write them, with ``summary``, to results/<name>.json."""
    cells = [headers] + [[f"{c:.4g}" if isinstance(c, float) else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for key, value in summary.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {
        "benchmark": name,
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "columns": headers,
        "rows": rows,
        **summary,
    }
    path.write_text(json.dumps(data, indent=2, default=str))
    print(f"wrote {path}")
    return path
