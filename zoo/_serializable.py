"""Registering a plugin's Keras classes under their unique ``zoo.<plugin>>Name``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from zoo._errors import ZooError
from zoo._spec import check_name

T = TypeVar("T")


def _where(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def serializable(plugin: str, name: str | None = None) -> Callable[[T], T]:
    """Class decorator: ``keras.saving.register_keras_serializable(package="zoo.<plugin>")``.

    Keras silently lets a second class take a registered name; this refuses it, naming
    both classes. Registering the same class again (a module reload) is allowed.

    Example:

    ```python
    @zoo.serializable("vision")
    class PixelShuffle(keras.layers.Layer):
        ...
    ```
    """
    check_name(plugin, "plugin name")
    package = f"zoo.{plugin}"

    def decorate(obj: T) -> T:
        import keras

        key = f"{package}>{name or obj.__name__}"  # type: ignore[attr-defined]
        existing = keras.saving.get_custom_objects().get(key)
        if existing is not None and existing is not obj and _where(existing) != _where(obj):
            raise ZooError(
                f"A Keras name belongs to one class. Received: {key!r} for {_where(obj)}, "
                f"already registered for {_where(existing)}. Rename one of the classes or "
                "pass name= to zoo.serializable."
            )
        return keras.saving.register_keras_serializable(package=package, name=name)(obj)

    return decorate
