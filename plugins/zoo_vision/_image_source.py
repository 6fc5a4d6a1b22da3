"""What the image data sources share: decoding checked file by file, and the pipelines."""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np

from zoo.data import (
    MAX_IMAGE_PIXELS,
    SPLITS,
    DataInfo,
    DataSplits,
    ZooError,
    max_data_bytes,
    pipeline,
)

_PNG = b"\x89PNG\r\n\x1a\n"
#: JPEG start-of-frame markers (0xC0 to 0xCF but DHT, JPG and DAC), which hold the size.
_SOF = {m for m in range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC}


def op_message(error: BaseException) -> str:
    """The first line of a TensorFlow error, without its ``{{function_node ...}}`` prefix."""
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(error)).strip()
    return text.splitlines()[0][:160] if text else type(error).__name__


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return None


def declared_size(data: bytes) -> tuple[int, int] | None:
    """The ``(width, height)`` a PNG, JPEG, GIF or BMP header declares; None if unknown.

    Only the header is read: nothing is decoded or allocated by the declared size.
    """
    if data[:8] == _PNG and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def check_file_size(size: int, where: str) -> None:
    """Refuse a file over ``ZOO_MAX_DATA_BYTES`` before it is read."""
    limit = max_data_bytes()
    if size > limit:
        raise ZooError(
            f"A file of an image data source holds at most {limit:,} bytes "
            f"(ZOO_MAX_DATA_BYTES). Received: {where} of {size:,} bytes, refused before "
            "reading. Remove it, or set ZOO_MAX_DATA_BYTES higher if the machine has the memory."
        )


def check_pixels(data: bytes, where: str) -> None:
    """Refuse an image whose header declares more than `MAX_IMAGE_PIXELS`, before decoding."""
    size = declared_size(data)
    if size is None or size[0] * size[1] <= MAX_IMAGE_PIXELS:
        return
    width, height = size
    raise ZooError(
        f"An image of an image data source has at most {MAX_IMAGE_PIXELS:,} pixels. "
        f"Received: {where}, whose header declares {width} x {height} "
        f"({width * height:,} pixels), refused before decoding. Resize or remove that image."
    )


def decoder(height: int, width: int, channels: int, fit: str, scale: float) -> Any:
    """A function of one encoded image (scalar string tensor) to a float32 image."""
    import tensorflow as tf

    from zoo_vision.decode_and_resize import DecodeAndResize

    layer = DecodeAndResize(height, width, channels=channels, fit=fit, dtype="float32")

    def decode(data: Any) -> Any:
        return tf.cast(layer(data), tf.float32) * scale

    return decode


def check_decodable(data: bytes, channels: int, where: str) -> None:
    """Raise ZooError naming ``where`` if ``data`` is no JPEG, PNG, GIF or BMP image.

    The size its header declares is checked first (`check_pixels`), so an image that
    would take gigabytes to decode is refused before TensorFlow allocates for it.
    """
    import tensorflow as tf

    check_pixels(data, where)
    try:
        tf.io.decode_image(data, channels=channels, expand_animations=False)
    except (tf.errors.OpError, ValueError) as error:
        raise ZooError(
            "Every image of an image data source is a readable JPEG, PNG, GIF or BMP file. "
            f"Received: {where}, which does not decode ({op_message(error)}). "
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
