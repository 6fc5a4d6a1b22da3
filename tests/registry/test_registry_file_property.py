"""Property test over registry files (issue 13): every generated file, valid or not, gives
either a loaded registry or a zoo.ZooError naming the file, never another exception, and
within a time bound per case. It joins the graph-spec property test (test_graph_property.py).

Files are generated as data (random tables of the registry format, with hostile names,
values nested up to twice the limit, odd search spaces and graph specs) written as TOML,
then sometimes damaged as bytes (truncated, a byte flipped, non-UTF-8 inserted).
"""

from __future__ import annotations

import importlib.metadata
import math
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import zoo
from zoo._registry import Registry

SECONDS_PER_CASE = 2.0

TOY = importlib.metadata.EntryPoint(name="toy", value="zoo_toy", group="zoo.plugins")

names = st.one_of(
    st.sampled_from(["toy", "lab", "zoo", "vision", "r", "toy_small", "toy_mlp", "Affine"]),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12),
)
scalars = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)


def _nested(depth: int, leaf: Any, as_table: bool) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value} if as_table else [value]
    return value


values = st.one_of(
    st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(names, inner, max_size=4)
        ),
        max_leaves=12,
    ),
    st.builds(_nested, st.integers(0, 70), scalars, st.booleans()),
)

search_spaces = st.one_of(
    values,
    st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(["choice", "int", "float", "boolean"]), values)},
        optional={
            "values": values,
            "min": scalars,
            "max": scalars,
            "step": scalars,
            "sampling": st.one_of(st.sampled_from(["linear", "log"]), values),
        },
    ),
)

nodes = st.fixed_dictionaries(
    {},
    optional={
        "name": names,
        "layer": st.one_of(
            st.sampled_from(["keras/Dense", "toy/Affine", "Affine", "nope/X", "keras/Lambda"]),
            values,
        ),
        "args": st.one_of(st.dictionaries(names, values, max_size=3), values),
        "inputs": st.one_of(names, st.lists(names, max_size=3), values),
        "repeat": st.one_of(st.integers(-2, 10**8), values),
        "each": st.one_of(st.dictionaries(names, st.lists(scalars, max_size=3)), values),
    },
)
graphs = st.one_of(
    values,
    st.fixed_dictionaries(
        {},
        optional={
            "inputs": st.one_of(
                st.dictionaries(
                    names, st.fixed_dictionaries({"shape": values}, optional={"dtype": values})
                ),
                values,
            ),
            "nodes": st.one_of(st.lists(nodes, max_size=4), values),
            "outputs": st.one_of(names, st.lists(names, max_size=2), values),
            "name": values,
        },
    ),
)

recipe_bodies = st.fixed_dictionaries(
    {},
    optional={
        "builder": st.one_of(st.sampled_from(["toy/toy_mlp", "toy_mlp", "toy/Affine"]), values),
        "args": st.one_of(st.dictionaries(names, values, max_size=3), values),
        "summary": values,
        "tags": st.one_of(st.lists(names, max_size=3), values),
        "search": st.one_of(st.dictionaries(names, search_spaces, max_size=2), values),
        "graph": graphs,
        "extra": values,
    },
)

registry_data = st.fixed_dictionaries(
    {},
    optional={
        "plugins": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "autoload": st.one_of(st.booleans(), values),
                    "allow": st.one_of(st.lists(names, max_size=3), values),
                    "deny": st.one_of(st.lists(names, max_size=3), values),
                    "strict": st.one_of(st.booleans(), values),
                },
            ),
            values,
        ),
        "settings": st.one_of(st.dictionaries(names, values, max_size=2), values),
        "recipes": st.one_of(
            st.dictionaries(
                names, st.one_of(st.dictionaries(names, recipe_bodies, max_size=3), values)
            ),
            values,
        ),
        "other": values,
    },
)


def _toml_string(text: str) -> str:
    escaped = "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in text)
    return f'"{escaped}"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml(data: dict[str, Any]) -> str:
    return "".join(f"{_toml_string(k)} = {_toml_value(v)}\n" for k, v in data.items())


damages = st.one_of(
    st.none(),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=4)),
)


def _damage(content: bytes, damage: Any) -> bytes:
    if damage is None or not content:
        return content
    at = int(damage[1] * (len(content) - 1))
    if damage[0] == "truncate":
        return content[:at]
    if damage[0] == "flip":
        return content[:at] + bytes([content[at] ^ damage[2]]) + content[at + 1 :]
    return content[:at] + damage[2] + content[at:]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=registry_data, damage=damages)
def test_every_registry_file_loads_or_raises_a_zoo_error_naming_it(
    tmp_path_factory: Any, data: dict[str, Any], damage: Any
) -> None:
    path: Path = tmp_path_factory.mktemp("registry") / "generated.toml"
    path.write_bytes(_damage(_toml(data).encode(), damage))
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[TOY], registry_files=[path]
    )
    start = time.perf_counter()
    try:
        entries = registry.entries()
        for entry in entries:  # what listing does with each entry
            entry.to_dict()
        registry.plugins()
        event("loaded")
    except zoo.ZooError as error:
        event(f"refused: {type(error).__name__}")
        assert str(path) in str(error), str(error)
    assert time.perf_counter() - start < SECONDS_PER_CASE
