"""The text plugin's preprocessors against references written from their definitions,
against tensorflow-text's own tokenizer and vocabulary learner, in tf.data and in a model,
and through .keras files that must carry the vocabulary."""

from __future__ import annotations

import json
import os
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

tf = pytest.importorskip("tensorflow")
tf_text = pytest.importorskip("tensorflow_text")
keras = pytest.importorskip("keras")

from zoo_text._tokenizer import SPECIAL_TOKENS  # noqa: E402
from zoo_text.text_standardizer import TextStandardizer, standardize  # noqa: E402
from zoo_text.unicode_script_tokenizer import UnicodeScriptTokenizer  # noqa: E402
from zoo_text.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402
from zoo_text.word_piece_tokenizer import WordPieceTokenizer  # noqa: E402

TOKENIZERS = [WhitespaceTokenizer, UnicodeScriptTokenizer, WordPieceTokenizer]
PAD, UNK, CLS, SEP = SPECIAL_TOKENS


# === References, written from the definitions ===

# Han, Hiragana, Katakana letters only: the alphabet the property test draws from.
_CJK_RANGES = [(0x3041, 0x3096), (0x30A1, 0x30FA), (0x3400, 0x4DBF), (0x4E00, 0x9FFF)]


def _is_cjk(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _CJK_RANGES)


def py_standardize(text: str) -> str:
    """NFKC, lowercase, punctuation (category P*) to a space, spaces around CJK letters."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return "".join(f" {c} " if _is_cjk(c) else c for c in text)


def py_word_ids(text: str, vocabulary: list[str], length: int, specials: bool = True):
    """Whitespace words, looked up, framed by [CLS]/[SEP], truncated, padded with [PAD]."""
    index = {token: i for i, token in enumerate(vocabulary)}
    ids = [index.get(word, index[UNK]) for word in py_standardize(text).split()]
    ids = [index[UNK] if i == index[PAD] else i for i in ids]
    if specials:
        ids = [index[CLS], *ids[: length - 2], index[SEP]]
    ids = ids[:length]
    return ids + [index[PAD]] * (length - len(ids))


def make_corpus(n: int = 120, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Three topics, each with its own keywords, over shared filler words."""
    rng = np.random.default_rng(seed)
    topics = [
        ["kernel", "compiler", "linux", "program", "bytes", "debugger"],
        ["planet", "orbit", "galaxy", "telescope", "comet", "gravity"],
        ["butter", "recipe", "oven", "garlic", "noodles", "baking"],
    ]
    filler = ["the", "a", "is", "of", "and", "my", "very", "today", "again", "we"]
    texts, labels = [], []
    for i in range(n):
        label = i % 3
        words = list(rng.choice(filler, size=rng.integers(3, 9)))
        words += list(rng.choice(topics[label], size=rng.integers(1, 4)))
        rng.shuffle(words)
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.capitalize() + rng.choice(["!", ".", "?", "..."])
        texts.append(text)
        labels.append(label)
    return texts, np.array(labels)


CORPUS, _ = make_corpus()
VOCABULARY = [PAD, UNK, CLS, SEP, "the", "cat", "sat", "on", "mat", "dog", "你", "好"]


def _ids(output):
    return np.asarray(output["token_ids"] if isinstance(output, dict) else output)


# === TextStandardizer ===


def test_standardizer_steps_on_known_cases():
    layer = TextStandardizer()
    out = layer(
        np.array(["Héllo, WORLD!", "\ufb01ne \uff21\uff22\uff23\uff11", "你好世界", "don't-stop"])
    )
    assert [s.decode() for s in out.numpy()] == [
        "héllo  world ",
        "fine abc1",
        " 你  好  世  界 ",
        "don t stop",
    ]


_ALPHABET = (
    "abcXYZ éÉüÜçÇ 0123 \t\n"
    "\ufb01\ufb02 \uff21\uff22\uff11\uff12 \u216b"  # ligatures, full-width, roman numeral
    ",.!?;:'\"-()[]{}«»¿¡"
    "你好世界中文 ひらがな カタカナ"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=5))
def test_standardizer_matches_python_reference(texts):
    out = TextStandardizer()(np.array(texts, dtype=object))
    assert [s.decode("utf-8") for s in out.numpy()] == [py_standardize(t) for t in texts]


def test_standardizer_steps_can_be_turned_off():
    text = np.array(["\uff28\uff49, 你好"])  # full-width "Hi"
    assert TextStandardizer(normalization=None, split_cjk=False)(text).numpy()[0].decode() == (
        "\uff48\uff49  你好"
    )
    assert TextStandardizer(lowercase=False, strip_punctuation=False, split_cjk=False)(
        text
    ).numpy()[0].decode() == ("Hi, 你好")


def test_standardizer_keeps_the_input_shape_and_works_in_tf_data():
    layer = TextStandardizer()
    texts = np.array([["A, b"], ["C!"]])
    assert layer(texts).shape == (2, 1)
    dataset = tf.data.Dataset.from_tensor_slices(texts.ravel()).map(layer)
    assert [s.decode() for s in dataset.as_numpy_iterator()] == ["a  b", "c "]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"normalization": "NFX"}, "normalization is None or one of NFC"),
        ({"lowercase": "yes"}, "lowercase is True or False. Received: lowercase='yes'"),
    ],
)
def test_standardizer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TextStandardizer(**kwargs)


def test_standardizer_rejects_numbers():
    with pytest.raises(ValueError, match="takes a string tensor. Received: dtype=int"):
        TextStandardizer()(np.array([1, 2]))


# === Word tokenizers ===


def test_whitespace_tokenizer_matches_python_reference():
    tokenizer = WhitespaceTokenizer(VOCABULARY, sequence_length=6)
    texts = ["The cat sat on the mat.", "DOG! 你好", "", "a b c d e f g the", "[PAD] cat"]
    out = tokenizer(np.array(texts)).numpy()
    expected = [py_word_ids(t, VOCABULARY, 6) for t in texts]
    assert out.tolist() == expected
    assert out.dtype == np.int32
    # Truncation keeps [SEP] last; "" is [CLS] [SEP] and padding.
    assert out[3].tolist()[-1] == VOCABULARY.index(SEP)
    assert out[2].tolist() == [2, 3, 0, 0, 0, 0]


def test_literal_special_token_in_text_never_becomes_padding():
    tokenizer = WhitespaceTokenizer(
        VOCABULARY, sequence_length=4, standardize=False, add_special_tokens=False
    )
    assert tokenizer(np.array(["[PAD] cat [CLS]"])).numpy().tolist() == [[1, 5, 2, 0]]


def test_adapt_keeps_the_most_frequent_words_ties_alphabetical():
    texts = ["b a c", "a b", "a d", "e"]
    tokenizer = WhitespaceTokenizer(max_vocabulary_size=7)
    tokenizer.adapt(texts)
    assert tokenizer.get_vocabulary() == [*SPECIAL_TOKENS, "a", "b", "c"]
    assert tokenizer.get_config()["vocabulary"] is None
    batched = tf.data.Dataset.from_tensor_slices(texts).batch(3)
    other = WhitespaceTokenizer(max_vocabulary_size=7)
    other.adapt(batched)
    assert other.get_vocabulary() == tokenizer.get_vocabulary()


def test_unicode_script_tokenizer_splits_where_the_script_changes():
    tokenizer = UnicodeScriptTokenizer(
        sequence_length=8, standardize=False, add_special_tokens=False
    )
    tokenizer.adapt(["abc你好123 déjà"])
    assert tokenizer.get_vocabulary()[4:] == ["123", "abc", "déjà", "你好"]
    ids = tokenizer(np.array(["你好abc 123 x,déjà"])).numpy().tolist()
    vocab = tokenizer.get_vocabulary()
    expected = ["你好", "abc", "123", "[UNK]", "[UNK]", "déjà", "[PAD]", "[PAD]"]
    assert ids == [[vocab.index(token) for token in expected]]


@pytest.mark.parametrize("cls", TOKENIZERS)
def test_output_mask_marks_the_real_tokens(cls):
    tokenizer = cls(sequence_length=10, output_mask=True)
    tokenizer.adapt(CORPUS)
    out = tokenizer(np.array(CORPUS[:8]))
    assert sorted(out) == ["padding_mask", "token_ids"]
    mask, ids = out["padding_mask"].numpy(), out["token_ids"].numpy()
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, ids != 0)


@pytest.mark.parametrize("cls", TOKENIZERS)
def test_scalar_and_column_inputs(cls):
    tokenizer = cls(sequence_length=7)
    tokenizer.adapt(CORPUS)
    batch = tokenizer(np.array(CORPUS[:3])).numpy()
    np.testing.assert_array_equal(tokenizer(np.array(CORPUS[:3])[:, None]).numpy(), batch)
    np.testing.assert_array_equal(tokenizer(tf.constant(CORPUS[1])).numpy(), batch[1])


# === WordPiece ===


def test_wordpiece_known_ids_and_detokenize():
    vocabulary = [PAD, UNK, CLS, SEP, "play", "##ing", "##ed", "fun"]
    tokenizer = WordPieceTokenizer(vocabulary, sequence_length=8)
    ids = tokenizer(np.array(["Playing, played: FUN!", "zzz fun"]))
    assert ids.numpy().tolist() == [[2, 4, 5, 4, 6, 7, 3, 0], [2, 1, 7, 3, 0, 0, 0, 0]]
    assert tokenizer.detokenize(ids).numpy().tolist() == [b"playing played fun", b"[UNK] fun"]


def test_wordpiece_matches_tensorflow_text_bert_tokenizer(tmp_path):
    tokenizer = WordPieceTokenizer(
        max_vocabulary_size=60, sequence_length=64, add_special_tokens=False
    )
    tokenizer.adapt(CORPUS)
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(tokenizer.get_vocabulary()) + "\n", encoding="utf-8")
    # The classic (non-fast) implementation: BasicTokenizer + WordpieceTokenizer.
    bert = tf_text.BertTokenizer(
        str(vocab_file), token_out_type=tf.int32, lower_case=False, unknown_token=UNK
    )
    texts = [*CORPUS[:40], "ζeta unknown", "x" * 120, "", "Compilers!!! and, kernels"]
    expected = bert.tokenize(standardize(tf.constant(texts))).merge_dims(-2, -1)
    out = tokenizer(np.array(texts)).numpy()
    for row, reference in zip(out, expected.to_list()):
        assert row[: len(reference)].tolist() == reference
        assert not row[len(reference) :].any()


def test_wordpiece_vocabulary_is_tensorflow_texts_bert_vocab_from_dataset():
    from tensorflow_text.tools.wordpiece_vocab.bert_vocab_from_dataset import (
        bert_vocab_from_dataset,
    )

    tokenizer = WordPieceTokenizer(max_vocabulary_size=100)
    tokenizer.adapt(CORPUS)
    standardized = tf.data.Dataset.from_tensor_slices(CORPUS).batch(32).map(standardize)
    reference = bert_vocab_from_dataset(
        standardized,
        vocab_size=100,
        reserved_tokens=list(SPECIAL_TOKENS),
        bert_tokenizer_params={"lower_case": False},
        learn_params={"lower_thresh": 1},
    )
    assert tokenizer.get_vocabulary() == reference
    assert "telescope" in reference and len(reference) <= 100  # whole words make it in


def test_wordpiece_vocabulary_is_cut_to_size_keeping_every_character():
    from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdef"), size=rng.integers(2, 7))) for _ in range(400)]
    texts = [" ".join(rng.choice(words, size=8)) for _ in range(300)]
    counts = {}
    for word in " ".join(texts).split():
        counts[word] = counts.get(word, 0) + 1
    learned = learner.learn(counts.items(), 150, list(SPECIAL_TOKENS), lower_thresh=1)
    assert len(learned) > 150  # the learner's search overshoots here

    tokenizer = WordPieceTokenizer(max_vocabulary_size=150, add_special_tokens=False)
    tokenizer.adapt(texts)
    vocabulary = tokenizer.get_vocabulary()
    assert len(vocabulary) == 150
    assert set("abcdef") | {f"##{c}" for c in "abcdef"} <= set(vocabulary)
    assert vocabulary == [t for t in learned if t in set(vocabulary)]  # order kept
    dropped = [t for t in learned if t not in set(vocabulary)]
    assert dropped == learned[-len(dropped) :]  # the least frequent pieces went
    ids = tokenizer(np.array(texts[:20])).numpy()
    assert not (ids == vocabulary.index(UNK)).any()


# === Same ids in tf.data and in a model ===


# UnicodeScriptTokenizer's graph is large (tensorflow-text builds it from ~1900 ops), so
# tracing it takes seconds on a busy 2-core machine.
_TRACED = [
    WhitespaceTokenizer,
    pytest.param(UnicodeScriptTokenizer, marks=pytest.mark.slow),
    WordPieceTokenizer,
]


@pytest.mark.parametrize("cls", _TRACED)
def test_same_ids_in_tf_data_and_in_a_model(cls):
    tokenizer = cls(sequence_length=12)
    tokenizer.adapt(CORPUS[:60])
    texts = [*CORPUS[60:90], "Totally unseen words ünïcödé 你好", ""]
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, tokenizer(inputs))
    in_model = model.predict(tf.constant(texts), batch_size=16, verbose=0)
    batched = tf.data.Dataset.from_tensor_slices(texts).batch(7).map(tokenizer)
    np.testing.assert_array_equal(np.concatenate(list(batched.as_numpy_iterator())), in_model)
    np.testing.assert_array_equal(model(tf.constant(texts)), in_model)  # eager, too
    assert in_model.dtype == np.int32 and in_model.shape == (len(texts), 12)


def test_same_ids_when_mapping_single_texts():
    tokenizer = WordPieceTokenizer(sequence_length=12, output_mask=True)
    tokenizer.adapt(CORPUS[:60])
    texts = [*CORPUS[60:70], ""]
    one_by_one = list(tf.data.Dataset.from_tensor_slices(texts).map(tokenizer))
    batch = tokenizer(tf.constant(texts))
    for key in ("token_ids", "padding_mask"):
        np.testing.assert_array_equal(np.stack([o[key] for o in one_by_one]), batch[key])


# === The vocabulary travels inside the .keras file ===


def _string_model(tokenizer):
    inputs = keras.Input(shape=(), dtype="string")
    return keras.Model(inputs, tokenizer(inputs))


@pytest.mark.parametrize("cls", TOKENIZERS)
def test_saved_model_needs_no_vocabulary_file(cls, tmp_path):
    learned = cls(max_vocabulary_size=50)
    learned.adapt(CORPUS)
    vocab_file = tmp_path / "vocab" / "vocabulary.txt"
    vocab_file.parent.mkdir()
    vocab_file.write_text("\n".join(learned.get_vocabulary()), encoding="utf-8")

    tokenizer = cls(str(vocab_file), sequence_length=16, output_mask=True)
    assert tokenizer.get_config()["vocabulary"] is None  # a path is never stored
    model = _string_model(tokenizer)
    texts = tf.constant([*CORPUS[:5], "never seen before"])
    before = model(texts)
    path = tmp_path / "tokenizer.keras"
    model.save(path)
    vocab_file.unlink()
    vocab_file.parent.rmdir()

    with zipfile.ZipFile(path) as archive:
        assets = [n for n in archive.namelist() if n.startswith("assets/")]
        assert len(assets) == 1 and assets[0].endswith("/vocabulary.txt")
        stored = archive.read(assets[0]).decode("utf-8").splitlines()
        config = archive.read("config.json").decode("utf-8")
    assert stored == learned.get_vocabulary()
    assert str(tmp_path) not in config

    loaded = keras.saving.load_model(path, safe_mode=True)
    after = loaded(texts)
    for key in ("token_ids", "padding_mask"):
        np.testing.assert_array_equal(after[key], before[key])
    restored = loaded.layers[1]
    assert type(restored) is cls
    assert restored.get_vocabulary() == learned.get_vocabulary()


def test_inline_vocabulary_stays_in_the_config_and_round_trips():
    tokenizer = WhitespaceTokenizer(VOCABULARY, sequence_length=5)
    config = tokenizer.get_config()
    assert config["vocabulary"] == VOCABULARY
    clone = WhitespaceTokenizer.from_config(json.loads(json.dumps(config)))
    texts = np.array(["the dog sat", "mat mat mat mat"])
    np.testing.assert_array_equal(clone(texts), tokenizer(texts))


# === Errors ===


@pytest.mark.parametrize(
    ("vocabulary", "message"),
    [
        (
            ["[UNK]", "[PAD]", "[CLS]", "[SEP]"],
            r"starts with \[PAD\].*Received: first token '\[UNK\]'",
        ),
        ([PAD, UNK, CLS, SEP, "a", "a"], "unique.*Received: 'a' 2 times"),
        ([PAD, UNK, "a"], r"without \[CLS\], \[SEP\]"),
        ([PAD, UNK, CLS, SEP, "a\nb"], "without line breaks. Received: 'a\\\\nb'"),
        ([PAD, UNK, CLS, SEP, ""], "non-empty strings"),
        (42, "list of tokens or a file path. Received: vocabulary of type int"),
    ],
)
@pytest.mark.parametrize("cls", TOKENIZERS)
def test_bad_vocabularies_are_refused(cls, vocabulary, message):
    with pytest.raises(ValueError, match=message):
        cls(vocabulary)


def test_special_tokens_needed_only_when_added():
    tokenizer = WhitespaceTokenizer([PAD, UNK, "a"], sequence_length=3, add_special_tokens=False)
    assert tokenizer(np.array(["a b"])).numpy().tolist() == [[2, 1, 0]]


def test_missing_vocabulary_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(ValueError, match="vocabulary file must exist.*nope.txt"):
        WordPieceTokenizer(os.fspath(missing))


@pytest.mark.parametrize("cls", TOKENIZERS)
def test_tokenizing_without_a_vocabulary_says_to_adapt(cls):
    with pytest.raises(ValueError, match=r"needs a vocabulary.*adapt\(texts\)"):
        cls()(np.array(["hello"]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sequence_length": 0}, "sequence_length is a positive int.*Received: sequence_length=0"),
        ({"sequence_length": 2}, "at least 3"),
        ({"max_vocabulary_size": 4}, "max_vocabulary_size is an int above 4"),
        ({"output_mask": 1}, "output_mask is True or False"),
    ],
)
def test_bad_tokenizer_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        WhitespaceTokenizer(**kwargs)


def test_bad_inputs():
    tokenizer = WhitespaceTokenizer(VOCABULARY)
    with pytest.raises(ValueError, match="takes a string tensor"):
        tokenizer(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"one text per example.*Received: shape=\(1, 2, 1\)"):
        tokenizer(np.array([[["a"], ["b"]]]))
    with pytest.raises(ValueError, match="non-empty list of strings"):
        tokenizer.adapt([])
    with pytest.raises(ValueError, match="dataset of strings"):
        tokenizer.adapt(tf.data.Dataset.from_tensor_slices((["a"], [1])))


def test_vocabulary_file_reader_handles_trailing_newline(tmp_path):
    path = Path(tmp_path) / "v.txt"
    path.write_text("\n".join(VOCABULARY) + "\n", encoding="utf-8")
    assert WhitespaceTokenizer(path).get_vocabulary() == VOCABULARY
