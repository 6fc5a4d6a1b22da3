"""The hub plugin: HubLayer on SavedModels the tests write, fine-tuning, trust on load.

Every SavedModel here is created in a temporary folder from known weights, so outputs
are checked against numpy computed from those weights. Nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from zoo_hub import trust  # noqa: E402
from zoo_hub.hub_layer import HubLayer  # noqa: E402

import zoo  # noqa: E402

pytestmark = pytest.mark.skipif(
    keras.config.backend() != "tensorflow", reason="HubLayer needs the TensorFlow backend"
)

RNG = np.random.default_rng(7)
W = RNG.standard_normal((4, 3)).astype("float32")
B = RNG.standard_normal((3,)).astype("float32")
V = RNG.standard_normal((4, 2)).astype("float32")
X = RNG.standard_normal((5, 4)).astype("float32")
SPEC = tf.TensorSpec([None, 4], tf.float32)


# === SavedModels written by the tests ===


class Plain(tf.Module):
    """A plain module: __call__(x) = x W + b."""

    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(W, name="kernel")
        self.bias = tf.Variable(B, name="bias")

    @tf.function(input_signature=[SPEC])
    def __call__(self, x):
        return tf.matmul(x, self.kernel) + self.bias


class Named(tf.Module):
    """No __call__; named signatures returning dicts, one of them with two inputs."""

    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(W, name="kernel")
        self.other = tf.Variable(V, name="other")

    @tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32, name="features")])
    def encode(self, features):
        embedding = tf.matmul(features, self.kernel)
        return {"embedding": embedding, "total": tf.reduce_sum(embedding, -1, keepdims=True)}

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 4], tf.float32, name="left"),
            tf.TensorSpec([None, 4], tf.float32, name="right"),
        ]
    )
    def pair(self, left, right):
        return {"score": tf.matmul(left, self.kernel) + tf.matmul(right, self.kernel)}


class WithTraining(tf.Module):
    """__call__(x, training) = x W, doubled in training (a stand-in for dropout)."""

    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(W, name="kernel")

    @tf.function
    def __call__(self, x, training=False):
        y = tf.matmul(x, self.kernel)
        return 2.0 * y if training else y


def _save_plain(path: Path) -> str:
    tf.saved_model.save(Plain(), str(path))
    return str(path)


@pytest.fixture(scope="module")
def handles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("savedmodels")
    named = Named()
    tf.saved_model.save(
        named, str(root / "named"), signatures={"encode": named.encode, "pair": named.pair}
    )
    training = WithTraining()
    training.__call__.get_concrete_function(SPEC, training=True)
    training.__call__.get_concrete_function(SPEC, training=False)
    tf.saved_model.save(training, str(root / "training"))
    return {
        "plain": _save_plain(root / "plain"),
        "named": str(root / "named"),
        "training": str(root / "training"),
    }


@pytest.fixture(autouse=True)
def no_ambient_trust(monkeypatch: pytest.MonkeyPatch, isolated_registry: object) -> None:
    """No trust from the environment or the project's registry.toml unless a test adds it."""
    monkeypatch.delenv(trust.ENV_VAR, raising=False)


def _model(layer: HubLayer, shape=(4,)) -> keras.Model:
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, layer(inputs))


def _save(model: keras.Model, tmp_path: Path) -> Path:
    path = tmp_path / "model.keras"
    model.save(path)
    return path


# === Calling SavedModels ===


def test_plain_module_works_in_a_functional_model(handles):
    layer = HubLayer(handles["plain"])
    model = _model(layer)
    assert tuple(model.outputs[0].shape) == (None, 3)
    np.testing.assert_allclose(model.predict(X, verbose=0), X @ W + B, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert layer.trainable_weights == []  # trainable defaults to False, as in TF Hub


def test_named_signature_with_output_key(handles):
    layer = HubLayer(handles["named"], signature="encode", output_key="embedding")
    model = _model(layer)
    np.testing.assert_allclose(model(X), X @ W, rtol=1e-5, atol=1e-6)


def test_named_signature_without_output_key_returns_the_dict(handles):
    inputs = keras.Input(shape=(4,))
    outputs = HubLayer(handles["named"], signature="encode")(inputs)
    assert sorted(outputs) == ["embedding", "total"]
    model = keras.Model(inputs, outputs)
    result = model(X)
    np.testing.assert_allclose(result["embedding"], X @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(result["total"], (X @ W).sum(-1, keepdims=True), rtol=1e-5)


def test_signature_with_several_inputs_takes_a_dict(handles):
    left, right = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    layer = HubLayer(handles["named"], signature="pair", output_key="score")
    model = keras.Model([left, right], layer({"left": left, "right": right}))
    np.testing.assert_allclose(model([X, 2 * X]), 3 * X @ W, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"takes several inputs: left, right.*Received: a single"):
        layer(X)
    with pytest.raises(ValueError, match=r"takes the inputs left, right. Received: .*left, wrong"):
        layer({"left": X, "wrong": X})


def test_training_argument_reaches_the_saved_function_only_when_trainable(handles):
    trainable = HubLayer(handles["training"], trainable=True)
    frozen = HubLayer(handles["training"], trainable=False)
    np.testing.assert_allclose(trainable(X, training=True), 2 * X @ W, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(trainable(X, training=False), X @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(frozen(X, training=True), X @ W, rtol=1e-5, atol=1e-6)


def test_mixed_float16_policy_casts_around_the_float32_savedmodel(handles):
    for layer, reference in (
        (HubLayer(handles["plain"], dtype="mixed_float16"), X @ W + B),
        (
            HubLayer(
                handles["named"], signature="encode", output_key="embedding", dtype="mixed_float16"
            ),
            X @ W,
        ),
    ):
        y = layer(X)  # Keras hands the layer float16 inputs; the SavedModel takes float32
        assert keras.backend.standardize_dtype(y.dtype) == "float16"
        np.testing.assert_allclose(np.asarray(y, "float32"), reference, rtol=1e-2, atol=1e-2)
        assert all(keras.backend.standardize_dtype(w.dtype) == "float32" for w in layer.weights)


def test_fine_tuned_model_exports_as_a_savedmodel_with_its_new_weights(handles, tmp_path):
    layer = HubLayer(handles["plain"], trainable=True)
    model = _model(layer)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(X, np.zeros((5, 3), "float32"), epochs=2, batch_size=5, verbose=0)
    model.export(str(tmp_path / "served"), format="tf_saved_model", verbose=False)
    served = tf.saved_model.load(str(tmp_path / "served"))
    kernel, bias = (w.numpy() for w in layer.weights)
    np.testing.assert_allclose(served.serve(X), X @ kernel + bias, rtol=1e-5, atol=1e-5)


# === Bad arguments and bad handles ===


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"handle": ""}, r"handle is a SavedModel directory or a TF Hub URL. Received: handle=''"),
        ({"handle": 3}, r"Received: handle=3"),
        (
            {"handle": "x", "trainable": "yes"},
            r"trainable is True or False. Received: trainable='yes'",
        ),
        ({"handle": "x", "signature": ""}, r"signature is a name or None. Received: signature=''"),
        ({"handle": "x", "output_key": 1}, r"output_key is a name or None"),
    ],
)
def test_bad_arguments_are_refused_before_loading(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HubLayer(**kwargs)


def test_missing_handle_names_the_handle_and_the_reason(tmp_path):
    missing = str(tmp_path / "no_such_model")
    with pytest.raises(ValueError, match="Received: handle=") as info:
        HubLayer(missing)
    assert repr(missing) in str(info.value)
    assert "does not exist" in str(info.value)  # tensorflow_hub's own reason, kept
    assert isinstance(info.value.__cause__, OSError)


def test_folder_without_a_savedmodel_names_the_handle_and_the_reason(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        ValueError, match=r"failed: ValueError: .*contains neither 'saved_model.pb'"
    ):
        HubLayer(str(tmp_path / "empty"))


def test_unreachable_url_names_the_handle_and_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    url = "http://127.0.0.1:9/models/encoder/1"  # the discard port: nothing listens
    with pytest.raises(ValueError, match="failed: URLError") as info:
        HubLayer(url)
    assert repr(url) in str(info.value)


def test_unknown_signature_lists_the_signatures(handles):
    with pytest.raises(ValueError, match=r"signatures are: encode, pair. Did you mean 'encode'"):
        HubLayer(handles["named"], signature="encodes")


def test_no_call_and_no_signature_lists_the_signatures(handles):
    with pytest.raises(ValueError, match=r"has no __call__. Pass signature= one of: encode, pair"):
        HubLayer(handles["named"])


def test_unknown_output_key_lists_the_outputs(handles):
    with pytest.raises(ValueError, match=r"whose outputs are: embedding, total"):
        HubLayer(handles["named"], signature="encode", output_key="logits")


def test_output_key_on_a_tensor_output_is_refused(handles):
    layer = HubLayer(handles["plain"], output_key="logits")
    with pytest.raises(ValueError, match=r"returns .*Tensor. Remove output_key"):
        layer(X)


# === Fine-tuning ===


def test_trainable_layer_gives_gradients_to_the_savedmodel_variables(handles):
    layer = HubLayer(handles["plain"], trainable=True)
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(X, training=True)))
    grads = tape.gradient(loss, layer.trainable_weights)
    y = X @ W + B  # d/dW sum(y^2) = 2 X^T y; d/db = 2 sum(y)
    np.testing.assert_allclose(grads[0], 2 * X.T @ y, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(grads[1], 2 * y.sum(0), rtol=1e-4, atol=1e-4)


def test_fit_updates_the_variables_the_savedmodel_graph_reads(handles):
    layer = HubLayer(handles["plain"], trainable=True)
    model = _model(layer)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(X, np.zeros((5, 3), "float32"), epochs=3, batch_size=5, verbose=0)
    kernel, bias = (w.numpy() for w in layer.weights)
    assert not np.allclose(kernel, W)
    # The SavedModel's own graph computes with the updated values: no stale copy.
    np.testing.assert_allclose(model(X), X @ kernel + bias, rtol=1e-5, atol=1e-5)


def test_frozen_layer_is_left_alone_by_fit(handles):
    layer = HubLayer(handles["plain"])
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(X, np.ones((5, 1), "float32"), epochs=2, verbose=0)
    np.testing.assert_array_equal(layer.weights[0].numpy(), W)
    assert len(model.trainable_weights) == 2  # the head's kernel and bias only
    layer.trainable = True  # unfrozen later, as with any Keras layer
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert len(model.trainable_weights) == 4


# === Saving and trust ===


@pytest.fixture
def fine_tuned(handles, tmp_path):
    """A fine-tuned model saved to .keras, with its outputs."""
    layer = HubLayer(handles["plain"], trainable=True)
    model = _model(layer)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(X, np.zeros((5, 3), "float32"), epochs=2, batch_size=5, verbose=0)
    return _save(model, tmp_path), model(X), handles["plain"]


def test_untrusted_handle_is_refused_on_load(fine_tuned):
    path, _, handle = fine_tuned
    with pytest.raises(trust.UntrustedHandleError) as info:
        keras.saving.load_model(path)
    message = str(info.value)
    assert f"Received: handle={handle!r}, which is not trusted" in message
    for how in (trust.ENV_VAR, "[settings.hub]", "trusted_handles(", "safe_mode=False"):
        assert how in message


def test_untrusted_handle_is_refused_by_from_config_and_model_from_json(handles):
    model = _model(HubLayer(handles["plain"]))
    layer_config = model.layers[-1].get_config()
    with pytest.raises(trust.UntrustedHandleError):
        HubLayer.from_config(layer_config)
    with pytest.raises(trust.UntrustedHandleError):
        keras.models.model_from_json(model.to_json())


def test_construction_in_code_needs_no_trust(handles):
    assert not trust.is_trusted(handles["plain"])
    HubLayer(handles["plain"])  # does not raise


def test_trusted_by_context_manager_loads_the_fine_tuned_weights(fine_tuned):
    path, expected, handle = fine_tuned
    with trust.trusted_handles(handle + "/"):  # same handle, written differently
        loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(X), expected, rtol=1e-6, atol=1e-6)
    # Not the SavedModel's original weights: the .keras file carried the fine-tuned ones.
    assert not np.allclose(expected, X @ W + B, atol=1e-3)
    assert isinstance(loaded.layers[-1], HubLayer)
    with pytest.raises(trust.UntrustedHandleError):  # the trust ended with the block
        keras.saving.load_model(path)


def test_trusted_by_environment_variable(fine_tuned, monkeypatch):
    path, expected, handle = fine_tuned
    monkeypatch.setenv(trust.ENV_VAR, f"/somewhere/else, {handle}")
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(X), expected, rtol=1e-6, atol=1e-6)


def test_trusted_by_registry_settings(fine_tuned, tmp_path, monkeypatch):
    from zoo._registry import Registry, set_default_registry

    path, expected, handle = fine_tuned
    registry_file = tmp_path / "registry.toml"
    registry_file.write_text(f"[settings.hub]\ntrusted_handles = [{json.dumps(handle)}]\n")
    registry = Registry(
        environ={"ZOO_REGISTRY": str(registry_file)}, include_default_file=False, entry_points=[]
    )
    previous = set_default_registry(registry)
    try:
        assert zoo.plugin_settings("hub")["trusted_handles"] == [handle]
        loaded = keras.saving.load_model(path)
    finally:
        set_default_registry(previous)
    np.testing.assert_allclose(loaded(X), expected, rtol=1e-6, atol=1e-6)


def test_malformed_registry_setting_is_reported(tmp_path):
    from zoo._registry import Registry, set_default_registry

    registry_file = tmp_path / "registry.toml"
    registry_file.write_text('[settings.hub]\ntrusted_handles = "/models/encoder"\n')
    registry = Registry(
        environ={"ZOO_REGISTRY": str(registry_file)}, include_default_file=False, entry_points=[]
    )
    previous = set_default_registry(registry)
    try:
        with pytest.raises(zoo.ZooError, match=r"trusted_handles is a list of handles.*Received"):
            trust.is_trusted("/models/encoder")
    finally:
        set_default_registry(previous)


def test_safe_mode_false_loads_an_untrusted_handle(fine_tuned):
    path, expected, _ = fine_tuned
    loaded = keras.saving.load_model(path, safe_mode=False)
    np.testing.assert_allclose(loaded(X), expected, rtol=1e-6, atol=1e-6)


def test_handles_compare_by_real_path(tmp_path):
    real = tmp_path / "models" / "encoder"
    real.mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    with trust.trusted_handles(str(real)):
        assert trust.is_trusted(str(tmp_path / "models" / "x" / ".." / "encoder"))
        assert trust.is_trusted(str(link))  # resolves to the trusted folder
        assert not trust.is_trusted(str(tmp_path / "models"))  # an entry is not a prefix
    with trust.trusted_handles(str(link)):
        assert trust.is_trusted(str(real))
    with trust.trusted_handles("https://tfhub.dev/org/model/1/"):
        assert trust.is_trusted("https://tfhub.dev/org/model/1")
        assert not trust.is_trusted("https://tfhub.dev/org/model/2")


def test_trusted_handles_refuses_non_handles():
    with (
        pytest.raises(trust.UntrustedHandleError, match=r"Received: None"),
        trust.trusted_handles(None),
    ):
        pass


# === A text encoder exported from a zoo model ===

CORPUS = [
    "the film was wonderful and moving",
    "a wonderful cast and a moving story",
    "great acting, great story",
    "the plot was dull and the acting poor",
    "a dull, boring film",
    "poor writing and boring scenes",
]
LABELS = np.array([1, 1, 1, 0, 0, 0])


@pytest.fixture(scope="module")
def text_encoder(tmp_path_factory: pytest.TempPathFactory):
    """The zoo's text_classifier up to its pooled embedding, exported as a SavedModel.

    Returns the handle, the Keras encoder and its tokenizer.
    """
    tokenizer = zoo.get("text/WhitespaceTokenizer")(sequence_length=8)
    tokenizer.adapt(CORPUS)
    classifier = zoo.build("text/text_classifier", tokenizer=tokenizer, embedding_dim=6)
    encoder = keras.Model(classifier.inputs, classifier.get_layer("pooled").output)
    handle = str(tmp_path_factory.mktemp("text") / "encoder")
    encoder.export(handle, format="tf_saved_model", verbose=False)
    return handle, encoder, tokenizer


def _text_hub_layer(handle: str, trainable: bool = False) -> HubLayer:
    return HubLayer(handle, trainable=trainable, signature="serving_default", output_key="output_0")


def _pooled(tokenizer, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
    """Masked mean of the token embeddings: GlobalAveragePooling1D over non-[PAD] ids."""
    ids = np.asarray(tokenizer(tf.constant(texts)))
    mask = (ids != 0)[..., None]
    return (embeddings[ids] * mask).sum(1) / mask.sum(1)


def test_text_encoder_from_a_zoo_model_gives_the_encoder_outputs(text_encoder):
    handle, encoder, tokenizer = text_encoder
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, _text_hub_layer(handle)(inputs))
    texts = [*CORPUS, "an unseen sentence"]
    expected = encoder(tf.constant(texts))
    np.testing.assert_allclose(model(tf.constant(texts)), expected, atol=1e-6)
    embeddings = encoder.get_layer("embedding").get_weights()[0]
    np.testing.assert_allclose(expected, _pooled(tokenizer, embeddings, texts), atol=1e-6)


def test_text_encoder_fine_tunes_and_reloads(text_encoder, tmp_path):
    handle, _, tokenizer = text_encoder
    layer = _text_hub_layer(handle, trainable=True)
    assert [w.name for w in layer.trainable_weights] == ["embedding_embeddings"]
    before = layer.weights[0].numpy().copy()
    inputs = keras.Input(shape=(), dtype="string")
    outputs = keras.layers.Dense(2, activation="softmax")(layer(inputs))
    classifier = keras.Model(inputs, outputs)
    classifier.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy"
    )
    texts = tf.constant(CORPUS)
    classifier.fit(texts, LABELS, epochs=5, batch_size=6, verbose=0)
    after = layer.weights[0].numpy()
    seen = np.unique(np.asarray(tokenizer(texts)))
    assert not np.allclose(after[seen], before[seen])  # rows of seen tokens moved
    # The exported graph reads the fine-tuned embeddings.
    np.testing.assert_allclose(
        layer(texts), _pooled(tokenizer, after, list(CORPUS)), rtol=1e-5, atol=1e-6
    )
    expected = classifier(texts)
    path = _save(classifier, tmp_path)
    with pytest.raises(trust.UntrustedHandleError):
        keras.saving.load_model(path)
    with trust.trusted_handles(handle):
        loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(texts), expected, rtol=1e-6, atol=1e-6)


# === The demo SavedModel behind the spec's example ===


def test_demo_savedmodel_is_written_on_demand_and_deterministic(tmp_path, monkeypatch):
    import zoo_hub
    from zoo_hub import _demo

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    handle = zoo_hub.demo_handle()
    assert handle.startswith(str(tmp_path)) and not os.path.exists(handle)
    layer = HubLayer(handle)
    assert os.path.isfile(os.path.join(handle, "saved_model.pb"))
    assert (os.stat(os.path.dirname(handle)).st_mode & 0o777) == 0o700
    rng = np.random.default_rng(0)  # the weights _demo writes, from their definition
    kernel = rng.standard_normal((4, 3)).astype("float32") / 2
    bias = rng.standard_normal((3,)).astype("float32") / 10
    np.testing.assert_allclose(layer(X), np.tanh(X @ kernel + bias), rtol=1e-5, atol=1e-6)
    norm = HubLayer(handle, signature="encode", output_key="norm")(X)
    np.testing.assert_allclose(
        norm, np.linalg.norm(np.tanh(X @ kernel + bias), axis=-1, keepdims=True), rtol=1e-5
    )
    assert trust.is_trusted(handle)  # written by this code, in a private folder
    assert _demo.ensure_demo_saved_model() == handle  # already there: kept


def test_demo_folder_open_to_others_is_refused(tmp_path, monkeypatch):
    import zoo_hub
    from zoo_hub import _demo

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    folder = Path(zoo_hub.demo_handle()).parent
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(_demo.DemoFolderError, match=r"group or others may write to it"):
        HubLayer(zoo_hub.demo_handle())
    with pytest.raises(_demo.DemoFolderError):
        trust.is_trusted(zoo_hub.demo_handle())


# === In a fresh process ===


@pytest.mark.slow
def test_fresh_process_refuses_then_loads_when_trusted(fine_tuned, text_encoder, tmp_path):
    """A new process, which has imported neither tensorflow_text nor the zoo's text plugin."""
    path, expected, handle = fine_tuned
    text_handle = text_encoder[0]
    inputs = keras.Input(shape=(), dtype="string")
    outputs = keras.layers.Dense(2, activation="softmax")(_text_hub_layer(text_handle)(inputs))
    text_model = keras.Model(inputs, outputs)
    text_path = tmp_path / "text.keras"
    text_model.save(text_path)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "expected.npy", expected)
    np.save(tmp_path / "text_expected.npy", text_model(tf.constant(CORPUS)))
    script = textwrap.dedent(
        f"""
        import os, sys
        import keras, numpy as np, tensorflow as tf
        import zoo_hub.hub_layer  # registers zoo.hub>HubLayer with Keras
        from zoo_hub import trust
        x = np.load({str(tmp_path / "x.npy")!r})
        expected = np.load({str(tmp_path / "expected.npy")!r})
        text_expected = np.load({str(tmp_path / "text_expected.npy")!r})
        try:
            keras.saving.load_model({str(path)!r})
        except trust.UntrustedHandleError:
            print("refused")
        os.environ[trust.ENV_VAR] = {handle!r} + "," + {text_handle!r}
        model = keras.saving.load_model({str(path)!r})
        print("same", bool(np.allclose(model(x), expected, atol=1e-6)))
        print("tensorflow_text imported:", "tensorflow_text" in sys.modules)
        model = keras.saving.load_model({str(text_path)!r})
        texts = tf.constant({CORPUS!r})
        same = np.allclose(model(texts), text_expected, atol=1e-6)
        print("text same", bool(same), "tensorflow_text" in sys.modules)
        del os.environ[trust.ENV_VAR]
        keras.config.enable_unsafe_deserialization()
        model = keras.saving.load_model({str(path)!r})
        print("unsafe", bool(np.allclose(model(x), expected, atol=1e-6)))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != trust.ENV_VAR}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().split("\n")[-5:] == [
        "refused",
        "same True",
        "tensorflow_text imported: False",
        "text same True True",  # HubLayer imported tensorflow_text for the text ops
        "unsafe True",
    ]


def test_plugin_module_and_trust_policy_do_not_import_tensorflow():
    code = (
        "import sys, zoo_hub, zoo_hub.trust; "
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
