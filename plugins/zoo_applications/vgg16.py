"""vgg16: keras.applications' VGG16 as a zoo model builder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import keras

from zoo_applications._families import build_application, describe


def vgg16(
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
    """``keras.applications.VGG16`` (Simonyan and Zisserman 2014).

    Thirteen 3x3 convolutions in five blocks, each ending in a 2x2 max pooling, then (with
    the top) two 4096-wide dense layers and the classifier: 138M parameters with the
    top, 14.7M without.

    The model takes RGB pixels in [0, 255] (float32) and applies its own preprocessing
    inside (Keras' ``caffe`` mode): RGB to BGR, then the ImageNet mean (103.939, 116.779,
    123.68) subtracted per BGR channel (`CaffePreprocessing`,
    ``keras.applications.vgg16.preprocess_input``). ``include_preprocessing=False`` leaves
    it to you.

    Args:
        num_classes: the classifier's outputs (1000 for the ImageNet classifier).
        input_shape: ``(height, width, channels)``, sides at least 32; the ImageNet
            classifier (``include_top`` with ``pretrained="imagenet"``) takes
            ``(224, 224, 3)``.
        include_top: end with the family's classifier. False gives the backbone: its
            output is ``pooling`` of the last stage.
        pooling: for ``include_top=False``: None (the 4D output of the last stage),
            ``"avg"`` or ``"max"`` (global pooling to ``(batch, channels)``).
        features: stage names (``stride1``, ``stride2``, ``stride4``, ``stride8``,
            ``stride16``, ``stride32``): a feature extractor whose output is a dict from
            each name to that stage's output; no classifier.
        pretrained: None (fresh weights), ``"imagenet"`` (Keras' own file, downloaded
            once into ``~/.keras/models`` and checked against its hash; offline, a
            `zoo.ZooError` names the file to place there) or the path of a Keras
            weights file for this architecture.
        include_preprocessing: apply the family's preprocessing inside the model.
        classifier_activation: the output activation (``"softmax"``; None for logits).
        name: the model's name (default ``"vgg16"``).

    Feature stages, for an input of ``(H, W, C)`` whose sides the strides divide;
    ``input_shape=(224, 224, 3)`` in brackets (``vgg16.feature_shapes(input_shape)`` gives
    them, ``vgg16.input_contract(...)`` the input contract):

    - ``stride1``: ``(H/1, W/1, 64)`` [(224, 224, 64)], the output of ``block1_conv2``;
    - ``stride2``: ``(H/2, W/2, 128)`` [(112, 112, 128)], the output of ``block2_conv2``;
    - ``stride4``: ``(H/4, W/4, 256)`` [(56, 56, 256)], the output of ``block3_conv3``;
    - ``stride8``: ``(H/8, W/8, 512)`` [(28, 28, 512)], the output of ``block4_conv3``;
    - ``stride16``: ``(H/16, W/16, 512)`` [(14, 14, 512)], the output of ``block5_conv3``;
    - ``stride32``: ``(H/32, W/32, 512)`` [(7, 7, 512)], the backbone's output.

    Layer names are Keras' own, so weights load by name into a backbone or a feature
    extractor.

    Returns:
        A Functional ``keras.Model`` from images to class scores (or to features).
    """
    return build_application(
        "vgg16",
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


describe(vgg16, "vgg16")
