"""What every keras.applications family builder shares (private).

A family is a ``keras.applications`` constructor plus what the zoo adds around it:
the input contract (every builder takes RGB pixels in [0, 255] and applies its own
preprocessing inside the model, unless ``include_preprocessing=False``), named feature
stages (``features=[...]``, keyed by the stage's stride) and ImageNet weights through
Keras' own download (`zoo_applications._weights`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

POOLINGS = (None, "avg", "max")
DEFAULT_INPUT_SHAPE = (224, 224, 3)
MIN_SIZE = 32  # keras.applications' smallest input side for every family here
PRETRAINED = (None, "imagenet")


@dataclass(frozen=True)
class Family:
    """One keras.applications family.

    Args:
        name: the builder's name (``"vgg16"``), also the model's default name.
        constructor: the ``keras.applications`` attribute (``"VGG16"``).
        preprocessing: the input contract's preprocessing (see `input_contract`).
        own_preprocessing: the zoo puts the preprocessing in front of the model
            (``"caffe"`` or ``"tf"``); None: the Keras constructor's own
            ``include_preprocessing`` does.
        stages: stage name -> (``"output"`` or ``"input"``, layer name) of the
            ``include_top=False`` model; an empty layer name is that model's output.
        channels: stage name -> the stage's channels.
    """

    name: str
    constructor: str
    preprocessing: Mapping[str, Any]
    own_preprocessing: str | None
    stages: Mapping[str, tuple[str, str]]
    channels: Mapping[str, int]


_CAFFE = {
    "mode": "caffe",
    "steps": "RGB -> BGR, then subtract the ImageNet mean (103.939, 116.779, 123.68) per "
    "BGR channel; no scaling",
    "function": "keras.applications.vgg16.preprocess_input",
}
_TF = {
    "mode": "tf",
    "steps": "x / 127.5 - 1, to [-1, 1]",
    "function": "keras.applications.resnet_v2.preprocess_input",
}
_TORCH = {
    "mode": "torch",
    "steps": "x / 255, then subtract the ImageNet mean (0.485, 0.456, 0.406) and divide by "
    "the std (0.229, 0.224, 0.225) per RGB channel",
}


def _stride_stages(*layers: tuple[int, str, str, int]) -> tuple[dict[str, tuple[str, str]], dict]:
    stages = {f"stride{s}": (where, layer) for s, where, layer, _ in layers}
    return stages, {f"stride{s}": channels for s, _, _, channels in layers}


def _family(name, constructor, preprocessing, own, layers) -> Family:
    stages, channels = _stride_stages(*layers)
    return Family(name, constructor, preprocessing, own, stages, channels)


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        _family(
            "vgg16",
            "VGG16",
            _CAFFE,
            "caffe",
            [
                (1, "output", "block1_conv2", 64),
                (2, "output", "block2_conv2", 128),
                (4, "output", "block3_conv3", 256),
                (8, "output", "block4_conv3", 512),
                (16, "output", "block5_conv3", 512),
                (32, "output", "", 512),
            ],
        ),
        _family(
            "resnet50_v2",
            "ResNet50V2",
            _TF,
            "tf",
            [
                (2, "output", "conv1_conv", 64),
                (4, "output", "conv2_block2_out", 256),
                (8, "output", "conv3_block3_out", 512),
                (16, "output", "conv4_block5_out", 1024),
                (32, "output", "", 2048),
            ],
        ),
        _family(
            "mobilenet_v3_small",
            "MobileNetV3Small",
            {**_TF, "function": None},
            None,
            [
                (2, "input", "expanded_conv_depthwise_pad", 16),
                (4, "output", "expanded_conv_project_bn", 16),
                (8, "output", "expanded_conv_2_add", 24),
                (16, "output", "expanded_conv_7_add", 48),
                (32, "output", "", 576),
            ],
        ),
        _family(
            "mobilenet_v3_large",
            "MobileNetV3Large",
            {**_TF, "function": None},
            None,
            [
                (2, "output", "expanded_conv_add", 16),
                (4, "output", "expanded_conv_2_add", 24),
                (8, "output", "expanded_conv_5_add", 40),
                (16, "output", "expanded_conv_11_add", 112),
                (32, "output", "", 960),
            ],
        ),
        _family(
            "efficientnet_v2_b0",
            "EfficientNetV2B0",
            {**_TORCH, "function": None},
            None,
            [
                (2, "output", "block1a_project_activation", 16),
                (4, "output", "block2b_add", 32),
                (8, "output", "block3b_add", 48),
                (16, "output", "block5e_add", 112),
                (32, "output", "", 1280),
            ],
        ),
        _family(
            "convnext_tiny",
            "ConvNeXtTiny",
            {**_TORCH, "function": None},
            None,
            [
                (4, "input", "convnext_tiny_downsampling_block_0", 96),
                (8, "input", "convnext_tiny_downsampling_block_1", 192),
                (16, "input", "convnext_tiny_downsampling_block_2", 384),
                (32, "output", "", 768),
            ],
        ),
    )
}


# === Argument checks (ValueError: zoo.build reports it as an ArgumentError) ===


def _check_input_shape(name: str, input_shape: Any, pretrained: Any) -> tuple[int, int, int]:
    if (
        isinstance(input_shape, (str, bytes))
        or not isinstance(input_shape, Sequence)
        or len(input_shape) != 3
        or not all(isinstance(d, int) and not isinstance(d, bool) for d in input_shape)
        or min(input_shape[:2]) < MIN_SIZE
        or input_shape[2] < 1
    ):
        raise ValueError(
            f"{name}: input_shape is (height, width, channels) with height and width at "
            f"least {MIN_SIZE}. Received: input_shape={input_shape!r}. Pass for example "
            "(224, 224, 3), or (32, 32, 3) for the smallest."
        )
    if pretrained is not None and input_shape[2] != 3:
        raise ValueError(
            f"{name}: pretrained weights take RGB images, 3 channels. Received: "
            f"input_shape={input_shape!r}, pretrained={pretrained!r}. Use 3 channels, or "
            "pretrained=None."
        )
    return tuple(input_shape)


def _check_pretrained(
    name: str,
    pretrained: Any,
    include_top: bool,
    num_classes: int,
    input_shape: tuple[int, int, int],
) -> None:
    if pretrained not in PRETRAINED and not (isinstance(pretrained, str) and pretrained):
        raise ValueError(
            f"{name}: pretrained is None (fresh weights), 'imagenet' or the path of a "
            f"Keras weights file. Received: pretrained={pretrained!r}. Pass one of them."
        )
    if pretrained == "imagenet" and include_top and num_classes != 1000:
        raise ValueError(
            f"{name}: the ImageNet classifier has 1000 classes. Received: "
            f"num_classes={num_classes!r} with include_top=True, pretrained='imagenet'. "
            "Pass include_top=False for a backbone (a new head: the transfer_classifier "
            "builder), or num_classes=1000."
        )
    if pretrained == "imagenet" and include_top and input_shape != DEFAULT_INPUT_SHAPE:
        raise ValueError(
            f"{name}: the ImageNet classifier takes {DEFAULT_INPUT_SHAPE} images. Received: "
            f"input_shape={input_shape!r} with include_top=True, pretrained='imagenet'. "
            "Pass include_top=False for other sizes, or input_shape=(224, 224, 3)."
        )


def _check_features(family: Family, features: Any) -> tuple[str, ...] | None:
    if features is None:
        return None
    names = tuple(family.stages)
    if isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise ValueError(
            f"{family.name}: features is a non-empty list of stage names. Received: "
            f"features={features!r}. Pass for example features={list(names[-2:])!r}."
        )
    for stage in features:
        if stage not in names:
            close = difflib.get_close_matches(str(stage), names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"{family.name}: features names stages of the network ({', '.join(names)}). "
                f"Received: {stage!r}, which is not one.{hint}"
            )
    if len(set(features)) != len(features):
        raise ValueError(
            f"{family.name}: features names each stage once. Received: "
            f"features={list(features)!r}. Remove the repeated names."
        )
    return tuple(features)


def _check_flags(name: str, include_top: Any, pooling: Any, features: Any, **flags: Any) -> None:
    for flag, value in {"include_top": include_top, **flags}.items():
        if not isinstance(value, bool):
            raise ValueError(
                f"{name}: {flag} is True or False. Received: {flag}={value!r}. Pass a bool."
            )
    if pooling not in POOLINGS:
        raise ValueError(
            f"{name}: pooling is None, 'avg' or 'max'. Received: pooling={pooling!r}. "
            "Pass one of them."
        )
    if pooling is not None and (include_top or features is not None):
        raise ValueError(
            f"{name}: pooling applies to a backbone without a classifier or features. "
            f"Received: pooling={pooling!r}, include_top={include_top!r}, "
            f"features={features!r}. Pass include_top=False and no features."
        )


# === Building ===


def build_application(
    family_name: str,
    *,
    num_classes: int,
    input_shape: Sequence[int],
    include_top: bool,
    pooling: str | None,
    features: Sequence[str] | None,
    pretrained: str | None,
    include_preprocessing: bool,
    classifier_activation: str | None,
    name: str | None,
) -> Any:
    """Build ``family_name``'s model; the family builders are thin faces over this."""
    family = FAMILIES[family_name]
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(
            f"{family.name}: num_classes is a positive integer. Received: "
            f"num_classes={num_classes!r}. Pass for example num_classes=10."
        )
    _check_flags(
        family.name, include_top, pooling, features, include_preprocessing=include_preprocessing
    )
    shape = _check_input_shape(family.name, input_shape, pretrained)
    stages = _check_features(family, features)
    with_top = include_top and stages is None
    _check_pretrained(family.name, pretrained, with_top, num_classes, shape)

    import keras

    # === Functional model ===
    inputs = keras.Input(shape=shape, name="images")
    x = _preprocessing(family, include_preprocessing, shape)(inputs)
    options: dict[str, Any] = {}
    if family.own_preprocessing is None:
        options["include_preprocessing"] = include_preprocessing
    base = getattr(keras.applications, family.constructor)(
        include_top=with_top,
        weights=None,
        input_tensor=x,
        input_shape=shape,
        pooling=pooling,
        classes=num_classes,
        classifier_activation=classifier_activation,
        **options,
    )
    _load_weights(base, family, pretrained, with_top)
    outputs = base.output if stages is None else _stage_outputs(base, family, stages)
    return keras.Model(inputs, outputs, name=name or family.name)


def _preprocessing(family: Family, include: bool, shape: tuple[int, int, int]) -> Callable:
    if not include or family.own_preprocessing is None:
        return lambda x: x
    import keras

    if family.own_preprocessing == "tf":
        return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="preprocessing")
    from zoo_applications.caffe_preprocessing import CaffePreprocessing

    if shape[-1] != 3:
        raise ValueError(
            f"{family.name}: its preprocessing (Caffe's) takes RGB images, 3 channels. "
            f"Received: input_shape={shape!r}. Use 3 channels, or include_preprocessing=False."
        )
    return CaffePreprocessing(name="preprocessing")


def _load_weights(base: Any, family: Family, pretrained: str | None, with_top: bool) -> None:
    if pretrained is None:
        return
    if pretrained == "imagenet":
        from zoo_applications._weights import imagenet_weights

        path = imagenet_weights(family.name, with_top)
    else:
        path = pretrained
    base.load_weights(path)


def _stage_outputs(base: Any, family: Family, stages: Sequence[str]) -> dict[str, Any]:
    outputs = {}
    for stage in stages:
        where, layer_name = family.stages[stage]
        if not layer_name:
            outputs[stage] = base.output
        else:
            outputs[stage] = getattr(base.get_layer(layer_name), where)
    return outputs


# === What a builder tells about itself ===


def input_contract(
    family_name: str,
    input_shape: Sequence[int] = DEFAULT_INPUT_SHAPE,
    include_preprocessing: bool = True,
) -> dict[str, Any]:
    """The model's input contract: shape, dtype and preprocessing (JSON-ready)."""
    family = FAMILIES[family_name]
    steps = dict(family.preprocessing)
    function = steps.pop("function", None)
    preprocessing: dict[str, Any] = {"input": "RGB pixels in [0, 255]", **steps}
    preprocessing["in_model"] = include_preprocessing
    if not include_preprocessing:
        preprocessing["input"] = f"already preprocessed: {steps['steps']}" + (
            f" ({function})" if function else ""
        )
    return {"shape": list(input_shape), "dtype": "float32", "preprocessing": preprocessing}


def feature_shapes(
    family_name: str, input_shape: Sequence[int] = DEFAULT_INPUT_SHAPE
) -> dict[str, tuple[int, int, int]]:
    """Each stage's output shape (no batch) for an input whose sides the strides divide."""
    family = FAMILIES[family_name]
    height, width = int(input_shape[0]), int(input_shape[1])
    return {
        stage: (height // int(stage[6:]), width // int(stage[6:]), family.channels[stage])
        for stage in family.stages
    }


def describe(builder: Callable, family_name: str) -> Callable:
    """Attach ``input_contract``, ``feature_shapes`` and ``stages`` to a family builder."""

    def contract(input_shape=DEFAULT_INPUT_SHAPE, include_preprocessing=True, **_: Any):
        return input_contract(family_name, input_shape, include_preprocessing)

    def shapes(input_shape=DEFAULT_INPUT_SHAPE, **_: Any):
        return feature_shapes(family_name, input_shape)

    contract.__doc__ = input_contract.__doc__
    shapes.__doc__ = feature_shapes.__doc__
    builder.input_contract = contract
    builder.feature_shapes = shapes
    builder.stages = tuple(FAMILIES[family_name].stages)
    return builder
