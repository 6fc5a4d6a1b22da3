"""The ``keras/mnist`` data source: MNIST through keras.datasets."""

from __future__ import annotations

from zoo.data import DataSplits
from zoo_keras import _common

FILES = ((f"{_common.KERAS_DATASETS_URL}mnist.npz", "datasets/mnist.npz"),)


def mnist(
    *, batch_size: int = 32, seed: int = 0, validation: float = 0.1, rescale: bool = True
) -> DataSplits:
    """MNIST's 60,000 training and 10,000 test digits as 28x28x1 float32 images.

    Loaded by ``keras.datasets.mnist.load_data`` (downloaded once into
    ``$KERAS_HOME/datasets/mnist.npz`` and checked against its hash). ``validation``
    of each class of Keras' training split is held out with a seeded split; Keras' test
    split is the test split.

    Args:
        batch_size: examples per batch.
        seed: the seed of the validation split and of the training shuffle.
        validation: fraction of each class of the training split held out.
        rescale: pixels in [0, 1]; False keeps them in [0, 255] (the applications
            models take those).
    """
    import keras

    _common.check_rescale("keras/mnist", rescale)
    (x_train, y_train), (x_test, y_test) = _common.fetch(
        "keras/mnist", keras.datasets.mnist.load_data, FILES
    )
    return _common.keras_splits(
        (_common.images(x_train, rescale), y_train.astype("int64")),
        (_common.images(x_test, rescale), y_test.astype("int64")),
        source="keras/mnist",
        arguments={"validation": validation, "rescale": rescale},
        task="classification",
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        num_classes=10,
        class_names=[str(c) for c in range(10)],
        builder_arguments={"input_shape": [28, 28, 1], "num_classes": 10},
        preprocessing=_common.image_preprocessing(rescale),
    )
