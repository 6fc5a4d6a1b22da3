"""A component's implementation: imported from its target on first use, then checked.

`import_target` imports ``"module:attribute"`` and names the spec in its errors;
`check_backend` refuses a component on a Keras backend it does not declare;
`check_keras_name` refuses an implementation whose ``zoo.<plugin>>Name`` Keras has
since given to another class. Keras is imported only when a spec needs it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from zoo._base.errors import ZooError
from zoo._registry.plugins import describe_error
from zoo._specs.component import ComponentSpec


def check_backend(spec: ComponentSpec) -> None:
    if not spec.backends:
        return
    import keras

    backend = keras.config.backend()
    if backend not in spec.backends:
        raise ZooError(
            f"{spec.id} runs on the Keras backend(s) {', '.join(spec.backends)}. "
            f"Received: backend {backend!r}. Set KERAS_BACKEND={spec.backends[0]} "
            "before importing Keras."
        )


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def check_keras_name(spec: ComponentSpec, obj: Any) -> None:
    """Refuse an implementation whose ``zoo.<plugin>>Name`` Keras now maps to another class.

    Keras lets a later ``register_keras_serializable`` take a registered name silently;
    a model built from ``obj`` would then save under a name that loads the other class.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        return
    try:
        key = keras.saving.get_registered_name(obj)
    except Exception:  # not something Keras names
        return
    if not isinstance(key, str) or not key.startswith("zoo.") or ">" not in key:
        return
    active = keras.saving.get_custom_objects().get(key)
    if active is None or active is obj or _where(active) == _where(obj):
        return
    from zoo._registry.serializable import name_clashes

    clash = next((str(c) for c in name_clashes() if c.name == key), None)
    received = clash or f"{key!r} is registered for {_where(obj)} and {_where(active)}"
    raise ZooError(
        f"A Keras name belongs to one class. Received: {received}; {spec.id} is implemented "
        f"by {_where(obj)}, so a model built from it would load as {_where(active)}. Remove "
        f"the register_keras_serializable of {_where(active)} (or uninstall the plugin that "
        "does it)."
    )


def import_target(spec: ComponentSpec) -> Any:
    module_name, _, attribute = spec.target.partition(":")
    install = f"reinstall {spec.distribution}" if spec.distribution else "check the plugin"
    try:
        obj: Any = importlib.import_module(module_name)
    except ZooError:
        raise  # the zoo's own rule, raised while importing (a Keras name clash): as it is
    except Exception as error:
        raise ZooError(
            f"The implementation of {spec.id} could not be imported from {spec.target}. "
            f"Received: {describe_error(error)}. Install what it names, or {install}."
        ) from error
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ZooError(
                f"The target of {spec.id} must exist. Received: {spec.target!r}, but "
                f"{module_name} has no {attribute!r}. Fix the spec, or {install}."
            ) from None
    return obj
