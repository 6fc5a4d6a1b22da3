"""resnet_cifar: the CIFAR ResNets of He et al. 2016 (section 4.2), depth 6n + 2."""

from __future__ import annotations

from typing import Literal

import keras

from zoo_vision import _checks
from zoo_vision._residual import SHORTCUTS
from zoo_vision.basic_block import BasicBlock
from zoo_vision.pre_activation_block import PreActivationBlock


def resnet_cifar(
    depth: int = 20,
    num_classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    width: int = 16,
    shortcut: Literal["zero_pad", "projection"] = "zero_pad",
    preactivation: bool = False,
    weight_decay: float = 1e-4,
    classifier_activation: str | None = "softmax",
    name: str | None = None,
) -> keras.Model:
    """The CIFAR ResNet of He et al. 2016, section 4.2 ("Deep Residual Learning").

    A 3x3 convolution with ``width`` filters, then three stages of ``n = (depth - 2) / 6``
    basic blocks at ``width``, ``2 * width`` and ``4 * width`` filters (the first block
    of stages 2 and 3 has stride 2), global average pooling and a dense classifier.
    Depths 20, 32, 44, 56 and 110 are the paper's (0.27M to 1.7M parameters with the
    zero-padding shortcut, option A, that the paper uses on CIFAR).

    Args:
        depth: the number of weighted layers, ``6n + 2`` (20, 32, 44, 56, 110, ...).
        num_classes: the classifier's outputs.
        input_shape: ``(height, width, channels)`` of the images.
        width: the filters of the first stage (16 in the paper).
        shortcut: ``"zero_pad"`` (option A, the paper's) or ``"projection"`` (option B),
            where a stage changes the shape.
        preactivation: use `PreActivationBlock` (He et al. 2016, "Identity Mappings")
            and a final batch normalization and ReLU.
        weight_decay: L2 weight decay of the convolution and dense kernels; added to the
            loss as ``weight_decay / 2 * sum(w**2)``, so its gradient is
            ``weight_decay * w`` (1e-4 in the paper). 0 turns it off.
        classifier_activation: the output activation (``"softmax"``; None for logits).
        name: the model's name (default ``resnet<depth>``).

    Returns:
        A Functional ``keras.Model`` from images to class scores.
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(
            "resnet_cifar: depth is 6n + 2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, ...). "
            f"Received: depth={depth!r}. Pick one of those."
        )
    _checks.positive_int(num_classes, "num_classes", "resnet_cifar")
    _checks.positive_int(width, "width", "resnet_cifar")
    if len(input_shape) != 3 or not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise ValueError(
            "resnet_cifar: input_shape is (height, width, channels), three positive integers. "
            f"Received: input_shape={input_shape!r}. Pass for example (32, 32, 3)."
        )
    _checks.one_of(shortcut, SHORTCUTS, "shortcut", "resnet_cifar")
    if (
        isinstance(weight_decay, bool)
        or not isinstance(weight_decay, (int, float))
        or (weight_decay < 0)
    ):
        raise ValueError(
            "resnet_cifar: weight_decay is a number >= 0. "
            f"Received: weight_decay={weight_decay!r}. Use 1e-4 (the paper's) or 0."
        )
    blocks_per_stage = (depth - 2) // 6
    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None
    block = PreActivationBlock if preactivation else BasicBlock

    # === Functional model ===
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = keras.layers.Conv2D(
        width,
        3,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer=regularizer,
        name="stem_conv",
    )(inputs)
    if not preactivation:
        x = keras.layers.BatchNormalization(name="stem_bn")(x)
        x = keras.layers.Activation("relu", name="stem_relu")(x)
    for stage, filters in enumerate((width, 2 * width, 4 * width), start=1):
        for index in range(1, blocks_per_stage + 1):
            x = block(
                filters,
                strides=2 if stage > 1 and index == 1 else 1,
                shortcut=shortcut,
                kernel_regularizer=regularizer,
                name=f"stage{stage}_block{index}",
            )(x)
    if preactivation:
        x = keras.layers.BatchNormalization(name="final_bn")(x)
        x = keras.layers.Activation("relu", name="final_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        kernel_regularizer=regularizer,
        name="classifier",
    )(x)
    return keras.Model(inputs, outputs, name=name or f"resnet{depth}")
