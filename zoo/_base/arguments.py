"""Checking keyword arguments against a callable's signature before calling it."""

from __future__ import annotations

import collections.abc
import inspect
import numbers
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from zoo._base.errors import ArgumentError, did_you_mean

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


@dataclass(frozen=True)
class Parameter:
    """One argument a builder or component accepts, for ``zoo info``."""

    name: str
    default: Any
    annotation: str
    required: bool

    def to_dict(self) -> dict[str, Any]:
        default = None if self.required else self.default
        if not isinstance(default, (type(None), bool, int, float, str, list, tuple, dict)):
            default = repr(default)
        return {
            "name": self.name,
            "default": default,
            "annotation": self.annotation,
            "required": self.required,
        }


def parameters(fn: Callable[..., Any]) -> list[Parameter]:
    """The keyword-passable parameters of ``fn`` with their defaults and annotations."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    result = []
    for p in signature.parameters.values():
        if p.kind not in _NAMED:
            continue
        annotation = "" if p.annotation is inspect.Parameter.empty else p.annotation
        if not isinstance(annotation, str):
            annotation = inspect.formatannotation(annotation)
        required = p.default is inspect.Parameter.empty
        result.append(Parameter(p.name, None if required else p.default, annotation, required))
    return result


def type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    """The resolved annotations of a function (a class: of its ``__init__``); {} if unresolvable."""
    target = fn.__init__ if inspect.isclass(fn) else fn
    try:
        return typing.get_type_hints(target)
    except Exception:  # unresolvable annotations: skip type checks, keep name checks
        return {}


def matches_hint(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint``; unknown annotations always fit."""
    return _mismatch(value, hint) is None


def _is_bool(value: Any) -> bool:
    # numpy.bool_ is checked by name: importing NumPy here would slow down `zoo list`.
    kind = type(value)
    return isinstance(value, bool) or (kind.__module__ == "numpy" and kind.__name__ == "bool")


def _is_int(value: Any) -> bool:
    """Python and NumPy integers (numbers.Integral), never a bool."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_real(value: Any) -> bool:
    """Python and NumPy integers and floats (numbers.Real), never a bool."""
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _mismatch(value: Any, hint: Any) -> str | None:
    """None if ``value`` fits ``hint``, else what is wrong, for the error message."""
    if hint is Any or hint is inspect.Parameter.empty:
        return None
    if hint is type(None):
        return None if value is None else "not None"
    simple = {bool: (_is_bool, "not a bool"), int: (_is_int, "not an int")}
    simple[float] = (_is_real, "not a float")
    if hint in simple:
        fits, reason = simple[hint]
        return None if fits(value) else reason
    if hint is str:
        return None if isinstance(value, str) else "not a str"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        reasons = [_mismatch(value, arg) for arg in args]
        if any(r is None for r in reasons):
            return None
        # A list of the right kind but the wrong length says so, whatever the union.
        specific = [r for r in reasons if r and not r.startswith("not ")]
        return specific[0] if specific else f"not {describe_hint(hint)}"
    if origin is typing.Literal:
        return None if value in args else f"not one of {', '.join(map(repr, args))}"
    if origin in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            return "not a list"
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(value) != len(args):
                return f"{len(value)} values where {len(args)} are expected"
            for index, (item, arg) in enumerate(zip(value, args)):
                if (why := _mismatch(item, arg)) is not None:
                    return f"item {index} ({item!r}) is {why}"
            return None
        element = args[0] if args else Any
        for index, item in enumerate(value):
            if (why := _mismatch(item, element)) is not None:
                return f"item {index} ({item!r}) is {why}"
        return None
    if origin in (dict, collections.abc.Mapping) or hint in (dict, collections.abc.Mapping):
        return None if isinstance(value, Mapping) else "not a table (mapping)"
    if hint in (list, tuple):
        return None if isinstance(value, (list, tuple)) else "not a list"
    return None


def python_numbers(value: Any) -> Any:
    """``value`` with NumPy scalars (``np.int64(3)``, ``np.float32(0.5)``) as Python ones,
    inside lists, tuples and dicts too, so a builder's own ``isinstance`` checks accept them.
    """
    kind = type(value)
    if kind.__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, list):
        return [python_numbers(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(python_numbers(v) for v in value)
    if isinstance(value, dict):
        return {k: python_numbers(v) for k, v in value.items()}
    return value


def describe_hint(hint: Any) -> str:
    """An annotation as a message shows it: ``int``, ``list[int] | None``."""
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def check_arguments(fn: Callable[..., Any], arguments: Mapping[str, Any], owner: str) -> None:
    """Raise ArgumentError if ``fn(**arguments)`` would be refused by name or by type.

    Unknown names list the accepted ones (with close matches); missing required
    arguments are named; values are checked against plain annotations (int, float,
    str, bool, unions, literals, sequences and mappings of those).
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    params = [p for p in signature.parameters.values() if p.kind in _NAMED]
    accepted = [p.name for p in params]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    if not takes_any:
        for name, value in arguments.items():
            if name not in accepted:
                raise ArgumentError(
                    f"{owner} does not accept the argument {name!r}. "
                    f"Received: {name}={value!r}.{did_you_mean(name, accepted)} "
                    f"Accepted arguments: {', '.join(accepted) or '(none)'}."
                )
    missing = [p.name for p in params if p.default is p.empty and p.name not in arguments]
    if missing:
        raise ArgumentError(
            f"{owner} requires the argument(s) {', '.join(missing)}. "
            f"Received: {', '.join(sorted(arguments)) or 'no arguments'}. "
            f"Pass them, e.g. {missing[0]}=..."
        )
    hints = type_hints(fn)
    for name, value in arguments.items():
        if name not in hints or (why := _mismatch(value, hints[name])) is None:
            continue
        hint = describe_hint(hints[name])
        if typing.get_origin(hints[name]) is typing.Literal:
            choices = ", ".join(map(repr, typing.get_args(hints[name])))
            raise ArgumentError(
                f"{owner} expects {name} to be one of {choices}. Received: "
                f"{name}={value!r}.{_close(value, hints[name])} Pass one of those."
            )
        raise ArgumentError(
            f"{owner} expects {name} of type {hint}. Received: {name}={value!r} "
            f"({type(value).__name__}): {why}. Pass a value of that type "
            "(None is written null on the command line)."
        )


def _close(value: Any, hint: Any) -> str:
    if not isinstance(value, str):
        return ""
    return did_you_mean(value, [str(a) for a in typing.get_args(hint) if isinstance(a, str)])
