"""The ``keras/cifar10`` data source: CIFAR-10 through keras.datasets."""

from __future__ import annotations

from zoo.data import DataSplits
from zoo_keras import _common

FILES = (
    (
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "datasets/cifar-10-batches-py-target_archive",
    ),
)
CLASS_NAMES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def cifar10(
    *, batch_size: int = 32, seed: int = 0, validation: float = 0.1, rescale: bool = True
) -> DataSplits:
    """CIFAR-10's 50,000 training and 10,000 test images as 32x32x3 float32 images.

    Loaded by ``keras.datasets.cifar10.load_data`` (the archive downloaded once into
    ``$KERAS_HOME/datasets/``, checked against its hash and extracted beside it).
    ``validation`` of each class of Keras' training split is held out with a seeded
    split; Keras' test split is the test split.

    Args:
        batch_size: examples per batch.
        seed: the seed of the validation split and of the training shuffle.
        validation: fraction of each class of the training split held out.
        rescale: pixels in [0, 1]; False keeps them in [0, 255] (the applications
            models take those: ``zoo.fit("vgg16_transfer", "keras/cifar10", ...)`` with
            ``rescale=False`` and ``input_shape=[32, 32, 3]``).
    """
    import keras

    _common.check_rescale("keras/cifar10", rescale)
    (x_train, y_train), (x_test, y_test) = _common.fetch(
        "keras/cifar10", keras.datasets.cifar10.load_data, FILES
    )
    return _common.keras_splits(
        (_common.images(x_train, rescale), y_train.reshape(-1).astype("int64")),
        (_common.images(x_test, rescale), y_test.reshape(-1).astype("int64")),
        source="keras/cifar10",
        arguments={"validation": validation, "rescale": rescale},
        task="classification",
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        num_classes=10,
        class_names=CLASS_NAMES,
        builder_arguments={"input_shape": [32, 32, 3], "num_classes": 10},
        preprocessing=_common.image_preprocessing(rescale),
    )
