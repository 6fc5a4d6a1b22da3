"""Classify fortune-cookie quotes by category with text/text_classifier, strings in.

The corpus is Debian's ``fortunes`` package: /usr/share/games/fortunes holds one file
per category (computers, politics, science, ...), quotes separated by ``%`` lines.

1. Read the quotes of a few categories, drop duplicates, split them 80/20 per category
   (fixed seed).
2. Learn a WordPiece vocabulary on the training quotes (text/WordPieceTokenizer.adapt,
   tensorflow-text's vocabulary learner) and build text_classifier with that tokenizer
   as its first layer: raw strings in, class probabilities out.
3. Train, report held-out accuracy against the majority-class baseline (the most
   frequent training category, always predicted).
4. Save the whole model with zoo.save (the vocabulary travels inside the .keras file),
   then load it with zoo.load in a fresh Python process and classify new sentences.

    apt-get install fortunes          # Debian / Ubuntu: the corpus
    .venv/bin/python examples/text_fortunes.py [--epochs 20] [--out DIR]
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

FORTUNES = Path("/usr/share/games/fortunes")
CATEGORIES = ("computers", "politics", "science", "songs-poems", "startrek", "food")
NEW_SENTENCES = [
    "The compiler crashed again after I rebooted the server.",
    "Space: the final frontier. Beam me up, captain.",
    "The senator promised lower taxes before the election.",
    "Add butter and garlic, then bake the bread for an hour.",
    "The experiment confirmed the theory of relativity.",
    "And the moon sang softly to the sea all night long.",
]


def read_fortunes(folder: Path, categories: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """The quotes of each category file (the text/fortunes source's reader), with labels."""
    from zoo_text import fortunes

    import zoo

    try:
        return fortunes.read_fortunes(folder, categories)
    except zoo.ZooError as error:
        raise SystemExit(f"{error} (or pass --corpus DIR)") from None


def split(labels: list[int], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Indices of a per-category (stratified) random split: (train, held_out)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    train, held_out = [], []
    labels_array = np.asarray(labels)
    for label in np.unique(labels_array):
        members = rng.permutation(np.flatnonzero(labels_array == label))
        cut = round(len(members) * fraction)
        held_out += members[:cut].tolist()
        train += members[cut:].tolist()
    return sorted(train), sorted(held_out)


def train_and_save(args: argparse.Namespace, out: Path) -> Path:
    import keras
    import numpy as np
    import tensorflow as tf

    import zoo

    texts, labels = read_fortunes(Path(args.corpus), CATEGORIES)
    train_idx, test_idx = split(labels, 0.2, args.seed)
    x_train = [texts[i] for i in train_idx]
    y_train = np.array([labels[i] for i in train_idx])
    x_test = [texts[i] for i in test_idx]
    y_test = np.array([labels[i] for i in test_idx])
    counts = np.bincount(y_train, minlength=len(CATEGORIES))
    print(f"corpus: {len(texts)} quotes in {len(CATEGORIES)} categories from {args.corpus}")
    for category, n_train, n_test in zip(
        CATEGORIES, counts, np.bincount(y_test, minlength=len(CATEGORIES))
    ):
        print(f"  {category:<12} train {n_train:>4}  held-out {n_test:>4}")

    keras.utils.set_random_seed(args.seed)
    tokenizer = zoo.get("text/WordPieceTokenizer")(
        sequence_length=args.sequence_length,
        max_vocabulary_size=args.vocabulary_size,
        name="tokenizer",
    )
    tokenizer.adapt(x_train)
    print(f"WordPiece vocabulary learned on the training quotes: {tokenizer.vocabulary_size()}")

    model = zoo.build(
        "text/text_classifier",
        tokenizer=tokenizer,
        num_classes=len(CATEGORIES),
        embedding_dim=64,
        hidden_units=64,
        dropout=0.3,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Keep 10% of the training quotes to stop early; the held-out 20% is never seen.
    fit_idx, val_idx = split(y_train.tolist(), 0.1, args.seed + 1)
    fit = tf.data.Dataset.from_tensor_slices(
        ([x_train[i] for i in fit_idx], y_train[fit_idx])
    ).shuffle(len(fit_idx), seed=args.seed)
    val = tf.data.Dataset.from_tensor_slices(([x_train[i] for i in val_idx], y_train[val_idx]))
    stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    model.fit(
        fit.batch(32),
        validation_data=val.batch(256),
        epochs=args.epochs,
        callbacks=[stop],
        shuffle=False,  # the dataset reshuffles every epoch itself
        verbose=2,
    )

    predictions = model.predict(tf.constant(x_test), batch_size=256, verbose=0)
    accuracy = float(np.mean(np.argmax(predictions, axis=1) == y_test))
    majority = int(np.argmax(counts))
    baseline = float(np.mean(y_test == majority))
    print(
        f"\nheld-out accuracy: {accuracy:.3f}  "
        f"(majority-class baseline, always '{CATEGORIES[majority]}': {baseline:.3f}; "
        f"{len(x_test)} quotes)"
    )

    path = zoo.save(model, out / "fortunes_classifier.keras")
    reference = model.predict(tf.constant(NEW_SENTENCES), verbose=0)
    (out / "reference.json").write_text(json.dumps(reference.tolist()))
    (out / "metrics.json").write_text(
        json.dumps({"accuracy": accuracy, "majority_baseline": baseline, "held_out": len(x_test)})
    )
    print(f"saved {path} ({path.stat().st_size / 1e6:.1f} MB, vocabulary inside)")
    return path


FRESH_PROCESS = textwrap.dedent(
    """
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    import zoo

    path, reference, categories, sentences = sys.argv[1], sys.argv[2], sys.argv[3:9], sys.argv[9:]
    model = zoo.load(path)
    probabilities = model.predict(tf.constant(sentences), verbose=0)
    same = np.allclose(probabilities, json.loads(open(reference).read()), atol=1e-6)
    for sentence, p in zip(sentences, probabilities):
        print(f"  {categories[int(np.argmax(p))]:<12} {p.max():.2f}  {sentence}")
    print("identical to the predictions before saving:", same)
    sys.exit(0 if same else 1)
    """
)


def classify_in_fresh_process(path: Path) -> None:
    print("\nclassifying new sentences in a fresh process (zoo.load):")
    command = [
        sys.executable,
        "-c",
        FRESH_PROCESS,
        str(path),
        str(path.parent / "reference.json"),
        *CATEGORIES,
        *NEW_SENTENCES,
    ]
    subprocess.run(command, check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(FORTUNES), help="folder of fortune files")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--sequence-length", type=int, default=96)
    parser.add_argument("--vocabulary-size", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="folder for the saved model (default: a temporary one)")
    args = parser.parse_args(argv)
    read_fortunes(Path(args.corpus), CATEGORIES)  # fail early, before importing TensorFlow
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        classify_in_fresh_process(train_and_save(args, out))
    else:
        with tempfile.TemporaryDirectory() as folder:
            classify_in_fresh_process(train_and_save(args, Path(folder)))


if __name__ == "__main__":
    # `python example.py > log` shows each line as it is printed, as a terminal does.
    sys.stdout.reconfigure(line_buffering=True)
    main()
