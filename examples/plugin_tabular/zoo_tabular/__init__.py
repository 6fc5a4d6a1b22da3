"""keras-zoo plugin ``tabular``: numerical feature embeddings for tabular deep learning.

Declarations only (the zoo's lazy contract): each spec names its implementation as a
``"module:attribute"`` string imported on first use, so ``python -m zoo list`` never
imports Keras or this package's implementation modules.

- ``PeriodicEmbedding``: sin/cos of learned frequencies, then a per-feature linear
  layer and ReLU ("PLR", Gorishniy, Rubachev and Babenko 2022).
- ``PiecewiseLinearEncoding``: each feature encoded against quantile bins ("PLE", same
  paper); its bin edges are learned from data with ``adapt``.
- ``tabular_mlp``: an MLP over raw, periodic or piecewise-linear feature embeddings.
- the recipe ``plr_mlp``.
- ``friedman``: a data source, Friedman's synthetic regression (or its two-class
  version), generated from a seed; written with the public ``zoo.data``.
"""

import zoo

_EXAMPLE_BINS = [[-2.0, -0.5, 0.0, 0.5, 2.0]] * 5


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    register(
        zoo.ComponentSpec(
            "PeriodicEmbedding",
            kind="layer",
            target="zoo_tabular.periodic_embedding:PeriodicEmbedding",
            summary="Numeric features to sin/cos of learned frequencies, then linear + ReLU "
            "per feature (PLR).",
            tags=("tabular", "embedding", "export:saved_model", "export:tflite"),
            example={
                "kwargs": {"num_frequencies": 4, "embedding_dim": 3},
                "input_shape": [4, 5],
            },
        )
    )
    register(
        zoo.ComponentSpec(
            "PiecewiseLinearEncoding",
            kind="preprocessor",
            target="zoo_tabular.piecewise_linear_encoding:PiecewiseLinearEncoding",
            summary="Numeric features to piecewise-linear encodings over quantile bins (PLE).",
            tags=("tabular", "embedding", "export:saved_model", "export:tflite"),
            example={"kwargs": {"bins": _EXAMPLE_BINS}, "input_shape": [4, 5]},
        )
    )
    register(
        zoo.ComponentSpec(
            "tabular_mlp",
            kind="model",
            target="zoo_tabular.tabular_mlp:tabular_mlp",
            summary="MLP over raw, periodic (PLR) or piecewise-linear (PLE) feature embeddings.",
            tags=("tabular", "classification", "regression", "export:saved_model", "export:tflite"),
            example={
                "kwargs": {"num_features": 5, "embedding_dim": 4, "hidden": [8], "num_outputs": 3}
            },
        )
    )
    register(
        zoo.Recipe(
            "plr_mlp",
            builder="tabular/tabular_mlp",
            args={
                "num_features": 30,
                "embedding": "periodic",
                "num_frequencies": 16,
                "embedding_dim": 16,
                "hidden": [64, 64],
                "num_outputs": 2,
            },
            summary="Two-layer MLP over PLR embeddings of 30 features, 2 classes "
            "(breast-cancer sized).",
            tags=("tabular", "classification"),
        )
    )
    register(
        zoo.ComponentSpec(
            "friedman",
            kind="dataset",
            target="zoo_tabular.friedman:friedman",
            summary="Friedman's synthetic regression (or two classes), standardized, seeded.",
            tags=("tabular", "regression", "classification", "synthetic"),
        )
    )
