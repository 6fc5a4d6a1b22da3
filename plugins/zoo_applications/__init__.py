"""keras-zoo first-party plugin: applications.

keras.applications' families as zoo model builders: ``vgg16``, ``resnet50_v2``,
``mobilenet_v3_small``, ``mobilenet_v3_large``, ``efficientnet_v2_b0`` and
``convnext_tiny``, each with ``num_classes``, ``input_shape``, ``include_top``,
``pooling``, ``features=[...]`` (stages named by their stride) and ``pretrained``
(``"imagenet"``: Keras' own weight files, downloaded once and hash-checked). Every
model takes RGB pixels in [0, 255] and applies its family's preprocessing inside
(``<builder>.input_contract()`` tells which). ``transfer_classifier`` puts a new head
on a backbone; recipes such as ``vgg16_transfer`` live in ``registry.toml``.

This module only declares specs: it imports neither Keras nor TensorFlow nor any of
the implementation modules, which the registry imports on first use.
"""

import zoo

#: builder -> (summary, the kit example's overrides: small inputs keep the kit fast).
_FAMILIES = {
    "vgg16": (
        "VGG16 (Simonyan and Zisserman 2014): 13 convolutions in 5 blocks, 2 dense layers.",
        # The 4096-wide dense top at 32x32 is 20M weights: the kit checks the backbone.
        {"input_shape": [32, 32, 3], "include_top": False, "pooling": "avg"},
    ),
    "resnet50_v2": (
        "ResNet50V2 (He et al. 2016, Identity Mappings): the pre-activation ResNet-50.",
        {"input_shape": [32, 32, 3], "num_classes": 3},
    ),
    "mobilenet_v3_small": (
        "MobileNetV3-Small (Howard et al. 2019): 0.9M-weight backbone for mobile CPUs.",
        {"input_shape": [32, 32, 3], "num_classes": 3},
    ),
    "mobilenet_v3_large": (
        "MobileNetV3-Large (Howard et al. 2019): 3.0M-weight backbone for mobile CPUs.",
        {"input_shape": [32, 32, 3], "num_classes": 3},
    ),
    "efficientnet_v2_b0": (
        "EfficientNetV2-B0 (Tan and Le 2021): fused and depthwise MBConv blocks.",
        {"input_shape": [32, 32, 3], "num_classes": 3},
    ),
    "convnext_tiny": (
        "ConvNeXt-Tiny (Liu et al. 2022): a ResNet modernized after vision transformers.",
        {"input_shape": [32, 32, 3], "num_classes": 3},
    ),
}

#: How a classifier trains by default (fine-tuning a pretrained one: a smaller rate).
_TRAINING = {
    "loss": "sparse_categorical_crossentropy",
    "metrics": ["accuracy"],
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "schedule": "cosine",
    "monitor": "val_accuracy",
    "mode": "max",
    "batch_size": 32,
    "epochs": 10,
}


def _specs():
    specs = [
        zoo.ComponentSpec(
            name,
            target=f"zoo_applications.{name}:{name}",
            kind="model",
            summary=summary,
            tags=("classification", "imagenet", "backbone", "keras-applications"),
            example={"kwargs": example},
            training=_TRAINING,
        )
        for name, (summary, example) in _FAMILIES.items()
    ]
    specs += [
        zoo.ComponentSpec(
            "transfer_classifier",
            target="zoo_applications.transfer_classifier:transfer_classifier",
            kind="model",
            summary="A keras.applications backbone (frozen with pretrained weights), a new head.",
            tags=("classification", "transfer", "keras-applications"),
            example={
                "kwargs": {
                    "backbone": "mobilenet_v3_small",
                    "input_shape": [32, 32, 3],
                    "num_classes": 3,
                    "dropout": 0.2,
                }
            },
            training=_TRAINING,
        ),
        zoo.ComponentSpec(
            "CaffePreprocessing",
            target="zoo_applications.caffe_preprocessing:CaffePreprocessing",
            kind="preprocessor",
            summary="RGB pixels to Caffe's input: BGR, ImageNet mean subtracted (VGG16's).",
            tags=("image", "preprocessing"),
            example={"input_shape": [2, 4, 4, 3], "input_range": [0, 255]},
        ),
    ]
    return specs


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    for spec in _specs():
        register(spec)
