"""text_classifier: embedding, global average pooling, dense head (the classic IMDB model)."""

from __future__ import annotations

from typing import Any

import keras

from zoo_text._model_inputs import check_positive, check_rate, text_inputs


def text_classifier(
    vocabulary_size: int | None = None,
    sequence_length: int | None = None,
    num_classes: int = 2,
    embedding_dim: int = 64,
    hidden_units: int = 64,
    dropout: float = 0.2,
    tokenizer: Any = None,
    name: str = "text_classifier",
) -> keras.Model:
    """A bag-of-embeddings classifier: token ids (or raw strings) in, class probabilities out.

    ``Embedding(mask_zero=True)`` -> ``GlobalAveragePooling1D`` (the mask keeps
    ``[PAD]`` out of the average) -> ``Dropout`` -> ``Dense(hidden_units, relu)`` ->
    ``Dense(num_classes, softmax)``. A row of ids that is all ``[PAD]`` has nothing to
    average (Keras' masked mean gives NaN): the zoo tokenizers' default
    ``add_special_tokens=True`` gives every text at least ``[CLS]`` and ``[SEP]``.

    Args:
        vocabulary_size: ids run from 0 (``[PAD]``) to this minus 1 (default 20000, or
            the tokenizer's).
        sequence_length: ids per text (default 200, or the tokenizer's).
        num_classes: number of classes (at least 2); the output is a softmax.
        embedding_dim: size of the token embeddings.
        hidden_units: width of the hidden dense layer (0 to leave it out).
        dropout: dropout rate before the hidden and the output layer.
        tokenizer: a zoo tokenizer layer with a vocabulary; the model then takes raw
            strings of shape ``()`` and can be saved as one ``.keras`` file.
        name: the model's name.
    """
    owner = "text_classifier"
    check_positive(owner, num_classes=num_classes, embedding_dim=embedding_dim)
    if num_classes < 2:
        raise ValueError(
            f"{owner}: num_classes is at least 2 (the output is a softmax over classes). "
            f"Received: num_classes={num_classes}. Use 2 for a binary task."
        )
    if not isinstance(hidden_units, int) or isinstance(hidden_units, bool) or hidden_units < 0:
        raise ValueError(
            f"{owner}: hidden_units is an int >= 0 (0 leaves the hidden layer out). "
            f"Received: hidden_units={hidden_units!r}."
        )
    check_rate(owner, "dropout", dropout)
    inputs, token_ids, vocabulary_size, sequence_length = text_inputs(
        owner, tokenizer, vocabulary_size, sequence_length
    )

    # === Functional model ===
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True, name="embedding")(
        token_ids
    )
    x = keras.layers.GlobalAveragePooling1D(name="pooled")(x)
    if hidden_units:
        x = keras.layers.Dropout(dropout, name="hidden_dropout")(x)
        x = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
