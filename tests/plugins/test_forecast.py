"""The forecast plugin: QuantileLoss, quantile metrics, the non-crossing head, builders.

References: scikit-learn's ``mean_pinball_loss`` and numpy written from the definitions.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mean_pinball_loss

import zoo

keras = pytest.importorskip("keras")
ops = keras.ops

QS = [0.1, 0.5, 0.9]


def _cls(name: str):
    return zoo.get(f"forecast/{name}")


def _np(x) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(x))


def _sklearn_loss(y_true: np.ndarray, y_pred: np.ndarray, quantiles, sample_weight=None):
    """scikit-learn's mean pinball loss, averaged over quantile columns."""
    q_count = len(quantiles)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    columns = np.broadcast_to(y_true, (len(y_true), q_count))
    return np.mean(
        [
            mean_pinball_loss(columns[:, i], y_pred[:, i], alpha=q, sample_weight=sample_weight)
            for i, q in enumerate(quantiles)
        ]
    )


def _loop_reference(y_true: np.ndarray, y_pred: np.ndarray, quantiles) -> np.ndarray:
    """Per-sample loss with a Python loop over quantiles, from the definition."""
    y = y_true.reshape(len(y_true), -1)
    per_quantile = []
    for i, q in enumerate(quantiles):
        target = y[:, 0] if y.shape[1] == 1 else y[:, i]
        error = target - y_pred[:, i]
        per_quantile.append(np.where(error >= 0, q * error, (q - 1) * error))
    return np.mean(per_quantile, axis=0)


# === QuantileLoss: values ===


@pytest.mark.parametrize("target", ["(B,)", "(B, 1)", "(B, Q)"])
def test_quantile_loss_equals_sklearn_for_every_target_shape(target: str) -> None:
    rng = np.random.default_rng(0)
    batch, quantiles = 64, [0.05, 0.25, 0.5, 0.75, 0.95]
    y_pred = rng.normal(size=(batch, len(quantiles)))
    y_true = {
        "(B,)": rng.normal(size=(batch,)),
        "(B, 1)": rng.normal(size=(batch, 1)),
        "(B, Q)": rng.normal(size=(batch, len(quantiles))),
    }[target]
    loss = _cls("QuantileLoss")(quantiles=quantiles)
    expected = _sklearn_loss(y_true, y_pred, quantiles)
    got = float(loss(y_true.astype("float32"), y_pred.astype("float32")))
    assert got == pytest.approx(expected, abs=1e-6)
    per_sample = _cls("QuantileLoss")(quantiles=quantiles, reduction=None)(y_true, y_pred)
    np.testing.assert_allclose(
        _np(per_sample), _loop_reference(y_true, y_pred, quantiles), atol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 9),
    levels=st.lists(st.floats(0.01, 0.99), min_size=1, max_size=6, unique=True),
    target=st.sampled_from(["(B,)", "(B, 1)", "(B, Q)"]),
    seed=st.integers(0, 2**16),
)
def test_quantile_loss_property_against_sklearn(batch, levels, target, seed) -> None:
    # Batch sizes equal to the number of quantiles (and 1) are where broadcasting bugs hide.
    rng = np.random.default_rng(seed)
    q_count = len(levels)
    y_pred = rng.normal(size=(batch, q_count)) * 3
    shape = {"(B,)": (batch,), "(B, 1)": (batch, 1), "(B, Q)": (batch, q_count)}[target]
    y_true = rng.normal(size=shape) * 3
    loss = _cls("QuantileLoss")(quantiles=levels, dtype="float64")
    got = float(loss(y_true, y_pred))
    assert got == pytest.approx(_sklearn_loss(y_true, y_pred, levels), abs=1e-9)


def test_column_target_and_flat_target_give_the_same_right_value() -> None:
    # The classic bug: (B, 1) - (B,) broadcasts to (B, B). Here B == 4 and Q == 1.
    y_true = np.array([0.0, 1.0, 2.0, 3.0], dtype="float32")
    y_pred = np.array([[0.5], [1.5], [1.0], [4.0]], dtype="float32")
    q = 0.9
    # errors -0.5, -0.5, 1.0, -1.0 cost 0.05, 0.05, 0.9, 0.1: the mean is 0.275.
    expected = 0.275
    loss = _cls("QuantileLoss")(quantiles=[q])
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, abs=1e-6)
    assert float(loss(y_true[:, None], y_pred)) == pytest.approx(expected, abs=1e-6)
    # What the naive expression computes on the same data: the mean over a (4, 4) grid.
    grid = y_true - y_pred  # numpy broadcasts (4, 1) against (4,) exactly as the bug does
    assert grid.shape == (4, 4)
    naive = float(np.mean(np.maximum(q * grid, (q - 1) * grid)))
    assert naive == pytest.approx(0.61875)  # 9.9 / 16 over the 16 pairs, not 0.275


def test_forecast_horizon_targets_and_per_sample_weights() -> None:
    rng = np.random.default_rng(1)
    batch, horizon = 3, 3  # horizon == batch: a (B,) weight must not broadcast along H
    y_pred = rng.normal(size=(batch, horizon, len(QS)))
    y_true = rng.normal(size=(batch, horizon))
    weights = np.array([1.0, 0.0, 3.0])
    error = y_true[..., None] - y_pred
    q = np.array(QS)
    per_step = np.mean(np.maximum(q * error, (q - 1) * error), axis=-1)  # (B, H)
    loss = _cls("QuantileLoss")(quantiles=QS, dtype="float64")
    assert float(loss(y_true, y_pred)) == pytest.approx(per_step.mean(), abs=1e-12)
    assert float(loss(y_true[..., None], y_pred)) == pytest.approx(per_step.mean(), abs=1e-12)
    weighted = float(loss(y_true, y_pred, sample_weight=weights))
    assert weighted == pytest.approx((per_step * weights[:, None]).sum() / per_step.size, abs=1e-12)


def test_reductions_and_sample_weight_follow_keras() -> None:
    rng = np.random.default_rng(2)
    y_pred = rng.normal(size=(10, 3))
    y_true = rng.normal(size=(10,))
    weights = rng.uniform(0.1, 2.0, size=(10,))
    per_sample = _loop_reference(y_true, y_pred, QS)

    def loss(**kwargs):
        return _cls("QuantileLoss")(quantiles=QS, dtype="float64", **kwargs)

    np.testing.assert_allclose(_np(loss(reduction="none")(y_true, y_pred)), per_sample, atol=1e-12)
    assert float(loss(reduction="sum")(y_true, y_pred)) == pytest.approx(per_sample.sum())
    assert float(loss()(y_true, y_pred, sample_weight=weights)) == pytest.approx(
        (per_sample * weights).sum() / 10
    )
    # Keras' "mean_with_sample_weight" is scikit-learn's weighted average.
    mean_weighted = loss(reduction="mean_with_sample_weight")(y_true, y_pred, sample_weight=weights)
    assert float(mean_weighted) == pytest.approx(
        _sklearn_loss(y_true, y_pred, QS, sample_weight=weights), abs=1e-12
    )
    # The same Keras reference: a built-in loss gives the same weighted mean.
    mae = keras.losses.MeanAbsoluteError(reduction="mean_with_sample_weight")
    median = _cls("QuantileLoss")(quantiles=[0.5], reduction="mean_with_sample_weight")
    y_med = y_pred[:, :1].astype("float32")
    assert 0.5 * float(mae(y_true[:, None], y_med, sample_weight=weights)) == pytest.approx(
        float(median(y_true, y_med, sample_weight=weights)), rel=1e-5
    )


# === QuantileLoss: errors and config ===


@pytest.mark.parametrize(
    ("y_true_shape", "y_pred_shape", "match"),
    [
        (
            (8, 2),
            (8, 3),
            r"y_true of shape \(8,\), \(8, 1\) or \(8, 3\).*Received: y_true.shape=\(8, 2\)",
        ),
        ((8, 3, 1), (8, 3), r"Received: y_true.shape=\(8, 3, 1\)"),
        ((7,), (8, 3), r"Received: y_true.shape=\(7,\)"),
        (
            (8,),
            (8,),
            r"y_pred of shape \(batch, ..., num_quantiles\).*Received: y_pred.shape=\(8,\)",
        ),
        ((8,), (8, 4), r"Received: y_pred.shape=\(8, 4\) for 3 quantiles"),
    ],
)
def test_quantile_loss_refuses_other_shapes(y_true_shape, y_pred_shape, match) -> None:
    loss = _cls("QuantileLoss")(quantiles=QS)
    with pytest.raises(ValueError, match=match):
        loss(np.zeros(y_true_shape, "float32"), np.zeros(y_pred_shape, "float32"))


@pytest.mark.parametrize(
    ("quantiles", "match"),
    [
        ([0.0, 0.5], r"strictly between 0 and 1.*\[0.0\] are outside"),
        ([0.5, 1.0], r"strictly between 0 and 1"),
        ([-0.1], r"strictly between 0 and 1"),
        ([float("nan")], r"strictly between 0 and 1"),
        ([0.1, 0.5, 0.1], r"distinct quantiles.*repeats \[0.1\]"),
        ([], r"non-empty list of numbers"),
        ("0.5", r"non-empty list of numbers"),
        ([True], r"non-empty list of numbers"),
        (0.5, r"non-empty list of numbers"),
    ],
)
def test_quantiles_are_validated(quantiles, match) -> None:
    for name in ("QuantileLoss", "MeanPinballLoss", "IntervalCoverage", "IntervalWidth"):
        with pytest.raises(ValueError, match=match):
            _cls(name)(quantiles=quantiles)


def test_quantile_loss_config_round_trip_and_compiled_save(tmp_path) -> None:
    loss = _cls("QuantileLoss")(quantiles=(0.2, 0.8), reduction="sum", name="pinball")
    config = loss.get_config()
    assert config["quantiles"] == [0.2, 0.8]
    assert config["reduction"] == "sum" and config["name"] == "pinball"
    assert keras.saving.get_registered_name(type(loss)) == "zoo.forecast>QuantileLoss"
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.compile(optimizer="adam", loss=loss)
    model.optimizer.build(model.trainable_variables)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras").loss
    assert restored.get_config() == config


# === Metrics ===


def test_mean_pinball_loss_overall_and_per_quantile_accumulate_like_sklearn() -> None:
    rng = np.random.default_rng(3)
    y_pred = rng.normal(size=(20, 3)).astype("float32")
    y_true = rng.normal(size=(20,)).astype("float32")
    weights = rng.uniform(0.0, 2.0, size=(20,)).astype("float32")
    overall = _cls("MeanPinballLoss")(quantiles=QS)
    overall.update_state(y_true[:7], y_pred[:7], sample_weight=weights[:7])
    overall.update_state(y_true[7:, None], y_pred[7:], sample_weight=weights[7:])
    assert overall.name == "pinball_loss"
    assert float(overall.result()) == pytest.approx(
        _sklearn_loss(y_true, y_pred, QS, sample_weight=weights), abs=1e-6
    )
    for i, q in enumerate(QS):
        one = _cls("MeanPinballLoss")(quantiles=QS, quantile=q)
        assert one.name == f"pinball_loss_q{q:g}"
        one.update_state(y_true, y_pred)
        expected = mean_pinball_loss(y_true, y_pred[:, i], alpha=q)
        assert float(one.result()) == pytest.approx(expected, abs=1e-6)
    overall.reset_state()
    assert float(overall.result()) == 0.0


def test_interval_coverage_and_width_against_numpy() -> None:
    rng = np.random.default_rng(4)
    quantiles = [0.05, 0.1, 0.5, 0.9, 0.95]
    y_pred = np.sort(rng.normal(size=(50, 5)), axis=1).astype("float32")
    y_true = rng.normal(size=(50,)).astype("float32")
    y_true[:3] = y_pred[:3, 1]  # on the lower bound: inside (bounds are inclusive)
    weights = rng.uniform(0.0, 1.0, size=(50,)).astype("float32")
    inside = (y_pred[:, 1] <= y_true) & (y_true <= y_pred[:, 3])
    width = y_pred[:, 3] - y_pred[:, 1]

    coverage = _cls("IntervalCoverage")(quantiles=quantiles, lower=0.1, upper=0.9)
    coverage.update_state(y_true, y_pred)
    assert float(coverage.result()) == pytest.approx(inside.mean(), abs=1e-6)
    coverage.reset_state()
    coverage.update_state(y_true[:, None], y_pred, sample_weight=weights)
    assert float(coverage.result()) == pytest.approx(np.average(inside, weights=weights), abs=1e-6)

    widths = _cls("IntervalWidth")(quantiles=quantiles, lower=0.1, upper=0.9)
    widths.update_state(y_true, y_pred, sample_weight=weights)
    assert float(widths.result()) == pytest.approx(np.average(width, weights=weights), abs=1e-5)

    default = _cls("IntervalCoverage")(quantiles=quantiles)  # outermost quantiles
    assert (default.lower, default.upper) == (0.05, 0.95)
    default.update_state(y_true, y_pred)
    expected = np.mean((y_pred[:, 0] <= y_true) & (y_true <= y_pred[:, 4]))
    assert float(default.result()) == pytest.approx(expected, abs=1e-6)


def test_width_shows_crossed_quantiles_and_coverage_takes_per_quantile_targets() -> None:
    crossed = np.array([[1.0, 0.0, -1.0]], dtype="float32")
    widths = _cls("IntervalWidth")(quantiles=QS)
    widths.update_state(np.zeros((1,), "float32"), crossed)
    assert float(widths.result()) == pytest.approx(-2.0)
    coverage = _cls("IntervalCoverage")(quantiles=QS)
    y_pred = np.array([[0.0, 1.0, 2.0]], dtype="float32")
    coverage.update_state(np.array([[0.5, 9.0, 1.5]], "float32"), y_pred)  # (B, Q) targets
    assert float(coverage.result()) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lower": 0.2}, r"lower as one of its quantiles.*Received: lower=0.2"),
        ({"upper": "0.9"}, r"upper as one of its quantiles"),
        ({"lower": 0.9, "upper": 0.1}, r"lower < upper.*Received: lower=0.9, upper=0.1"),
        ({"lower": 0.5, "upper": 0.5}, r"lower < upper"),
    ],
)
def test_interval_bounds_are_validated(kwargs, match) -> None:
    for name in ("IntervalCoverage", "IntervalWidth"):
        with pytest.raises(ValueError, match=match):
            _cls(name)(quantiles=QS, **kwargs)


def test_mean_pinball_loss_refuses_an_unknown_quantile() -> None:
    with pytest.raises(ValueError, match=r"Received: quantile=0.3, quantiles=\[0.1, 0.5, 0.9\]"):
        _cls("MeanPinballLoss")(quantiles=QS, quantile=0.3)


def test_metrics_in_evaluate_with_unknown_batch_size_match_numpy() -> None:
    rng = np.random.default_rng(5)
    y_pred = np.sort(rng.normal(size=(37, 2, 3)), axis=-1).astype("float32")
    y_true = rng.normal(size=(37, 2)).astype("float32")
    inputs = keras.Input((2, 3))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    model.compile(
        loss=_cls("QuantileLoss")(quantiles=QS),
        metrics=[
            _cls("MeanPinballLoss")(quantiles=QS),
            _cls("MeanPinballLoss")(quantiles=QS, quantile=0.9),
            _cls("IntervalCoverage")(quantiles=QS),
            _cls("IntervalWidth")(quantiles=QS),
        ],
    )
    got = model.evaluate(y_pred, y_true, batch_size=8, verbose=0, return_dict=True)
    q = np.array(QS)
    error = y_true[..., None] - y_pred
    pinball = np.maximum(q * error, (q - 1) * error)
    assert got["loss"] == pytest.approx(pinball.mean(), abs=1e-5)
    assert got["pinball_loss"] == pytest.approx(pinball.mean(), abs=1e-5)
    assert got["pinball_loss_q0.9"] == pytest.approx(pinball[..., 2].mean(), abs=1e-5)
    inside = (y_pred[..., 0] <= y_true) & (y_true <= y_pred[..., 2])
    assert got["interval_coverage"] == pytest.approx(inside.mean(), abs=1e-6)
    assert got["interval_width"] == pytest.approx(
        (y_pred[..., 2] - y_pred[..., 0]).mean(), abs=1e-5
    )


# === NonCrossingQuantileHead ===


def test_head_is_ordered_for_any_weights_and_matches_its_definition() -> None:
    head = _cls("NonCrossingQuantileHead")(
        num_quantiles=5,
        kernel_initializer=keras.initializers.RandomNormal(stddev=10.0, seed=0),
        bias_initializer=keras.initializers.RandomNormal(stddev=10.0, seed=1),
    )
    x = np.random.default_rng(6).normal(size=(200, 3, 4)).astype("float32") * 5
    out = _np(head(x))
    assert out.shape == (200, 3, 5)
    assert np.all(np.diff(out, axis=-1) >= 0)
    kernel, bias = (_np(w).astype("float64") for w in head.weights)
    raw = x.astype("float64") @ kernel + bias
    softplus = np.logaddexp(0.0, raw[..., 1:])
    expected = np.concatenate([raw[..., :1], raw[..., :1] + np.cumsum(softplus, axis=-1)], axis=-1)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-3)


def test_head_with_one_quantile_is_linear() -> None:
    head = _cls("NonCrossingQuantileHead")(num_quantiles=1)
    x = np.random.default_rng(7).normal(size=(4, 3)).astype("float32")
    kernel, bias = (_np(w) for w in (head(x), *head.weights)[1:])
    np.testing.assert_allclose(_np(head(x)), x @ kernel + bias, atol=1e-6)


@pytest.mark.parametrize("value", [0, -2, 2.0, True, "3", None])
def test_head_refuses_a_bad_num_quantiles(value) -> None:
    with pytest.raises(ValueError, match=r"positive integer number of quantiles.*Received"):
        _cls("NonCrossingQuantileHead")(num_quantiles=value)


# === Builders ===


def test_quantile_mlp_shapes_and_plain_dense_option() -> None:
    model = zoo.build("forecast/quantile_mlp", input_dim=5, quantiles=[0.05, 0.5, 0.95, 0.99])
    assert model.output_shape == (None, 4)
    assert type(model.get_layer("quantiles")).__name__ == "NonCrossingQuantileHead"
    plain = zoo.build("forecast/quantile_mlp", input_dim=5, non_crossing=False, hidden_units=[])
    assert isinstance(plain.get_layer("quantiles"), keras.layers.Dense)
    assert len(plain.layers) == 2  # input and the linear quantile layer: linear regression


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"quantiles": [0.9, 0.1]}, r"increasing order.*Use quantiles=\[0.1, 0.9\]"),
        ({"hidden_units": [8, 0]}, r"hidden_units\[1\] as a positive integer"),
        ({"hidden_units": "8"}, r"hidden_units"),
        ({"dropout": 1.0}, r"dropout in \[0, 1\)"),
        ({"input_dim": 0}, r"input_dim as a positive integer"),
        ({"activation": "nope"}, r"activation as the name of a Keras activation"),
    ],
)
def test_quantile_mlp_validates_arguments(kwargs, match) -> None:
    from zoo_forecast.quantile_mlp import quantile_mlp

    with pytest.raises(ValueError, match=match):
        quantile_mlp(**kwargs)
    with pytest.raises(zoo.ZooError, match=match):
        zoo.build("forecast/quantile_mlp", **kwargs)


def test_quantile_forecaster_shapes_and_level_invariance() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 12, 2)).astype("float32")
    shift = np.zeros_like(x)
    shift[..., 0] = 100.0  # move the target series far outside anything seen
    for encoder in ("gru", "dense"):
        model = zoo.build(
            "forecast/quantile_forecaster",
            window=12,
            horizon=4,
            num_features=2,
            encoder=encoder,
            encoder_units=8,
            hidden_units=[8],
        )
        out = _np(model(x))
        assert out.shape == (6, 4, 3)
        assert np.all(np.diff(out, axis=-1) >= 0)
        # relative=True: a level shift of the target shifts every quantile by exactly it.
        np.testing.assert_allclose(_np(model(x + shift)), out + 100.0, atol=1e-3)
    absolute = zoo.build(
        "forecast/quantile_forecaster",
        window=12,
        horizon=4,
        num_features=2,
        relative=False,
        encoder="dense",
        encoder_units=8,
    )
    assert not np.allclose(_np(absolute(x + shift)), _np(absolute(x)) + 100.0, atol=1e-1)


@pytest.mark.parametrize(("batch", "horizon"), [(3, 2), (2, 2), (4, 4), (1, 1)])
def test_quantile_forecaster_adds_each_samples_own_level(batch: int, horizon: int) -> None:
    # Batch sizes equal to Q (3) or to the horizon once added another sample's last value
    # (Keras' TensorFlow ops.add took the (batch, 1, 1) level for a bias vector).
    model = zoo.build(
        "forecast/quantile_forecaster",
        window=5,
        horizon=horizon,
        encoder_units=4,
        hidden_units=[4],
    )
    x = np.random.default_rng(12).normal(size=(batch, 5, 1)).astype("float32") * 10
    head = keras.Model(model.inputs[0], model.get_layer("quantiles").output)
    expected = _np(head(x)) + x[:, -1:, :1]
    np.testing.assert_allclose(_np(model(x)), expected, rtol=1e-5, atol=1e-4)
    one_by_one = np.concatenate([_np(model(x[i : i + 1])) for i in range(batch)])
    np.testing.assert_allclose(one_by_one, expected, rtol=1e-5, atol=1e-4)


def test_quantile_forecaster_validates_arguments() -> None:
    from zoo_forecast.quantile_forecaster import quantile_forecaster

    with pytest.raises(ValueError, match=r"encoder as one of gru, dense.*Received: encoder='lstm'"):
        quantile_forecaster(encoder="lstm")
    with pytest.raises(zoo.ArgumentError, match=r"encoder.*Received: encoder='lstm'"):
        zoo.build("forecast/quantile_forecaster", encoder="lstm")
    with pytest.raises(zoo.ZooError, match=r"horizon as a positive integer"):
        zoo.build("forecast/quantile_forecaster", horizon=0)


def test_recipes_are_registered_and_build() -> None:
    mlp = zoo.build("forecast/quantile_mlp_small")
    assert mlp.input_shape == (None, 10) and mlp.output_shape == (None, 3)
    forecaster = zoo.build("forecast/quantile_forecaster_small", horizon=2)
    assert forecaster.input_shape == (None, 24, 1) and forecaster.output_shape == (None, 2, 3)


def test_training_recovers_known_quantiles() -> None:
    # y = 2 x + N(0, 1): the q-quantile given x is 2 x + z_q. A linear quantile model
    # trained with QuantileLoss must land near it, with ~80% of fresh targets inside.
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(9)
    x = rng.uniform(-1, 1, size=(2000, 1)).astype("float32")
    y = (2 * x[:, 0] + rng.normal(size=2000)).astype("float32")
    model = zoo.build("forecast/quantile_mlp", input_dim=1, hidden_units=[])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=_cls("QuantileLoss")(quantiles=QS))
    model.fit(x, y, epochs=15, batch_size=100, verbose=0)
    grid = np.array([[-0.5], [0.0], [0.5]], dtype="float32")
    z = np.array([-1.2816, 0.0, 1.2816])
    np.testing.assert_allclose(_np(model(grid)), 2 * grid + z, atol=0.2)
    x_new = rng.uniform(-1, 1, size=(4000, 1)).astype("float32")
    y_new = 2 * x_new[:, 0] + rng.normal(size=4000)
    pred = _np(model(x_new))
    covered = np.mean((pred[:, 0] <= y_new) & (y_new <= pred[:, 2]))
    assert 0.75 < covered < 0.85


def test_listing_the_plugin_imports_no_implementation() -> None:
    code = (
        "import sys, zoo; specs = zoo.list_components(plugin='forecast'); "
        "assert len(specs) >= 9, specs; "
        "bad = [m for m in ('keras', 'tensorflow', 'zoo_forecast.quantile_loss') "
        "if m in sys.modules]; assert not bad, bad"
    )
    env = {**os.environ, "ZOO_STRICT_PLUGINS": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


@pytest.mark.parametrize(
    "module",
    [
        "quantile_loss",
        "mean_pinball_loss",
        "interval_coverage",
        "interval_width",
        "non_crossing_quantile_head",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    imported = importlib.import_module(f"zoo_forecast.{module}")
    result = doctest.testmod(imported, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
