"""efficientnet_v2_b0: keras.applications' EfficientNetV2B0 as a zoo model builder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import keras

from zoo_applications._families import build_application, describe


def efficientnet_v2_b0(
    num_classes: int = 1000,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    include_top: bool = True,
    pooling: Literal["avg", "max"] | None = None,
    features: Sequence[str] | None = None,
    pretrained: str | None = None,
    include_preprocessing: bool = True,
    classifier_activation: str | None = "softmax",
    name: str | None = None,
) -> keras.Model:
    """``keras.applications.EfficientNetV2B0`` (Tan and Le 2021).

    Fused and depthwise MBConv blocks in six stages: 7.2M parameters with the top, 5.9M
    without.

    The model takes RGB pixels in [0, 255] (float32) and applies its own preprocessing
    inside: x / 255, then the ImageNet mean and std per RGB channel (keras.applications' own
    ``Rescaling`` and ``Normalization`` inside the model). ``include_preprocessing=False``
    leaves it to you.

    Args:
        num_classes: the classifier's outputs (1000 for the ImageNet classifier).
        input_shape: ``(height, width, channels)``, sides at least 32; the ImageNet
            classifier (``include_top`` with ``pretrained="imagenet"``) takes
            ``(224, 224, 3)``.
        include_top: end with the family's classifier. False gives the backbone: its
            output is ``pooling`` of the last stage.
        pooling: for ``include_top=False``: None (the 4D output of the last stage),
            ``"avg"`` or ``"max"`` (global pooling to ``(batch, channels)``).
        features: stage names (``stride2``, ``stride4``, ``stride8``, ``stride16``,
            ``stride32``): a feature extractor whose output is a dict from each name to that
            stage's output; no classifier.
        pretrained: None (fresh weights), ``"imagenet"`` (Keras' own file, downloaded
            once into ``~/.keras/models`` and checked against its hash; offline, a
            `zoo.ZooError` names the file to place there) or the path of a Keras
            weights file for this architecture.
        include_preprocessing: apply the family's preprocessing inside the model.
        classifier_activation: the output activation (``"softmax"``; None for logits).
        name: the model's name (default ``"efficientnet_v2_b0"``).

    Feature stages, for an input of ``(H, W, C)`` whose sides the strides divide;
    ``input_shape=(224, 224, 3)`` in brackets
    (``efficientnet_v2_b0.feature_shapes(input_shape)`` gives them,
    ``efficientnet_v2_b0.input_contract(...)`` the input contract):

    - ``stride2``: ``(H/2, W/2, 16)`` [(112, 112, 16)], the output of
      ``block1a_project_activation``;
    - ``stride4``: ``(H/4, W/4, 32)`` [(56, 56, 32)], the output of ``block2b_add``;
    - ``stride8``: ``(H/8, W/8, 48)`` [(28, 28, 48)], the output of ``block3b_add``;
    - ``stride16``: ``(H/16, W/16, 112)`` [(14, 14, 112)], the output of ``block5e_add``;
    - ``stride32``: ``(H/32, W/32, 1280)`` [(7, 7, 1280)], the backbone's output.

    Layer names are Keras' own, so weights load by name into a backbone or a feature
    extractor.

    Returns:
        A Functional ``keras.Model`` from images to class scores (or to features).
    """
    return build_application(
        "efficientnet_v2_b0",
        num_classes=num_classes,
        input_shape=input_shape,
        include_top=include_top,
        pooling=pooling,
        features=features,
        pretrained=pretrained,
        include_preprocessing=include_preprocessing,
        classifier_activation=classifier_activation,
        name=name,
    )


describe(efficientnet_v2_b0, "efficientnet_v2_b0")
