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
from typing import Any

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


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print left-aligned columns (cells escaped); the last column is never padded."""
    cells = [[escape(c) for c in headers]] + [[escape(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths[:-1])]
        print("  ".join([*padded, row[-1]]).rstrip())


def print_json(data: Any) -> None:
    import json

    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
