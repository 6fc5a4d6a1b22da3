"""Hardening of what the command line prints (issue 13, point 10): control characters
and bidirectional overrides from plugins and registry files never reach the terminal raw,
and an error stays on one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from zoo._cli._output import escape

HOSTILE = "\x1b[2J\x1b[31mred\x1b[0m \u202eevil\u202c \r\x07bell\x85"


def _zoo(*args: str, site: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")}
    if site is not None:
        environ["PYTHONPATH"] = os.pathsep.join(
            [str(site), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args], env=environ, capture_output=True, text=True
    )


def _assert_clean(text: str) -> None:
    assert not any(c in text for c in "\x1b\r\x07\x85\u202e\u202c"), repr(text)


def test_escape_writes_controls_as_visible_escapes() -> None:
    assert escape("plain text, é, 日本") == "plain text, é, 日本"
    assert escape(HOSTILE) == ("\\x1b[2J\\x1b[31mred\\x1b[0m \\u202eevil\\u202c \\r\\x07bell\\x85")
    assert escape("two\nlines\ttab") == "two\\nlines\\ttab"


def test_listing_escapes_summaries_and_tags_from_registry_files(tmp_path: Path) -> None:
    path = tmp_path / "hostile.toml"
    text = "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\u{ord(c):04x}" for c in HOSTILE)
    path.write_text(
        f'[recipes.lab.r]\nbuilder = "vision/resnet_cifar"\nsummary = "{text}"\ntags = ["{text}"]\n'
    )
    out = _zoo("list", "lab/*", "--wide", "--registry", str(path))
    assert out.returncode == 0, out.stderr
    _assert_clean(out.stdout)
    assert "\\x1b[31mred" in out.stdout and "\\u202eevil" in out.stdout
    assert len(out.stdout.splitlines()) == 2  # the header and one row


def test_an_error_naming_a_key_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[recipes.lab."r\\n\\u001b[31merror: fake"]\nbuilder = "x/y"\n')
    out = _zoo("list", "--registry", str(path))
    assert out.returncode == 1
    _assert_clean(out.stderr)
    assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith(f"error: {path}")
    assert "recipes.lab.r\\n\\x1b[31merror: fake" in out.stderr


def test_plugin_failure_reasons_are_escaped(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "loud-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: loud\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[zoo.plugins]\nloud = loud_mod\n")
    (site / "loud_mod.py").write_text(f"raise RuntimeError({HOSTILE!r} + '\\nsecond line')\n")
    out = _zoo("plugins", "--wide", site=site, ZOO_PLUGINS="loud")
    assert out.returncode == 0, out.stderr
    _assert_clean(out.stdout)
    (row,) = [line for line in out.stdout.splitlines() if line.startswith("loud")]
    assert "RuntimeError: \\x1b[2J" in row and "\\nsecond line" in row
