"""Plain-text tables and JSON for the command line."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from typing import Any

#: The width a table is cut to when stdout is not a terminal (``--wide`` prints all).
DEFAULT_WIDTH = 100


def table_width(wide: bool) -> int | None:
    """The width to cut tables to: the terminal's, or DEFAULT_WIDTH; None with ``wide``."""
    if wide:
        return None
    if sys.stdout.isatty():
        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``...`` when cut."""
    return text if len(text) <= width else text[: max(width - 3, 0)].rstrip() + "..."


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int | None = None
) -> None:
    """Print left-aligned columns; the last column is never padded.

    With ``max_width``, the last column is cut (``...``) so that lines fit.
    """
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lead = sum(widths[:-1]) + 2 * (len(headers) - 1)
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1])]
        last = row[-1] if max_width is None else shorten(row[-1], max(max_width - lead, 12))
        print("  ".join([*padded, last]).rstrip())


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


def one_line_zoo_warnings() -> None:
    """Show a `zoo.ZooWarning` as ``warning: <message>`` on stderr, without a source line."""
    import warnings

    from zoo._errors import ZooWarning

    shown = warnings.showwarning
    if getattr(shown, "zoo_one_line", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if issubclass(category, ZooWarning):
            print(f"warning: {message}", file=file or sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    show.zoo_one_line = True  # type: ignore[attr-defined]
    warnings.showwarning = show
