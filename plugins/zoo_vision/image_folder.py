"""The ``vision/image_folder`` data source: a folder with one subfolder of images per class."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

from zoo.data import DataInfo, DataSplits, ZooError, split_indices
from zoo_vision._image_source import (
    check_decodable,
    check_file_size,
    check_size,
    decoder,
    image_splits,
)

#: The file suffixes read as images (case-insensitive).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp")


def check_class_name(root: Path, name: str) -> None:
    """Refuse a class folder name holding a control character or a path separator.

    The name becomes a class name in ``run.json``, in the model's labels and on the
    terminal, where such characters would rewrite the output or name other paths.
    """
    bad = [c for c in name if c in "/\\" or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise ZooError(
            "A class folder of vision/image_folder has a plain name (no control character "
            f"or path separator): it becomes a class name. Received: {str(root / name)!r}, "
            f"with {bad[0]!r}. Rename that folder."
        )


def class_files(root: Path) -> tuple[list[str], list[list[Path]]]:
    """The class names (sorted subfolder names) and each class's image files, sorted.

    A root that is no folder, a root without class subfolders, a class folder with no
    image or a class name with a control character or a path separator raises ZooError
    naming the folder. Only the root and its class folders are listed (no walk into
    deeper folders), so a symlink loop in the tree is never followed round.
    """
    if not root.is_dir():
        raise ZooError(
            "vision/image_folder reads a folder with one subfolder of images per class. "
            f"Received: path={str(root)!r}, which is no folder. Check the path."
        )
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ZooError(
            "vision/image_folder reads a folder with one subfolder of images per class. "
            f"Received: {str(root)!r} with no subfolder. Put each class's images in "
            "root/<class>/."
        )
    for name in classes:
        check_class_name(root, name)
    files = []
    for name in classes:
        images = sorted(
            p for p in (root / name).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not images:
            raise ZooError(
                "Every class folder of vision/image_folder holds at least one image "
                f"({', '.join(IMAGE_SUFFIXES)}). Received: {str(root / name)!r} with none. "
                "Add images or remove the folder."
            )
        files.append(images)
    return classes, files


def image_folder(
    *,
    path: str,
    height: int = 32,
    width: int = 32,
    channels: int = 3,
    fit: str = "stretch",
    scale: float = 1 / 255,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
    check: bool = True,
) -> DataSplits:
    """Images in ``path/<class>/*.jpg|png|...``, decoded and resized with DecodeAndResize.

    Classes are the subfolders in sorted order (labels 0, 1, ...). The split is seeded
    and stratified by class; images are decoded lazily in the ``tf.data`` pipeline,
    after each file was checked to decode once (``check=False`` skips that pass).

    Args:
        path: the root folder.
        height: the height images are resized to.
        width: the width images are resized to.
        channels: 3 (RGB) or 1 (grayscale).
        fit: ``"stretch"``, ``"crop"`` or ``"pad"`` (see vision/DecodeAndResize).
        scale: multiplies the pixels (``1/255`` gives [0, 1]).
        batch_size: examples per batch.
        seed: the seed of the split and of the training shuffle.
        validation: fraction of each class for validation.
        test: fraction of each class for testing.
        check: decode every file once now, so a broken one is named before training.
    """
    check_size("height", height, "vision/image_folder")
    check_size("width", width, "vision/image_folder")
    root = Path(path).expanduser()
    classes, files = class_files(root)
    paths = np.array([str(f) for group in files for f in group])
    labels = np.concatenate(
        [np.full(len(group), i, dtype=np.int64) for i, group in enumerate(files)]
    )
    if check:
        for file in paths:
            check_file_size(Path(file).stat().st_size, repr(str(file)))
            check_decodable(Path(file).read_bytes(), channels, repr(str(file)))
    index = split_indices(labels, validation=validation, test=test, seed=seed, stratified=True)
    decode_image = decoder(height, width, channels, fit, scale)

    def decode(file, label):
        import tensorflow as tf

        return decode_image(tf.io.read_file(file)), label

    info = DataInfo(
        source="vision/image_folder",
        arguments={
            "path": str(path),
            "height": height,
            "width": width,
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
        num_classes=len(classes),
        class_names=tuple(classes),
        sizes={s: len(i) for s, i in index.items()},
        split={"seed": seed, "validation": validation, "test": test, "stratified": True},
        builder_arguments={"input_shape": [height, width, channels], "num_classes": len(classes)},
        preprocessing={"scale": scale, "decode": "vision/DecodeAndResize", "fit": fit},
    )
    encoded = {s: (paths[i], labels[i]) for s, i in index.items()}
    return image_splits(encoded, decode=decode, info=info, batch_size=batch_size, seed=seed)
