"""bilstm_classifier: embedding, bidirectional LSTM, dense head."""

from __future__ import annotations

from typing import Any

import keras

from zoo_text._model_inputs import check_positive, check_rate, text_inputs


def bilstm_classifier(
    vocabulary_size: int | None = None,
    sequence_length: int | None = None,
    num_classes: int = 2,
    embedding_dim: int = 64,
    lstm_units: int = 64,
    dropout: float = 0.2,
    tokenizer: Any = None,
    name: str = "bilstm_classifier",
) -> keras.Model:
    """A recurrent classifier: token ids (or raw strings) in, class probabilities out.

    ``Embedding(mask_zero=True)`` -> ``Bidirectional(LSTM(lstm_units))`` (the mask
    makes both directions skip ``[PAD]``) -> ``Dropout`` -> ``Dense(num_classes, softmax)``.

    Args:
        vocabulary_size: ids run from 0 to this minus 1 (default 20000, or the
            tokenizer's).
        sequence_length: ids per text (default 200, or the tokenizer's).
        num_classes: number of classes (at least 2).
        embedding_dim: size of the token embeddings.
        lstm_units: units of each LSTM direction.
        dropout: dropout rate before the output layer.
        tokenizer: a zoo tokenizer layer with a vocabulary; the model then takes raw
            strings of shape ``()``.
        name: the model's name.
    """
    owner = "bilstm_classifier"
    check_positive(
        owner, num_classes=num_classes, embedding_dim=embedding_dim, lstm_units=lstm_units
    )
    if num_classes < 2:
        raise ValueError(
            f"{owner}: num_classes is at least 2 (the output is a softmax over classes). "
            f"Received: num_classes={num_classes}. Use 2 for a binary task."
        )
    check_rate(owner, "dropout", dropout)
    inputs, token_ids, vocabulary_size, _ = text_inputs(
        owner, tokenizer, vocabulary_size, sequence_length
    )

    # === Functional model ===
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(
        token_ids
    )
    x = keras.layers.Bidirectional(keras.layers.LSTM(lstm_units), name="bilstm")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
