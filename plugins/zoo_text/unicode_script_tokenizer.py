"""UnicodeScriptTokenizer: words split where the Unicode script changes, one id per word."""

from __future__ import annotations

import tensorflow_text as tf_text

import zoo
from zoo_text._tokenizer import WordLookupTokenizer


@zoo.serializable("text")
class UnicodeScriptTokenizer(WordLookupTokenizer):
    """Word tokenizer: standardize, split on Unicode script changes, look words up.

    Like `WhitespaceTokenizer`, but the split is tensorflow-text's
    ``UnicodeScriptTokenizer``: text is cut on whitespace and wherever the Unicode
    script changes (Latin to Han, letters to digits or to punctuation), so ``"abc你好123"``
    gives ``abc``, ``你好``, ``123``. With ``standardize=False`` punctuation stays, as
    words of its own. Everything else (vocabulary, special tokens, padding, the mask,
    assets) is as in `WhitespaceTokenizer`.

    TensorFlow backend only (tensorflow-text ops).

    Args:
        vocabulary: a list of tokens, the path of a vocabulary file, or None to
            `adapt` later. ``[PAD]`` comes first; ``[UNK]`` (and ``[CLS]``, ``[SEP]``
            with ``add_special_tokens``) must be present.
        sequence_length: ids per text.
        max_vocabulary_size: the largest vocabulary `adapt` learns, special tokens
            included.
        standardize: apply `TextStandardizer`'s default steps first.
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
    >>> tokenizer = UnicodeScriptTokenizer(
    ...     sequence_length=5, standardize=False, add_special_tokens=False)
    >>> tokenizer.adapt(["abc123", "abc"])
    >>> tokenizer.get_vocabulary()
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'abc', '123']
    >>> tokenizer(np.array(["123abc?"])).numpy().tolist()
    [[5, 4, 1, 0, 0]]
    """

    def _split_words(self, strings):
        return tf_text.UnicodeScriptTokenizer().tokenize(strings)
