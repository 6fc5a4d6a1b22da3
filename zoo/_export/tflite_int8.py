"""Full-integer TFLite quantization: calibration on a data source, running, comparing.

    zoo.export(model, "digits.tflite", format="tflite", quantization="int8",
               data="vision/digits")

TFLite's post-training full-integer quantization (``TFLITE_BUILTINS_INT8``): weights and
activations in int8, calibrated by a ``representative_dataset`` of training examples;
the input and output tensors are int8 too (``inference_input_type`` and
``inference_output_type``), so the file runs on integer-only accelerators (Edge TPU,
microcontrollers). `zoo._export.tflite` converts; this module gives it the calibration
(`representative_dataset`) and the converter's int8 settings (`calibrate`). `run_int8`
quantizes float inputs with the file's own scale and zero point and dequantizes its
outputs; `compare_int8` reports the float and int8 models' accuracy (or mean squared
error) on the test split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ZooError
from zoo._base.quiet import native_logs_filtered
from zoo._export.common import inputs_by_name, outputs_in_order, quiet

if TYPE_CHECKING:
    from zoo._data.splits import DataSplits

#: The integer type of the int8 file's input and output tensors.
IO_TYPE = "int8"
#: Training examples fed to the converter to calibrate the activation ranges.
CALIBRATION_EXAMPLES = 256


def load_splits(data: Any) -> DataSplits:
    """The `DataSplits` of ``data`` (what `zoo.load_data` takes), or `zoo.ZooError` for None."""
    from zoo._data.resolve import load_data

    if data is None:
        raise ZooError(
            "int8 quantization calibrates on data. Received: data=None. Pass a data source "
            "id, a path or (x, y) arrays, e.g. data='vision/digits' (--data in the CLI)."
        )
    return load_data(data)


def _first(x: Any, count: int) -> Any:
    if isinstance(x, dict):
        return {k: v[:count] for k, v in x.items()}
    return x[:count]


def _calibration(splits: DataSplits, count: int) -> Any:
    """The first ``count`` training examples, as float32 (what the converter sees)."""
    import numpy as np

    x, _ = splits.arrays("train")
    x = _first(x, count)
    if isinstance(x, dict):
        return {k: np.asarray(v, dtype=np.float32) for k, v in x.items()}
    return np.asarray(x, dtype=np.float32)


def representative_dataset(
    model: Any, data: Any, examples: int = CALIBRATION_EXAMPLES
) -> Callable[[], Iterator[Any]]:
    """The converter's ``representative_dataset``: ``data``'s first training examples.

    Raises `zoo.ZooError` without data, or for a model that takes strings (checked
    before anything is traced).
    """
    calibration = _calibration(load_splits(data), examples)
    names = [t.name for t in model.inputs]
    for tensor in model.inputs:
        if "string" in str(tensor.dtype):
            raise ZooError(
                "int8 quantization needs numeric inputs. Received: "
                f"{model.name!r} takes strings ({tensor.name!r}). Quantize the model behind "
                "its tokenizer, or use quantization='dynamic_range'."
            )

    def dataset() -> Iterator[Any]:
        if isinstance(calibration, dict):
            n = len(next(iter(calibration.values())))
            for i in range(n):
                yield {name: calibration[name][i : i + 1] for name in names}
        else:
            for i in range(len(calibration)):
                yield [calibration[i : i + 1]]

    return dataset


def calibrate(converter: Any, dataset: Callable[[], Iterator[Any]]) -> None:
    """Set a TFLite converter to full integer: calibrated by ``dataset``, int8 in and out.

    The caller sets the ops (``TFLITE_BUILTINS_INT8``, and ``SELECT_TF_OPS`` if allowed).
    """
    import tensorflow as tf

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = dataset
    converter.inference_input_type = getattr(tf, IO_TYPE)
    converter.inference_output_type = getattr(tf, IO_TYPE)


def run_int8(path: str | Path, inputs: Any, input_names: list[str], batch: int = 256) -> list[Any]:
    """Run an int8 TFLite file on float inputs: quantized in, dequantized out, in batches."""
    with native_logs_filtered():  # TFLite announces its XNNPACK delegate on first use
        return _run_int8(path, inputs, input_names, batch)


def _run_int8(path: str | Path, inputs: Any, input_names: list[str], batch: int) -> list[Any]:
    import numpy as np
    import tensorflow as tf

    with quiet():
        interpreter = tf.lite.Interpreter(model_path=str(path))
    signatures = interpreter.get_signature_list()
    key = "serving_default" if "serving_default" in signatures else next(iter(signatures))
    runner = interpreter.get_signature_runner(key)
    details = runner.get_input_details()
    outputs_details = runner.get_output_details()
    feed_all = inputs_by_name(input_names, inputs, "int8 TFLite model")
    n = len(next(iter(feed_all.values())))
    chunks: list[list[Any]] = []
    for start in range(0, n, batch):
        feed = {}
        for name, value in feed_all.items():
            info = details[name]
            scale, zero = info["quantization"]
            value = value[start : start + batch]
            if np.issubdtype(info["dtype"], np.integer) and scale:
                bounds = np.iinfo(info["dtype"])
                value = np.clip(np.round(value / scale + zero), bounds.min, bounds.max)
            feed[name] = value.astype(info["dtype"])
        raw = runner(**feed)
        out = {}
        for name, value in raw.items():
            scale, zero = outputs_details[name]["quantization"]
            value = np.asarray(value)
            out[name] = (value.astype(np.float32) - zero) * scale if scale else value
        chunks.append(outputs_in_order(out))
    return [np.concatenate([c[i] for c in chunks]) for i in range(len(chunks[0]))]


def _score(classify: bool, y: Any, prediction: Any) -> dict[str, float]:
    import numpy as np

    y = np.asarray(y)
    prediction = np.asarray(prediction)
    if classify:
        if prediction.ndim >= 2 and prediction.shape[-1] > 1:
            labels = np.argmax(prediction, axis=-1)
        else:  # one sigmoid unit
            labels = (prediction.reshape(len(y)) > 0.5).astype(y.dtype)
        return {"accuracy": float(np.mean(labels.reshape(y.shape) == y))}
    if prediction.shape != y.shape and prediction.ndim == y.ndim + 1:
        prediction = prediction[..., prediction.shape[-1] // 2]  # the median quantile
    return {"mse": float(np.mean((prediction.reshape(y.shape) - y) ** 2))}


def compare_int8(model: Any, path: str | Path, data: Any, split: str = "test") -> dict[str, Any]:
    """The float Keras model against the int8 file on ``data``'s ``split``.

    Returns ``{"split": ..., "examples": n, "float": {"accuracy": ...}, "int8": {...}}``;
    accuracy for classifiers, mean squared error otherwise (of the median quantile for a
    quantile model).
    """
    import keras
    import numpy as np

    splits = load_splits(data)
    if getattr(splits, split) is None:
        split = "validation" if splits.validation is not None else "train"
    x, y = splits.arrays(split)
    names = [t.name for t in model.inputs]
    reference = model.predict(x, batch_size=256, verbose=0)
    reference = keras.tree.flatten(reference)[0]
    quantized = run_int8(path, x, names)[0]
    classify = splits.info.is_classification
    return {
        "split": split,
        "examples": len(y),
        "io": IO_TYPE,
        "float": _score(classify, y, np.asarray(reference)),
        "int8": _score(classify, y, quantized),
    }
