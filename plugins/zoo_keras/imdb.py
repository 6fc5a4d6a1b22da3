"""The ``keras/imdb`` data source: the IMDB reviews through keras.datasets."""

from __future__ import annotations

import functools

import zoo
from zoo.data import DataSplits
from zoo_keras import _common

FILES = ((f"{_common.KERAS_DATASETS_URL}imdb.npz", "datasets/imdb.npz"),)


def imdb(
    *,
    batch_size: int = 32,
    seed: int = 0,
    validation: float = 0.1,
    vocabulary_size: int = 20000,
    sequence_length: int = 256,
) -> DataSplits:
    """The 25,000 training and 25,000 test IMDB reviews as padded word-id sequences.

    Loaded by ``keras.datasets.imdb.load_data`` (downloaded once into
    ``$KERAS_HOME/datasets/imdb.npz`` and checked against its hash) with Keras' own
    encoding: words by frequency from id 3, 1 starts a review, 2 is a word outside the
    vocabulary, 0 pads. Each review is padded or cut to ``sequence_length`` ids at its
    start (``keras.utils.pad_sequences``' default), so a review keeps its end.
    ``validation`` of each class of Keras' training split is held out with a seeded
    split; Keras' test split is the test split. Labels: 0 negative, 1 positive.

    Args:
        batch_size: examples per batch.
        seed: the seed of the validation split and of the training shuffle.
        validation: fraction of each class of the training split held out.
        vocabulary_size: the ids kept (Keras' ``num_words``); rarer words become 2.
        sequence_length: ids per review after padding or cutting.
    """
    import keras

    for name, value in (("vocabulary_size", vocabulary_size), ("sequence_length", sequence_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 4:
            raise zoo.ArgumentError(
                f"keras/imdb: {name} is an integer of at least 4. Received: "
                f"{name}={value!r}. Pass for example {name}=20000."
            )
    load = functools.partial(keras.datasets.imdb.load_data, num_words=vocabulary_size)
    (x_train, y_train), (x_test, y_test) = _common.fetch("keras/imdb", load, FILES)

    def pad(sequences):
        return keras.utils.pad_sequences(sequences, maxlen=sequence_length, dtype="int32")

    return _common.keras_splits(
        (pad(x_train), y_train.astype("int64")),
        (pad(x_test), y_test.astype("int64")),
        source="keras/imdb",
        arguments={
            "validation": validation,
            "vocabulary_size": vocabulary_size,
            "sequence_length": sequence_length,
        },
        task="classification",
        batch_size=batch_size,
        seed=seed,
        validation=validation,
        num_classes=2,
        class_names=("negative", "positive"),
        builder_arguments={
            "vocabulary_size": vocabulary_size,
            "sequence_length": sequence_length,
            "num_classes": 2,
        },
        preprocessing={
            "encoding": "keras.datasets.imdb: start 1, out of vocabulary 2, words from 3",
            "vocabulary_size": vocabulary_size,
            "sequence_length": sequence_length,
            "padding": "pre",
            "truncating": "pre",
        },
    )
