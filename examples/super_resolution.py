"""Super-resolution x2 with ESPCN on scikit-learn's two sample photographs, offline.

scikit-learn ships two real photographs (``load_sample_images``: ``china.jpg`` and
``flower.jpg``, 427x640 each). ESPCN (``vision/espcn_x2``, Shi et al. 2016; about 21k
weights) is trained on patches of one of them and evaluated on the other, which it has
never seen, against bicubic upsampling:

- as in the paper, it works on the luminance (Y of YCbCr, scaled to [0, 1]); the
  low-resolution image is the high-resolution one downscaled by 2 with bicubic
  interpolation (PIL);
- training pairs are random 17x17 low-resolution patches and their 34x34 originals;
- the model is built for any input size (``input_shape=[None, None]``), so it is
  trained on patches and applied to the whole held-out image;
- PSNR (``vision/PSNR``) and SSIM (``vision/SSIM``) are measured on Y, without a
  border of ``scale`` pixels (the usual protocol), for ESPCN and for bicubic.

    .venv/bin/python examples/super_resolution.py                 # ~3-4 minutes on 2 CPUs
    .venv/bin/python examples/super_resolution.py --train flower  # swap the images
    .venv/bin/python examples/super_resolution.py --save-images out/

It exits with status 1 if ESPCN does not beat bicubic on the held-out image.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
from PIL import Image
from sklearn.datasets import load_sample_images
from zoo_vision import super_resolution  # the vision/super_resolution source's helpers

import zoo

SCALE = 2
PATCH = 17  # low-resolution patch size, as in the paper


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Y of YCbCr in [0, 1], cropped to a multiple of SCALE."""
    return super_resolution.luminance(rgb, SCALE)


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bicubic resize of a [0, 1] float image to (width, height), with PIL."""
    return super_resolution.resize(image, size)


def downscale(high: np.ndarray) -> np.ndarray:
    return super_resolution.downscale(high, SCALE)


def patches(high: np.ndarray, count: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    return super_resolution.patches(high, count, rng, SCALE, PATCH)


def score(metric_name: str, reference: np.ndarray, estimate: np.ndarray) -> float:
    """A zoo metric on one image, without a SCALE-pixel border."""
    shave = (slice(SCALE, -SCALE), slice(SCALE, -SCALE))
    metric = zoo.get(metric_name)(max_val=1.0)
    metric.update_state(reference[shave][None, ..., None], estimate[shave][None, ..., None])
    return float(metric.result())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", choices=["china", "flower"], default="china")
    parser.add_argument("--patches", type=int, default=4096, help="training patches")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-images", metavar="FOLDER", help="write the held-out results")
    parser.add_argument("--json", metavar="PATH", help="write the figures as JSON")
    args = parser.parse_args()

    photos = load_sample_images()
    names = [Path(f).stem for f in photos.filenames]
    train_name = args.train
    test_name = next(n for n in names if n != train_name)
    train = luminance(photos.images[names.index(train_name)])
    test = luminance(photos.images[names.index(test_name)])

    rng = np.random.default_rng(args.seed)
    keras.utils.set_random_seed(args.seed)
    x, y = patches(train, args.patches, rng)
    model = zoo.build("espcn_x2", input_shape=[None, None])
    steps = args.epochs * -(-len(x) // args.batch_size)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(args.learning_rate, steps)
        ),
        loss="mse",
    )
    print(
        f"espcn_x2: {model.count_params():,} weights; training on {len(x)} {PATCH}x{PATCH} "
        f"patches of {train_name}.jpg, evaluating on {test_name}.jpg ({test.shape[1]}x"
        f"{test.shape[0]}, never seen)"
    )
    started = time.perf_counter()
    model.fit(x, y, epochs=args.epochs, batch_size=args.batch_size, verbose=2)
    training = time.perf_counter() - started

    low = downscale(test)
    bicubic = resize(low, (test.shape[1], test.shape[0]))
    espcn = np.clip(model.predict(low[None, ..., None], verbose=0)[0, ..., 0], 0.0, 1.0)
    rows = {
        "bicubic": {"psnr": score("vision/PSNR", test, bicubic)},
        "espcn": {"psnr": score("vision/PSNR", test, espcn)},
    }
    rows["bicubic"]["ssim"] = score("vision/SSIM", test, bicubic)
    rows["espcn"]["ssim"] = score("vision/SSIM", test, espcn)
    gain = rows["espcn"]["psnr"] - rows["bicubic"]["psnr"]

    print(f"\nheld-out {test_name}.jpg, x{SCALE}, Y channel, {SCALE}-pixel border shaved")
    print(f"{'method':<10}{'PSNR (dB)':>11}{'SSIM':>9}")
    for method, figures in rows.items():
        print(f"{method:<10}{figures['psnr']:>11.2f}{figures['ssim']:>9.4f}")
    print(f"ESPCN - bicubic: {gain:+.2f} dB; training {training:.0f} s")

    if args.save_images:
        folder = Path(args.save_images)
        folder.mkdir(parents=True, exist_ok=True)
        for label, image in (("original", test), ("bicubic", bicubic), ("espcn", espcn)):
            Image.fromarray(np.uint8(np.round(image * 255))).save(
                folder / f"{test_name}_{label}.png"
            )
        print(f"images written to {folder}")
    if args.json:
        summary = {"train": train_name, "test": test_name, "scale": SCALE, **rows}
        Path(args.json).write_text(json.dumps({**summary, "gain_db": gain}, indent=2))
    if gain <= 0:
        print("error: ESPCN did not beat bicubic upsampling")
        return 1
    return 0


if __name__ == "__main__":
    # `python example.py > log` shows each line as it is printed, as a terminal does.
    sys.stdout.reconfigure(line_buffering=True)
    raise SystemExit(main())
