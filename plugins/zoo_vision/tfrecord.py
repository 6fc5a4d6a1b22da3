"""The ``vision/tfrecord`` data source: serialized ``tf.train.Example``s, image and label."""

from __future__ import annotations

import glob
import struct
from pathlib import Path

import numpy as np

from zoo.data import MAX_CLASSES, DataInfo, DataSplits, ZooError, split_indices
from zoo_vision._image_source import (
    check_decodable,
    check_file_size,
    check_size,
    decoder,
    image_splits,
    op_message,
)


def record_files(path: str | list[str]) -> list[str]:
    """The files a path, a glob or a list of them names, sorted; none is a ZooError."""
    patterns = [path] if isinstance(path, str) else list(path)
    files: list[str] = []
    for pattern in patterns:
        expanded = str(Path(pattern).expanduser())
        matches = sorted(glob.glob(expanded)) if any(c in expanded for c in "*?[") else [expanded]
        files += [m for m in matches if Path(m).is_file()]
    if not files:
        raise ZooError(
            "vision/tfrecord reads existing TFRecord files (a path, a glob or a list). "
            f"Received: path={path!r}, which names no file. Check the path."
        )
    return files


def check_framing(file: str) -> None:
    """Walk a TFRecord file's length fields in Python before TensorFlow reads it.

    Each record is an 8-byte length, a 4-byte checksum, the data and a 4-byte checksum;
    a length that runs past the end of the file (a truncated or corrupt file, or one
    declaring gigabytes) raises ZooError naming the file and the record, before any
    buffer of that length is allocated.
    """
    with open(file, "rb") as handle:
        size = handle.seek(0, 2)
        check_file_size(size, repr(file))
        at, number = 0, 0
        while at < size:
            handle.seek(at)
            head = handle.read(12)
            length = struct.unpack("<Q", head[:8])[0] if len(head) == 12 else None
            if length is None or at + 16 + length > size:
                declared = "an incomplete header" if length is None else f"{length:,} bytes"
                raise ZooError(
                    "vision/tfrecord reads whole TFRecord files. Received: record "
                    f"{number} of {file!r}, which declares {declared} with {size - at:,} "
                    "bytes left in the file (truncated or corrupt). Rewrite the file."
                )
            at += 16 + length
            number += 1


def _check_label(label: int, num_classes: int | None, file: str, number: int) -> None:
    limit = MAX_CLASSES if num_classes is None else num_classes
    if 0 <= label < limit:
        return
    rule = (
        f"lie below num_classes={num_classes}"
        if num_classes is not None
        else f"are integers from 0 to at most {MAX_CLASSES - 1:,}"
    )
    raise ZooError(
        f"vision/tfrecord labels {rule}. Received: a label {label} in record {number} of "
        f"{file!r}. Encode the classes as 0, 1, ..."
        + (" or raise num_classes." if num_classes is not None else "")
    )


def _feature(example, key: str, kind: str, file: str, number: int):
    feature = example.features.feature
    if key not in feature or feature[key].WhichOneof("kind") != kind:
        present = ", ".join(sorted(feature)) or "none"
        wanted = {"bytes_list": "bytes", "int64_list": "int64"}[kind]
        raise ZooError(
            f"Every record of vision/tfrecord holds a {wanted} feature {key!r}. Received: "
            f"record {number} of {file!r} without it (features: {present}). Pass the "
            "feature names as image_key= and label_key=, or fix the file."
        )
    values = getattr(feature[key], kind).value
    if len(values) != 1:
        raise ZooError(
            f"The feature {key!r} of vision/tfrecord holds one value per record. Received: "
            f"{len(values)} values in record {number} of {file!r}. Store one image and one label."
        )
    return values[0]


def read_records(
    files: list[str],
    image_key: str,
    label_key: str,
    channels: int,
    check: bool,
    num_classes: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The encoded images and int labels of every record, checked record by record.

    A label below 0, at or above ``num_classes`` (when given) or above `MAX_CLASSES`
    names its file and record.
    """
    import tensorflow as tf

    images, labels = [], []
    for file in files:
        check_framing(file)
        try:
            records = list(tf.data.TFRecordDataset(file).as_numpy_iterator())
        except tf.errors.OpError as error:
            raise ZooError(
                "vision/tfrecord reads TFRecord files. Received: "
                f"{file!r}, which is none ({op_message(error)}). "
                "Write it with tf.io.TFRecordWriter."
            ) from None
        for number, record in enumerate(records):
            try:
                example = tf.train.Example.FromString(record)
            except Exception:
                raise ZooError(
                    "Every record of vision/tfrecord is a serialized tf.train.Example. "
                    f"Received: record {number} of {file!r}, which is not. Fix the file."
                ) from None
            image = _feature(example, image_key, "bytes_list", file, number)
            label = _feature(example, label_key, "int64_list", file, number)
            _check_label(label, num_classes, file, number)
            if check:
                check_decodable(
                    image, channels, f"the {image_key!r} of record {number} of {file!r}"
                )
            images.append(image)
            labels.append(label)
    if not labels:
        raise ZooError(
            f"vision/tfrecord needs records. Received: {len(files)} file(s) with none "
            f"({files[0]!r}). Write some examples."
        )
    return np.array(images, dtype=object), np.array(labels, dtype=np.int64)


def tfrecord(
    *,
    path: str | list[str],
    height: int = 32,
    width: int = 32,
    image_key: str = "image",
    label_key: str = "label",
    channels: int = 3,
    fit: str = "stretch",
    scale: float = 1 / 255,
    num_classes: int | None = None,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    check: bool = True,
) -> DataSplits:
    """Images and labels from TFRecord files of ``tf.train.Example``s, as the seeds write them.

    Each record holds the encoded image (JPEG/PNG bytes) under ``image_key`` and an
    int64 label under ``label_key``. Every record is read and checked once (a missing
    feature names the file, the record and the key); the split is seeded and
    stratified by label; images are decoded with DecodeAndResize in the pipeline.

    Args:
        path: a TFRecord file, a glob (``"data/train-*.tfrecord"``) or a list of them.
        height: the height images are resized to.
        width: the width images are resized to.
        image_key: the feature holding the encoded image.
        label_key: the feature holding the int label.
        channels: 3 (RGB) or 1 (grayscale).
        fit: ``"stretch"``, ``"crop"`` or ``"pad"`` (see vision/DecodeAndResize).
        scale: multiplies the pixels (``1/255`` gives [0, 1]).
        num_classes: the number of classes (default: the largest label + 1).
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction of each class for validation.
        test: fraction of each class for testing.
        check: decode every image once now, so a broken one is named before training.
    """
    check_size("height", height, "vision/tfrecord")
    check_size("width", width, "vision/tfrecord")
    files = record_files(path)
    if num_classes is not None and (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, int)
        or not 1 <= num_classes <= MAX_CLASSES
    ):
        raise ZooError(
            f"vision/tfrecord: num_classes is an integer from 1 to {MAX_CLASSES:,}. "
            f"Received: num_classes={num_classes!r}. Pass the number of classes."
        )
    images, labels = read_records(files, image_key, label_key, channels, check, num_classes)
    if labels.min() < 0:
        raise ZooError(
            f"vision/tfrecord labels are integers from 0. Received: a label {labels.min()} "
            f"under {label_key!r}. Encode the classes as 0, 1, ..."
        )
    classes = int(labels.max()) + 1 if num_classes is None else num_classes
    if labels.max() >= classes:
        raise ZooError(
            f"vision/tfrecord labels lie below num_classes. Received: num_classes={classes} "
            f"and a label {labels.max()}. Raise num_classes or leave it unset."
        )
    index = split_indices(labels, validation=validation, test=test, seed=seed, stratified=True)
    decode_image = decoder(height, width, channels, fit, scale)

    def decode(image, label):
        return decode_image(image), label

    info = DataInfo(
        source="vision/tfrecord",
        arguments={
            "path": path if isinstance(path, str) else list(path),
            "height": height,
            "width": width,
            "image_key": image_key,
            "label_key": label_key,
            "channels": channels,
            "fit": fit,
            "scale": scale,
            "validation": validation,
            "test": test,
        },
        task="classification",
        input_shape=(height, width, channels),
        input_dtype="float32",
        target_shape=(),
        target_dtype="int64",
        num_classes=classes,
        class_names=tuple(str(c) for c in range(classes)),
        sizes={s: len(i) for s, i in index.items()},
        split={"seed": seed, "validation": validation, "test": test, "stratified": True},
        builder_arguments={"input_shape": [height, width, channels], "num_classes": classes},
        preprocessing={"scale": scale, "decode": "vision/DecodeAndResize", "fit": fit},
    )
    encoded = {s: (list(images[i]), labels[i]) for s, i in index.items()}
    return image_splits(encoded, decode=decode, info=info, batch_size=batch_size, seed=seed)
