"""The fortunes example's corpus reading, on files made here (never the real package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "text_fortunes.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("text_fortunes_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_corpus_names_the_package_to_install(example, tmp_path):
    (tmp_path / "computers").write_text("A quote.\n%\n")
    with pytest.raises(SystemExit, match=r"no politics under .*apt-get install fortunes"):
        example.read_fortunes(tmp_path, ("computers", "politics"))


def test_quotes_are_split_on_percent_lines_and_deduplicated(example, tmp_path):
    (tmp_path / "a").write_text(
        "First  quote,\n  two lines.\n%\nSecond.\n%\n%\nFirst quote, two lines.\n"
    )
    (tmp_path / "b").write_bytes("Third \xe9.\n%\nSecond.\n".encode("latin-1"))
    texts, labels = example.read_fortunes(tmp_path, ("a", "b"))
    assert texts == ["First quote, two lines.", "Second.", "Third \ufffd."]
    assert labels == [0, 0, 1]


def test_split_is_stratified_and_disjoint(example):
    labels = [0] * 50 + [1] * 10 + [2] * 5
    train, held_out = example.split(labels, 0.2, seed=0)
    assert sorted(train + held_out) == list(range(len(labels)))
    assert [sum(labels[i] == c for i in held_out) for c in range(3)] == [10, 2, 1]
