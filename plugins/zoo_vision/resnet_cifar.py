"""resnet_cifar: the CIFAR ResNets of He et al. 2016 (section 4.2), depth 6n + 2."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import keras

from zoo.data import did_you_mean
from zoo_vision import _checks
from zoo_vision._residual import SHORTCUTS
from zoo_vision.basic_block import BasicBlock
from zoo_vision.fused_batch_norm import FusedBatchNorm
from zoo_vision.pre_activation_block import PreActivationBlock

#: The stages ``features=[...]`` may name, from the input side.
STAGES = ("stem", "stage1", "stage2", "stage3")
POOLINGS = (None, "avg", "max")


def resnet_cifar(
    depth: int = 20,
    num_classes: int = 10,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    width: int = 16,
    shortcut: Literal["zero_pad", "projection"] = "zero_pad",
    preactivation: bool = False,
    weight_decay: float = 1e-4,
    classifier_activation: str | None = "softmax",
    include_top: bool = True,
    pooling: Literal["avg", "max"] | None = None,
    features: Sequence[str] | None = None,
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
        include_top: end with the pooling and the dense classifier. False gives the
            backbone (keras.applications' convention): its output is ``pooling`` of the
            last stage.
        pooling: for ``include_top=False``: None (the 4D output of stage 3), ``"avg"``
            or ``"max"`` (global pooling to ``(batch, 4 * width)``).
        features: stage names (``"stem"``, ``"stage1"``, ``"stage2"``, ``"stage3"``):
            a feature extractor (timm's ``features_only``) whose output is a dict from
            each name to that stage's output; it holds only the layers those stages
            need, and no classifier.
        name: the model's name (default ``resnet<depth>``).

    Feature stages (`feature_shapes` gives them for any arguments), for an input of
    ``(H, W, C)``; resnet_small's defaults (32, 32, 3) and ``width=16`` in brackets:

    - ``stem``: ``(H, W, width)`` [(32, 32, 16)], the first convolution (with its batch
      normalization and ReLU unless ``preactivation``);
    - ``stage1``: ``(H, W, width)`` [(32, 32, 16)];
    - ``stage2``: ``(ceil(H/2), ceil(W/2), 2*width)`` [(16, 16, 32)];
    - ``stage3``: ``(ceil(H/4), ceil(W/4), 4*width)`` [(8, 8, 64)], after the final
      batch normalization and ReLU when ``preactivation``.

    Layer names are stable (``stem_conv``, ``stage2_block1``, ..., ``classifier``), so
    weights of a full model load by name into a backbone or a feature extractor.

    Returns:
        A Functional ``keras.Model`` from images to class scores (or to features).
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
    if not isinstance(include_top, bool):
        raise ValueError(
            "resnet_cifar: include_top is True or False. "
            f"Received: include_top={include_top!r}. Pass False for a backbone."
        )
    _checks.one_of(pooling, POOLINGS, "pooling", "resnet_cifar")
    if pooling is not None and (include_top or features is not None):
        raise ValueError(
            "resnet_cifar: pooling applies to a backbone without a classifier or features. "
            f"Received: pooling={pooling!r}, include_top={include_top!r}, "
            f"features={features!r}. Pass include_top=False and no features."
        )
    features = _check_features(features)
    blocks_per_stage = (depth - 2) // 6
    regularizer = keras.regularizers.L2(weight_decay / 2) if weight_decay else None
    block = PreActivationBlock if preactivation else BasicBlock

    # === Functional model ===
    outputs_by_stage = {}
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
        x = FusedBatchNorm(name="stem_bn")(x)
        x = keras.layers.Activation("relu", name="stem_relu")(x)
    outputs_by_stage["stem"] = x
    for stage, filters in enumerate((width, 2 * width, 4 * width), start=1):
        for index in range(1, blocks_per_stage + 1):
            x = block(
                filters,
                strides=2 if stage > 1 and index == 1 else 1,
                shortcut=shortcut,
                kernel_regularizer=regularizer,
                name=f"stage{stage}_block{index}",
            )(x)
        outputs_by_stage[f"stage{stage}"] = x
    if preactivation:
        x = FusedBatchNorm(name="final_bn")(x)
        x = keras.layers.Activation("relu", name="final_relu")(x)
        outputs_by_stage["stage3"] = x
    model_name = name or f"resnet{depth}"
    if features is not None:
        chosen = {stage: outputs_by_stage[stage] for stage in features}
        return keras.Model(inputs, chosen, name=model_name)
    if not include_top:
        if pooling == "avg":
            x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        elif pooling == "max":
            x = keras.layers.GlobalMaxPooling2D(name="pool")(x)
        return keras.Model(inputs, x, name=model_name)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation=classifier_activation,
        kernel_regularizer=regularizer,
        name="classifier",
    )(x)
    return keras.Model(inputs, outputs, name=model_name)


def _check_features(features: object) -> tuple[str, ...] | None:
    if features is None:
        return None
    if isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise ValueError(
            "resnet_cifar: features is a non-empty list of stage names. "
            f"Received: features={features!r}. Pass for example features=['stage1', 'stage2']."
        )
    for stage in features:
        if stage not in STAGES:
            hint = did_you_mean(str(stage), STAGES) or f" The stages are {', '.join(STAGES)}."
            raise ValueError(
                f"resnet_cifar: features names stages of the network. Received: {stage!r}, "
                f"which is not one.{hint}"
            )
    if len(set(features)) != len(features):
        raise ValueError(
            "resnet_cifar: features names each stage once. "
            f"Received: features={list(features)!r}. Remove the repeated names."
        )
    return tuple(features)


def feature_shapes(
    input_shape: Sequence[int] = (32, 32, 3), width: int = 16, **_: object
) -> dict[str, tuple[int, int, int]]:
    """The output shape (no batch dimension) of each stage of `resnet_cifar`.

    Takes the builder's arguments (only ``input_shape`` and ``width`` matter).

    Example:

    >>> feature_shapes((32, 32, 3), 16)["stage3"]
    (8, 8, 64)
    """
    height, width_pixels = int(input_shape[0]), int(input_shape[1])

    def shrink(size: int, times: int) -> int:
        for _ in range(times):
            size = -(-size // 2)
        return size

    return {
        "stem": (height, width_pixels, width),
        "stage1": (height, width_pixels, width),
        "stage2": (shrink(height, 1), shrink(width_pixels, 1), 2 * width),
        "stage3": (shrink(height, 2), shrink(width_pixels, 2), 4 * width),
    }


resnet_cifar.feature_shapes = feature_shapes
