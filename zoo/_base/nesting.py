"""How deeply data may nest: registry files, graph specs and overrides share one limit.

Stdlib only, below the specs: `zoo._specs.component`, `zoo._specs.graph` and `zoo._registry.files`
all check their data with `too_deep` before walking it.
"""

from __future__ import annotations

from collections.abc import Mapping

#: How deeply tables and lists may nest in a registry file, a graph spec or an override.
MAX_NESTING = 32


def too_deep(value: object, limit: int = MAX_NESTING) -> str | None:
    """The key path (``"args.v[0][0]"``) of the first value nested deeper than ``limit``.

    Walks without recursion, so that data nested thousands deep is named, not a
    RecursionError. Returns None when ``value`` is shallow enough.
    """
    stack: list[tuple[object, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, Mapping):
            children = [(v, f"{path}.{k}" if path else str(k)) for k, v in item.items()]
        elif isinstance(item, (list, tuple)):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(item)]
        else:
            continue
        if depth >= limit:
            return path or "(top level)"
        stack.extend((child, where, depth + 1) for child, where in children)
    return None
