"""Registering a plugin's Keras classes under their unique ``zoo.<plugin>>Name``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from zoo._base.errors import ZooError
from zoo._specs.component import check_name

T = TypeVar("T")

#: Every class zoo.serializable registered, by Keras name (Keras keeps no such history).
_REGISTERED: dict[str, list[Any]] = {}


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
        registered = keras.saving.register_keras_serializable(package=package, name=name)(obj)
        _REGISTERED.setdefault(key, []).append(obj)
        return registered

    return decorate


@dataclass(frozen=True)
class NameClash:
    """Several classes registered under one Keras name; ``active`` is the one Keras uses."""

    name: str
    active: str
    others: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.name!r} is registered for {len(self.others) + 1} classes: {self.active} "
            f"(the one Keras loads) and {', '.join(self.others)}"
        )


def name_clashes(prefix: str = "zoo.") -> list[NameClash]:
    """Keras names registered for more than one class, which Keras itself silently accepts.

    ``keras.saving.register_keras_serializable`` keeps a name-to-class table and a
    class-to-name table; registering a second class under a taken name overwrites the
    first table only, so both classes stay in the second. A class defined again by a
    module reload (same module and qualified name) is not a clash.

    Args:
        prefix: only names starting with it (``""`` for every name).
    """
    import keras

    try:  # Keras's class-to-name table (private; the zoo's own record covers its classes)
        from keras.src.saving.object_registration import GLOBAL_CUSTOM_NAMES
    except ImportError:  # pragma: no cover - a Keras without it
        GLOBAL_CUSTOM_NAMES = {}
    pairs = [(obj, key) for key, objs in _REGISTERED.items() for obj in objs]
    pairs += list(GLOBAL_CUSTOM_NAMES.items())
    by_name: dict[str, dict[str, Any]] = {}
    for obj, key in pairs:
        if key.startswith(prefix):
            by_name.setdefault(key, {})[_where(obj)] = obj
    active_objects = keras.saving.get_custom_objects()
    clashes = []
    for key in sorted(by_name):
        classes = by_name[key]
        if len(classes) < 2:
            continue
        active = active_objects.get(key)
        active_where = _where(active) if active is not None else "nothing"
        others = tuple(sorted(where for where in classes if where != active_where))
        clashes.append(NameClash(key, active_where, others))
    return clashes
