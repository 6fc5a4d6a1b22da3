"""The input end every text model builder shares: token ids, or raw strings + a tokenizer."""

from __future__ import annotations

from typing import Any

import keras


def check_positive(owner: str, **values: Any) -> None:
    """Raise ValueError naming the first argument that is not a positive int."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(
                f"{owner}: {name} is a positive int. Received: {name}={value!r}. "
                "Pass a whole number of at least 1."
            )


def check_rate(owner: str, name: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1:
        raise ValueError(
            f"{owner}: {name} is a rate in [0, 1). Received: {name}={value!r}. Use e.g. 0.2."
        )


def text_inputs(
    owner: str,
    tokenizer: Any,
    vocabulary_size: int | None,
    sequence_length: int | None,
) -> tuple[Any, Any, int, int]:
    """Validate the input arguments and return ``(inputs, token_ids, vocabulary_size,
    sequence_length)``.

    Without a tokenizer the model takes int token ids of shape ``(sequence_length,)``
    (defaults: 20000 and 200). With one (a zoo tokenizer layer with a vocabulary), the
    model takes raw strings of shape ``()`` and the tokenizer is its first layer; the
    sizes then come from the tokenizer, and an explicit value must agree with it.
    """
    if tokenizer is None:
        vocabulary_size = 20000 if vocabulary_size is None else vocabulary_size
        sequence_length = 200 if sequence_length is None else sequence_length
        check_positive(owner, vocabulary_size=vocabulary_size, sequence_length=sequence_length)
        inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
        return inputs, inputs, vocabulary_size, sequence_length

    from zoo_text._tokenizer import BaseTokenizer

    if not isinstance(tokenizer, BaseTokenizer):
        raise ValueError(
            f"{owner}: tokenizer is a zoo text tokenizer layer (text/WhitespaceTokenizer, "
            f"text/UnicodeScriptTokenizer or text/WordPieceTokenizer). Received: "
            f"tokenizer of type {type(tokenizer).__name__}. Create one and adapt() it."
        )
    if tokenizer.output_mask:
        raise ValueError(
            f"{owner}: the tokenizer returns token ids alone. Received: a tokenizer with "
            "output_mask=True. Create it with output_mask=False (the embedding masks [PAD])."
        )
    actual = {
        "vocabulary_size": tokenizer.vocabulary_size(),
        "sequence_length": tokenizer.sequence_length,
    }
    given = {"vocabulary_size": vocabulary_size, "sequence_length": sequence_length}
    for name, value in given.items():
        if value is not None and value != actual[name]:
            raise ValueError(
                f"{owner}: with a tokenizer, {name} comes from the tokenizer. Received: "
                f"{name}={value}, the tokenizer's is {actual[name]}. Leave {name} unset."
            )
    inputs = keras.Input(shape=(), dtype="string", name="text")
    token_ids = tokenizer(inputs)
    return inputs, token_ids, actual["vocabulary_size"], actual["sequence_length"]
