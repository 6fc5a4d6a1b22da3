"""Plain-text tables and JSON for the command line.

What the command line prints comes partly from plugins and registry files (names,
summaries, tags, error messages): `escape` makes sure none of it reaches the terminal
as a control character (an ANSI escape, a carriage return, a right-to-left override)
or splits a line. JSON output escapes them already (``ensure_ascii``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, TextIO

# C0 and C1 controls, DEL, and the invisible format characters that reorder or hide
# text: zero-width marks, bidirectional embeddings, overrides and isolates, BOM.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    )


def escape(text: object) -> str:
    """``text`` as one printable line: control and bidi characters written as ``\\x1b``, ``\\n``."""
    text = str(text)
    if text.isprintable():  # the usual case; it is False for every character escaped here
        return text
    return _CONTROL.sub(_escape_one, text)


#: The width a table is cut to when stdout is not a terminal (``--wide`` prints all).
DEFAULT_WIDTH = 100


def table_width(wide: bool) -> int | None:
    """The width to cut tables to: the terminal's, or DEFAULT_WIDTH; None with ``wide``."""
    if wide:
        return None
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return DEFAULT_WIDTH


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``...`` when cut."""
    return text if len(text) <= width else text[: max(width - 3, 0)].rstrip() + "..."


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int | None = None
) -> None:
    """Print left-aligned columns (cells escaped); the last column is never padded.

    With ``max_width``, the last column is cut (``...``) so that lines fit.
    """
    cells = [[escape(c) for c in headers]] + [[escape(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lead = sum(widths[:-1]) + 2 * (len(headers) - 1)
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1])]
        last = row[-1] if max_width is None else shorten(row[-1], max(max_width - lead, 12))
        print("  ".join([*padded, last]).rstrip())


def print_json(data: Any) -> None:
    import json  # only for --json: listing does not pay for it

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

    from zoo._base.errors import ZooWarning

    shown = warnings.showwarning
    if getattr(shown, "zoo_one_line", False):
        return

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, ZooWarning):
            print(f"warning: {message}", file=file or sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    show.zoo_one_line = True  # type: ignore[attr-defined]
    warnings.showwarning = show
