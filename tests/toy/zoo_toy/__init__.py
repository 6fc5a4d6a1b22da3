"""A tiny plugin for the zoo's own tests: declares specs only, implementations are lazy."""

import zoo


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "Affine",
            kind="layer",
            target="zoo_toy.affine:Affine",
            summary="y = x W + b.",
            tags=("toy", "dense"),
            example={"kwargs": {"units": 3}, "input_shape": [2, 4]},
        )
    )
    register(
        zoo.ComponentSpec(
            "ScaledMSE",
            kind="loss",
            target="zoo_toy.scaled_mse:ScaledMSE",
            summary="Mean squared error times a constant.",
            tags=("toy",),
            example={"kwargs": {"scale": 2.0}, "input_shape": [4, 3]},
        )
    )
    register(
        zoo.ComponentSpec(
            "MaxAbsError",
            kind="metric",
            target="zoo_toy.max_abs_error:MaxAbsError",
            summary="Largest absolute error seen.",
            example={"input_shape": [4, 3]},
        )
    )
    register(
        zoo.ComponentSpec(
            "toy_mlp",
            kind="model",
            target="zoo_toy.toy_mlp:toy_mlp",
            summary="A one-hidden-layer classifier.",
            tags=("toy", "classification"),
            example={"kwargs": {"hidden": 4}},
        )
    )
    register(zoo.Recipe("toy_small", builder="toy/toy_mlp", args={"hidden": 2}, summary="Tiny."))
