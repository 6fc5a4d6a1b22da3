"""scikit-learn estimators of zoo recipes: `Classifier` and `Regressor`.

    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import zoo.sklearn

    X, y = load_digits(return_X_y=True)
    model = make_pipeline(StandardScaler(), zoo.sklearn.Classifier())  # forecast/mlp_classifier
    cross_val_score(model, X, y, cv=3).mean()                          # 0.94 (50 epochs)

    estimator = zoo.sklearn.Classifier("resnet_small", input_shape=[8, 8, 1], epochs=20)
    cross_val_score(estimator, X / 16, y, cv=3).mean()                 # 0.95 (2 epochs: 0.63)
    GridSearchCV(estimator, {"width": [8, 16]}, cv=2).fit(X / 16, y)  # a builder argument

    X, y = load_diabetes(return_X_y=True)
    model = make_pipeline(StandardScaler(), zoo.sklearn.Regressor())   # forecast/mlp_regressor
    cross_val_score(model, X, y, cv=3).mean()                 # R2 0.48 (LinearRegression 0.49)

Without a name, `Classifier` trains the recipe ``forecast/mlp_classifier`` and
`Regressor` ``forecast/mlp_regressor``: two-layer MLPs whose input width and classes
follow the data. Every builder argument (``width=8``) and training option (``epochs``,
``batch_size``, ``learning_rate``, ``optimizer``, ``weight_decay``, ``seed``,
``verbose``) is an estimator parameter: ``get_params`` returns them, ``set_params``
changes them, so ``sklearn.base.clone``, ``GridSearchCV`` and pipelines work. Each
``fit`` builds the recipe, compiles it with its declared training defaults through
`zoo.compile`'s path and trains it with ``keras.Model.fit``; the recipe's ``epochs``
apply unless given (``resnet_small``'s are for CIFAR-sized data: on the digits it
needs tens of epochs, as above).

The data: ``X`` is checked as scikit-learn checks it (``validate_data``: finite numbers,
dense, at least one sample and one feature, as many features at predict time as at fit
time); a problem is a `zoo.ArgumentError`, which is both a `zoo.ZooError` and the
``ValueError`` scikit-learn promises, except a wrong type of data (a sparse matrix,
objects that are not numbers), which stays scikit-learn's own ``TypeError`` (it says
to call ``.toarray()``). The builder's ``input_shape``/``input_dim`` follow
``X`` unless the user or the recipe fixes them, and ``num_classes`` follows the labels;
rows of ``X`` are reshaped to the model's input shape when their sizes agree, so flat
features (after a scaler) feed an image model built with ``input_shape=[8, 8, 1]``.
A classifier takes discrete labels of any kind (a continuous ``y`` is an error, not 35
classes). Both pass scikit-learn's own ``check_estimator`` on their default recipes
(tests/test_sklearn.py); `EXPECTED_FAILED_CHECKS` lists the checks that cannot pass,
with the reason for each.

Keras' own ``keras.wrappers.SKLearnClassifier`` is not the base: it one-hot encodes
the targets (the zoo's classifiers declare sparse losses on integer labels), takes
builder arguments only inside one ``model_kwargs`` dict (out of reach of a parameter
grid), and its ``clone`` drops ``fit_kwargs``. These estimators keep its contract
otherwise (``classes_``, ``model_``, ``history_``).

Importing this module imports scikit-learn, not TensorFlow or Keras (those load on
the first ``fit``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ArgumentError, ZooError

if TYPE_CHECKING:
    from zoo._registry.registry import Registry
    from zoo._specs.component import Entry

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
except ImportError as error:  # pragma: no cover - scikit-learn is a test/examples extra
    raise ZooError(
        "zoo.sklearn wraps recipes as scikit-learn estimators, so it needs scikit-learn. "
        f"Received: {error}. Install it: pip install scikit-learn."
    ) from None

#: The training options an estimator takes besides the builder arguments.
TRAINING = ("epochs", "batch_size", "learning_rate", "optimizer", "weight_decay", "seed", "verbose")

#: Rows predicted in one call of the model; more go through ``keras.Model.predict``.
PREDICT_BATCH = 256

#: The checks of ``sklearn.utils.estimator_checks.check_estimator`` these estimators
#: cannot pass, with the reason for each; pass it as ``expected_failed_checks``.
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class _Estimator(BaseEstimator):
    """A recipe as an estimator; its parameters are the recipe's name and **params."""

    _task = "regression"
    _default = "forecast/mlp_regressor"

    def __init__(
        self,
        name: str | None = None,
        *,
        epochs: int | None = None,
        batch_size: int | None = None,
        learning_rate: float | None = None,
        optimizer: Any = None,
        weight_decay: float | None = None,
        seed: int | None = 0,
        verbose: int = 0,
        **params: Any,
    ) -> None:
        self.name = name
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.seed = seed
        self.verbose = verbose
        self._params = params  # the builder arguments, parameters like the others

    # === Parameters (scikit-learn's protocol) ===

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "name": self.name,
            **{option: getattr(self, option) for option in TRAINING},
            **self._params,
        }

    def set_params(self, **params: Any) -> _Estimator:
        for key, value in params.items():
            if key == "name" or key in TRAINING:
                setattr(self, key, value)
            else:
                self._params = {**self._params, key: value}
        return self

    @property
    def overrides(self) -> dict[str, Any]:
        """The builder arguments among the parameters (a copy)."""
        return dict(self._params)

    @property
    def recipe(self) -> str:
        """The recipe or builder this estimator trains: ``name``, or the default one."""
        return self.name or self._default

    # === Training ===

    def fit(self, X: Any, y: Any = None, **fit_kwargs: Any) -> _Estimator:
        """Build, compile and train the recipe on ``X``, ``y``; return the estimator.

        ``fit_kwargs`` go to ``keras.Model.fit`` (``validation_split``, ``callbacks``).
        """
        import keras

        from zoo._factory.build import build
        from zoo._registry import default_registry
        from zoo._training.compiling import compile_model
        from zoo._training.defaults import check_training, training_defaults
        from zoo._tuning.hypermodel import entry_of

        X, y = self._validated(X, y)
        targets = self._targets(y)
        registry = default_registry()
        entry = entry_of(self.recipe, registry)
        arguments = self._arguments(entry, registry, X)
        options = {
            k: getattr(self, k)
            for k in ("epochs", "batch_size", "learning_rate", "optimizer", "weight_decay")
            if getattr(self, k) is not None
        }
        defaults = training_defaults(entry, registry).merged(check_training(options, self._label()))
        if self.seed is not None:
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
        return self

    def _arguments(self, entry: Entry, registry: Registry, X: Any) -> dict[str, Any]:
        """The builder arguments: the user's, then what the data implies.

        The input's shape follows ``X`` unless the user or the recipe fixes it (a recipe
        built for 8x8 images keeps its shape; flat rows are reshaped to it).
        """
        from zoo._specs.component import Recipe
        from zoo._tuning.hypermodel import accepted_names

        arguments = dict(self._params)
        accepted = accepted_names(entry, registry) or set()
        fixed = set(arguments) | set(entry.args if isinstance(entry, Recipe) else ())
        if not {"input_shape", "input_dim"} & fixed:
            if "input_shape" in accepted:
                arguments["input_shape"] = list(X.shape[1:])
            if "input_dim" in accepted and X.ndim == 2:
                arguments["input_dim"] = int(X.shape[1])
        if self._task == "classification" and "num_classes" in accepted:
            arguments.setdefault("num_classes", len(self.classes_))
        return arguments

    def _label(self) -> str:
        return f"zoo.sklearn.{type(self).__name__}({self.recipe!r})"

    def _validated(self, X: Any, y: Any = "no_validation") -> Any:
        """``X`` (and ``y``) as scikit-learn checks them; ArgumentError (a ValueError) if not.

        ``y`` left out: predicting, ``X`` must have the features seen by ``fit``.
        """
        from sklearn.utils.validation import validate_data

        fitting = not (isinstance(y, str) and y == "no_validation")
        checks: dict[str, Any] = {"dtype": "float32", "allow_nd": True}
        if fitting:
            checks["y_numeric"] = self._task == "regression"
        try:
            return validate_data(self, X, y, reset=fitting, **checks)
        except ValueError as error:  # a TypeError (sparse, objects) stays scikit-learn's
            raise ArgumentError(
                f"{self._label()} takes X as rows of finite numbers in a dense array (one "
                "row per sample, as many features as at fit time) and y as one target per "
                f"row, as scikit-learn estimators do. Received: {error} Fix the data (a "
                "sparse matrix: .toarray(); missing values: sklearn.impute.SimpleImputer)."
            ) from None

    def _targets(self, y: Any) -> Any:
        return y.astype("float32")

    def _outputs(self, X: Any) -> Any:
        import keras
        import numpy as np
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "model_")
        X = _reshaped(self._validated(X), self.model_)
        if len(X) <= PREDICT_BATCH:  # one call: no predict loop to trace (0.2 s a model)
            outputs = keras.tree.map_structure(
                keras.ops.convert_to_numpy, self.model_(X, training=False)
            )
        else:
            outputs = self.model_.predict(X, verbose=0, batch_size=PREDICT_BATCH)
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
        raise ArgumentError(
            f"Each row of X fills the model's input of shape {list(shape)}. Received: rows "
            f"of shape {list(X.shape[1:])}. Build it with input_shape={list(X.shape[1:])}, or "
            "pass rows of that size."
        )
    return X.reshape((len(X), *shape))


def _from_logits(model: Any) -> bool:
    """Whether the model's compiled loss reads logits (distill/cnn_classifier's do)."""
    get_config = getattr(getattr(model, "loss", None), "get_config", None)
    config = get_config() if callable(get_config) else {}
    return bool(config.get("from_logits", False))


class Classifier(ClassifierMixin, _Estimator):
    """A zoo classifier recipe as a scikit-learn classifier (labels of any kind).

    Args:
        name: a recipe or model builder (id or short name); None (the default) for
            ``forecast/mlp_classifier``, a two-layer MLP.
        **params: builder arguments (``width=8``) and training options (``epochs``,
            ``batch_size``, ``learning_rate``, ``optimizer``, ``weight_decay``,
            ``seed``, ``verbose``).

    Example:

        zoo.sklearn.Classifier(hidden_units=[32], epochs=30).fit(X, y).score(X, y)
    """

    _task = "classification"
    _default = "forecast/mlp_classifier"

    def _targets(self, y: Any) -> Any:
        import numpy as np
        from sklearn.utils.multiclass import check_classification_targets

        try:
            check_classification_targets(y)
        except ValueError as error:
            raise ArgumentError(
                f"A classifier takes discrete labels. Received: {error} Use a Regressor "
                "for continuous targets, or bin them."
            ) from None
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ArgumentError(
                "A classifier learns at least two classes. Received: one class, "
                f"{self.classes_.tolist()!r}. Pass labels of two or more classes."
            )
        return codes.astype("int32")

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities, one column per class of ``classes_`` (rows sum to 1)."""
        import numpy as np

        scores = self._outputs(X).astype("float64")
        logits = _from_logits(self.model_)
        if scores.shape[-1] == 1:  # one sigmoid unit for two classes
            scores = 1 / (1 + np.exp(-scores)) if logits else scores
            scores = np.concatenate([1 - scores, scores], axis=-1)
        elif logits:
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return scores / scores.sum(axis=-1, keepdims=True)

    def predict(self, X: Any) -> Any:
        """The most probable class of each row."""
        probabilities = self.predict_proba(X)
        return self.classes_[probabilities.argmax(axis=-1)]


class Regressor(RegressorMixin, _Estimator):
    """A zoo regression recipe as a scikit-learn regressor.

    Args:
        name: a recipe or model builder (id or short name); None (the default) for
            ``forecast/mlp_regressor``, a two-layer MLP.
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


__all__ = ["EXPECTED_FAILED_CHECKS", "TRAINING", "Classifier", "Regressor"]
