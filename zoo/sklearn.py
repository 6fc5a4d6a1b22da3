"""scikit-learn estimators of zoo recipes: `Classifier` and `Regressor`.

    from sklearn.model_selection import GridSearchCV, cross_val_score
    import zoo.sklearn

    estimator = zoo.sklearn.Classifier("resnet_small", input_shape=[8, 8, 1], depth=8, epochs=2)
    cross_val_score(estimator, X, y, cv=3)                       # three accuracies
    GridSearchCV(estimator, {"width": [4, 8]}, cv=2).fit(X, y)   # a builder argument
    make_pipeline(StandardScaler(), estimator).fit(X, y)

Every builder argument (``width=8``) and training option (``epochs``, ``batch_size``,
``learning_rate``, ``optimizer``, ``weight_decay``, ``seed``, ``verbose``) is an
estimator parameter: ``get_params`` returns them, ``set_params`` changes them, so
``sklearn.base.clone``, ``GridSearchCV`` and pipelines work. Each ``fit`` builds the
recipe (``input_shape``/``input_dim`` and ``num_classes`` from the data unless given),
compiles it with its declared training defaults through `zoo.compile`'s path and trains
it with ``keras.Model.fit``. Rows of ``X`` are reshaped to the model's input shape when
their sizes agree, so flat features (after a scaler) feed an image model.

Keras' own ``keras.wrappers.SKLearnClassifier`` is not the base: it one-hot encodes
the targets (the zoo's classifiers declare sparse losses on integer labels), takes
builder arguments only inside one ``model_kwargs`` dict (out of reach of a parameter
grid), checks ``X`` as a 2-D array, and its ``clone`` drops ``fit_kwargs``. These
estimators keep its contract otherwise (``classes_``, ``model_``, ``history_``).

Importing this module imports scikit-learn, not TensorFlow or Keras (those load on
the first ``fit``).
"""

from __future__ import annotations

import math
from typing import Any

from zoo._errors import ZooError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError as error:  # pragma: no cover - scikit-learn is a test/examples extra
    raise ZooError(
        "zoo.sklearn wraps recipes as scikit-learn estimators, so it needs scikit-learn. "
        f"Received: {error}. Install it: pip install scikit-learn."
    ) from None

#: The training options an estimator takes besides the builder arguments.
TRAINING = ("epochs", "batch_size", "learning_rate", "optimizer", "weight_decay", "seed", "verbose")


class _Estimator(BaseEstimator):
    """A recipe as an estimator; its parameters are the recipe's name and **params."""

    _task = "regression"

    def __init__(self, name: str, **params: Any) -> None:
        self.name = name
        for option in TRAINING:
            setattr(self, option, params.pop(option, 0 if option in ("seed", "verbose") else None))
        self.overrides = params

    # === Parameters (scikit-learn's protocol) ===

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "name": self.name,
            **{option: getattr(self, option) for option in TRAINING},
            **self.overrides,
        }

    def set_params(self, **params: Any) -> _Estimator:
        for key, value in params.items():
            if key == "name" or key in TRAINING:
                setattr(self, key, value)
            else:
                self.overrides = {**self.overrides, key: value}
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    # === Training ===

    def fit(self, X: Any, y: Any, **fit_kwargs: Any) -> _Estimator:
        """Build, compile and train the recipe on ``X``, ``y``; return the estimator."""
        import keras
        import numpy as np

        from zoo._factory import build
        from zoo._registry import default_registry
        from zoo._training.compiling import compile_model
        from zoo._training.defaults import check_training, training_defaults
        from zoo._tuning.hypermodel import accepted_names, entry_of

        X = np.asarray(X, dtype="float32")
        targets = self._targets(np.asarray(y))
        registry = default_registry()
        entry = entry_of(self.name, registry)
        arguments = dict(self.overrides)
        accepted = accepted_names(entry, registry) or set()
        if "input_shape" in accepted and "input_shape" not in arguments:
            arguments["input_shape"] = list(X.shape[1:])
        if "input_dim" in accepted and "input_dim" not in arguments and X.ndim == 2:
            arguments["input_dim"] = int(X.shape[1])
        if self._task == "classification" and "num_classes" in accepted:
            arguments.setdefault("num_classes", len(self.classes_))
        options = {
            k: getattr(self, k)
            for k in ("epochs", "batch_size", "learning_rate", "optimizer", "weight_decay")
            if getattr(self, k) is not None
        }
        defaults = training_defaults(entry, registry).merged(
            check_training(options, f"zoo.sklearn.{type(self).__name__}({self.name!r})")
        )
        keras.utils.set_random_seed(int(self.seed))
        model = build(entry.id, arguments, registry=registry)
        X = _reshaped(X, model)
        steps = math.ceil(len(X) / defaults.batch_size)
        compile_model(model, defaults, steps_per_epoch=steps, epochs=defaults.epochs)
        history = model.fit(
            X,
            targets,
            epochs=defaults.epochs,
            batch_size=defaults.batch_size,
            verbose=self.verbose,
            **fit_kwargs,
        )
        self.model_ = model
        self.history_ = history.history
        self.n_features_in_ = int(np.prod(X.shape[1:]))
        return self

    def _targets(self, y: Any) -> Any:
        return y.astype("float32")

    def _outputs(self, X: Any) -> Any:
        import numpy as np
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        X = _reshaped(np.asarray(X, dtype="float32"), self.model_)
        outputs = self.model_.predict(X, verbose=0, batch_size=256)
        if isinstance(outputs, (list, dict)):
            raise ZooError(
                "A scikit-learn estimator predicts one output. Received: a model with "
                f"{len(outputs)} outputs. Use a single-output recipe."
            )
        return np.asarray(outputs)


def _reshaped(X: Any, model: Any) -> Any:
    """``X`` with its rows in the model's input shape, when only the layout differs."""
    import numpy as np

    if len(model.inputs) != 1:
        return X
    shape = tuple(model.inputs[0].shape[1:])
    if None in shape or tuple(X.shape[1:]) == shape:
        return X
    if int(np.prod(X.shape[1:])) != int(np.prod(shape)):
        raise ZooError(
            f"Each row of X fills the model's input of shape {list(shape)}. Received: rows "
            f"of shape {list(X.shape[1:])}. Build it with input_shape={list(X.shape[1:])}, or "
            "pass rows of that size."
        )
    return X.reshape((len(X), *shape))


class Classifier(ClassifierMixin, _Estimator):
    """A zoo classifier recipe as a scikit-learn classifier (labels of any kind).

    Args:
        name: a recipe or model builder (id or short name).
        **params: builder arguments (``width=8``) and training options (``epochs``,
            ``batch_size``, ``learning_rate``, ``optimizer``, ``weight_decay``,
            ``seed``, ``verbose``).

    Example:

        zoo.sklearn.Classifier("resnet_small", input_shape=[8, 8, 1], epochs=2).fit(X, y)
    """

    _task = "classification"

    def _targets(self, y: Any) -> Any:
        import numpy as np

        if y.ndim != 1:
            raise ZooError(
                f"A classifier takes one label per row. Received: y of shape {list(y.shape)}. "
                "Pass a 1-D array of labels."
            )
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ZooError(
                f"A classifier learns at least two classes. Received: only {self.classes_!r}. "
                "Pass labels of two or more classes."
            )
        return codes.astype("int32")

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities, one column per class of ``classes_``."""
        import numpy as np

        scores = self._outputs(X)
        if scores.shape[-1] == 1:  # one sigmoid unit for two classes
            return np.concatenate([1 - scores, scores], axis=-1)
        return scores

    def predict(self, X: Any) -> Any:
        """The most probable class of each row."""
        return self.classes_[self.predict_proba(X).argmax(axis=-1)]


class Regressor(RegressorMixin, _Estimator):
    """A zoo regression recipe as a scikit-learn regressor.

    Args:
        name: a recipe or model builder (id or short name).
        **params: builder arguments and training options, as for `Classifier`.
    """

    def predict(self, X: Any) -> Any:
        """The model's outputs, as a 1-D array for one target."""
        outputs = self._outputs(X)
        return (
            outputs.reshape(len(outputs))
            if outputs.ndim == 2 and outputs.shape[1] == 1
            else outputs
        )


__all__ = ["TRAINING", "Classifier", "Regressor"]
