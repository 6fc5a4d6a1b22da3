"""Tests of the tabular plugin: the zoo's conformance kit, and NumPy references."""

import math

import keras
import numpy as np
import pytest
import zoo
import zoo.testing

# One test per component and recipe of the plugin, through every check of the kit.
test_conformance = zoo.testing.conformance_test(plugin="tabular")


def periodic_reference(x, frequencies, kernel=None, bias=None):
    """PLR from its definition, feature by feature, in float64."""
    out = []
    for i in range(x.shape[1]):
        phases = 2 * math.pi * x[:, i : i + 1] * frequencies[i]
        periodic = np.concatenate([np.sin(phases), np.cos(phases)], axis=-1)
        if kernel is not None:
            periodic = np.maximum(periodic @ kernel[i] + bias[i], 0.0)
        out.append(periodic)
    return np.stack(out, axis=1)


def piecewise_reference(x, edges):
    """PLE from its definition (Gorishniy et al. 2022, eq. 2), one value at a time."""
    features, count = len(edges), len(edges[0]) - 1
    out = np.zeros((len(x), features, count))
    for n, row in enumerate(x):
        for i, value in enumerate(row):
            b = edges[i]
            for t in range(1, count + 1):
                if value < b[t - 1] and t > 1:
                    out[n, i, t - 1] = 0.0
                elif value >= b[t] and t < count:
                    out[n, i, t - 1] = 1.0
                else:
                    out[n, i, t - 1] = (value - b[t - 1]) / (b[t] - b[t - 1])
    return out


def test_periodic_embedding_matches_numpy():
    layer = zoo.get("tabular/PeriodicEmbedding")(num_frequencies=3, sigma=0.5, embedding_dim=4)
    x = np.random.default_rng(0).standard_normal((5, 2)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    frequencies, kernel, bias = (np.asarray(w, "float64") for w in layer.get_weights())
    np.testing.assert_allclose(y, periodic_reference(x, frequencies, kernel, bias), atol=1e-5)
    bare = zoo.get("tabular/PeriodicEmbedding")(num_frequencies=3, embedding_dim=None)
    y = keras.ops.convert_to_numpy(bare(x))
    assert y.shape == (5, 2, 6)
    np.testing.assert_allclose(y, periodic_reference(x, bare.get_weights()[0]), atol=1e-5)


def test_piecewise_encoding_matches_numpy():
    edges = [[-1.0, 0.0, 0.5, 2.0], [0.0, 1.0, 2.0, 3.0]]
    layer = zoo.get("tabular/PiecewiseLinearEncoding")(bins=edges)
    x = np.array([[-3.0, 0.5], [0.25, 3.5], [0.5, 1.0], [1.0, -1.0]], "float32")
    y = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(y, piecewise_reference(x, edges), atol=1e-6)
    # Below the first edge the first bin goes negative; above the last, the last exceeds 1.
    assert y[0, 0, 0] == pytest.approx(-2.0) and y[1, 1, 2] == pytest.approx(1.5)


def test_quantile_bins_are_strictly_increasing_even_for_discrete_features():
    Encoding = zoo.get("tabular/PiecewiseLinearEncoding")
    rng = np.random.default_rng(1)
    data = np.stack([rng.standard_normal(200), rng.integers(0, 2, 200)], axis=1)
    edges = np.asarray(Encoding.quantile_bins(data, num_bins=4))
    assert edges.shape == (2, 5) and np.all(np.diff(edges, axis=1) > 0)
    np.testing.assert_allclose(edges[0], np.quantile(data[:, 0], [0, 0.25, 0.5, 0.75, 1]), 1e-6)
    layer = Encoding(num_bins=4)
    layer.adapt(data)
    y = keras.ops.convert_to_numpy(layer(data.astype("float32")))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, piecewise_reference(data.astype("float32"), layer.bins), 1e-4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: zoo.get("tabular/PeriodicEmbedding")(num_frequencies=0), "num_frequencies is"),
        (lambda: zoo.get("tabular/PeriodicEmbedding")(sigma=-1.0), "sigma is a positive"),
        (
            lambda: zoo.get("tabular/PiecewiseLinearEncoding")(bins=[[0.0, 0.0, 1.0]]),
            "strictly increasing",
        ),
        (
            lambda: zoo.get("tabular/PiecewiseLinearEncoding")()(np.zeros((1, 2), "float32")),
            "needs bin edges before it runs",
        ),
        (
            lambda: zoo.build("tabular/tabular_mlp", embedding="piecewise"),
            "The piecewise embedding needs bin edges",
        ),
    ],
)
def test_bad_arguments_are_refused(make, message):
    with pytest.raises((ValueError, zoo.ZooError), match=message):
        make()


def test_every_embedding_builds_and_the_recipe_too():
    bins = [[-1.0, 0.0, 1.0]] * 3
    for embedding in ("none", "periodic", "piecewise"):
        model = zoo.build("tabular/tabular_mlp", num_features=3, embedding=embedding, bins=bins)
        assert model.output_shape == (None, 2)
    assert zoo.build("tabular/plr_mlp").input_shape == (None, 30)
