"""WordPieceTokenizer: BERT's basic split, then tensorflow-text's FastWordpieceTokenizer."""

from __future__ import annotations

import tensorflow as tf
import tensorflow_text as tf_text
from tensorflow_text.python.ops.bert_tokenizer import BasicTokenizer
from tensorflow_text.tools.wordpiece_vocab import wordpiece_tokenizer_learner_lib as learner

import zoo
from zoo_text._tokenizer import CLS, PAD, SEP, SPECIAL_TOKENS, UNK, BaseTokenizer

SUFFIX_INDICATOR = "##"


def _basic_split(strings):
    # BERT's pre-tokenization: split on whitespace, keep each punctuation character
    # and each CJK character as a word. No lowercasing or normalization here: the
    # standardizer does that, so `adapt` and tokenization see the same words.
    return BasicTokenizer(lower_case=False, normalization_form=None).tokenize(strings)


def _cap(tokens, size):
    """Cut a learned vocabulary to ``size`` tokens, keeping every single character.

    The learner's threshold search can end above its target (vocabulary sizes jump
    between adjacent count thresholds). The learner lists the special tokens, then the
    characters, then the pieces by decreasing count; the least frequent multi-character
    pieces go first, while the characters and their ``##`` forms stay, so every word made
    of known characters can still be cut.
    """
    if len(tokens) <= size:
        return tokens
    essential = {
        t
        for t in tokens
        if t in SPECIAL_TOKENS
        or len(t) == 1
        or (t.startswith(SUFFIX_INDICATOR) and len(t) == len(SUFFIX_INDICATOR) + 1)
    }
    room = size - len(essential)
    kept = []
    for token in tokens:
        if token in essential:
            kept.append(token)
        elif room > 0:
            kept.append(token)
            room -= 1
    return kept


@zoo.serializable("text")
class WordPieceTokenizer(BaseTokenizer):
    """Subword tokenizer: standardize, split into words, then WordPiece.

    Words come from BERT's basic split (whitespace, with punctuation and CJK characters
    as words of their own); each word is cut into the longest vocabulary pieces from
    the left by tensorflow-text's ``FastWordpieceTokenizer`` (``##`` marks a piece that
    continues a word; a word that cannot be cut becomes ``[UNK]``). This is the
    tokenization of tensorflow-text's ``BertTokenizer(lower_case=False)`` applied to
    the standardized text.

    ``adapt(texts)`` learns the vocabulary with tensorflow-text's own WordPiece vocabulary
    learner (the algorithm behind ``bert_vocab_from_dataset``): words are counted after
    the same standardization and split, and the learner searches the count threshold
    that gives at most ``max_vocabulary_size`` tokens. Where its search ends above that
    size, the least frequent multi-character pieces are dropped (single characters and
    their ``##`` forms always stay, so the vocabulary only exceeds the size when the
    corpus' alphabet alone does). The vocabulary starts with ``[PAD]``, ``[UNK]``,
    ``[CLS]``, ``[SEP]`` and travels inside ``.keras`` files as an asset.

    TensorFlow backend only (tensorflow-text ops).

    Args:
        vocabulary: a list of tokens, the path of a vocabulary file (BERT's
            ``vocab.txt`` format), or None to `adapt` later. ``[PAD]`` comes first;
            ``[UNK]`` (and ``[CLS]``, ``[SEP]`` with ``add_special_tokens``) must be
            present.
        sequence_length: ids per text.
        max_vocabulary_size: the vocabulary size `adapt` aims at, special tokens included.
        standardize: apply `TextStandardizer`'s default steps first (NFKC, lowercase,
            punctuation to spaces, CJK characters split).
        add_special_tokens: frame each text with ``[CLS]`` ... ``[SEP]``.
        output_mask: also return the padding mask (a dict with ``"token_ids"`` and
            ``"padding_mask"``).
        **kwargs: base layer arguments (``name``, ...).

    Input shape:
        Strings of shape ``(batch_size,)`` or ``(batch_size, 1)``, or a scalar string.

    Output shape:
        int32 ids of shape ``(batch_size, sequence_length)``; with ``output_mask=True``,
        a dict of those ids and a bool mask of the same shape.

    Example:

    >>> import numpy as np
    >>> vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "play", "##ing", "##ed", "fun"]
    >>> tokenizer = WordPieceTokenizer(vocabulary, sequence_length=8)
    >>> tokenizer(np.array(["Playing, played: FUN!"])).numpy().tolist()
    [[2, 4, 5, 4, 6, 7, 3, 0]]
    """

    def _set_lookup(self, tokens):
        with tf.init_scope():
            self._wordpiece = tf_text.FastWordpieceTokenizer(
                vocab=list(tokens),
                suffix_indicator=SUFFIX_INDICATOR,
                token_out_type=tf.int32,
                unknown_token=UNK,
                no_pretokenization=True,
                support_detokenization=True,
            )

    def _tokenize(self, strings):
        words = _basic_split(strings)
        return self._wordpiece.tokenize(words).merge_dims(-2, -1)

    def _split_words(self, strings):
        return _basic_split(strings)

    def _learn(self, counts):
        if not counts:
            raise ValueError(
                "WordPieceTokenizer.adapt found no words in the texts. Received: texts "
                "that are empty after standardization. Pass texts with words in them."
            )
        tokens = learner.learn(
            counts.items(),
            vocab_size=self.max_vocabulary_size,
            reserved_tokens=list(SPECIAL_TOKENS),
            lower_thresh=1,
            joiner=SUFFIX_INDICATOR,
        )
        return _cap(list(tokens), self.max_vocabulary_size)

    def detokenize(self, token_ids):
        """Token ids back to text: pieces joined into words, words joined by spaces.

        ``[PAD]``, ``[CLS]`` and ``[SEP]`` are dropped; ``[UNK]`` stays. Returns one
        string per row.
        """
        self._require_vocabulary()
        ids = tf.convert_to_tensor(token_ids, dtype=tf.int32)
        specials = [self._special_ids[t] for t in (PAD, CLS, SEP) if self._special_ids[t] >= 0]
        keep = tf.reduce_all(ids[..., tf.newaxis] != tf.constant(specials), axis=-1)
        ragged = tf.ragged.boolean_mask(ids, keep)
        return self._wordpiece.detokenize(ragged)
