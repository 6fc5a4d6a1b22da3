"""What the zoo's tokenizer layers share: vocabulary, special tokens, padding, assets.

Not a public component: `WhitespaceTokenizer`, `UnicodeScriptTokenizer` and
`WordPieceTokenizer` subclass it and add how text is split and looked up.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo_text.text_standardizer import standardize

PAD, UNK, CLS, SEP = "[PAD]", "[UNK]", "[CLS]", "[SEP]"
#: The special tokens, in the order `adapt` puts them at the start of a vocabulary.
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP)
VOCABULARY_FILE = "vocabulary.txt"


def read_vocabulary_file(path: str | os.PathLike[str]) -> list[str]:
    """One token per line, UTF-8; a final empty line is ignored."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"A vocabulary file must exist. Received: vocabulary={str(path)!r}, which is not "
            "a file. Pass an existing file (one token per line) or a list of tokens."
        )
    lines = path.read_text(encoding="utf-8").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return lines


class BaseTokenizer(keras.layers.Layer):
    """Strings in, fixed-length int32 token ids out (and optionally a padding mask).

    Subclasses implement ``_split_words`` (text to ragged words, for `adapt`),
    ``_learn`` (word counts to a vocabulary), ``_set_lookup`` (build the lookup from a
    vocabulary) and ``_tokenize`` (standardized strings to ragged ids).
    """

    def __init__(
        self,
        vocabulary=None,
        sequence_length=128,
        max_vocabulary_size=20000,
        standardize=True,
        add_special_tokens=True,
        output_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if (
            not isinstance(sequence_length, int)
            or isinstance(sequence_length, bool)
            or sequence_length < 1
        ):
            raise ValueError(
                f"{owner}: sequence_length is a positive int, the number of ids per text. "
                f"Received: sequence_length={sequence_length!r}. Use for example 128."
            )
        if add_special_tokens is True and sequence_length < 3:
            raise ValueError(
                f"{owner}: with add_special_tokens=True, [CLS] and [SEP] take two of the "
                f"sequence_length positions, so it must be at least 3. Received: "
                f"sequence_length={sequence_length}. Use a longer sequence_length or "
                "add_special_tokens=False."
            )
        if (
            not isinstance(max_vocabulary_size, int)
            or isinstance(max_vocabulary_size, bool)
            or max_vocabulary_size <= len(SPECIAL_TOKENS)
        ):
            raise ValueError(
                f"{owner}: max_vocabulary_size is an int above {len(SPECIAL_TOKENS)} (the "
                f"special tokens {', '.join(SPECIAL_TOKENS)} come first). Received: "
                f"max_vocabulary_size={max_vocabulary_size!r}. Use for example 20000."
            )
        for name, value in (
            ("standardize", standardize),
            ("add_special_tokens", add_special_tokens),
            ("output_mask", output_mask),
        ):
            if not isinstance(value, bool):
                raise ValueError(
                    f"{owner}: {name} is True or False. Received: {name}={value!r}. Pass a bool."
                )
        self.sequence_length = sequence_length
        self.max_vocabulary_size = max_vocabulary_size
        self.standardize = standardize
        self.add_special_tokens = add_special_tokens
        self.output_mask = output_mask
        # The vocabulary as given inline (kept in the config); None when it came from a
        # file or from `adapt`. Either way the current vocabulary is saved as an asset.
        self.vocabulary = None
        self._vocabulary = None
        self._special_ids = {}
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # === Vocabulary ===

    def set_vocabulary(self, vocabulary):
        """Use ``vocabulary``: a list of tokens or the path of a file with one token per line.

        The vocabulary holds ``[PAD]`` at index 0 and ``[UNK]`` somewhere (and ``[CLS]``,
        ``[SEP]`` when ``add_special_tokens=True``); tokens are unique, non-empty and
        contain no line break.
        """
        inline = not isinstance(vocabulary, (str, os.PathLike))
        self._install(self._check_vocabulary(vocabulary), inline=inline)

    def _install(self, tokens, inline):
        self._set_lookup(tokens)
        index = {token: i for i, token in enumerate(tokens)}
        self._special_ids = {token: index.get(token, -1) for token in SPECIAL_TOKENS}
        self._vocabulary = tuple(tokens)
        self.vocabulary = list(tokens) if inline else None

    def get_vocabulary(self):
        """The vocabulary as a list of tokens; the id of a token is its index."""
        self._require_vocabulary()
        return list(self._vocabulary)

    def vocabulary_size(self):
        """The number of tokens in the vocabulary (ids run from 0 to this minus 1)."""
        self._require_vocabulary()
        return len(self._vocabulary)

    def token_to_id(self, token):
        """The id of ``token`` (a special token or a vocabulary entry)."""
        self._require_vocabulary()
        try:
            return self._vocabulary.index(token)
        except ValueError:
            raise ValueError(
                f"{type(self).__name__}: the token is not in the vocabulary. "
                f"Received: token={token!r}. Check get_vocabulary()."
            ) from None

    def _require_vocabulary(self):
        if self._vocabulary is None:
            raise ValueError(
                f"{type(self).__name__} needs a vocabulary before it tokenizes. Received: "
                "vocabulary=None. Pass vocabulary=[...] or a file path, or call "
                "adapt(texts) on a training corpus first."
            )

    def _check_vocabulary(self, vocabulary):
        owner = type(self).__name__
        if isinstance(vocabulary, (str, os.PathLike)):
            tokens = read_vocabulary_file(vocabulary)
        elif isinstance(vocabulary, (list, tuple, np.ndarray)):
            items = vocabulary.tolist() if isinstance(vocabulary, np.ndarray) else vocabulary
            tokens = [t.decode("utf-8") if isinstance(t, bytes) else t for t in items]
        else:
            raise ValueError(
                f"{owner}: vocabulary is a list of tokens or a file path. Received: "
                f"vocabulary of type {type(vocabulary).__name__}. Pass a list of strings."
            )
        bad = [t for t in tokens if not isinstance(t, str) or not t or "\n" in t or "\r" in t]
        if bad:
            raise ValueError(
                f"{owner}: vocabulary tokens are non-empty strings without line breaks. "
                f"Received: {bad[0]!r} among {len(tokens)} tokens. Remove or fix it."
            )
        counts = collections.Counter(tokens)
        duplicates = [t for t, n in counts.items() if n > 1]
        if duplicates:
            raise ValueError(
                f"{owner}: vocabulary tokens are unique (a token has one id). Received: "
                f"{duplicates[0]!r} {counts[duplicates[0]]} times. Remove the duplicates."
            )
        if not tokens or tokens[0] != PAD:
            first = tokens[0] if tokens else None
            raise ValueError(
                f"{owner}: the vocabulary starts with {PAD} (id 0 is padding, which "
                f"Embedding(mask_zero=True) masks). Received: first token {first!r}. Put "
                f"{PAD} first, or learn a vocabulary with adapt()."
            )
        required = [UNK, CLS, SEP] if self.add_special_tokens else [UNK]
        missing = [t for t in required if t not in counts]
        if missing:
            raise ValueError(
                f"{owner}: the vocabulary holds the special tokens {', '.join(required)}. "
                f"Received: a vocabulary of {len(tokens)} tokens without "
                f"{', '.join(missing)}. Add them, or learn a vocabulary with adapt()."
            )
        return tokens

    # === Learning a vocabulary ===

    def adapt(self, data, batch_size=256, steps=None):
        """Learn the vocabulary from ``data``: a list or array of strings, or a `tf.data`
        dataset of strings (batched or not). Replaces any vocabulary the layer had.

        The texts go through the same standardization and split as in `call`, eagerly,
        ``batch_size`` at a time.

        Args:
            data: the training texts.
            batch_size: how many texts go through the TensorFlow ops at once.
            steps: for a dataset, the number of its elements to read (default: all).
        """
        owner = type(self).__name__
        if isinstance(data, tf.data.Dataset):
            spec = data.element_spec
            if not isinstance(spec, tf.TensorSpec) or spec.dtype != tf.string:
                raise ValueError(
                    f"{owner}.adapt reads a dataset of strings. Received: element_spec="
                    f"{spec}. Map it to the text alone, e.g. ds.map(lambda text, label: text)."
                )
            if steps is not None:
                data = data.take(steps)
            data = data.unbatch() if spec.shape.rank else data
            batches = (batch for batch in data.batch(batch_size))
        else:
            if isinstance(data, tf.Tensor):
                data = data.numpy()
            items = np.asarray(data, dtype=object).reshape(-1).tolist()
            if not items or not all(isinstance(t, (str, bytes)) for t in items):
                raise ValueError(
                    f"{owner}.adapt reads a non-empty list of strings (or a tf.data dataset). "
                    f"Received: {type(data).__name__} of {len(items)} item(s). Pass the "
                    "training texts."
                )
            batches = (
                tf.constant(items[i : i + batch_size], dtype=tf.string)
                for i in range(0, len(items), batch_size)
            )
        words = (self._split_words(self._standardized(batch)) for batch in batches)
        tokens = self._learn(self._count_words(words))
        self._install(self._check_vocabulary(tokens), inline=False)

    def _standardized(self, strings):
        return standardize(strings) if self.standardize else strings

    def _split_words(self, strings: tf.Tensor) -> tf.RaggedTensor:
        """Standardized strings (batch,) to the ragged words `adapt` counts."""
        raise NotImplementedError

    def _learn(self, counts: collections.Counter) -> list[str]:
        """Word counts to a vocabulary (special tokens first)."""
        raise NotImplementedError

    @staticmethod
    def _count_words(batches: Iterable[tf.RaggedTensor]) -> collections.Counter:
        counts: collections.Counter = collections.Counter()
        for words in batches:
            counts.update(words.flat_values.numpy().tolist())
        return collections.Counter({w.decode("utf-8"): n for w, n in counts.items()})

    # === Tokenizing ===

    def _set_lookup(self, tokens: Sequence[str]) -> None:
        raise NotImplementedError

    def _tokenize(self, strings: tf.Tensor) -> tf.RaggedTensor:
        """Standardized strings of shape (batch,) to ragged int32 ids (batch, None)."""
        raise NotImplementedError

    def call(self, inputs):
        self._require_vocabulary()
        inputs = tf.convert_to_tensor(inputs)
        if inputs.dtype != tf.string:
            raise ValueError(
                f"{type(self).__name__} takes a string tensor. Received: dtype="
                f"{inputs.dtype.name}. Pass raw text."
            )
        rank = inputs.shape.rank
        if rank == 2 and inputs.shape[-1] == 1:
            inputs = tf.squeeze(inputs, axis=-1)
        elif rank == 0:
            inputs = inputs[tf.newaxis]
        elif rank != 1:
            raise ValueError(
                f"{type(self).__name__} takes one text per example: shape (batch,), "
                f"(batch, 1) or (). Received: shape={inputs.shape}. Join or split the texts."
            )
        ids = self._tokenize(self._standardized(inputs))
        # A literal "[PAD]" in the text never becomes padding.
        ids = tf.ragged.map_flat_values(
            lambda flat: tf.where(flat == self._pad_id, tf.cast(self._unk_id, flat.dtype), flat),
            ids,
        )
        length = self.sequence_length
        if self.add_special_tokens:
            ids = ids[:, : length - 2]
            rows = ids.nrows()
            ids = tf.concat(
                [
                    tf.fill([rows, 1], tf.constant(self._cls_id, tf.int32)),
                    ids,
                    tf.fill([rows, 1], tf.constant(self._sep_id, tf.int32)),
                ],
                axis=1,
            )
        else:
            ids = ids[:, :length]
        token_ids = ids.to_tensor(default_value=self._pad_id, shape=[None, length])
        mask = tf.sequence_mask(ids.row_lengths(), length)
        if rank == 0:
            token_ids, mask = token_ids[0], mask[0]
        if self.output_mask:
            return {"token_ids": token_ids, "padding_mask": mask}
        return token_ids

    @property
    def _pad_id(self):
        return self._special_ids[PAD]

    @property
    def _unk_id(self):
        return self._special_ids[UNK]

    @property
    def _cls_id(self):
        return self._special_ids[CLS]

    @property
    def _sep_id(self):
        return self._special_ids[SEP]

    def compute_output_spec(self, inputs):
        shape = tuple(inputs.shape)
        batch = shape[:-1] if len(shape) == 2 and shape[-1] == 1 else shape
        out_shape = (*batch, self.sequence_length)
        ids = keras.KerasTensor(out_shape, dtype="int32")
        if self.output_mask:
            return {"token_ids": ids, "padding_mask": keras.KerasTensor(out_shape, dtype="bool")}
        return ids

    # === Saving ===

    def save_assets(self, dir_path):
        if self._vocabulary is not None:
            path = Path(dir_path) / VOCABULARY_FILE
            path.write_text("\n".join(self._vocabulary) + "\n", encoding="utf-8")

    def load_assets(self, dir_path):
        path = Path(dir_path) / VOCABULARY_FILE
        if path.is_file():
            tokens = self._check_vocabulary(read_vocabulary_file(path))
            self._install(tokens, inline=self.vocabulary is not None)

    def get_config(self):
        return {
            **super().get_config(),
            "vocabulary": self.vocabulary,
            "sequence_length": self.sequence_length,
            "max_vocabulary_size": self.max_vocabulary_size,
            "standardize": self.standardize,
            "add_special_tokens": self.add_special_tokens,
            "output_mask": self.output_mask,
        }


class WordLookupTokenizer(BaseTokenizer):
    """A word-level tokenizer: split into words, then one id per word from a hash table.

    `adapt` keeps the ``max_vocabulary_size - 4`` most frequent words (ties broken
    alphabetically), after the special tokens. Subclasses implement ``_split_words``.
    """

    def _learn(self, counts: collections.Counter) -> list[str]:
        counts = {w: n for w, n in counts.items() if w not in SPECIAL_TOKENS}
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        keep = self.max_vocabulary_size - len(SPECIAL_TOKENS)
        return [*SPECIAL_TOKENS, *(word for word, _ in ranked[:keep])]

    def _set_lookup(self, tokens: Sequence[str]) -> None:
        with tf.init_scope():
            initializer = tf.lookup.KeyValueTensorInitializer(
                tf.constant(list(tokens), dtype=tf.string),
                tf.range(len(tokens), dtype=tf.int64),
            )
            self._table = tf.lookup.StaticHashTable(initializer, default_value=-1)

    def _tokenize(self, strings: tf.Tensor) -> tf.RaggedTensor:
        words = self._split_words(strings)
        ids = tf.ragged.map_flat_values(self._table.lookup, words)
        unk = tf.constant(self._unk_id, tf.int64)
        ids = tf.ragged.map_flat_values(lambda flat: tf.where(flat < 0, unk, flat), ids)
        return tf.cast(ids, tf.int32)
