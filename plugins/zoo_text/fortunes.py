"""The ``text/fortunes`` data source: Debian's fortune-cookie quotes, one class per file.

The ``fortunes`` package installs /usr/share/games/fortunes with one file per category
(computers, politics, science, ...), quotes separated by lines holding only ``%``. The
helpers are also what ``examples/text_fortunes.py`` uses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.data import DataSplits, ZooError, from_arrays, split_indices

FORTUNES = "/usr/share/games/fortunes"
CATEGORIES = ("computers", "politics", "science", "songs-poems", "startrek", "food")


def split_quotes(raw: str) -> list[str]:
    """The quotes of a fortune file: text between lines holding only ``%``, on one line."""
    quotes, lines = [], []
    for line in [*raw.splitlines(), "%"]:
        if line.strip() == "%":
            quote = " ".join(" ".join(lines).split())
            if quote:
                quotes.append(quote)
            lines = []
        else:
            lines.append(line)
    return quotes


def read_fortunes(folder: str | Path, categories: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """The quotes of each category file, deduplicated across the corpus, with labels.

    A missing category file raises ZooError saying to ``apt-get install fortunes``.
    """
    folder = Path(folder)
    missing = [c for c in categories if not (folder / c).is_file()]
    if missing:
        raise ZooError(
            "text/fortunes reads the fortune files of Debian's 'fortunes' package. Received: "
            f"no {', '.join(missing)} under {str(folder)!r}. Install it with "
            "`apt-get install fortunes` (Debian/Ubuntu), or pass folder= and categories=."
        )
    seen: set[str] = set()
    texts, labels = [], []
    for label, category in enumerate(categories):
        raw = (folder / category).read_bytes().decode("utf-8", errors="replace")
        for quote in split_quotes(raw):
            if quote not in seen:
                seen.add(quote)
                texts.append(quote)
                labels.append(label)
    return texts, labels


def fortunes(
    *,
    categories: list[str] | tuple[str, ...] = CATEGORIES,
    folder: str = FORTUNES,
    raw: bool = False,
    tokenizer: str = "text/WhitespaceTokenizer",
    vocabulary_size: int = 20000,
    sequence_length: int = 128,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
) -> DataSplits:
    """Fortune quotes labelled by category file, split per category with a seed.

    By default the texts become int32 token ids of a zoo tokenizer whose vocabulary is
    learned (``adapt``) on the training split alone; with ``raw=True`` they stay strings,
    for a model with its own tokenizer layer.

    Args:
        categories: the fortune files to read; each is a class, in this order.
        folder: where the fortune files are.
        raw: yield the strings instead of token ids.
        tokenizer: the zoo tokenizer id (``text/WhitespaceTokenizer``,
            ``text/UnicodeScriptTokenizer``, ``text/WordPieceTokenizer``).
        vocabulary_size: the largest vocabulary the tokenizer learns.
        sequence_length: ids per text (padded or truncated).
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction of each category for validation.
        test: fraction of each category for testing.
    """
    categories = tuple(categories)
    texts, label_list = read_fortunes(folder, categories)
    labels = np.asarray(label_list, dtype=np.int64)
    strings = np.asarray(texts, dtype=object)
    index = split_indices(labels, validation=validation, test=test, seed=seed, stratified=True)
    arguments = {
        "categories": list(categories),
        "folder": folder,
        "raw": raw,
        "validation": validation,
        "test": test,
    }
    split = {"seed": seed, "validation": validation, "test": test, "stratified": True}
    if raw:
        splits = {s: (strings[i].astype(str), labels[i]) for s, i in index.items()}
        builder_arguments: dict = {"num_classes": len(categories)}
        preprocessing: dict = {"text": "raw strings"}
    else:
        import zoo

        layer = zoo.get(tokenizer)(
            sequence_length=sequence_length, max_vocabulary_size=vocabulary_size
        )
        layer.adapt(strings[index["train"]].tolist())
        splits = {}
        for name, i in index.items():
            ids = layer(np.asarray(strings[i].tolist() or [""], dtype=object))
            splits[name] = (np.asarray(ids, dtype=np.int32)[: len(i)], labels[i])
        arguments.update(
            tokenizer=tokenizer, vocabulary_size=vocabulary_size, sequence_length=sequence_length
        )
        builder_arguments = {
            "vocabulary_size": int(layer.vocabulary_size()),
            "sequence_length": sequence_length,
            "num_classes": len(categories),
        }
        preprocessing = {
            "tokenizer": tokenizer,
            "vocabulary_size": int(layer.vocabulary_size()),
            "sequence_length": sequence_length,
            "adapted_on": "train",
        }
    return from_arrays(
        splits,
        source="text/fortunes",
        arguments=arguments,
        task="classification",
        batch_size=batch_size,
        seed=seed,
        split=split,
        num_classes=len(categories),
        class_names=categories,
        builder_arguments=builder_arguments,
        preprocessing=preprocessing,
    )
