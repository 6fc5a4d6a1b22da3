"""Tokenization throughput: the zoo's text tokenizers in a batched tf.data pipeline
against straightforward pure-Python tokenizers that produce the same ids.

Two pairs, each timed in this one process on the same sentences:

- ``text/WhitespaceTokenizer`` (NFKC, lowercase, punctuation stripped, CJK split,
  whitespace words, vocabulary lookup, [CLS]/[SEP], padding) against the same steps
  written with ``unicodedata``, ``str`` methods and a dict;
- ``text/WordPieceTokenizer`` (the same standardization, BERT's basic split, tensorflow-
  text's FastWordpiece) against BERT's greedy longest-match-first WordPiece in Python.

The zoo side is ``Dataset.from_tensor_slices(texts).batch(B).map(tokenizer,
num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)``, built once and iterated to numpy
arrays, as a training loop iterates it each epoch; building it (which traces the
tokenizer's graph) and a first pass are reported apart as the warm-up. Every run first
checks that both sides give identical ids for every sentence. Reported: sentences per
second (best of ``--repeats``), and the ratio zoo / Python.

Corpus: Debian's ``fortunes`` package (every file under /usr/share/games/fortunes,
quotes split on ``%`` lines), or ``--corpus generated`` for Zipf-distributed sentences
made here when that package is missing.

    .venv/bin/python benchmarks/tokenization.py [--corpus fortunes|generated] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build_parser() -> argparse.ArgumentParser:
    """The command line, answered (``--help`` too) before TensorFlow is imported."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        choices=["fortunes", "generated"],
        default="fortunes",
        help="text to tokenize: the fortune files or generated sentences (default fortunes)",
    )
    parser.add_argument("--sentences", type=int, default=20000, help="sentences timed")
    parser.add_argument(
        "--batch-size", type=int, default=256, help="sentences per batch (default 256)"
    )
    parser.add_argument(
        "--sequence-length", type=int, default=128, help="tokens per sentence (default 128)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats; the best is kept (default 3)"
    )
    return parser


if __name__ == "__main__":
    build_parser().parse_args()  # --help and usage errors: no 20 s TensorFlow import

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _common import report  # noqa: E402

import zoo  # noqa: E402

FORTUNES = Path("/usr/share/games/fortunes")
PAD, UNK, CLS, SEP = "[PAD]", "[UNK]", "[CLS]", "[SEP]"


# === Corpus ===


def fortunes_corpus(folder: Path) -> list[str]:
    files = sorted(p for p in folder.glob("*") if p.is_file() and "." not in p.name)
    if not files:
        raise SystemExit(
            f"The default corpus is Debian's 'fortunes' package. Received: no fortune files "
            f"under {folder}. Install it (`apt-get install fortunes`) or pass "
            "--corpus generated."
        )
    texts = []
    for path in files:
        raw = path.read_bytes().decode("utf-8", errors="replace")
        quote: list[str] = []
        for line in [*raw.splitlines(), "%"]:
            if line.strip() == "%":
                if " ".join(quote).strip():
                    texts.append(" ".join(" ".join(quote).split()))
                quote = []
            else:
                quote.append(line)
    return texts


def generated_corpus(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "zu", "pe", "qua", "xi"]
    words = ["".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(5000)]
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    texts = []
    for _ in range(n):
        sentence = " ".join(rng.choice(words, size=rng.integers(4, 30), p=weights))
        texts.append(sentence.capitalize() + rng.choice([".", "!", "?", ", indeed."]))
    return texts


# === Pure-Python tokenizers, written from the definitions ===

_PUNCTUATION_TO_SPACE: dict[int, str] = {}
_CJK = [(0x3041, 0x3096), (0x30A1, 0x30FA), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]


def _punctuation_table() -> dict[int, str]:
    if not _PUNCTUATION_TO_SPACE:
        for code in range(sys.maxunicode + 1):
            if unicodedata.category(chr(code)).startswith("P"):
                _PUNCTUATION_TO_SPACE[code] = " "
    return _PUNCTUATION_TO_SPACE


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK)


def py_standardize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_punctuation_table())
    if any(_is_cjk(c) for c in text):
        text = "".join(f" {c} " if _is_cjk(c) else c for c in text)
    return text


def _pack(ids: list[int], vocab: dict[str, int], length: int) -> list[int]:
    ids = [vocab[CLS], *ids[: length - 2], vocab[SEP]]
    return ids + [vocab[PAD]] * (length - len(ids))


def py_whitespace_tokenize(texts: list[str], vocab: dict[str, int], length: int) -> np.ndarray:
    unk, pad = vocab[UNK], vocab[PAD]
    rows = []
    for text in texts:
        ids = [vocab.get(word, unk) for word in py_standardize(text).split()]
        rows.append(_pack([unk if i == pad else i for i in ids], vocab, length))
    return np.array(rows, dtype=np.int32)


def _is_bert_delimiter(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P") or _is_cjk(char)


_CONTROL_TO_SPACE: dict[int, str] = {}


def _control_table() -> dict[int, str]:
    if not _CONTROL_TO_SPACE:
        for code in range(sys.maxunicode + 1):
            if unicodedata.category(chr(code)) in ("Cc", "Cf"):
                _CONTROL_TO_SPACE[code] = " "
    return _CONTROL_TO_SPACE


def py_basic_split(text: str) -> list[str]:
    """BERT's basic split (tensorflow-text's BasicTokenizer): control and format
    characters become spaces; split on ASCII whitespace; every punctuation or CJK
    character is a word of its own."""
    words = []
    for chunk in text.translate(_control_table()).split(" "):
        start = 0
        for i, char in enumerate(chunk):
            if _is_bert_delimiter(char):
                if start < i:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


def py_wordpiece(word: str, vocab: dict[str, int], max_bytes: int = 100) -> list[int]:
    """Greedy longest-match-first, as in BERT's original tokenizer."""
    if len(word.encode("utf-8")) > max_bytes:
        return [vocab[UNK]]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                pieces.append(vocab[piece])
                break
            end -= 1
        if end == start:
            return [vocab[UNK]]
        start = end
    return pieces


def py_wordpiece_tokenize(texts: list[str], vocab: dict[str, int], length: int) -> np.ndarray:
    rows = []
    for text in texts:
        ids = [i for w in py_basic_split(py_standardize(text)) for i in py_wordpiece(w, vocab)]
        rows.append(_pack(ids, vocab, length))
    return np.array(rows, dtype=np.int32)


# === Timing ===


def zoo_pipeline(tokenizer, texts: list[str], batch_size: int) -> tf.data.Dataset:
    """The input pipeline a training loop would iterate once per epoch."""
    return (
        tf.data.Dataset.from_tensor_slices(texts)
        .batch(batch_size)
        .map(tokenizer, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def run_pipeline(dataset: tf.data.Dataset) -> np.ndarray:
    return np.concatenate(list(dataset.as_numpy_iterator()))


def best_time(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    args = build_parser().parse_args()

    corpus = fortunes_corpus(FORTUNES) if args.corpus == "fortunes" else generated_corpus(20000)
    texts = (corpus * (args.sentences // len(corpus) + 1))[: args.sentences]
    _punctuation_table(), _control_table()  # built once, outside the timings
    length = args.sequence_length
    cases = [
        ("WhitespaceTokenizer", 20000, py_whitespace_tokenize),
        ("WordPieceTokenizer", 8000, py_wordpiece_tokenize),
    ]
    rows, summary = [], {"corpus": args.corpus, "sentences": len(texts)}
    for name, vocabulary_size, python_tokenize in cases:
        tokenizer = zoo.get(f"text/{name}")(
            sequence_length=length, max_vocabulary_size=vocabulary_size
        )
        tokenizer.adapt(corpus[:5000])
        vocab = {token: i for i, token in enumerate(tokenizer.get_vocabulary())}

        start = time.perf_counter()
        dataset = zoo_pipeline(tokenizer, texts, args.batch_size)  # traces the graph
        run_pipeline(dataset)  # first pass: warms the runtime up
        warm_up = time.perf_counter() - start
        zoo_time, zoo_ids = best_time(lambda d=dataset: run_pipeline(d), args.repeats)
        py_time, py_ids = best_time(
            lambda f=python_tokenize, v=vocab: f(texts, v, length), args.repeats
        )
        mismatches = int(np.sum(np.any(zoo_ids != py_ids, axis=1)))
        if mismatches:
            first = int(np.flatnonzero(np.any(zoo_ids != py_ids, axis=1))[0])
            print(f"{name}: {mismatches} sentences differ, e.g. {texts[first]!r}")
        zoo_rate, py_rate = len(texts) / zoo_time, len(texts) / py_time
        rows.append(
            [
                name,
                len(vocab),
                round(zoo_rate),
                round(py_rate),
                zoo_rate / py_rate,
                round(warm_up, 2),
                mismatches,
            ]
        )
        summary[f"{name}_ratio"] = zoo_rate / py_rate
    report(
        "tokenization",
        [
            "tokenizer",
            "vocabulary",
            "zoo tf.data sent/s",
            "pure Python sent/s",
            "ratio zoo/Python",
            "zoo warm-up s",
            "rows differing",
        ],
        rows,
        summary,
    )


if __name__ == "__main__":
    main()
