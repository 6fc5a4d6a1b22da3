"""Train tabular_mlp with each feature embedding on scikit-learn's breast cancer data.

    python examples/breast_cancer.py [--epochs 60] [--seed 0]

The data ships with scikit-learn (569 tumours, 30 features, 2 classes): nothing is
downloaded. The same MLP is trained three times, on the raw standardized features,
on their periodic embeddings (PLR) and on their piecewise-linear encodings (PLE,
quantile bins from the training split), and evaluated on a held-out quarter.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import zoo
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    scaler = StandardScaler().fit(x_train)
    x_train = scaler.transform(x_train).astype("float32")
    x_test = scaler.transform(x_test).astype("float32")
    bins = zoo.get("tabular/PiecewiseLinearEncoding").quantile_bins(x_train, num_bins=8)

    print(f"{'embedding':<10} {'params':>7} {'accuracy':>9} {'log loss':>9}")
    for embedding in ("none", "periodic", "piecewise"):
        keras.utils.set_random_seed(args.seed)
        model = zoo.build(
            "tabular/plr_mlp",
            embedding=embedding,
            bins=bins,
            sigma=0.1,
            num_frequencies=8,
            embedding_dim=8,
            hidden=[32],
            dropout=0.1,
        )
        model.compile(
            optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        model.fit(x_train, y_train, epochs=args.epochs, batch_size=32, verbose=0)
        loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
        print(f"{embedding:<10} {model.count_params():>7,} {accuracy:>9.3f} {loss:>9.3f}")
    print(f"test samples: {len(y_test)}; majority class: {np.mean(y_test == 1):.3f}")


if __name__ == "__main__":
    main()
