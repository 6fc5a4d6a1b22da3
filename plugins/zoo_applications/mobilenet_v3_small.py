"""mobilenet_v3_small: keras.applications' MobileNetV3Small as a zoo model builder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import keras

from zoo_applications._families import build_application, describe


def mobilenet_v3_small(
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
    """``keras.applications.MobileNetV3Small`` (Howard et al. 2019).

    Inverted residual blocks with squeeze-and-excitation and hard-swish, found by
    architecture search for mobile CPUs: 2.6M parameters with the top, 0.9M without.

    The model takes RGB pixels in [0, 255] (float32) and applies its own preprocessing
    inside: x / 127.5 - 1 (keras.applications' own ``Rescaling`` inside the model).
    ``include_preprocessing=False`` leaves it to you.

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
        name: the model's name (default ``"mobilenet_v3_small"``).

    Feature stages, for an input of ``(H, W, C)`` whose sides the strides divide;
    ``input_shape=(224, 224, 3)`` in brackets
    (``mobilenet_v3_small.feature_shapes(input_shape)`` gives them,
    ``mobilenet_v3_small.input_contract(...)`` the input contract):

    - ``stride2``: ``(H/2, W/2, 16)`` [(112, 112, 16)], the input of
      ``expanded_conv_depthwise_pad``;
    - ``stride4``: ``(H/4, W/4, 16)`` [(56, 56, 16)], the output of ``expanded_conv_project_bn``;
    - ``stride8``: ``(H/8, W/8, 24)`` [(28, 28, 24)], the output of ``expanded_conv_2_add``;
    - ``stride16``: ``(H/16, W/16, 48)`` [(14, 14, 48)], the output of ``expanded_conv_7_add``;
    - ``stride32``: ``(H/32, W/32, 576)`` [(7, 7, 576)], the backbone's output.

    Layer names are Keras' own, so weights load by name into a backbone or a feature
    extractor.

    Returns:
        A Functional ``keras.Model`` from images to class scores (or to features).
    """
    return build_application(
        "mobilenet_v3_small",
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


describe(mobilenet_v3_small, "mobilenet_v3_small")
