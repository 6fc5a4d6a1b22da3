"""The ``vision/super_resolution`` data source: Y-channel patch pairs for ESPCN, offline.

scikit-learn ships two real photographs (``china.jpg`` and ``flower.jpg``). As in Shi
et al. 2016 the data is the luminance (Y of YCbCr in [0, 1]); a low-resolution image is
the high-resolution one downscaled by ``scale`` with bicubic interpolation (PIL). The
helpers are also what ``examples/super_resolution.py`` uses.
"""

from __future__ import annotations

import numpy as np

from zoo.data import DataSplits, Task, ZooError, from_arrays, require

#: The task of this source's targets: high-resolution patches of the input patches.
SUPER_RESOLUTION = Task(
    "super_resolution", summary="A higher-resolution image of the input image (patches)."
)

PHOTOS = ("china", "flower")


def luminance(rgb: np.ndarray, scale: int) -> np.ndarray:
    """Y of YCbCr in [0, 1], cropped to a multiple of ``scale``."""
    from PIL import Image

    height, width = (d - d % scale for d in rgb.shape[:2])
    y = Image.fromarray(rgb[:height, :width]).convert("YCbCr").split()[0]
    return np.asarray(y, dtype="float32") / 255.0


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bicubic resize of a [0, 1] float image to (width, height), with PIL."""
    from PIL import Image

    return np.asarray(Image.fromarray(image, mode="F").resize(size, Image.BICUBIC))


def downscale(high: np.ndarray, scale: int) -> np.ndarray:
    """The bicubic low-resolution version of ``high``, ``scale`` times smaller."""
    return resize(high, (high.shape[1] // scale, high.shape[0] // scale))


def patches(
    high: np.ndarray, count: int, rng: np.random.Generator, scale: int, patch: int
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random ``patch``-sized low-resolution patches and their originals."""
    low = downscale(high, scale)
    tops = rng.integers(0, low.shape[0] - patch + 1, count)
    lefts = rng.integers(0, low.shape[1] - patch + 1, count)
    x = np.stack([low[t : t + patch, s : s + patch] for t, s in zip(tops, lefts, strict=True)])
    size = patch * scale
    y = np.stack(
        [
            high[t * scale : t * scale + size, s * scale : s * scale + size]
            for t, s in zip(tops, lefts, strict=True)
        ]
    )
    return x[..., None], y[..., None]


def photos(scale: int) -> dict[str, np.ndarray]:
    """The Y channel of scikit-learn's sample photographs, by name."""
    from pathlib import Path

    datasets = require("sklearn.datasets", "scikit-learn", "vision/super_resolution")
    require("PIL", "pillow", "vision/super_resolution")
    loaded = datasets.load_sample_images()
    names = [Path(f).stem for f in loaded.filenames]
    return {n: luminance(loaded.images[names.index(n)], scale) for n in PHOTOS}


def super_resolution(
    *,
    scale: int = 2,
    patch: int = 17,
    train_photo: str = "china",
    patches_per_split: int = 4096,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    test: float = 0.2,
) -> DataSplits:
    """Low/high-resolution Y patch pairs: ``(patch, patch, 1)`` to ``(patch*scale, ..., 1)``.

    The training patches come from ``train_photo``; validation and test patches from
    the other photograph, never seen in training (``validation`` and ``test`` give
    their counts as fractions of ``patches_per_split``). Patch positions are drawn
    with ``seed``.

    Args:
        scale: the upscaling factor (2, 3, 4, ...).
        patch: the low-resolution patch size (17 in the paper).
        train_photo: ``"china"`` or ``"flower"``.
        patches_per_split: the number of training patches.
        batch_size: examples per batch.
        seed: the seed of the patch positions and of the training shuffle.
        validation: validation patches, as a fraction of ``patches_per_split``.
        test: test patches, as a fraction of ``patches_per_split``.
    """
    for name, value in (
        ("scale", scale),
        ("patch", patch),
        ("patches_per_split", patches_per_split),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ZooError(
                f"vision/super_resolution: {name} is a positive integer. "
                f"Received: {name}={value!r}. Use for example scale=2, patch=17."
            )
    if train_photo not in PHOTOS:
        raise ZooError(
            f"vision/super_resolution trains on one of {', '.join(PHOTOS)}. "
            f"Received: train_photo={train_photo!r}. Use 'china'."
        )
    images = photos(scale)
    held_photo = next(n for n in PHOTOS if n != train_photo)
    rng = np.random.default_rng(seed)
    train = patches(images[train_photo], patches_per_split, rng, scale, patch)
    n_val = round(patches_per_split * validation)
    n_test = round(patches_per_split * test)
    held = patches(images[held_photo], n_val + n_test, rng, scale, patch)
    splits = {
        "train": train,
        "validation": (held[0][:n_val], held[1][:n_val]),
        "test": (held[0][n_val:], held[1][n_val:]),
    }
    return from_arrays(
        splits,
        source="vision/super_resolution",
        arguments={
            "scale": scale,
            "patch": patch,
            "train_photo": train_photo,
            "patches_per_split": patches_per_split,
            "validation": validation,
            "test": test,
        },
        task=SUPER_RESOLUTION,
        batch_size=batch_size,
        seed=seed,
        split={"seed": seed, "train": train_photo, "held_out": held_photo, "stratified": False},
        builder_arguments={"scale": scale, "input_shape": [patch, patch]},
        preprocessing={"color": "Y of YCbCr", "range": [0.0, 1.0], "downscale": "bicubic"},
    )
