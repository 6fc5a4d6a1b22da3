"""TextStandardizer: Unicode normalization, lowercasing, punctuation stripping, CJK splitting."""

from __future__ import annotations

import keras
import tensorflow as tf
import tensorflow_text as tf_text

import zoo

NORMALIZATION_FORMS = ("NFC", "NFKC", "NFD", "NFKD")

# Scripts written without spaces between words: each character becomes its own word.
CJK_PATTERN = r"(\p{Han}|\p{Hiragana}|\p{Katakana})"


def check_normalization(normalization: object, owner: str) -> None:
    """Raise ValueError unless ``normalization`` is None or a Unicode normalization form."""
    if normalization is not None and normalization not in NORMALIZATION_FORMS:
        raise ValueError(
            f"{owner}: normalization is None or one of {', '.join(NORMALIZATION_FORMS)}. "
            f"Received: normalization={normalization!r}. Use 'NFKC' (the default) to fold "
            "compatibility characters such as ligatures and full-width letters."
        )


def standardize(
    strings: tf.Tensor,
    *,
    lowercase: bool = True,
    normalization: str | None = "NFKC",
    strip_punctuation: bool = True,
    split_cjk: bool = True,
) -> tf.Tensor:
    """Standardize a string tensor of any shape; the steps of `TextStandardizer`, in order.

    1. Unicode normalization (``tensorflow_text.normalize_utf8``);
    2. lowercasing (``tf.strings.lower`` with UTF-8 encoding: Unicode simple case mapping);
    3. every punctuation character (Unicode category ``P*``) becomes a space;
    4. every Han, Hiragana and Katakana character is surrounded by spaces, so a
       whitespace split gives one word per CJK character (as BERT's basic tokenizer does).
    """
    if normalization is not None:
        strings = tf_text.normalize_utf8(strings, normalization)
    if lowercase:
        strings = tf.strings.lower(strings, encoding="utf-8")
    if strip_punctuation:
        strings = tf.strings.regex_replace(strings, r"\p{P}", " ")
    if split_cjk:
        strings = tf.strings.regex_replace(strings, CJK_PATTERN, r" \1 ")
    return strings


@zoo.serializable("text")
class TextStandardizer(keras.layers.Layer):
    """Standardizes raw text: Unicode normalization, lowercasing, punctuation, CJK splitting.

    The same TensorFlow ops run in a `tf.data` map and inside a model, so both give the
    same strings. Steps, in order: Unicode normalization (NFKC by default: ligatures,
    full-width letters and other compatibility characters are folded), lowercasing
    (Unicode simple case mapping), every punctuation character (Unicode category ``P*``)
    replaced by a space, and every Han, Hiragana or Katakana character surrounded by
    spaces, so that a whitespace split gives one word per CJK character.

    TensorFlow backend only (tensorflow-text ops).

    Args:
        lowercase: lowercase the text.
        normalization: Unicode normalization form: ``"NFKC"`` (default), ``"NFC"``,
            ``"NFD"``, ``"NFKD"``, or None to skip.
        strip_punctuation: replace punctuation by spaces.
        split_cjk: put spaces around each CJK ideograph and kana.
        **kwargs: base layer arguments (``name``, ...).

    Input shape:
        A string tensor of any shape, for example ``(batch_size,)``.

    Output shape:
        A string tensor of the same shape.

    Example:

    >>> import numpy as np
    >>> layer = TextStandardizer()
    >>> layer(np.array(["Héllo, WORLD!", "ﬁne 你好"])).numpy().tolist()
    [b'h\\xc3\\xa9llo  world ', b'fine  \\xe4\\xbd\\xa0  \\xe5\\xa5\\xbd ']
    """

    def __init__(
        self,
        lowercase=True,
        normalization="NFKC",
        strip_punctuation=True,
        split_cjk=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("lowercase", lowercase),
            ("strip_punctuation", strip_punctuation),
            ("split_cjk", split_cjk),
        ):
            if not isinstance(value, bool):
                raise ValueError(
                    f"TextStandardizer: {name} is True or False. "
                    f"Received: {name}={value!r}. Pass a bool."
                )
        check_normalization(normalization, "TextStandardizer")
        self.lowercase = lowercase
        self.normalization = normalization
        self.strip_punctuation = strip_punctuation
        self.split_cjk = split_cjk
        self.built = True

    def call(self, inputs):
        inputs = tf.convert_to_tensor(inputs)
        if inputs.dtype != tf.string:
            raise ValueError(
                "TextStandardizer takes a string tensor. "
                f"Received: dtype={inputs.dtype.name}. Pass raw text, not token ids."
            )
        return standardize(
            inputs,
            lowercase=self.lowercase,
            normalization=self.normalization,
            strip_punctuation=self.strip_punctuation,
            split_cjk=self.split_cjk,
        )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")

    def get_config(self):
        return {
            **super().get_config(),
            "lowercase": self.lowercase,
            "normalization": self.normalization,
            "strip_punctuation": self.strip_punctuation,
            "split_cjk": self.split_cjk,
        }
