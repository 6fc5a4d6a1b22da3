"""Transfer learning through a TF Hub SavedModel with hub/HubLayer, on scikit-learn's digits.

1. Train a small encoder on the digits 0-4 and export it as a SavedModel: the kind of
   artifact TF Hub serves (here on local disk: nothing is downloaded).
2. Learn the digits 5-9 from only a few labelled images per class, four ways: the
   majority class, a model trained from scratch, a head on the frozen HubLayer
   features, and the same with the HubLayer fine-tuned. Accuracy is measured on the
   held-out 5-9 images, averaged over several random draws of the labelled images.
3. Save the fine-tuned model to .keras and load it in a fresh process: refused while
   the handle is untrusted, identical predictions once ZOO_HUB_TRUSTED_HANDLES names it.

The point is the workflow (publish a SavedModel, reuse it with HubLayer, fine-tune,
save, reload with trust), not a promise that transfer wins: on these 8x8 digits,
features learnt on 0-4 transfer poorly to 5-9 when frozen, and a model trained from
scratch on the few labels does about as well as the fine-tuned one. The table says
which, for the draws made.

    .venv/bin/python examples/hub_transfer_digits.py [--shots 5] [--draws 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from sklearn.datasets import load_digits

import zoo

SOURCE, TARGET = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def encoder_layers(name: str) -> keras.Sequential:
    return keras.Sequential(
        [keras.layers.Dense(64, activation="relu"), keras.layers.Dense(32, activation="relu")],
        name=name,
    )


def train_source_encoder(x: np.ndarray, y: np.ndarray, folder: Path) -> tuple[str, float]:
    """Train encoder + head on the source digits, export the encoder, return its handle."""
    inputs = keras.Input(shape=(64,), name="pixels")
    encoder = encoder_layers("encoder")
    features = encoder(inputs)
    model = keras.Model(inputs, keras.layers.Dense(len(SOURCE), activation="softmax")(features))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=64, validation_split=0.2, verbose=0)
    handle = str(folder / "digits_encoder")
    keras.Model(inputs, features).export(handle, format="tf_saved_model", verbose=False)
    return handle, history.history["val_accuracy"][-1]


def head_model(features_layer: keras.layers.Layer) -> keras.Model:
    inputs = keras.Input(shape=(64,), name="pixels")
    outputs = keras.layers.Dense(len(TARGET), activation="softmax")(features_layer(inputs))
    return keras.Model(inputs, outputs)


def fit_and_score(model, x, y, x_test, y_test, learning_rate: float) -> float:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=150, batch_size=len(x), verbose=0)
    return float(model.evaluate(x_test, y_test, verbose=0)[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shots", type=int, default=5, help="labelled images per target class")
    parser.add_argument("--draws", type=int, default=3, help="random draws of those images")
    parser.add_argument("--out", type=Path, default=None, help="folder for the artifacts")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="hub_transfer_"))
    out.mkdir(parents=True, exist_ok=True)
    HubLayer = zoo.get("hub/HubLayer")

    digits = load_digits()
    x_all = (digits.data / 16.0).astype("float32")
    y_all = digits.target
    source = np.isin(y_all, SOURCE)
    keras.utils.set_random_seed(0)
    handle, source_accuracy = train_source_encoder(x_all[source], y_all[source], out)
    print(f"source encoder (digits 0-4): validation accuracy {source_accuracy:.3f}")
    print(f"exported SavedModel: {handle}")

    x_target = x_all[~source]
    y_target = y_all[~source] - TARGET[0]
    rows = {
        "majority class": [],
        "from scratch": [],
        "HubLayer frozen": [],
        "HubLayer fine-tuned": [],
    }
    for draw in range(args.draws):
        rng = np.random.default_rng(draw)
        train = np.concatenate(
            [rng.choice(np.flatnonzero(y_target == c), args.shots, replace=False) for c in range(5)]
        )
        test = np.setdiff1d(np.arange(len(y_target)), train)
        x, y, x_test, y_test = x_target[train], y_target[train], x_target[test], y_target[test]
        majority = np.bincount(y).argmax()
        rows["majority class"].append(float(np.mean(y_test == majority)))
        keras.utils.set_random_seed(draw)
        rows["from scratch"].append(
            fit_and_score(head_model(encoder_layers("scratch")), x, y, x_test, y_test, 1e-2)
        )
        keras.utils.set_random_seed(draw)
        frozen = head_model(HubLayer(handle, signature="serving_default", output_key="output_0"))
        rows["HubLayer frozen"].append(fit_and_score(frozen, x, y, x_test, y_test, 1e-2))
        keras.utils.set_random_seed(draw)
        tuned_layer = HubLayer(
            handle, trainable=True, signature="serving_default", output_key="output_0"
        )
        tuned = head_model(tuned_layer)
        rows["HubLayer fine-tuned"].append(fit_and_score(tuned, x, y, x_test, y_test, 3e-3))

    print(
        f"\ndigits 5-9 from {args.shots} labelled images per class, "
        f"accuracy on the other {len(test)} images, {args.draws} draws"
    )
    print(f"{'model':<22}{'mean':>8}{'min':>8}{'max':>8}")
    for name, values in rows.items():
        print(f"{name:<22}{np.mean(values):>8.3f}{np.min(values):>8.3f}{np.max(values):>8.3f}")

    # The last fine-tuned model, saved and reloaded in a fresh process.
    path = out / "digits_5_9.keras"
    tuned.save(path)
    np.save(out / "x_test.npy", x_test)
    np.save(out / "expected.npy", tuned.predict(x_test, verbose=0))
    script = textwrap.dedent(
        f"""
        import os
        import keras, numpy as np
        import zoo
        zoo.get("hub/HubLayer")  # imports the class so Keras can find zoo.hub>HubLayer
        from zoo_hub.trust import ENV_VAR, UntrustedHandleError
        try:
            keras.saving.load_model({str(path)!r})
            print("loaded without trust")
        except UntrustedHandleError:
            print("refused: handle not trusted")
        os.environ[ENV_VAR] = {handle!r}
        model = keras.saving.load_model({str(path)!r})
        same = np.array_equal(
            model.predict(np.load({str(out / "x_test.npy")!r}), verbose=0),
            np.load({str(out / "expected.npy")!r}),
        )
        print("trusted: loaded, identical predictions:", bool(same))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "ZOO_HUB_TRUSTED_HANDLES"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    print("\nfresh process:\n  " + "\n  ".join(result.stdout.strip().splitlines()))
    summary = {k: {"mean": float(np.mean(v)), "values": v} for k, v in rows.items()}
    (out / "results.json").write_text(json.dumps(summary, indent=2))
    print(f"\nartifacts and results.json in {out}")


if __name__ == "__main__":
    # `python example.py > log` shows each line as it is printed, as a terminal does.
    sys.stdout.reconfigure(line_buffering=True)
    main()
