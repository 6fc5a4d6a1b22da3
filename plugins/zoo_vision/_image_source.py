"""What the image data sources share: decoding checked file by file, and the pipelines."""

from __future__ import annotations

from typing import Any

import numpy as np

from zoo.data import SPLITS, DataInfo, DataSplits, ZooError, pipeline


def decoder(height: int, width: int, channels: int, fit: str, scale: float) -> Any:
    """A function of one encoded image (scalar string tensor) to a float32 image."""
    import tensorflow as tf

    from zoo_vision.decode_and_resize import DecodeAndResize

    layer = DecodeAndResize(height, width, channels=channels, fit=fit, dtype="float32")

    def decode(data: Any) -> Any:
        return tf.cast(layer(data), tf.float32) * scale

    return decode


def check_decodable(data: bytes, channels: int, where: str) -> None:
    """Raise ZooError naming ``where`` if ``data`` is no JPEG, PNG, GIF or BMP image."""
    import tensorflow as tf

    try:
        tf.io.decode_image(data, channels=channels, expand_animations=False)
    except (tf.errors.InvalidArgumentError, ValueError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else "no image"
        raise ZooError(
            "Every image of an image data source is a readable JPEG, PNG, GIF or BMP file. "
            f"Received: {where}, which does not decode ({message[:120]}). "
            "Replace or remove that file."
        ) from None


def check_size(name: str, value: object, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ZooError(
            f"{source}: {name} is a positive integer, the size images are resized to. "
            f"Received: {name}={value!r}. Use for example 32."
        )
    return value


def image_splits(
    encoded: dict[str, tuple[Any, np.ndarray]],
    *,
    decode: Any,
    info: DataInfo,
    batch_size: int,
    seed: int,
) -> DataSplits:
    """`DataSplits` over encoded images (file paths or bytes) and labels, decoded lazily.

    ``encoded[split]`` is ``(items, labels)`` where ``items`` are passed to ``decode``
    in a ``tf.data`` map (a function of one item and its label to an image).
    """
    import tensorflow as tf

    pipes: dict[str, Any] = {}
    examples: dict[str, Any] = {}
    for name in SPLITS:
        pair = encoded.get(name)
        if pair is None or len(pair[1]) == 0:
            pipes[name] = None
            continue
        items, labels = pair
        dataset = tf.data.Dataset.from_tensor_slices((items, labels))
        if name == "train":
            # Shuffle the small (item, label) pairs before decoding: a full-size buffer.
            dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
        ordered = tf.data.Dataset.from_tensor_slices((items, labels)).map(
            decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
        examples[name] = ordered
        decoded = dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        pipes[name] = pipeline(decoded, batch_size=batch_size, shuffle=False, seed=seed)
    return DataSplits(
        train=pipes["train"],
        validation=pipes["validation"],
        test=pipes["test"],
        info=info,
        batch_size=batch_size,
        examples=examples,
    )
