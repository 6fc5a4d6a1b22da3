"""keras-zoo first-party plugin ``distill``: knowledge distillation.

``DistillationLoss`` (Hinton et al. 2015, on logits), the ``Distiller`` model that
trains a student against a frozen teacher, and ``cnn_classifier``, a plain logits CNN
to build teachers and students from. This module only declares specs; implementations
are imported on first use.
"""

import zoo

# Both train on hard labels against logits (the Distiller blends this loss with the
# teacher's softened logits).
_LOGITS_TRAINING = {
    "loss": {"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": True}},
    "metrics": ["accuracy"],
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "monitor": "val_accuracy",
    "mode": "max",
    "batch_size": 32,
    "epochs": 30,
}


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "DistillationLoss",
            kind="loss",
            target="zoo_distill.distillation_loss:DistillationLoss",
            summary="T^2 * KL(softmax(teacher/T) || softmax(student/T)) on logits.",
            tags=("distillation", "classification"),
            example={"kwargs": {"temperature": 2.0}, "input_shape": [4, 5]},
        )
    )
    register(
        zoo.ComponentSpec(
            "Distiller",
            kind="model",
            target="zoo_distill.distiller:Distiller",
            summary="Trains a student on a frozen teacher's softened logits plus hard labels.",
            tags=("distillation", "classification", "training"),
            example={
                "kwargs": {
                    "teacher": "distill/digits_cnn_teacher",
                    "student": "distill/digits_cnn_student",
                    "alpha": 0.1,
                    "temperature": 3.0,
                }
            },
            training=_LOGITS_TRAINING,
        )
    )
    register(
        zoo.ComponentSpec(
            "cnn_classifier",
            kind="model",
            target="zoo_distill.cnn_classifier:cnn_classifier",
            summary="Plain image CNN emitting logits, to build teachers and students from.",
            tags=("distillation", "classification", "image"),
            example={"kwargs": {"filters": [4, 8], "dense_units": 8}},
            training=_LOGITS_TRAINING,
        )
    )
