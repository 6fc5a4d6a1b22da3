"""WhitespaceTokenizer: words split on whitespace, one id per word."""

from __future__ import annotations

import tensorflow_text as tf_text

import zoo
from zoo_text._tokenizer import WordLookupTokenizer


@zoo.serializable("text")
class WhitespaceTokenizer(WordLookupTokenizer):
    """Word tokenizer: standardize, split on whitespace, look each word up in a vocabulary.

    Strings in, fixed-length int32 ids out, the same in a `tf.data` map and inside a
    model. The split is tensorflow-text's ``WhitespaceTokenizer`` (ICU whitespace). A
    word missing from the vocabulary becomes ``[UNK]``; ``[CLS]`` and ``[SEP]`` frame
    each text when ``add_special_tokens=True``; texts longer than ``sequence_length``
    are truncated (``[SEP]`` is kept) and shorter ones padded with ``[PAD]`` (id 0).

    The vocabulary is a list of tokens or a file (one token per line), or it is learned
    with ``adapt(texts)``: the special tokens ``[PAD]``, ``[UNK]``, ``[CLS]``, ``[SEP]``
    then the most frequent words. It is saved inside ``.keras`` files as an asset
    (``vocabulary.txt``), so a saved model needs no other file. ``get_config`` holds the
    vocabulary only when it was given as a list (as Keras' ``StringLookup`` does).

    TensorFlow backend only (tensorflow-text ops).

    Args:
        vocabulary: a list of tokens, the path of a vocabulary file, or None to
            `adapt` later. ``[PAD]`` comes first; ``[UNK]`` (and ``[CLS]``, ``[SEP]``
            with ``add_special_tokens``) must be present.
        sequence_length: ids per text.
        max_vocabulary_size: the largest vocabulary `adapt` learns, special tokens
            included.
        standardize: apply `TextStandardizer`'s default steps first (NFKC, lowercase,
            punctuation to spaces, CJK characters split). For other steps, pass False
            and put a configured `TextStandardizer` in front.
        add_special_tokens: frame each text with ``[CLS]`` ... ``[SEP]``.
        output_mask: also return the padding mask: the output is then a dict with
            ``"token_ids"`` and ``"padding_mask"`` (True on real tokens).
        **kwargs: base layer arguments (``name``, ...).

    Input shape:
        Strings of shape ``(batch_size,)`` or ``(batch_size, 1)``, or a scalar string.

    Output shape:
        int32 ids of shape ``(batch_size, sequence_length)`` (or ``(sequence_length,)``
        for a scalar); with ``output_mask=True``, a dict of those ids and a bool mask of
        the same shape.

    Example:

    >>> import numpy as np
    >>> tokenizer = WhitespaceTokenizer(sequence_length=6)
    >>> tokenizer.adapt(["the cat sat", "the dog ran"])
    >>> tokenizer.get_vocabulary()[:5]
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'the']
    >>> tokenizer(np.array(["The cat flew!"])).numpy().tolist()
    [[2, 4, 5, 1, 3, 0]]
    """

    def _split_words(self, strings):
        return tf_text.WhitespaceTokenizer().tokenize(strings)
