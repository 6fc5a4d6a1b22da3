"""transfer_classifier: a keras.applications backbone and a new head, for transfer learning."""

from __future__ import annotations

import difflib

import keras

from zoo_applications._families import FAMILIES, build_application


def transfer_classifier(
    backbone: str = "vgg16",
    num_classes: int = 10,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    pretrained: str | None = None,
    freeze_backbone: bool | None = None,
    dropout: float = 0.0,
    include_preprocessing: bool = True,
    classifier_activation: str | None = "softmax",
    name: str | None = None,
) -> keras.Model:
    """A backbone without its classifier, then global average pooling and a new classifier.

    Keras' transfer-learning recipe: the backbone (``include_top=False``) is one layer of
    the model, named after its family, and runs in inference mode (its batch
    normalization keeps the statistics it was trained with, also once unfrozen); the
    head is ``GlobalAveragePooling2D`` (``pool``), an optional ``Dropout`` (``dropout``)
    and ``Dense(num_classes)`` (``classifier``).

    Args:
        backbone: the family: ``vgg16``, ``resnet50_v2``, ``mobilenet_v3_small``,
            ``mobilenet_v3_large``, ``efficientnet_v2_b0`` or ``convnext_tiny``.
        num_classes: the new classifier's outputs.
        input_shape: ``(height, width, channels)``, sides at least 32.
        pretrained: the backbone's weights: None (fresh), ``"imagenet"`` (Keras' own
            file, downloaded once into ``~/.keras/models`` and checked against its hash)
            or the path of a Keras weights file of the backbone without its top.
        freeze_backbone: make the backbone's weights non-trainable, so only the head
            trains. None (the default): frozen when ``pretrained`` is given. To fine-tune
            afterwards, set ``model.get_layer(<backbone>).trainable = True`` and compile
            again with a small learning rate.
        dropout: the dropout rate before the classifier, in [0, 1); 0 leaves it out.
        include_preprocessing: the backbone applies its family's preprocessing, so the
            model takes RGB pixels in [0, 255].
        classifier_activation: the output activation (``"softmax"``; None for logits).
        name: the model's name (default ``"<backbone>_transfer"``).

    Returns:
        A Functional ``keras.Model`` from images to class scores.
    """
    if backbone not in FAMILIES:
        close = difflib.get_close_matches(str(backbone), list(FAMILIES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"transfer_classifier: backbone is one of {', '.join(FAMILIES)}. "
            f"Received: backbone={backbone!r}.{hint}"
        )
    if freeze_backbone is not None and not isinstance(freeze_backbone, bool):
        raise ValueError(
            "transfer_classifier: freeze_backbone is True, False or None (frozen when "
            f"pretrained is given). Received: freeze_backbone={freeze_backbone!r}."
        )
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(
            "transfer_classifier: dropout is a rate in [0, 1). "
            f"Received: dropout={dropout!r}. Pass for example 0.2, or 0 for none."
        )
    frozen = pretrained is not None if freeze_backbone is None else freeze_backbone
    base = build_application(
        backbone,
        num_classes=num_classes,
        input_shape=input_shape,
        include_top=False,
        pooling=None,
        features=None,
        pretrained=pretrained,
        include_preprocessing=include_preprocessing,
        classifier_activation=None,
        name=backbone,
    )
    base.trainable = not frozen

    # === Functional model ===
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation=classifier_activation, name="classifier")(
        x
    )
    return keras.Model(inputs, outputs, name=name or f"{backbone}_transfer")
