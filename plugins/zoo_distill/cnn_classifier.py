from __future__ import annotations

from collections.abc import Sequence

import keras


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"cnn_classifier takes {name} as a positive integer. Received: {name}={value!r}. "
            "Pass a whole number of at least 1."
        )
    return value


def cnn_classifier(
    input_shape: Sequence[int] = (8, 8, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (32, 64),
    dense_units: int = 64,
    dropout: float = 0.0,
    name: str = "cnn_classifier",
) -> keras.Model:
    """A plain image CNN that outputs logits: a teacher or a student for distillation.

    One block per entry of ``filters``: ``Conv2D(f, 3, "same", relu)`` then a 2x2 max
    pooling while the feature map is at least 2x2; then ``Flatten -> Dense(dense_units,
    relu) -> Dropout -> Dense(num_classes)``. The output is logits (no softmax), which is
    what `DistillationLoss` and ``SparseCategoricalCrossentropy(from_logits=True)`` take.
    Widen ``filters`` and ``dense_units`` for a teacher, shrink them for a student.

    Args:
        input_shape: ``(height, width, channels)`` of the images.
        num_classes: number of classes (logits).
        filters: the convolution widths, one block each (at least one block).
        dense_units: width of the dense layer before the logits.
        dropout: dropout rate before the logits, in [0, 1).
        name: the model's name.

    Returns:
        A Functional ``keras.Model`` mapping ``(batch, *input_shape)`` to
        ``(batch, num_classes)`` logits.
    """
    if (
        isinstance(input_shape, (str, bytes))
        or not isinstance(input_shape, Sequence)
        or (len(input_shape) != 3)
    ):
        raise ValueError(
            "cnn_classifier takes input_shape as (height, width, channels). "
            f"Received: input_shape={input_shape!r}. Use e.g. [8, 8, 1] for the digits."
        )
    input_shape = [_positive_int(v, f"input_shape[{i}]") for i, v in enumerate(input_shape)]
    _positive_int(num_classes, "num_classes")
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Sequence) or not filters:
        raise ValueError(
            "cnn_classifier takes filters as a non-empty list of positive integers. "
            f"Received: filters={filters!r}. Use e.g. [32, 64]."
        )
    filters = [_positive_int(v, f"filters[{i}]") for i, v in enumerate(filters)]
    _positive_int(dense_units, "dense_units")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(
            f"cnn_classifier takes dropout in [0, 1). Received: dropout={dropout!r}. Use e.g. 0.2."
        )

    # === Functional model ===
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = inputs
    height, width = input_shape[0], input_shape[1]
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, padding="same", activation="relu", name=f"conv_{i}")(x)
        if height >= 2 and width >= 2:
            x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
            height, width = height // 2, width // 2
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="dense")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
