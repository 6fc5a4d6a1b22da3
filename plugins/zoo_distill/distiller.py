import keras
from keras import ops

import zoo
from zoo_distill.distillation_loss import DistillationLoss, check_temperature


def _resolve_model(value, role):
    if isinstance(value, str):
        return zoo.build(value)
    if not isinstance(value, keras.Model):
        raise ValueError(
            f"Distiller takes the {role} as a keras.Model (or the id of a zoo model). "
            f"Received: {role}={value!r} ({type(value).__name__}). "
            f"Pass a built model, e.g. {role}=zoo.build('distill/digits_cnn_{role}')."
        )
    return value


def _shapes(model, what):
    tensors = getattr(model, what, None)
    if not tensors:
        return None
    return [tuple(t.shape) for t in keras.tree.flatten(tensors)]


def _compatible(a, b):
    return len(a) == len(b) and all(
        len(x) == len(y) and all(i is None or j is None or i == j for i, j in zip(x, y))
        for x, y in zip(a, b)
    )


@zoo.serializable("distill")
class Distiller(keras.Model):
    """A model that trains a student to match a frozen teacher's softened logits.

    The Distiller is a Functional model whose forward pass is the student's: calling,
    ``predict`` and the saved graph are the student's. Training blends two losses::

        loss = alpha * hard_loss(y, student(x))
               + (1 - alpha) * DistillationLoss(temperature)(teacher(x), student(x))

    where ``hard_loss`` is the ``loss`` given to ``compile`` (for example
    ``SparseCategoricalCrossentropy(from_logits=True)``) and the distillation term is
    ``T**2 * KL(softmax(teacher / T) || softmax(student / T))`` (Hinton et al., 2015).
    The student's own regularization losses are added unweighted. The teacher is frozen
    (``teacher.trainable`` is set to False) and always runs in inference mode.

    ``compile``, ``fit``, ``evaluate`` and ``save`` work as for any Keras model; the logs
    show the blended ``loss`` plus ``hard_loss`` and ``distillation_loss``. After
    training, ``distiller.student`` is the trained student: a plain Keras model that
    saves and loads on its own, without the teacher or this plugin.

    Both models must output logits of the same shape and take the same inputs; the
    student must be a Functional or Sequential model (it defines the inputs).

    Compared with ``keras.distillation.Distiller(teacher, student,
    LogitsDistillation(T, loss=keras.losses.KLDivergence()), student_loss_weight=alpha)``
    the loss is the same (a test checks it); this one is a Functional model (it has
    ``inputs`` and ``outputs``, and goes through `zoo.testing`), takes the hard-label
    loss from the ordinary ``compile(loss=...)`` and does not scale the student's
    regularization losses by ``alpha``.

    Args:
        teacher: the trained teacher, a `keras.Model` (or the id of a zoo model or recipe,
            built with `zoo.build`, mostly useful for tests).
        student: the model to train, a Functional or Sequential `keras.Model` (or a zoo
            id).
        alpha: weight of the hard-label loss, in [0, 1]; the distillation loss gets
            ``1 - alpha``. 0 trains on the teacher alone (no labels needed).
        temperature: the softening temperature of the distillation loss, positive.
        name: the model's name.
        **kwargs: the base `keras.Model` arguments.

    Input shape:
        The student's input shape.

    Output shape:
        The student's logits, ``(batch, num_classes)``.

    Example:

    >>> teacher = zoo.build("distill/cnn_classifier", filters=[8], dense_units=8)
    >>> student = zoo.build("distill/cnn_classifier", filters=[2], dense_units=4)
    >>> distiller = Distiller(teacher, student, alpha=0.1, temperature=3.0)
    >>> distiller.compile(
    ...     "adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    ...     metrics=["accuracy"])
    >>> import numpy as np
    >>> x, y = np.zeros((4, 8, 8, 1), "float32"), np.array([0, 1, 2, 3])
    >>> logs = distiller.fit(x, y, epochs=1, verbose=0).history
    >>> sorted(logs)
    ['accuracy', 'distillation_loss', 'hard_loss', 'loss']
    >>> distiller.student is student
    True
    """

    def __init__(self, teacher, student, alpha=0.1, temperature=3.0, name="distiller", **kwargs):
        teacher = _resolve_model(teacher, "teacher")
        student = _resolve_model(student, "student")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
            raise ValueError(
                "Distiller takes alpha, the weight of the hard-label loss, in [0, 1]. "
                f"Received: alpha={alpha!r}. Use e.g. alpha=0.1 (mostly the teacher)."
            )
        check_temperature(temperature, "Distiller")
        student_inputs = _shapes(student, "inputs")
        if student_inputs is None:
            raise ValueError(
                "Distiller needs a student with defined inputs (a Functional or Sequential "
                f"model). Received: student={student.name!r} ({type(student).__name__}) "
                "without inputs. Build it with keras.Input, or call it once on data."
            )
        teacher_inputs = _shapes(teacher, "inputs")
        if teacher_inputs is not None and not _compatible(teacher_inputs, student_inputs):
            raise ValueError(
                "Distiller needs teacher and student to take the same inputs. "
                f"Received: teacher inputs {teacher_inputs}, student inputs {student_inputs}. "
                "Give both models the same input shapes."
            )
        teacher_outputs, student_outputs = _shapes(teacher, "outputs"), _shapes(student, "outputs")
        if teacher_outputs is not None and not _compatible(teacher_outputs, student_outputs):
            raise ValueError(
                "Distiller needs teacher and student logits of the same shape. "
                f"Received: teacher outputs {teacher_outputs}, student outputs "
                f"{student_outputs}. Give both models the same number of classes."
            )
        # === Functional model: the student's forward pass ===
        inputs = keras.tree.map_structure(
            lambda t: keras.Input(shape=t.shape[1:], dtype=t.dtype), student.input
        )
        outputs = student(inputs)
        super().__init__(inputs=inputs, outputs=outputs, name=name, **kwargs)

        # The tracked sub-models, set after Model.__init__ (the torch backend's Model is a
        # torch.nn.Module, which takes sub-modules only once initialized).
        self.teacher = teacher
        self.student = student

        self.alpha = float(alpha)
        self.temperature = float(temperature)
        self.teacher.trainable = False
        self.distillation_loss = DistillationLoss(self.temperature, name="distillation_loss")
        self.hard_loss_tracker = keras.metrics.Mean(name="hard_loss")
        self.distillation_loss_tracker = keras.metrics.Mean(name="distillation_loss")

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y_pred is None:
            y_pred = self(x, training=training)
        has_labels = self._compile_loss is not None and y is not None
        if self.alpha > 0 and not has_labels:
            raise ValueError(
                "Distiller with alpha > 0 blends in a hard-label loss, so it needs labels and "
                "compile(loss=...). Received: "
                f"alpha={self.alpha}, loss={'set' if self._compile_loss else 'None'}, "
                f"labels={'given' if y is not None else 'None'}. Pass both, or use alpha=0."
            )
        teacher_logits = ops.stop_gradient(self.teacher(x, training=False))
        soft = self.distillation_loss(teacher_logits, y_pred, sample_weight=sample_weight)
        self.distillation_loss_tracker.update_state(soft)
        total = (1.0 - self.alpha) * soft
        if has_labels:  # also logged when alpha == 0, where it weighs nothing
            hard = self._compile_loss(y, y_pred, sample_weight)
            self.hard_loss_tracker.update_state(hard)
            total = total + self.alpha * hard
        for extra in self.student.losses:  # the student's regularizers, unweighted
            total = total + ops.cast(ops.sum(extra), total.dtype)
        return total

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "teacher": keras.saving.serialize_keras_object(self.teacher),
            "student": keras.saving.serialize_keras_object(self.student),
            "alpha": self.alpha,
            "temperature": self.temperature,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for role in ("teacher", "student"):
            if isinstance(config[role], dict):
                config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)
