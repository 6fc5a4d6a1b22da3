"""keras-zoo first-party plugin ``text``: text preprocessors and text classifiers.

Declares specs only; the implementations (which import TensorFlow and tensorflow-text)
are imported on first use.

- preprocessors (TensorFlow only, usable in ``tf.data`` and inside a model):
  ``TextStandardizer``, ``WhitespaceTokenizer``, ``UnicodeScriptTokenizer``,
  ``WordPieceTokenizer``;
- model builders (every backend for token ids; raw strings need a tokenizer, hence
  TensorFlow): ``text_classifier``, ``text_cnn``, ``bilstm_classifier``. Their recipes
  live in ``registry.toml`` under ``# === text ===``.
"""

import zoo

_VOCABULARY = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "the",
    "cat",
    "sat",
    "on",
    "mat",
    "dog",
    "你",
    "好",
]
_WORDPIECE_VOCABULARY = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "the",
    "cat",
    "play",
    "##ing",
    "##ed",
    "##s",
    "on",
    "mat",
    "你",
]
_TEXTS = ["The cat sat on the mat.", "DOG! 你好, the dog", "", "playing cats played on"]
_TOKENIZER_TARGET = "zoo_text.{module}:{name}"


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


def _tokenizer_spec(name, module, summary, vocabulary, tags, kwargs=None):
    return zoo.ComponentSpec(
        name,
        kind="preprocessor",
        target=_TOKENIZER_TARGET.format(module=module, name=name),
        summary=summary,
        tags=("text", "tokenizer", *tags),
        backends=("tensorflow",),
        example={
            "kwargs": {"vocabulary": vocabulary, "sequence_length": 8, **(kwargs or {})},
            "inputs": _TEXTS,
        },
    )


def _builder_spec(name, summary, tags, kwargs):
    return zoo.ComponentSpec(
        name,
        kind="model",
        target=f"zoo_text.{name}:{name}",
        summary=summary,
        tags=("text", "classification", *tags, "export:saved_model"),
        example={
            "kwargs": {"vocabulary_size": 30, "sequence_length": 8, "num_classes": 3, **kwargs},
            "input_range": [0, 30],
        },
        training={
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            "optimizer": "adam",
            "learning_rate": 1e-3,
            "monitor": "val_accuracy",
            "mode": "max",
            "batch_size": 32,
            "epochs": 20,
        },
    )


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "TextStandardizer",
            kind="preprocessor",
            target="zoo_text.text_standardizer:TextStandardizer",
            summary="NFKC normalization, lowercasing, punctuation stripping, CJK splitting.",
            tags=("text", "standardization"),
            backends=("tensorflow",),
            example={"inputs": ["Héllo, WORLD!", "ﬁne 你好世界", ""]},
        )
    )
    register(
        _tokenizer_spec(
            "WhitespaceTokenizer",
            "whitespace_tokenizer",
            "Word ids from a whitespace split, padded to a fixed length, [CLS]/[SEP]/[UNK].",
            _VOCABULARY,
            ("word", "export:saved_model"),
        )
    )
    register(
        _tokenizer_spec(
            "UnicodeScriptTokenizer",
            "unicode_script_tokenizer",
            "Word ids from a split on Unicode script changes, padded to a fixed length.",
            _VOCABULARY,
            # It exports to SavedModel too, but tracing tensorflow-text's ~1900-op
            # script split makes the kit's export check take ~8 s: not claimed here.
            ("word",),
            {"output_mask": True},
        )
    )
    register(
        _tokenizer_spec(
            "WordPieceTokenizer",
            "word_piece_tokenizer",
            "Subword ids from tensorflow-text's FastWordpiece; vocabulary learned by adapt().",
            _WORDPIECE_VOCABULARY,
            ("subword", "wordpiece", "export:saved_model"),
        )
    )
    register(
        _builder_spec(
            "text_classifier",
            "Embedding, global average pooling, dense head: the classic IMDB model.",
            ("bag-of-embeddings",),
            {"embedding_dim": 8, "hidden_units": 4},
        )
    )
    register(
        _builder_spec(
            "text_cnn",
            "Parallel Conv1D branches of several widths, max-pooled and concatenated.",
            ("cnn",),
            {"embedding_dim": 8, "kernel_sizes": [2, 3], "filters": 4},
        )
    )
    register(
        _builder_spec(
            "bilstm_classifier",
            "Embedding, bidirectional LSTM, dense head.",
            ("rnn", "lstm"),
            {"embedding_dim": 8, "lstm_units": 4},
        )
    )
    register(
        zoo.ComponentSpec(
            "fortunes",
            kind="dataset",
            target="zoo_text.fortunes:fortunes",
            summary="Debian's fortune quotes by category file, as token ids or raw strings.",
            tags=("text", "classification"),
        )
    )
