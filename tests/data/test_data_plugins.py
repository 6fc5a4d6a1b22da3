"""forecast/diabetes, forecast/co2 and text/fortunes against their references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo.data import split_indices


def test_diabetes_standardized_on_train():
    from sklearn.datasets import load_diabetes

    data = zoo.load_data("forecast/diabetes", seed=2)
    info = data.info
    assert info.task == "quantile_regression" and info.builder_arguments == {"input_dim": 10}
    features, target = load_diabetes(return_X_y=True)
    index = split_indices(target, seed=2, stratified=False)
    x, _y = data.arrays("train")
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=0), 1, atol=1e-4)
    mean, std = np.array(info.preprocessing["mean"]), np.array(info.preprocessing["std"])
    x_test, y_test = data.arrays("test")
    np.testing.assert_allclose(x_test * std + mean, features[index["test"]], atol=1e-5)
    restored = y_test * info.preprocessing["target_std"] + info.preprocessing["target_mean"]
    np.testing.assert_allclose(restored, target[index["test"]], rtol=1e-5)


def test_co2_windows_are_chronological_and_invertible():
    from zoo_forecast.co2 import load_series

    data = zoo.load_data("forecast/co2", window=12, horizon=3)
    info = data.info
    assert info.builder_arguments == {"window": 12, "horizon": 3, "num_features": 1}
    assert info.input_shape == (12, 1) and info.target_shape == (3,)
    series, _ = load_series()
    mean, std = info.preprocessing["mean"], info.preprocessing["std"]
    x, y = data.arrays("train")
    np.testing.assert_allclose(x[0, :, 0] * std + mean, series[:12], rtol=1e-5)
    np.testing.assert_allclose(y[0] * std + mean, series[12:15], rtol=1e-5)
    _x_test, y_test = data.arrays("test")
    np.testing.assert_allclose(y_test[-1] * std + mean, series[-3:], rtol=1e-5)
    # the training windows end where the validation months start (70% of the months)
    n = len(series)
    assert info.sizes["train"] + 11 + 3 == round(n * 0.7)
    assert len(y_test) == n - round(n * 0.8) - 2


def _fortune_folder(root: Path) -> Path:
    root.mkdir()
    (root / "cats").write_text("%\n".join(f"the cat number {i} sat\n" for i in range(20)))
    (root / "dogs").write_text("%\n".join(f"a dog {i} barked\nloudly\n" for i in range(20)))
    return root


def test_fortunes_token_ids_from_a_tokenizer_adapted_on_train(tmp_path):
    folder = _fortune_folder(tmp_path / "fortunes")
    data = zoo.load_data(
        "text/fortunes", folder=str(folder), categories=["cats", "dogs"], sequence_length=8
    )
    info = data.info
    assert info.class_names == ("cats", "dogs") and info.sizes["test"] == 8
    assert info.builder_arguments["num_classes"] == 2
    assert info.builder_arguments["sequence_length"] == 8
    x, y = data.arrays("test")
    assert x.shape == (8, 8) and x.dtype == np.int32
    tokenizer = zoo.get("text/WhitespaceTokenizer")(sequence_length=8)
    raw = zoo.load_data("text/fortunes", folder=str(folder), categories=["cats", "dogs"], raw=True)
    train_texts = raw.arrays("train")[0]
    tokenizer.adapt(train_texts.tolist())
    np.testing.assert_array_equal(x, tokenizer(raw.arrays("test")[0].astype(object)).numpy())
    assert info.builder_arguments["vocabulary_size"] == tokenizer.vocabulary_size()
    assert raw.info.input_dtype.startswith("<U") or raw.info.input_dtype == "object"
    np.testing.assert_array_equal(y, raw.arrays("test")[1])


def test_fortunes_missing_says_apt_get(tmp_path):
    with pytest.raises(zoo.ZooError, match="apt-get install fortunes"):
        zoo.load_data("text/fortunes", folder=str(tmp_path))


def test_fortunes_on_debian_corpus_when_installed():
    if not Path("/usr/share/games/fortunes/computers").is_file():
        # The source's logic is tested above on files this test writes; this one needs
        # the system corpus (.ci/run installs it where apt-get can).
        pytest.skip("Debian's fortunes are not installed: apt-get install fortunes")
    data = zoo.load_data("text/fortunes", categories=["computers", "startrek"], raw=True)
    assert data.info.num_classes == 2 and sum(data.info.sizes.values()) > 500
