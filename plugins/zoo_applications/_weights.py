"""ImageNet weights of the keras.applications families, through Keras' own download.

Each family's files are the ones ``keras.applications`` itself fetches: the same URL,
the same file name in the same cache (``$KERAS_HOME/models/``, by default
``~/.keras/models/``) and the same hash, checked by ``keras.utils.get_file``. A file
already in the cache with the right hash is used without a network; a user without one
places the file there by hand, as the error message says.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import zoo

#: Where keras.applications keeps its weight files (``keras.utils.get_file``'s
#: ``origin``'s folder). Tests point it at a local server.
BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class WeightsFile:
    """One weights file: its folder under `BASE_URL`, its file name and its hash."""

    folder: str
    file_name: str
    file_hash: str  # md5 (32 hex digits) or sha256 (64), as Keras' own table has it

    @property
    def url(self) -> str:
        return f"{BASE_URL}{self.folder}/{self.file_name}"


#: family -> (with the ImageNet classifier, without it), copied from keras.applications.
WEIGHTS: dict[str, tuple[WeightsFile, WeightsFile]] = {
    "vgg16": (
        WeightsFile(
            "vgg16",
            "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            "64373286793e3c8b2b4e3219cbf3544b",
        ),
        WeightsFile(
            "vgg16",
            "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "6d6bbae143d832006294945121d1f1fc",
        ),
    ),
    "resnet50_v2": (
        WeightsFile(
            "resnet",
            "resnet50v2_weights_tf_dim_ordering_tf_kernels.h5",
            "3ef43a0b657b3be2300d5770ece849e0",
        ),
        WeightsFile(
            "resnet",
            "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "fac2f116257151a9d068a22e544a4917",
        ),
    ),
    "mobilenet_v3_small": (
        WeightsFile(
            "mobilenet_v3",
            "weights_mobilenet_v3_small_224_1.0_float.h5",
            "8768d4c2e7dee89b9d02b2d03d65d862",
        ),
        WeightsFile(
            "mobilenet_v3",
            "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
            "d3e8ec802a04aa4fc771ee12a9a9b836",
        ),
    ),
    "mobilenet_v3_large": (
        WeightsFile(
            "mobilenet_v3",
            "weights_mobilenet_v3_large_224_1.0_float.h5",
            "59e551e166be033d707958cf9e29a6a7",
        ),
        WeightsFile(
            "mobilenet_v3",
            "weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5",
            "07fb09a5933dd0c8eaafa16978110389",
        ),
    ),
    "efficientnet_v2_b0": (
        WeightsFile("efficientnet_v2", "efficientnetv2-b0.h5", "21ecbf6da12460d5c40bb2f29ceb2188"),
        WeightsFile(
            "efficientnet_v2", "efficientnetv2-b0_notop.h5", "893217f2bb855e2983157299931e43ff"
        ),
    ),
    "convnext_tiny": (
        WeightsFile(
            "convnext",
            "convnext_tiny.h5",
            "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        ),
        WeightsFile(
            "convnext",
            "convnext_tiny_notop.h5",
            "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
        ),
    ),
}


def keras_home() -> str:
    """Keras' cache folder: ``$KERAS_HOME``, else ``~/.keras`` (what get_file uses)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def imagenet_weights(family: str, include_top: bool) -> str:
    """The local path of ``family``'s ImageNet weights, downloaded and checked on first use.

    Raises one `zoo.ZooError` naming the URL and the cache file when the download or
    the hash check fails (no network, a proxy's error page, a truncated file).
    """
    import keras

    entry = WEIGHTS[family][0 if include_top else 1]
    home = keras_home()
    cache_file = os.path.join(home, "models", entry.file_name)
    # Keras makes its home when it is imported; one named since then is made here, or
    # get_file would fall back to /tmp/.keras for a folder it cannot write to.
    try:
        os.makedirs(home, exist_ok=True)
        return keras.utils.get_file(
            entry.file_name,
            entry.url,
            cache_subdir="models",
            file_hash=entry.file_hash,
            cache_dir=home,
        )
    except Exception as error:  # Keras raises a bare Exception for a failed fetch
        raise zoo.ZooError(
            f"{family}'s ImageNet weights are downloaded once by Keras and checked against "
            f"their hash. Received: {_one_line(error)} Place the file from {entry.url} at "
            f"{cache_file} (the cache of KERAS_HOME, by default ~/.keras), or build with "
            "pretrained=None for fresh weights."
        ) from error


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if type(error) is not Exception:  # Keras' failed fetch; anything else says its type
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text if text.endswith(".") else text + "."
