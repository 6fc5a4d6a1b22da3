"""keras-zoo first-party plugin: vision.

Sub-pixel upsampling (`PixelShuffle`, `ICNR`, `SubPixelUpsampling`), residual blocks,
image preprocessors, PSNR and SSIM, and the builders ``resnet_cifar``, ``espcn`` and
``mnist_cnn`` (recipes such as ``resnet_small`` live in ``registry.toml``).

This module only declares specs: it imports neither Keras nor TensorFlow nor any of
the implementation modules, which the registry imports on first use.
"""

import zoo

# Two tiny PNG files (5x3 and 3x4 RGB) for DecodeAndResize's conformance example.
_PNG_5X3 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x05\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    b"\xd4TR\xaf\x00\x00\x00;IDATx\xda\x010\x00\xcf\xff\x03\xc0\xa0\x80\xe0\xf0\xc0\xe0\xe0 "
    b"\xc0\xa0\xd0 0p\x03@P@\x10p\x00\x800\xd0\xa0 \x10\x90 \xf0\x00\xc0 \x00\xc0\x00\x80\x00"
    b"@```\x00\x00\x00\x00\x17\xbe\x12\x07\xc1P\x084\x00\x00\x00\x00IEND\xaeB`\x82"
)
_PNG_3X4 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x04\x08\x02\x00\x00\x00"
    b"\xc4O\x12P\x00\x00\x00-IDATx\xda\x05\xc1\x01\x11\x00 \x0c\xc4\xb0\xee0\x80\x84I\x99\x14"
    b"\xa4LZ\xa5\xbc\x14\x12\xde\x1a\xdat\x8d\x0f\xd2\x99\x02U6G2\xac\xd7\x0fB\xa7\x106W\xab"
    b"\xba\xf5\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _specs():
    return [
        # === Sub-pixel upsampling ===
        zoo.ComponentSpec(
            "PixelShuffle",
            target="zoo_vision.pixel_shuffle:PixelShuffle",
            kind="layer",
            summary="Sub-pixel upsampling in TensorFlow (DCR) or PyTorch (CRD) channel order.",
            tags=("upsampling", "super-resolution"),
            example={"kwargs": {"upscale_factor": 2}, "input_shape": [2, 3, 4, 8]},
        ),
        zoo.ComponentSpec(
            "ICNR",
            target="zoo_vision.icnr:ICNR",
            kind="initializer",
            summary="Checkerboard-free initializer for a convolution followed by PixelShuffle.",
            tags=("upsampling", "super-resolution"),
            example={"kwargs": {"upscale_factor": 2, "order": "CRD"}, "input_shape": [3, 3, 4, 8]},
        ),
        zoo.ComponentSpec(
            "SubPixelUpsampling",
            target="zoo_vision.sub_pixel_upsampling:SubPixelUpsampling",
            kind="layer",
            summary="Learned upsampling: an ICNR-initialized convolution, then PixelShuffle.",
            tags=("upsampling", "super-resolution"),
            example={"kwargs": {"filters": 3, "upscale_factor": 2}, "input_shape": [2, 4, 5, 4]},
        ),
        # === Residual blocks ===
        zoo.ComponentSpec(
            "FusedBatchNorm",
            target="zoo_vision.fused_batch_norm:FusedBatchNorm",
            kind="layer",
            summary="Keras' BatchNormalization, trained with TensorFlow's fused kernel there.",
            tags=("normalization", "classification"),
            example={"kwargs": {"momentum": 0.9}, "input_shape": [2, 4, 4, 3]},
        ),
        zoo.ComponentSpec(
            "BasicBlock",
            target="zoo_vision.basic_block:BasicBlock",
            kind="layer",
            summary="ResNet basic block: two 3x3 convolutions and a shortcut.",
            tags=("residual", "classification"),
            example={"kwargs": {"filters": 8, "strides": 2}, "input_shape": [2, 8, 8, 4]},
        ),
        zoo.ComponentSpec(
            "BottleneckBlock",
            target="zoo_vision.bottleneck_block:BottleneckBlock",
            kind="layer",
            summary="ResNet bottleneck block: 1x1-3x3-1x1 convolutions with expansion 4.",
            tags=("residual", "classification"),
            example={"kwargs": {"filters": 2, "strides": 2}, "input_shape": [2, 8, 8, 4]},
        ),
        zoo.ComponentSpec(
            "PreActivationBlock",
            target="zoo_vision.pre_activation_block:PreActivationBlock",
            kind="layer",
            summary="Pre-activation residual block (He et al. 2016, Identity Mappings).",
            tags=("residual", "classification"),
            example={
                "kwargs": {"filters": 8, "strides": 2, "shortcut": "zero_pad"},
                "input_shape": [2, 8, 8, 4],
            },
        ),
        # === Image preprocessors ===
        zoo.ComponentSpec(
            "DecodeAndResize",
            target="zoo_vision.decode_and_resize:DecodeAndResize",
            kind="preprocessor",
            summary="Decode JPEG/PNG bytes and resize, stretching, cropping or padding to aspect.",
            tags=("image", "preprocessing"),
            backends=("tensorflow",),
            example={
                "kwargs": {"height": 4, "width": 4, "fit": "pad"},
                "inputs": [_PNG_5X3, _PNG_3X4],
            },
        ),
        zoo.ComponentSpec(
            "ImageNormalization",
            target="zoo_vision.image_normalization:ImageNormalization",
            kind="preprocessor",
            summary="Rescale pixels, normalize channels by mean and std (ImageNet defaults).",
            tags=("image", "preprocessing"),
            example={"input_shape": [2, 4, 4, 3], "input_range": [0, 255]},
        ),
        zoo.ComponentSpec(
            "RandomColorDistortion",
            target="zoo_vision.random_color_distortion:RandomColorDistortion",
            kind="preprocessor",
            summary="Training-only random brightness, contrast, saturation and hue.",
            tags=("image", "preprocessing", "augmentation"),
            example={"kwargs": {"seed": 1}, "input_shape": [2, 6, 6, 3], "input_range": [0, 255]},
        ),
        zoo.ComponentSpec(
            "ImageAugmentation",
            target="zoo_vision.image_augmentation:ImageAugmentation",
            kind="preprocessor",
            summary="Training-only flip, rotation, zoom and crop from Keras' preprocessing layers.",
            tags=("image", "preprocessing", "augmentation"),
            example={"kwargs": {"crop": [6, 6], "seed": 1}, "input_shape": [2, 8, 8, 3]},
        ),
        # === Metrics ===
        zoo.ComponentSpec(
            "PSNR",
            target="zoo_vision.psnr:PSNR",
            kind="metric",
            summary="Peak signal-to-noise ratio in dB, averaged over images.",
            tags=("super-resolution", "image-quality"),
            example={"input_shape": [2, 8, 8, 3], "input_range": [0, 1], "target_range": [0, 1]},
        ),
        zoo.ComponentSpec(
            "SSIM",
            target="zoo_vision.ssim:SSIM",
            kind="metric",
            summary="Structural similarity index (Wang et al. 2004), averaged over images.",
            tags=("super-resolution", "image-quality"),
            example={
                "kwargs": {"filter_size": 5},
                "input_shape": [2, 8, 8, 3],
                "input_range": [0, 1],
                "target_range": [0, 1],
            },
        ),
        # === Data sources ===
        zoo.ComponentSpec(
            "digits",
            target="zoo_vision.digits:digits",
            kind="dataset",
            summary="scikit-learn's 1,797 8x8 digits in [0, 1], 10 classes, stratified split.",
            tags=("classification", "image"),
        ),
        zoo.ComponentSpec(
            "image_folder",
            target="zoo_vision.image_folder:image_folder",
            kind="dataset",
            summary="A folder of class subfolders of JPEG/PNG images, decoded and resized.",
            tags=("classification", "image", "file"),
        ),
        zoo.ComponentSpec(
            "tfrecord",
            target="zoo_vision.tfrecord:tfrecord",
            kind="dataset",
            summary="TFRecord files of tf.train.Examples holding encoded images and int labels.",
            tags=("classification", "image", "file"),
        ),
        zoo.ComponentSpec(
            "super_resolution",
            target="zoo_vision.super_resolution:super_resolution",
            kind="dataset",
            summary="Y-channel low/high-resolution patch pairs of scikit-learn's two photos.",
            tags=("super-resolution", "image"),
        ),
        # === Model builders (recipes in registry.toml) ===
        zoo.ComponentSpec(
            "resnet_cifar",
            target="zoo_vision.resnet_cifar:resnet_cifar",
            kind="model",
            summary="The CIFAR ResNet of He et al. 2016 (depth 6n+2); resnet_small is ResNet-20.",
            tags=("classification", "residual"),
            example={
                "kwargs": {"depth": 8, "width": 4, "input_shape": [8, 8, 3], "num_classes": 3}
            },
            training={
                "loss": "sparse_categorical_crossentropy",
                "metrics": ["accuracy"],
                "optimizer": "adam",
                "learning_rate": 2e-3,
                "schedule": "cosine",
                "monitor": "val_accuracy",
                "mode": "max",
                "batch_size": 32,
                "epochs": 15,
            },
        ),
        zoo.ComponentSpec(
            "espcn",
            target="zoo_vision.espcn:espcn",
            kind="model",
            summary="ESPCN super-resolution (Shi et al. 2016) with a sub-pixel convolution.",
            tags=("super-resolution",),
            example={"kwargs": {"scale": 3, "filters": [8, 4]}, "input_shape": [2, 6, 5, 1]},
            training={
                "loss": "mse",
                "metrics": [{"id": "vision/PSNR", "args": {"max_val": 1.0}}],
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "monitor": "val_psnr",
                "mode": "max",
                "batch_size": 16,
                "epochs": 20,
            },
        ),
        zoo.ComponentSpec(
            "mnist_cnn",
            target="zoo_vision.mnist_cnn:mnist_cnn",
            kind="model",
            summary="The classic MNIST convnet: Conv32-Conv64-MaxPool-Dense128-Dense.",
            tags=("classification",),
            example={"kwargs": {"input_shape": [8, 8, 1]}},
            training={
                "loss": "sparse_categorical_crossentropy",
                "metrics": ["accuracy"],
                "optimizer": "adam",
                "learning_rate": 1e-3,
                "schedule": "cosine",
                "monitor": "val_accuracy",
                "mode": "max",
                "batch_size": 32,
                "epochs": 10,
            },
        ),
    ]


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    for spec in _specs():
        register(spec)
