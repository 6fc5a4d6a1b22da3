"""The exceptions of keras-zoo.

Every error the zoo raises on purpose derives from :class:`ZooError`. Messages follow
STYLE.md item 3: the rule, then ``Received: ...``, then what to do.
"""

from __future__ import annotations

from collections.abc import Iterable


class ZooError(Exception):
    """Base class of every error raised by keras-zoo."""

    __module__ = "zoo"  # shown as zoo.ZooError in tracebacks, the name users import


class NotFoundError(ZooError, LookupError):
    """A component, recipe or plugin name does not resolve."""

    __module__ = "zoo"


class AmbiguousNameError(NotFoundError):
    """A short name matches components of several plugins."""

    __module__ = "zoo"


class ArgumentError(ZooError, ValueError):
    """An argument (override, ``--set`` value, constructor argument) is not accepted."""

    __module__ = "zoo"


class RegistryFileError(ZooError, ValueError):
    """A ``registry.toml`` file is malformed."""

    __module__ = "zoo"


class PluginError(ZooError):
    """A plugin failed to load, or declared something invalid (strict mode, registration)."""

    __module__ = "zoo"


class ZooWarning(UserWarning):
    """A problem the zoo works around but wants you to know about."""

    __module__ = "zoo"


def clause(text: object) -> str:
    """``text`` without its final full stop, to embed in a sentence (no ``..``)."""
    return str(text).rstrip().rstrip(".")


def did_you_mean(word: str, choices: Iterable[str], n: int = 3) -> str:
    """Return ``" Did you mean 'x' or 'y'?"`` for close matches of ``word``, or ``""``."""
    import difflib  # only when a name is wrong: listing never pays for it

    matches = difflib.get_close_matches(word, sorted(set(choices)), n=n, cutoff=0.6)
    if not matches:
        return ""
    quoted = [f"'{m}'" for m in matches]
    if len(quoted) == 1:
        return f" Did you mean {quoted[0]}?"
    return f" Did you mean {', '.join(quoted[:-1])} or {quoted[-1]}?"
