"""text_cnn: parallel convolutions of several widths, max-pooled and concatenated (Kim, 2014)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from zoo_text._model_inputs import check_positive, check_rate, text_inputs


def text_cnn(
    vocabulary_size: int | None = None,
    sequence_length: int | None = None,
    num_classes: int = 2,
    embedding_dim: int = 128,
    kernel_sizes: Sequence[int] = (3, 4, 5),
    filters: int = 100,
    dropout: float = 0.5,
    tokenizer: Any = None,
    name: str = "text_cnn",
) -> keras.Model:
    """A convolutional sentence classifier (Kim, 2014), a Functional DAG.

    ``Embedding`` -> one branch per kernel size: ``Conv1D(filters, size, relu)`` ->
    ``GlobalMaxPooling1D`` -> the branches ``Concatenate``-d -> ``Dropout`` ->
    ``Dense(num_classes, softmax)``.

    Args:
        vocabulary_size: ids run from 0 to this minus 1 (default 20000, or the
            tokenizer's).
        sequence_length: ids per text (default 200, or the tokenizer's); at least the
            widest kernel.
        num_classes: number of classes (at least 2).
        embedding_dim: size of the token embeddings.
        kernel_sizes: the convolution widths, one branch each (distinct).
        filters: filters per branch.
        dropout: dropout rate before the output layer.
        tokenizer: a zoo tokenizer layer with a vocabulary; the model then takes raw
            strings of shape ``()``.
        name: the model's name.
    """
    owner = "text_cnn"
    check_positive(owner, num_classes=num_classes, embedding_dim=embedding_dim, filters=filters)
    if num_classes < 2:
        raise ValueError(
            f"{owner}: num_classes is at least 2 (the output is a softmax over classes). "
            f"Received: num_classes={num_classes}. Use 2 for a binary task."
        )
    sizes = list(kernel_sizes) if isinstance(kernel_sizes, (list, tuple)) else None
    if (
        not sizes
        or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in sizes)
        or len(set(sizes)) != len(sizes)
    ):
        raise ValueError(
            f"{owner}: kernel_sizes is a non-empty list of distinct positive ints, one branch "
            f"per width. Received: kernel_sizes={kernel_sizes!r}. Use e.g. [3, 4, 5]."
        )
    check_rate(owner, "dropout", dropout)
    inputs, token_ids, vocabulary_size, sequence_length = text_inputs(
        owner, tokenizer, vocabulary_size, sequence_length
    )
    if max(sizes) > sequence_length:
        raise ValueError(
            f"{owner}: every kernel fits in the sequence. Received: kernel_sizes={sizes}, "
            f"sequence_length={sequence_length}. Use kernels of at most {sequence_length}."
        )

    # === Functional model ===
    embedded = keras.layers.Embedding(vocabulary_size, embedding_dim, name="embedding")(token_ids)
    branches = []
    for size in sizes:
        x = keras.layers.Conv1D(filters, size, activation="relu", name=f"conv_{size}")(embedded)
        branches.append(keras.layers.GlobalMaxPooling1D(name=f"max_pool_{size}")(x))
    x = branches[0] if len(branches) == 1 else keras.layers.Concatenate(name="concat")(branches)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
