"""Image preprocessors: results against references, the same in a model and in tf.data."""

from __future__ import annotations

import colorsys
import io

import keras
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
Image = pytest.importorskip("PIL.Image")

from keras.src.testing import TestCase as KerasTestCase  # noqa: E402
from zoo_vision.decode_and_resize import DecodeAndResize  # noqa: E402
from zoo_vision.image_augmentation import ImageAugmentation  # noqa: E402
from zoo_vision.image_normalization import IMAGENET_MEAN, IMAGENET_STD, ImageNormalization  # noqa: E402
from zoo_vision.random_color_distortion import RandomColorDistortion  # noqa: E402

pytestmark = pytest.mark.skipif(
    keras.config.backend() != "tensorflow", reason="tf.data comparisons need TensorFlow"
)

RNG = np.random.default_rng(11)


def encode(array, format="PNG"):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=format)
    return buffer.getvalue()


def numpy_of(value):
    return keras.ops.convert_to_numpy(value)


def in_model(layer, x, **call_kwargs):
    """The layer's output inside a Functional model."""
    inputs = keras.Input(shape=x.shape[1:], dtype="string" if x.dtype.kind == "S" else "float32")
    model = keras.Model(inputs, layer(inputs, **call_kwargs))
    return numpy_of(model(x))


def in_tf_data(layer, x, batch=True, **call_kwargs):
    """The layer's output in a tf.data map: over batches, or per element then batched."""
    if batch:
        dataset = tf.data.Dataset.from_tensors(x).map(lambda t: layer(t, **call_kwargs))
    else:
        dataset = (
            tf.data.Dataset.from_tensor_slices(x)
            .map(lambda t: layer(t, **call_kwargs))
            .batch(len(x))
        )
    return np.concatenate([element.numpy() for element in dataset])


# === DecodeAndResize ===

PIXELS = RNG.integers(0, 256, (5, 7, 3)).astype("uint8")


def test_decoding_at_the_file_size_gives_the_file_pixels():
    data = np.array([encode(PIXELS)])
    out = numpy_of(DecodeAndResize(5, 7)(data))
    np.testing.assert_array_equal(out, PIXELS[None].astype("float32"))
    jpeg = np.array([encode(PIXELS, "JPEG")])
    reference = np.asarray(Image.open(io.BytesIO(jpeg[0]))).astype("float32")
    # Two JPEG decoders (TensorFlow's and PIL's libjpeg builds) differ by a few levels.
    difference = np.abs(numpy_of(DecodeAndResize(5, 7)(jpeg))[0] - reference)
    assert difference.max() <= 4 and difference.mean() < 1.5


def test_fit_crop_keeps_the_centre_and_pad_adds_bands():
    wide = np.zeros((4, 8, 3), "uint8")
    wide[:, :2] = (255, 0, 0)  # red quarter
    wide[:, 2:6] = (0, 255, 0)  # green half in the centre
    wide[:, 6:] = (0, 0, 255)  # blue quarter
    data = np.array([encode(wide)])
    cropped = numpy_of(DecodeAndResize(2, 2, fit="crop", interpolation="nearest")(data))[0]
    np.testing.assert_array_equal(cropped, np.broadcast_to([0, 255, 0], (2, 2, 3)))

    stretched = numpy_of(DecodeAndResize(2, 2, interpolation="nearest")(data))[0]
    assert {tuple(p) for p in stretched.reshape(-1, 3)} != {(0, 255, 0)}

    white = np.full((4, 8, 3), 255, "uint8")
    padded = numpy_of(
        DecodeAndResize(8, 8, fit="pad", interpolation="nearest", fill_value=7)(
            np.array([encode(white)])
        )
    )[0]
    np.testing.assert_array_equal(padded[:2], 7)  # two padded rows above...
    np.testing.assert_array_equal(padded[2:6], 255)
    np.testing.assert_array_equal(padded[6:], 7)  # ...and two below


def test_grayscale_and_single_images():
    data = encode(PIXELS)
    gray = numpy_of(DecodeAndResize(5, 7, channels=1)(np.array(data)))
    assert gray.shape == (5, 7, 1)  # a scalar string gives one image
    reference = np.asarray(Image.fromarray(PIXELS).convert("L")).astype("float32")
    assert np.abs(gray[..., 0] - reference).max() <= 1


def test_decode_and_resize_agrees_in_model_and_in_tf_data():
    images = [RNG.integers(0, 256, (h, w, 3)).astype("uint8") for h, w in [(9, 5), (4, 12), (6, 6)]]
    data = np.array([encode(image) for image in images])
    for fit in ("stretch", "crop", "pad"):
        layer = DecodeAndResize(6, 4, fit=fit)
        eager = numpy_of(layer(data))
        assert eager.shape == (3, 6, 4, 3)
        np.testing.assert_allclose(in_model(layer, data), eager, atol=1e-4)
        np.testing.assert_allclose(in_tf_data(layer, data, batch=False), eager, atol=1e-4)
        np.testing.assert_allclose(in_tf_data(layer, data, batch=True), eager, atol=1e-4)


def test_decode_and_resize_arguments_and_bad_bytes():
    with pytest.raises(ValueError, match="fit is one of 'stretch', 'crop', 'pad'"):
        DecodeAndResize(4, 4, fit="letterbox")
    with pytest.raises(ValueError, match="height is a positive integer"):
        DecodeAndResize(0, 4)
    with pytest.raises(ValueError, match="channels is one of 1, 3"):
        DecodeAndResize(4, 4, channels=4)
    with pytest.raises(tf.errors.InvalidArgumentError):
        DecodeAndResize(4, 4)(np.array([b"not an image"]))


# === ImageNormalization ===


def test_normalization_matches_the_formula():
    x = RNG.uniform(0, 255, (2, 3, 4, 3)).astype("float32")
    expected = (x / 255 - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    np.testing.assert_allclose(numpy_of(ImageNormalization()(x)), expected, rtol=1e-5, atol=1e-5)
    layer = ImageNormalization(mean=0.5, std=0.25, scale=2.0, offset=-1.0)
    np.testing.assert_allclose(numpy_of(layer(x)), (x * 2 - 1 - 0.5) / 0.25, rtol=1e-5)
    first = ImageNormalization(data_format="channels_first")(np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_allclose(
        np.transpose(numpy_of(first), (0, 2, 3, 1)), expected, rtol=1e-5, atol=1e-5
    )


def test_normalization_agrees_in_model_and_in_tf_data():
    x = RNG.uniform(0, 255, (4, 5, 5, 3)).astype("float32")
    layer = ImageNormalization()
    eager = numpy_of(layer(x))
    np.testing.assert_allclose(in_model(layer, x), eager, rtol=1e-6)
    np.testing.assert_allclose(in_tf_data(layer, x, batch=False), eager, rtol=1e-6)


def test_normalization_errors():
    with pytest.raises(ValueError, match="std must be positive"):
        ImageNormalization(std=(1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="mean and std give the same number of channels"):
        ImageNormalization(mean=(0.1, 0.2), std=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="Received: input_shape=\\(2, 4, 4, 1\\)"):
        ImageNormalization()(np.zeros((2, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="mean is a number or one number per channel"):
        ImageNormalization(mean="imagenet")


# === RandomColorDistortion ===

OFF = {"brightness": 0, "contrast": 0, "saturation": 0, "hue": 0}
LUMA = np.array([0.299, 0.587, 0.114])


def distort(x, **kwargs):
    layer = RandomColorDistortion(**{**OFF, **kwargs}, seed=0)
    return numpy_of(layer(x, training=True))


def test_color_distortion_is_the_identity_outside_training():
    x = RNG.uniform(0, 255, (3, 6, 6, 3)).astype("float32")
    layer = RandomColorDistortion(seed=0)
    np.testing.assert_array_equal(numpy_of(layer(x)), x)
    inputs = keras.Input((6, 6, 3))
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_each_distortion_matches_its_definition():
    x = RNG.uniform(0, 255, (2, 5, 5, 3)).astype("float32")
    unit = x / 255
    np.testing.assert_allclose(
        distort(x, brightness=(1.5, 1.5)), np.clip(unit * 1.5, 0, 1) * 255, rtol=1e-5, atol=1e-3
    )
    mean = (unit @ LUMA).mean(axis=(1, 2))[:, None, None, None]
    np.testing.assert_allclose(
        distort(x, contrast=(0.5, 0.5)), (mean + (unit - mean) * 0.5) * 255, rtol=1e-5, atol=1e-3
    )
    gray = (unit @ LUMA)[..., None]
    np.testing.assert_allclose(
        distort(x, saturation=(0.0, 0.0)), np.repeat(gray, 3, axis=-1) * 255, atol=1e-3
    )
    turned = np.array(
        [
            colorsys.hsv_to_rgb((h + 0.25) % 1.0, s, v)
            for h, s, v in (colorsys.rgb_to_hsv(*p) for p in unit.reshape(-1, 3))
        ]
    ).reshape(unit.shape)
    np.testing.assert_allclose(distort(x, hue=(0.25, 0.25)), turned * 255, atol=1e-2)


def test_value_range_is_respected():
    x = RNG.uniform(0, 1, (2, 4, 4, 3)).astype("float32")
    out = distort(x, brightness=(1.5, 1.5), value_range=(0, 1))
    np.testing.assert_allclose(out, np.clip(x * 1.5, 0, 1), rtol=1e-5, atol=1e-6)
    strong = numpy_of(RandomColorDistortion(2.0, 2.0, 2.0, 0.5, seed=1)(x * 255, training=True))
    assert strong.min() >= 0 and strong.max() <= 255


def test_each_image_draws_its_own_factors_within_the_range():
    x = np.full((16, 3, 3, 3), 100.0, "float32")
    out = distort(x, brightness=(0.5, 1.5))
    per_image = out[:, 0, 0, 0]
    np.testing.assert_allclose(out, per_image[:, None, None, None] * np.ones_like(out), rtol=1e-6)
    assert np.all((per_image >= 50 - 1e-3) & (per_image <= 150 + 1e-3))
    assert len(np.unique(np.round(per_image, 3))) == 16


def test_color_distortion_agrees_in_model_and_in_tf_data_with_a_seed():
    x = RNG.uniform(0, 255, (4, 6, 6, 3)).astype("float32")
    eager = numpy_of(RandomColorDistortion(seed=7)(x, training=True))
    assert not np.allclose(eager, x)
    model_out = in_model(RandomColorDistortion(seed=7), x, training=True)
    data_out = in_tf_data(RandomColorDistortion(seed=7), x, training=True)
    np.testing.assert_allclose(model_out, eager, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(data_out, eager, rtol=1e-5, atol=1e-3)


def test_color_distortion_errors():
    with pytest.raises(ValueError, match="hue is a non-negative strength or a \\(low, high\\)"):
        RandomColorDistortion(hue=(0.2, 0.7))
    with pytest.raises(ValueError, match="brightness is a non-negative strength"):
        RandomColorDistortion(brightness=-0.1)
    with pytest.raises(ValueError, match="value_range is \\(low, high\\) with low < high"):
        RandomColorDistortion(value_range=(1, 0))
    with pytest.raises(ValueError, match="saturation and hue changes need RGB images"):
        RandomColorDistortion()(np.zeros((1, 4, 4, 1), "float32"))
    gray = np.full((1, 4, 4, 1), 100.0, "float32")
    out = RandomColorDistortion(saturation=0, hue=0, contrast=0, brightness=(2, 2))(
        gray, training=True
    )
    np.testing.assert_allclose(numpy_of(out), 200.0)


# === ImageAugmentation ===


def test_augmentation_outside_training_passes_through_or_centre_crops():
    x = RNG.uniform(size=(2, 10, 8, 3)).astype("float32")
    np.testing.assert_array_equal(numpy_of(ImageAugmentation(seed=0)(x)), x)
    cropped = numpy_of(ImageAugmentation(crop=(6, 4), seed=0)(x))
    np.testing.assert_array_equal(cropped, x[:, 2:8, 2:6])


def test_flip_gives_the_image_or_its_mirror():
    x = RNG.uniform(size=(16, 5, 5, 3)).astype("float32")
    out = numpy_of(ImageAugmentation(rotation=0, zoom=0, seed=3)(x, training=True))
    same = [np.array_equal(o, i) for o, i in zip(out, x)]
    mirrored = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, x)]
    assert all(a or b for a, b in zip(same, mirrored))
    assert any(same) and any(mirrored)


def test_random_crop_takes_a_window_of_the_image():
    x = RNG.uniform(size=(4, 10, 10, 3)).astype("float32")
    out = numpy_of(
        ImageAugmentation(flip=None, rotation=0, zoom=0, crop=6, seed=1)(x, training=True)
    )
    assert out.shape == (4, 6, 6, 3)
    windows = {
        (top, left)
        for top in range(5)
        for left in range(5)
        if np.array_equal(out, x[:, top : top + 6, left : left + 6])
    }
    assert len(windows) == 1


def test_augmentation_agrees_in_model_and_in_tf_data_with_a_seed():
    x = RNG.uniform(size=(4, 12, 12, 3)).astype("float32")
    make = lambda: ImageAugmentation(rotation=0.1, zoom=0.2, crop=(8, 8), seed=5)  # noqa: E731
    eager = numpy_of(make()(x, training=True))
    assert eager.shape == (4, 8, 8, 3)
    np.testing.assert_allclose(in_model(make(), x, training=True), eager, atol=1e-5)
    np.testing.assert_allclose(in_tf_data(make(), x, training=True), eager, atol=1e-5)
    np.testing.assert_allclose(in_tf_data(make(), x), numpy_of(make()(x)), atol=1e-6)


class _KerasHarness(KerasTestCase):
    """Keras' own layer test harness (run_layer_test), outside unittest's runner."""

    def runTest(self):  # unittest needs a method to construct the case
        pass


@pytest.mark.parametrize(
    "kwargs, output_shape",
    [
        ({"seed": 1}, (2, 8, 8, 3)),
        ({"crop": (6, 4), "rotation": 0.1, "zoom": 0.2, "seed": 1}, (2, 6, 4, 3)),
        ({"flip": None, "rotation": 0, "zoom": 0}, (2, 8, 8, 3)),
    ],
)
def test_augmentation_passes_keras_run_layer_test(kwargs, output_shape):
    # Its mixed-precision step builds the layer with dtype="mixed_float16" and expects
    # float16 outputs and float32 weights (the steps once computed in float32).
    _KerasHarness().run_layer_test(
        ImageAugmentation,
        init_kwargs=kwargs,
        input_shape=(2, 8, 8, 3),
        expected_output_shape=output_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
        run_training_check=False,
    )


def test_augmentation_outputs_follow_the_compute_dtype_in_training_and_inference():
    x = RNG.uniform(size=(2, 8, 8, 3)).astype("float32")
    augment = ImageAugmentation(crop=(6, 6), seed=0, dtype="mixed_float16")
    assert all(step.dtype_policy.name == "mixed_float16" for step in augment.steps)
    for training in (True, False):
        assert keras.backend.standardize_dtype(augment(x, training=training).dtype) == "float16"
    assert keras.backend.standardize_dtype(ImageAugmentation(seed=0)(x).dtype) == "float32"


def test_augmentation_errors():
    with pytest.raises(ValueError, match="flip is one of"):
        ImageAugmentation(flip="diagonal")
    with pytest.raises(ValueError, match="rotation is a number in \\[0, 0.5\\]"):
        ImageAugmentation(rotation=2)
    with pytest.raises(ValueError, match="crop is \\(height, width\\)"):
        ImageAugmentation(crop=(0, 4))
    with pytest.raises(ValueError, match="images are \\(height, width, channels\\)"):
        ImageAugmentation()(np.zeros((2, 3), "float32"))
