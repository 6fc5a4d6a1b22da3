"""The distill plugin: DistillationLoss, the Distiller model and the cnn_classifier builder.

References: the loss written by hand in numpy from Hinton et al. (2015), its analytic
gradient, and Keras' own ``keras.distillation`` (LogitsDistillation and Distiller).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo

keras = pytest.importorskip("keras")
ops = keras.ops


def _np(x) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(x))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _reference(teacher: np.ndarray, student: np.ndarray, temperature: float) -> np.ndarray:
    """Per-sample T^2 * KL(softmax(t/T) || softmax(s/T)), float64, from the definition."""
    log_p = _log_softmax(teacher.astype("float64") / temperature)
    log_q = _log_softmax(student.astype("float64") / temperature)
    return temperature**2 * np.sum(np.exp(log_p) * (log_p - log_q), axis=-1)


def _loss(**kwargs):
    return zoo.get("distill/DistillationLoss")(**kwargs)


def _scce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


# === DistillationLoss ===


@pytest.mark.parametrize("temperature", [1.0, 2.5, 7.0])
def test_distillation_loss_equals_the_hand_reference(temperature: float) -> None:
    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(16, 10)) * 3
    student = rng.normal(size=(16, 10)) * 3
    expected = _reference(teacher, student, temperature)
    loss = _loss(temperature=temperature, dtype="float64")
    assert float(loss(teacher, student)) == pytest.approx(expected.mean(), rel=1e-12)
    per_sample = _np(_loss(temperature=temperature, reduction=None)(teacher, student))
    np.testing.assert_allclose(per_sample, expected, rtol=1e-5, atol=1e-6)


def test_distillation_loss_by_hand_on_two_classes() -> None:
    # T = 1, teacher logits (0, 0): p = (1/2, 1/2); student (log 3, 0): q = (3/4, 1/4).
    # KL = 1/2 log(2/3) + 1/2 log(2) = 1/2 log(4/3).
    loss = _loss(temperature=1.0, dtype="float64")
    value = float(loss([[0.0, 0.0]], [[np.log(3.0), 0.0]]))
    assert value == pytest.approx(0.5 * np.log(4.0 / 3.0), rel=1e-12)
    # Doubling every logit with T = 2 gives the same distributions, times T^2 = 4.
    value_t2 = float(_loss(temperature=2.0, dtype="float64")([[0.0, 0.0]], [[2 * np.log(3.0), 0]]))
    assert value_t2 == pytest.approx(4 * 0.5 * np.log(4.0 / 3.0), rel=1e-12)


@pytest.mark.parametrize("temperature", [1.0, 3.0, 5.0])
def test_distillation_loss_agrees_with_keras_logits_distillation(temperature: float) -> None:
    rng = np.random.default_rng(1)
    teacher = rng.normal(size=(32, 10)).astype("float32") * 2
    student = rng.normal(size=(32, 10)).astype("float32") * 2
    # Keras' default loss="kl_divergence" resolves to the bare function, which its
    # LogitsDistillation applies to the scaled logits without softmax or T^2 (Keras 3.15);
    # with a KLDivergence instance it computes Hinton's loss, the case where both apply.
    theirs = keras.distillation.LogitsDistillation(
        temperature=temperature, loss=keras.losses.KLDivergence()
    )
    expected = float(theirs.compute_loss(teacher, student))
    ours = float(_loss(temperature=temperature)(teacher, student))
    assert ours == pytest.approx(expected, rel=1e-5)


def test_distillation_loss_is_exact_where_keras_clips() -> None:
    # Keras clips probabilities at 1e-7 before its KL; log-softmax needs no clipping.
    teacher = np.array([[60.0, 0.0, -60.0]])
    student = np.array([[-60.0, 0.0, 60.0]])
    value = float(_loss(temperature=1.0, dtype="float64")(teacher, student))
    assert value == pytest.approx(_reference(teacher, student, 1.0)[0], rel=1e-9)
    assert value == pytest.approx(120.0, rel=1e-6)  # log(p_t0 / q_0) ~ 120 for p_t0 ~ 1
    theirs = keras.distillation.LogitsDistillation(
        temperature=1.0, loss=keras.losses.KLDivergence()
    )
    clipped = float(theirs.compute_loss(teacher.astype("float32"), student.astype("float32")))
    assert clipped < 20.0  # bounded by -log(1e-7) ~ 16.1


def test_distillation_loss_gradient_is_t_times_probability_gap() -> None:
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(2)
    teacher = rng.normal(size=(4, 6))
    student = tf.Variable(rng.normal(size=(4, 6)))
    temperature = 4.0
    with tf.GradientTape() as tape:
        value = _loss(temperature=temperature, dtype="float64")(teacher, student)
    grad = tape.gradient(value, student).numpy()
    p = np.exp(_log_softmax(teacher / temperature))
    q = np.exp(_log_softmax(student.numpy() / temperature))
    np.testing.assert_allclose(grad, temperature * (q - p) / 4, rtol=1e-10, atol=1e-12)


def test_distillation_loss_is_zero_for_equal_logits_and_weights_samples() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 4)).astype("float32")
    assert float(_loss()(logits, logits)) == pytest.approx(0.0, abs=1e-6)
    teacher = rng.normal(size=(5, 4))
    student = rng.normal(size=(5, 4))
    weights = np.array([1.0, 0.0, 2.0, 0.5, 0.0])
    per_sample = _reference(teacher, student, 3.0)
    got = float(_loss(dtype="float64")(teacher, student, sample_weight=weights))
    assert got == pytest.approx((per_sample * weights).sum() / 5, rel=1e-12)


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan"), True, "3"])
def test_distillation_loss_refuses_a_bad_temperature(value) -> None:
    with pytest.raises(ValueError, match=r"positive, finite temperature.*Received: temperature="):
        _loss(temperature=value)


def test_distillation_loss_refuses_mismatched_logits() -> None:
    with pytest.raises(ValueError, match=r"same shape.*teacher \(y_true\) shape \(4,\).*\(4, 10\)"):
        _loss()(np.arange(4.0), np.zeros((4, 10)))


# === Distiller ===


def _pair(seed: int = 0, classes: int = 3, features: int = 5):
    keras.utils.set_random_seed(seed)

    def mlp(width: int, name: str) -> keras.Model:
        inputs = keras.Input((features,))
        hidden = keras.layers.Dense(width, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(classes)(hidden), name=name)

    return mlp(32, "teacher"), mlp(4, "student")


def _distiller(teacher, student, **kwargs):
    return zoo.get("distill/Distiller")(teacher, student, **kwargs)


def test_distiller_loss_blends_hard_and_soft_losses_by_hand() -> None:
    teacher, student = _pair()
    x = np.random.default_rng(4).normal(size=(8, 5)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    distiller = _distiller(teacher, student, alpha=0.3, temperature=2.0)
    distiller.compile(optimizer="adam", loss=_scce())
    total = float(distiller.compute_loss(x=x, y=y, y_pred=distiller(x), training=False))
    t_logits, s_logits = _np(teacher(x)), _np(student(x))
    hard = -np.mean(_log_softmax(s_logits.astype("float64"))[np.arange(8), y])
    soft = _reference(t_logits, s_logits, 2.0).mean()
    assert total == pytest.approx(0.3 * hard + 0.7 * soft, rel=1e-5)


def test_distiller_agrees_with_keras_distiller() -> None:
    teacher, student = _pair(seed=1)
    x = np.random.default_rng(5).normal(size=(16, 5)).astype("float32")
    y = np.random.default_rng(6).integers(0, 3, size=16)
    ours = _distiller(teacher, student, alpha=0.25, temperature=3.0)
    ours.compile(optimizer="adam", loss=_scce())
    theirs = keras.distillation.Distiller(
        teacher=teacher,
        student=student,
        distillation_losses=keras.distillation.LogitsDistillation(
            temperature=3.0, loss=keras.losses.KLDivergence()
        ),
        student_loss_weight=0.25,
    )
    theirs.compile(optimizer="adam", loss=_scce())
    mine = float(ours.compute_loss(x=x, y=y, y_pred=ours(x), training=False))
    keras_value = float(theirs.compute_loss(x=x, y=y, y_pred=theirs(x), training=False))
    assert mine == pytest.approx(keras_value, rel=1e-5)


def test_distiller_trains_the_student_only_and_evaluates() -> None:
    teacher, student = _pair(seed=2)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.integers(0, 3, size=64)
    teacher_before = [w.copy() for w in teacher.get_weights()]
    student_before = [w.copy() for w in student.get_weights()]
    distiller = _distiller(teacher, student, alpha=0.5, temperature=2.0)
    distiller.compile(optimizer=keras.optimizers.Adam(1e-2), loss=_scce(), metrics=["accuracy"])
    assert {w.path for w in distiller.trainable_weights} == {w.path for w in student.weights}
    history = distiller.fit(x, y, epochs=5, batch_size=16, verbose=0).history
    assert set(history) == {"loss", "hard_loss", "distillation_loss", "accuracy"}
    assert history["loss"][-1] < history["loss"][0]
    for before, after in zip(teacher_before, teacher.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert any(not np.allclose(b, a) for b, a in zip(student_before, student.get_weights()))
    logs = distiller.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    t_logits, s_logits = _np(teacher(x)), _np(student(x))
    hard = -np.mean(_log_softmax(s_logits.astype("float64"))[np.arange(64), y])
    soft = _reference(t_logits, s_logits, 2.0).mean()
    assert logs["hard_loss"] == pytest.approx(hard, rel=1e-4)
    assert logs["distillation_loss"] == pytest.approx(soft, rel=1e-4)
    assert logs["loss"] == pytest.approx(0.5 * hard + 0.5 * soft, rel=1e-4)
    assert logs["accuracy"] == pytest.approx(np.mean(s_logits.argmax(1) == y))


def test_student_learns_the_teacher_without_labels() -> None:
    # alpha = 0: only the teacher's logits teach; no labels are given to fit.
    keras.utils.set_random_seed(3)
    inputs = keras.Input((2,))
    teacher = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    teacher.set_weights([np.array([[4.0, -4.0, 0.0], [0.0, 4.0, -4.0]]), np.zeros(3)])
    student = keras.Model(inputs2 := keras.Input((2,)), keras.layers.Dense(3)(inputs2))
    distiller = _distiller(teacher, student, alpha=0.0, temperature=1.0)
    distiller.compile(optimizer=keras.optimizers.Adam(0.05))
    x = np.random.default_rng(8).normal(size=(512, 2)).astype("float32")
    distiller.fit(x, epochs=20, batch_size=64, verbose=0)
    x_new = np.random.default_rng(9).normal(size=(1000, 2)).astype("float32")
    agree = np.mean(_np(student(x_new)).argmax(1) == _np(teacher(x_new)).argmax(1))
    assert agree > 0.95


@pytest.mark.slow  # a fresh interpreter imports TensorFlow to load the student alone
def test_distiller_saves_and_reloads_and_its_student_stands_alone(tmp_path) -> None:
    teacher, student = _pair(seed=4)
    rng = np.random.default_rng(10)
    x = rng.normal(size=(32, 5)).astype("float32")
    y = rng.integers(0, 3, size=32)
    distiller = _distiller(teacher, student, alpha=0.2, temperature=4.0)
    distiller.compile(optimizer="adam", loss=_scce(), metrics=["accuracy"])
    distiller.fit(x, y, epochs=2, verbose=0)
    before = distiller.evaluate(x, y, verbose=0, return_dict=True)

    zoo.save(distiller, tmp_path / "distiller.keras")  # the zoo's plugin-aware save and load
    loaded = zoo.load(tmp_path / "distiller.keras")
    assert type(loaded) is type(distiller)
    assert (loaded.alpha, loaded.temperature) == (0.2, 4.0)
    assert loaded.teacher.trainable is False
    np.testing.assert_allclose(_np(loaded(x)), _np(distiller(x)), atol=1e-6)
    np.testing.assert_allclose(_np(loaded.teacher(x)), _np(teacher(x)), atol=1e-6)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert after == pytest.approx(before, rel=1e-5)

    path = tmp_path / "student.keras"
    distiller.student.save(path)
    np.save(tmp_path / "x.npy", x)
    code = (
        "import json, sys, numpy as np, keras\n"
        f"model = keras.saving.load_model({str(path)!r}, safe_mode=True)\n"
        f"out = model.predict(np.load({str(tmp_path / 'x.npy')!r}), verbose=0)\n"
        "loaded = [m for m in sys.modules if m.startswith(('zoo', 'zoo_distill'))]\n"
        "print(json.dumps({'out': out.tolist(), 'zoo_modules': loaded}))\n"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["zoo_modules"] == []
    np.testing.assert_allclose(np.array(report["out"]), _np(student(x)), atol=1e-5)


def test_distiller_builds_from_zoo_ids() -> None:
    distiller = zoo.build(
        "distill/Distiller",
        teacher="distill/digits_cnn_teacher",
        student="distill/digits_cnn_student",
    )
    assert distiller.input_shape == (None, 8, 8, 1) and distiller.output_shape == (None, 10)
    assert distiller.teacher.count_params() > 100 * distiller.student.count_params()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 1.5}, r"alpha, the weight of the hard-label loss, in \[0, 1\].*alpha=1.5"),
        ({"alpha": -0.1}, r"in \[0, 1\]"),
        ({"temperature": 0}, r"positive, finite temperature.*temperature=0"),
    ],
)
def test_distiller_validates_its_arguments(kwargs, match) -> None:
    teacher, student = _pair()
    with pytest.raises(ValueError, match=match):
        _distiller(teacher, student, **kwargs)


def test_distiller_refuses_incompatible_models() -> None:
    teacher, _ = _pair(classes=3)
    _, other_classes = _pair(classes=4)
    with pytest.raises(ValueError, match=r"logits of the same shape.*\(None, 3\).*\(None, 4\)"):
        _distiller(teacher, other_classes)
    _, other_inputs = _pair(features=6)
    with pytest.raises(ValueError, match=r"same inputs.*\(None, 5\).*\(None, 6\)"):
        _distiller(teacher, other_inputs)
    with pytest.raises(ValueError, match=r"teacher as a keras.Model.*Received: teacher=42"):
        _distiller(42, other_inputs)

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match=r"student with defined inputs"):
        _distiller(teacher, Subclassed())


def test_distiller_needs_labels_when_alpha_is_positive() -> None:
    teacher, student = _pair()
    distiller = _distiller(teacher, student, alpha=0.5)
    distiller.compile(optimizer="adam")
    with pytest.raises(ValueError, match=r"needs labels and compile\(loss=...\).*loss=None"):
        distiller.fit(np.zeros((4, 5), "float32"), np.zeros((4,)), epochs=1, verbose=0)


# === cnn_classifier ===


def test_cnn_classifier_outputs_logits_of_the_right_shape() -> None:
    model = zoo.build("distill/cnn_classifier", input_shape=[8, 8, 1], filters=[4, 8, 8])
    x = np.random.default_rng(11).uniform(size=(3, 8, 8, 1)).astype("float32")
    out = _np(model(x))
    assert out.shape == (3, 10)
    assert not np.allclose(out.sum(axis=1), 1.0)  # logits, not probabilities
    assert type(model.get_layer("logits").activation).__name__ != "softmax"
    assert model.get_layer("logits").activation is keras.activations.linear


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"input_shape": [8, 8]}, r"input_shape as \(height, width, channels\)"),
        ({"filters": []}, r"filters as a non-empty list"),
        ({"filters": [4, 0]}, r"filters\[1\] as a positive integer"),
        ({"num_classes": 0}, r"num_classes as a positive integer"),
        ({"dropout": -0.5}, r"dropout in \[0, 1\)"),
    ],
)
def test_cnn_classifier_validates_arguments(kwargs, match) -> None:
    from zoo_distill.cnn_classifier import cnn_classifier

    with pytest.raises(ValueError, match=match):
        cnn_classifier(**kwargs)


def test_listing_the_plugin_imports_no_implementation() -> None:
    code = (
        "import sys, zoo; specs = zoo.list_components(plugin='distill'); "
        "assert len(specs) >= 5, specs; "
        "bad = [m for m in ('keras', 'tensorflow', 'zoo_distill.distiller') "
        "if m in sys.modules]; assert not bad, bad"
    )
    env = {**os.environ, "ZOO_STRICT_PLUGINS": "1"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


@pytest.mark.parametrize("module", ["distillation_loss", "distiller"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    imported = importlib.import_module(f"zoo_distill.{module}")
    result = doctest.testmod(imported, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
