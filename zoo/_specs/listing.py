"""What listing needs before any spec class exists: the kinds and the filters.

`zoo.list_components` filters the registry's specs and recipes with `filter_entries`;
the command line's cached listing (`zoo._cli._list_cache`) filters its stored entries
with the same function, so the two cannot disagree. Nothing here imports more than
the standard library: ``python -m zoo list`` on a warm cache imports this module and
not the registry.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

#: The kinds of component a plugin can contribute.
KINDS = (
    "layer",
    "loss",
    "metric",
    "preprocessor",
    "model",
    "initializer",
    "callback",
    "dataset",
    "preset",
)


class Listed(Protocol):
    """What the filters read of an entry (a spec, a recipe, or a cached row).

    Read-only members: a frozen dataclass's fields and a recipe's ``id`` property fit.
    """

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def plugin(self) -> str: ...


E = TypeVar("E", bound=Listed)


def filter_entries(
    entries: Iterable[E],
    is_recipe: Callable[[E], bool],
    pattern: str | None = None,
    *,
    kind: str | None = None,
    tag: str | None = None,
    plugin: str | None = None,
) -> list[E]:
    """The entries that match, in their order (see `zoo.list_components` for the rules).

    ``pattern`` is an fnmatch pattern matched case-insensitively against the id and the
    short name; ``kind`` (``"recipe"``: recipes only), ``tag`` and ``plugin`` exactly.
    """
    found = list(entries)
    if pattern:
        low = pattern.lower()
        found = [
            e
            for e in found
            if fnmatch.fnmatchcase(e.id.lower(), low) or fnmatch.fnmatchcase(e.name.lower(), low)
        ]
    if kind == "recipe":
        found = [e for e in found if is_recipe(e)]
    elif kind:
        found = [e for e in found if e.kind == kind]
    if tag:
        found = [e for e in found if tag in e.tags]
    if plugin:
        found = [e for e in found if e.plugin == plugin]
    return found
