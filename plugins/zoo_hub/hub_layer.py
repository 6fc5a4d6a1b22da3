"""HubLayer: a Keras 3 layer around ``tensorflow_hub.load(handle)``."""

from __future__ import annotations

import difflib
import inspect
import os
import sys

import keras
import tensorflow as tf

import zoo
from zoo_hub import _demo, trust
from zoo_hub._pkg_resources import without_setuptools

with without_setuptools():
    import tensorflow_hub as hub


def _keras_safe_mode() -> bool | None:
    """Keras' safe-mode setting while it deserializes (None outside its loading functions)."""
    try:
        from keras.src.saving import serialization_lib
    except ImportError:  # moved in a later Keras: stay on the safe side
        return None
    return serialization_lib.in_safe_mode()


def _load(handle: str):
    if _demo.is_demo_handle(handle):
        _demo.ensure_demo_saved_model()
    try:
        try:
            return hub.load(handle)
        except Exception as error:
            # Text SavedModels (tokenizers, BERT preprocessors) use tensorflow-text's
            # ops, which exist only once tensorflow_text is imported: import, retry once.
            if "Op type not registered" not in str(error) or "tensorflow_text" in sys.modules:
                raise
            try:
                import tensorflow_text  # noqa: F401
            except ImportError:
                raise error from None
            return hub.load(handle)
    except Exception as error:
        reason = str(error).rstrip(".")
        raise ValueError(
            "HubLayer's handle must be loadable by tensorflow_hub.load: a SavedModel "
            "directory (holding saved_model.pb) or a reachable URL. "
            f"Received: handle={handle!r}, which failed: {type(error).__name__}: {reason}. "
            "Check the path or the URL and the network; offline, point TFHUB_CACHE_DIR at "
            "a cache that holds the model, or pass the local SavedModel directory. An op "
            "that is not registered comes from a library to install and import first."
        ) from error


def _close_match(word: str, choices: list[str]) -> str:
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"Did you mean {matches[0]!r}? " if matches else ""


def _concrete_functions(function) -> list:
    if hasattr(function, "concrete_functions"):  # a restored tf.function
        return list(function.concrete_functions)
    return [function]  # a signature: already a concrete function


@zoo.serializable("hub")
class HubLayer(keras.layers.Layer):
    """Wraps a TF Hub SavedModel, loaded with ``tensorflow_hub.load(handle)``, as a layer.

    Unlike ``hub.KerasLayer`` (built on tf_keras, which fails inside Keras 3 Functional
    models), this is a Keras 3 layer: it works in Functional and Sequential models,
    trains, and saves to ``.keras``. The SavedModel's variables become the layer's
    weights (the same variables, not copies): with ``trainable=True`` they receive
    gradients and are fine-tuned, and a ``.keras`` file stores their fine-tuned values.

    Without ``signature``, the layer calls the SavedModel's ``__call__`` with its
    inputs (and with ``training`` if that function accepts it: True only while the
    layer is trainable and called in training). With ``signature``, it calls that
    entry of the SavedModel's ``signatures`` with keyword inputs: a dict of named
    tensors, or one tensor if the signature has exactly one input. A SavedModel that
    returns a dict gives the whole dict, or the entry named ``output_key``. Float
    inputs are cast to the float dtype the SavedModel takes, and float outputs to the
    layer's compute dtype, so the layer also works under a ``mixed_float16`` policy
    (the SavedModel itself computes in its own dtype).

    Loading a saved model (``keras.saving.load_model``, or any other route through
    ``from_config``) loads the handle only if it is trusted, in the spirit of Keras'
    ``safe_mode``: see `zoo_hub.trust`. Creating a HubLayer in code needs no trust.

    TensorFlow backend only.

    Args:
        handle: a SavedModel directory, or a URL ``tensorflow_hub.load`` resolves (it
            downloads once into ``TFHUB_CACHE_DIR``). Stored in the config. A
            SavedModel using tensorflow-text ops (a text encoder with its tokenizer)
            loads too: tensorflow_text is imported when its ops are missing.
        trainable: whether the SavedModel's trainable variables are fine-tuned.
            Defaults to False, as in TF Hub.
        signature: name of the signature to call, or None for ``__call__``.
        output_key: the entry to return when the SavedModel returns a dict, or None
            to return the dict.
        **kwargs: base layer arguments (``name``, ``dtype``).

    Input shape:
        Whatever the SavedModel's function takes, batch dimension first; a dict of
        named tensors for a signature with several inputs.

    Output shape:
        Whatever it returns: a tensor, or a dict of tensors without ``output_key``.

    Example:

    ```python
    import numpy as np
    import zoo_hub

    handle = zoo_hub.demo_handle()  # a small dense encoder, 4 -> 3 features
    inputs = keras.Input(shape=(4,))
    features = HubLayer(handle, trainable=True)(inputs)
    norms = HubLayer(handle, signature="encode", output_key="norm")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(
        keras.layers.Concatenate()([features, norms])
    )
    model = keras.Model(inputs, outputs)
    model.predict(np.ones((2, 4), "float32"), verbose=0).shape  # (2, 2)
    ```
    """

    def __init__(self, handle, trainable=False, signature=None, output_key=None, **kwargs):
        if keras.config.backend() != "tensorflow":
            raise ValueError(
                "HubLayer runs TensorFlow SavedModels, so it needs the TensorFlow backend. "
                f"Received: backend={keras.config.backend()!r}. "
                "Set KERAS_BACKEND=tensorflow."
            )
        if isinstance(handle, os.PathLike):
            handle = os.fspath(handle)
        if not isinstance(handle, str) or not handle.strip():
            raise ValueError(
                "handle is a SavedModel directory or a TF Hub URL. "
                f"Received: handle={handle!r}. Pass a path such as '/models/encoder'."
            )
        if not isinstance(trainable, bool):
            raise ValueError(
                f"trainable is True or False. Received: trainable={trainable!r}. Pass a bool."
            )
        for argument, value in (("signature", signature), ("output_key", output_key)):
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(
                    f"{argument} is a name or None. Received: {argument}={value!r}. "
                    "Pass a string such as 'serving_default', or None."
                )
        super().__init__(trainable=trainable, **kwargs)
        self.handle = handle
        self.signature = signature
        self.output_key = output_key

        self._loaded = _load(handle)
        self._function = self._resolve_function()
        self._input_names = None
        self._takes_training = False
        self._hub_input_spec = None  # what the function takes, to cast float inputs to
        if signature is None:
            parameters = inspect.signature(self._function).parameters
            self._takes_training = "training" in parameters
            traced = _concrete_functions(self._function)
            positional = traced[0].structured_input_signature[0] if traced else ()
            self._hub_input_spec = positional[0] if positional else None
        else:
            _, named = self._function.structured_input_signature
            self._input_names = sorted(named)
            self._hub_input_spec = dict(named)
            self._check_output_key(self._function.structured_outputs)

        # Wrap the SavedModel's own variables (keras.Variable keeps a tf.Variable it is
        # given), so gradients, optimizers and .keras weights all act on them.
        seen = set()
        variables = []
        for function in _concrete_functions(self._function):
            for variable in function.variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    variables.append(variable)
        with keras.name_scope(self.name, caller=self):
            self._hub_variables = [
                keras.Variable(
                    initializer=variable,
                    shape=variable.shape,
                    dtype=variable.dtype,
                    trainable=variable.trainable,
                    name=variable.name.split(":")[0].replace("/", "_"),
                )
                for variable in variables
            ]
        # As Layer._track_variable does for add_weight: a frozen layer's variables are
        # not trainable; setting layer.trainable = True later turns them back on. (Not
        # `self.trainable = trainable`: Keras skips the setter when the value is unchanged.)
        if not trainable:
            for variable in self._hub_variables:
                variable.trainable = False
        self.built = True

    def _resolve_function(self):
        signatures = sorted(getattr(self._loaded, "signatures", {}) or {})
        if self.signature is None:
            if callable(self._loaded):
                return self._loaded.__call__  # the restored tf.function
            raise ValueError(
                "Without signature, HubLayer calls the SavedModel's __call__. "
                f"Received: handle={self.handle!r}, which has no __call__. "
                f"Pass signature= one of: {', '.join(signatures) or '(none)'}."
            )
        if self.signature not in signatures:
            raise ValueError(
                "signature names one of the SavedModel's signatures. "
                f"Received: signature={self.signature!r} for handle={self.handle!r}, whose "
                f"signatures are: {', '.join(signatures) or '(none)'}. "
                f"{_close_match(self.signature, signatures)}Pick one of them, or "
                "signature=None to call __call__."
            )
        return self._loaded.signatures[self.signature]

    def _check_output_key(self, outputs):
        if self.output_key is None:
            return
        if not isinstance(outputs, dict):
            raise ValueError(
                "output_key picks an entry of a SavedModel output that is a dict. "
                f"Received: output_key={self.output_key!r}, but handle={self.handle!r} "
                f"returns {type(outputs).__name__}. Remove output_key."
            )
        if self.output_key not in outputs:
            raise ValueError(
                "output_key names an entry of the SavedModel's output. "
                f"Received: output_key={self.output_key!r} for handle={self.handle!r}, "
                f"whose outputs are: {', '.join(sorted(outputs))}. Pick one of them."
            )

    def _signature_inputs(self, inputs):
        names = self._input_names
        if isinstance(inputs, dict):
            if sorted(inputs) != names:
                raise ValueError(
                    f"Signature {self.signature!r} takes the inputs {', '.join(names)}. "
                    f"Received: a dict with {', '.join(sorted(inputs))}. Pass a dict with "
                    "exactly those keys."
                )
            return dict(inputs)
        if len(names) != 1:
            raise ValueError(
                f"Signature {self.signature!r} takes several inputs: {', '.join(names)}. "
                "Received: a single tensor. Pass a dict of tensors keyed by those names."
            )
        return {names[0]: inputs}

    def _cast_inputs(self, inputs):
        """Float inputs in the float dtype the SavedModel takes (Keras may autocast them)."""

        def cast(value, spec):
            if (
                isinstance(spec, tf.TensorSpec)
                and tf.is_tensor(value)
                and value.dtype.is_floating
                and spec.dtype.is_floating
                and value.dtype != spec.dtype
            ):
                return tf.cast(value, spec.dtype)
            return value

        try:
            return tf.nest.map_structure(cast, inputs, self._hub_input_spec)
        except (TypeError, ValueError):  # another structure: TensorFlow reports it
            return inputs

    def _cast_outputs(self, outputs):
        """Float outputs in the layer's compute dtype, as from any Keras layer."""

        def cast(value):
            if tf.is_tensor(value) and value.dtype.is_floating:
                return tf.cast(value, self.compute_dtype)
            return value

        return tf.nest.map_structure(cast, outputs)

    def call(self, inputs, training=None):
        if self.signature is None:
            kwargs = {}
            if self._takes_training:
                kwargs["training"] = bool(training) and self.trainable
            outputs = self._function(self._cast_inputs(inputs), **kwargs)
        else:
            outputs = self._function(**self._cast_inputs(self._signature_inputs(inputs)))
        if self.output_key is not None:
            self._check_output_key(outputs)
            outputs = outputs[self.output_key]
        return self._cast_outputs(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "handle": self.handle,
            "signature": self.signature,
            "output_key": self.output_key,
        }

    @classmethod
    def from_config(cls, config):
        # A config may come from an untrusted file: load its handle only if trusted.
        handle = config.get("handle")
        if isinstance(handle, os.PathLike):
            handle = os.fspath(handle)
        if isinstance(handle, str) and handle.strip():
            trust.check_trusted(handle, safe_mode=_keras_safe_mode())
        return cls(**config)
