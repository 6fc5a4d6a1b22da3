"""Plain-text tables and JSON for the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print left-aligned columns; the last column is never padded."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1])]
        print("  ".join([*padded, row[-1]]).rstrip())


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def line_buffered_when_piped() -> None:
    """Write stdout a line at a time when it is a pipe or a file, as a terminal shows it.

    ``zoo check ... > log`` and ``zoo demo | tee`` then show each line as it is printed,
    not all of them when the command ends.
    """
    stream = sys.stdout
    if not stream.isatty() and hasattr(stream, "reconfigure"):
        stream.reconfigure(line_buffering=True)
