"""The text plugin's model builders: argument checks, masking, and strings-in models that
train, save as one .keras file and reload with their vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

import zoo

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from test_text_preprocessing import make_corpus  # noqa: E402
from zoo_text.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402
from zoo_text.word_piece_tokenizer import WordPieceTokenizer  # noqa: E402

BUILDERS = ["text/text_classifier", "text/text_cnn", "text/bilstm_classifier"]
SMALL = {
    "text/text_classifier": {"embedding_dim": 8, "hidden_units": 8},
    "text/text_cnn": {"embedding_dim": 8, "kernel_sizes": [2, 3], "filters": 4},
    "text/bilstm_classifier": {"embedding_dim": 8, "lstm_units": 4},
}


@pytest.fixture(scope="module")
def corpus():
    texts, labels = make_corpus(240, seed=1)
    return texts, labels


@pytest.fixture(scope="module")
def tokenizer(corpus):
    layer = WordPieceTokenizer(sequence_length=16, max_vocabulary_size=120, name="tokenizer")
    layer.adapt(corpus[0][:180])
    return layer


# === Argument checks ===


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("text/text_classifier", {"num_classes": 1}, "num_classes is at least 2"),
        ("text/text_classifier", {"dropout": 1.5}, r"dropout is a rate in \[0, 1\)"),
        ("text/text_classifier", {"hidden_units": -1}, "hidden_units is an int >= 0"),
        ("text/text_cnn", {"kernel_sizes": [3, 3]}, "distinct positive ints"),
        ("text/text_cnn", {"sequence_length": 4}, r"every kernel fits.*kernel_sizes=\[3, 4, 5\]"),
        ("text/bilstm_classifier", {"lstm_units": 0}, "lstm_units is a positive int"),
        ("text/bilstm_classifier", {"vocabulary_size": 0}, "vocabulary_size is a positive int"),
    ],
)
def test_bad_builder_arguments_are_refused_before_building(name, overrides, message):
    with pytest.raises(zoo.ZooError, match=message):
        zoo.build(name, **overrides)


def test_mistyped_override_names_the_argument():
    with pytest.raises(zoo.ArgumentError, match="num_class.*Accepted arguments"):
        zoo.build("text/text_classifier", num_class=3)


def test_tokenizer_arguments_are_checked(tokenizer):
    with pytest.raises(zoo.ZooError, match=r"needs a vocabulary.*adapt\(texts\)"):
        zoo.build("text/text_classifier", tokenizer=WordPieceTokenizer())
    with pytest.raises(zoo.ZooError, match="output_mask=False"):
        zoo.build("text/text_classifier", tokenizer=WhitespaceTokenizer(output_mask=True))
    with pytest.raises(zoo.ZooError, match="comes from the tokenizer.*sequence_length=99"):
        zoo.build("text/text_cnn", tokenizer=tokenizer, sequence_length=99)
    with pytest.raises(zoo.ZooError, match="zoo text tokenizer layer.*Received: tokenizer of type"):
        zoo.build("text/bilstm_classifier", tokenizer=keras.layers.TextVectorization())


# === Shapes and masking ===


@pytest.mark.parametrize("name", BUILDERS)
def test_recipe_overrides_set_the_sizes(name):
    model = zoo.build(name, vocabulary_size=50, sequence_length=10, num_classes=4, **SMALL[name])
    assert model.input_shape == (None, 10)
    assert model.output_shape == (None, 4)
    assert model.get_layer("embedding").input_dim == 50
    ids = np.random.default_rng(0).integers(1, 50, size=(3, 10)).astype("int32")
    probabilities = np.asarray(model(ids))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_text_cnn_is_a_dag_of_parallel_branches():
    model = zoo.build(
        "text/text_cnn", vocabulary_size=30, sequence_length=12, **SMALL["text/text_cnn"]
    )
    concat = model.get_layer("concat")
    assert [node.operation.name for node in concat._inbound_nodes[0].parent_nodes] == [
        "max_pool_2",
        "max_pool_3",
    ]
    assert model.get_layer("conv_2").kernel.shape == (2, 8, 4)
    assert model.get_layer("conv_3").kernel.shape == (3, 8, 4)


@pytest.mark.parametrize("name", ["text/text_classifier", "text/bilstm_classifier"])
def test_padding_does_not_change_the_prediction(name):
    short = zoo.build(name, vocabulary_size=30, sequence_length=6, **SMALL[name])
    long = zoo.build(name, vocabulary_size=30, sequence_length=11, **SMALL[name])
    long.set_weights(short.get_weights())
    ids = np.array([[2, 7, 9, 3, 0, 0], [2, 5, 5, 5, 8, 3]], dtype="int32")
    padded = np.pad(ids, [(0, 0), (0, 5)])
    np.testing.assert_allclose(long(padded), short(ids), rtol=1e-5, atol=1e-6)


# === Strings in, probabilities out, in one saved model ===


@pytest.mark.parametrize("name", BUILDERS)
def test_strings_in_probabilities_out_and_saved_whole(name, tokenizer, corpus, tmp_path):
    model = zoo.build(name, tokenizer=tokenizer, num_classes=3, **SMALL[name])
    assert model.input.dtype == "string" and model.get_layer("tokenizer") is tokenizer
    assert model.get_layer("embedding").input_dim == tokenizer.vocabulary_size()
    texts = tf.constant([*corpus[0][180:190], "words the tokenizer never saw: ünïcödé"])
    before = np.asarray(model(texts))
    assert before.shape == (11, 3)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(texts)), before, rtol=1e-6, atol=1e-7)
    assert loaded.get_layer("tokenizer").get_vocabulary() == tokenizer.get_vocabulary()


@pytest.mark.slow
def test_text_classifier_learns_topics_from_raw_strings(corpus, tmp_path):
    texts, labels = corpus
    tokenizer = WhitespaceTokenizer(sequence_length=16, name="tokenizer")
    tokenizer.adapt(texts[:180])
    model = zoo.build(
        "text/text_classifier", tokenizer=tokenizer, num_classes=3, embedding_dim=16, dropout=0.0
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    train = tf.data.Dataset.from_tensor_slices((texts[:180], labels[:180])).shuffle(180, seed=0)
    keras.utils.set_random_seed(0)
    model.fit(train.batch(32), epochs=15, shuffle=False, verbose=0)
    held_out = tf.constant(texts[180:])
    accuracy = float(np.mean(np.argmax(model.predict(held_out, verbose=0), 1) == labels[180:]))
    majority = float(np.max(np.bincount(labels[180:])) / len(labels[180:]))
    assert accuracy >= 0.9 > majority + 0.4

    path = tmp_path / "topics.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        loaded.predict(held_out, verbose=0), model.predict(held_out, verbose=0), rtol=1e-6
    )
