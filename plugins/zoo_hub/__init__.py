"""keras-zoo first-party plugin ``hub``: TensorFlow Hub SavedModels as Keras 3 layers.

This module only declares specs (the lazy contract): the implementation lives in
``zoo_hub.hub_layer`` and is imported on first use. ``zoo_hub.trust`` holds the trust
policy (which handles a saved model may load), ``zoo_hub._demo`` the demo SavedModel
that the spec's example refers to.
"""

import os
import tempfile

import zoo

#: Bump when the demo SavedModel written by ``zoo_hub._demo`` changes.
DEMO_NAME = "demo_dense_v1"


def demo_handle() -> str:
    """The path of the plugin's demo SavedModel, written on first use.

    It sits in a folder private to the current user under the system temp directory;
    `HubLayer` writes it (deterministically, in ``zoo_hub._demo``) when it is asked to
    load this exact path and the folder is missing.
    """
    if hasattr(os, "getuid"):
        user = str(os.getuid())
    else:  # Windows; getpass is imported only here (it costs every command a few ms)
        import getpass

        user = getpass.getuser()
    return os.path.join(tempfile.gettempdir(), f"zoo_hub-{user}", DEMO_NAME)


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "HubLayer",
            kind="layer",
            target="zoo_hub.hub_layer:HubLayer",
            summary="A Keras 3 layer around tensorflow_hub.load(handle), refused on load "
            "unless the handle is trusted.",
            tags=("hub", "savedmodel", "transfer-learning", "export:saved_model", "export:tflite"),
            backends=("tensorflow",),
            example={
                "kwargs": {"handle": demo_handle(), "trainable": True},
                "input_shape": [2, 4],
            },
        )
    )
