"""Checking keyword arguments against a callable's signature before calling it."""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from zoo._errors import ArgumentError, did_you_mean

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


def _type_hints(fn: Callable[..., Any]) -> dict[str, Any]:
    target = fn.__init__ if inspect.isclass(fn) else fn  # type: ignore[misc]
    try:
        return typing.get_type_hints(target)
    except Exception:  # unresolvable annotations: skip type checks, keep name checks
        return {}


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint``; unknown annotations always fit."""
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if origin in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            return False
        if origin is tuple and args and args[-1] is not Ellipsis:
            return len(value) == len(args) and all(map(_matches, value, args))
        element = args[0] if args else Any
        return all(_matches(item, element) for item in value)
    if origin in (dict, collections.abc.Mapping) or hint in (dict, collections.abc.Mapping):
        return isinstance(value, Mapping)
    if hint in (list, tuple):
        return isinstance(value, (list, tuple))
    return True


def _describe(hint: Any) -> str:
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
    hints = _type_hints(fn)
    for name, value in arguments.items():
        if name in hints and not _matches(value, hints[name]):
            raise ArgumentError(
                f"{owner} expects {name} of type {_describe(hints[name])}. "
                f"Received: {name}={value!r} ({type(value).__name__}). Pass a value of that type."
            )
