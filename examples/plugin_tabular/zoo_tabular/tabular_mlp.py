"""tabular_mlp: an MLP over raw, periodic or piecewise-linear feature embeddings."""

from typing import Literal

import keras

from zoo_tabular.periodic_embedding import PeriodicEmbedding
from zoo_tabular.piecewise_linear_encoding import PiecewiseLinearEncoding


def tabular_mlp(
    num_features: int = 8,
    embedding: Literal["none", "periodic", "piecewise"] = "periodic",
    num_frequencies: int = 16,
    sigma: float = 1.0,
    bins: list[list[float]] | None = None,
    embedding_dim: int = 16,
    hidden: list[int] = (64, 64),
    dropout: float = 0.0,
    num_outputs: int = 2,
    output_activation: str | None = "softmax",
    name: str = "tabular_mlp",
) -> keras.Model:
    """An MLP for tabular data whose numeric features are embedded first.

    ``embedding="periodic"`` puts a `PeriodicEmbedding` (PLR) in front of the MLP,
    ``"piecewise"`` a `PiecewiseLinearEncoding` with the given ``bins`` followed by a
    per-feature linear layer and ReLU (PLE-Q-LR, after Gorishniy et al. 2022), and
    ``"none"`` feeds the features as they are. The embeddings are flattened into the
    MLP (Dense + ReLU + Dropout per hidden layer) and a Dense head.

    Args:
        num_features: numeric input features (standardize them beforehand).
        embedding: ``"none"``, ``"periodic"`` or ``"piecewise"``.
        num_frequencies: frequencies per feature of the periodic embedding.
        sigma: spread of the initial frequencies of the periodic embedding.
        bins: per feature, the bin edges of the piecewise embedding (from
            ``PiecewiseLinearEncoding.quantile_bins(x_train)``); required for it.
        embedding_dim: width of each feature's embedding.
        hidden: the MLP's layer widths.
        dropout: dropout rate after each hidden layer.
        num_outputs: width of the head (classes, or regression targets).
        output_activation: ``"softmax"`` for classes, None for regression.
        name: the model's name.
    """
    if not isinstance(num_features, int) or num_features < 1:
        raise ValueError(
            f"num_features is a positive integer. Received: num_features={num_features!r}."
        )
    if embedding not in ("none", "periodic", "piecewise"):
        raise ValueError(
            f"embedding is 'none', 'periodic' or 'piecewise'. Received: embedding={embedding!r}."
        )
    if embedding == "piecewise" and bins is None:
        raise ValueError(
            "The piecewise embedding needs bin edges. Received: bins=None. Pass "
            "bins=PiecewiseLinearEncoding.quantile_bins(x_train)."
        )
    if embedding == "piecewise" and len(bins) != num_features:
        raise ValueError(
            f"bins holds one list of edges per feature. Received: {len(bins)} lists for "
            f"num_features={num_features}."
        )
    widths = list(hidden)
    if not all(isinstance(w, int) and w > 0 for w in widths):
        raise ValueError(f"hidden lists positive layer widths. Received: hidden={hidden!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is in [0, 1). Received: dropout={dropout!r}.")

    # === Functional model ===
    inputs = keras.Input(shape=(num_features,), name="features")
    x = inputs
    if embedding == "periodic":
        x = PeriodicEmbedding(num_frequencies, sigma, embedding_dim, name="periodic")(x)
    elif embedding == "piecewise":
        x = PiecewiseLinearEncoding(bins=bins, name="piecewise")(x)
        x = keras.layers.EinsumDense(
            "bft,ftd->bfd",
            output_shape=(num_features, embedding_dim),
            bias_axes="fd",
            activation="relu",
            name="piecewise_linear",
        )(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for index, width in enumerate(widths):
        x = keras.layers.Dense(width, activation="relu", name=f"dense{index}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{index}")(x)
    outputs = keras.layers.Dense(
        num_outputs, activation=output_activation, dtype="float32", name="head"
    )(x)
    return keras.Model(inputs, outputs, name=name)
