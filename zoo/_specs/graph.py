"""The graph spec format: parsing and the checks that need no Keras.

A graph spec is plain data (a dict, or a TOML table) describing a Keras Functional
model; docs/graphs.md documents it with examples. This module turns the data into a
`GraphSpec` (whose types and structural checks live in `zoo._specs.graph_types`) and checks
everything that can be checked without importing Keras or a plugin: the keys and
their types, names, references to missing nodes, duplicate names, cycles, unused
inputs and nodes, and repetition. Overrides (``deep.units=32``) live in
`zoo._specs.graph_overrides`; checks that need the components themselves (unknown
component, arguments, shapes) in ``zoo._graph.build``. Recipes (`zoo._specs.component`) and
registry files parse their graphs with this module, so it sits at the spec level and
imports nothing above it.

Every problem raises `GraphError` naming where it is: the spec's source file (if
any), its key, and the node.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from zoo._base.errors import did_you_mean
from zoo._base.nesting import MAX_NESTING, too_deep
from zoo._specs.graph_types import (
    DTYPES,
    GRAPH_KEYS,
    INPUT_KEYS,
    KERAS_NAMESPACE,
    MAX_REPEAT,
    NODE_KEYS,
    NODE_NAME,
    GraphArgumentError,
    GraphError,
    GraphSpec,
    InputSpec,
    NodeSpec,
    check_references,
    check_usage,
    join_key,
    to_snake_case,
    topological_order,
    where_in,
)

__all__ = [
    "DTYPES",
    "GRAPH_KEYS",
    "INPUT_KEYS",
    "KERAS_NAMESPACE",
    "MAX_REPEAT",
    "NODE_KEYS",
    "NODE_NAME",
    "GraphArgumentError",
    "GraphError",
    "GraphSpec",
    "InputSpec",
    "NodeSpec",
    "parse_graph",
    "to_snake_case",
]

_LAYER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*(/[A-Za-z][A-Za-z0-9_.-]*)?\Z")


def _fail(source: str, key: str, message: str) -> GraphError:
    return GraphError(f"{where_in(source, key)}: {message}")


def _check_keys(
    source: str,
    key: str,
    table: Mapping[str, Any],
    allowed: Sequence[str],
    what: str,
    tail: str = "",
) -> None:
    for name in table:
        if name not in allowed:
            raise _fail(
                source,
                join_key(key, str(name)) + tail,
                f"unknown key. {what} takes the keys {', '.join(allowed)}. "
                f"Received: {name!r}.{did_you_mean(str(name), allowed)}",
            )


def _table(source: str, key: str, value: object, what: str = "a table") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(source, key, f"expected {what}. Received: {value!r}.")
    return value


def _check_node_name(source: str, key: str, name: object, what: str) -> str:
    if not isinstance(name, str) or not NODE_NAME.match(name):
        raise _fail(
            source,
            key,
            f"{what} is a name made of letters, digits and '_' that does not start with a "
            f"digit (it appears in override keys such as 'deep.units'). Received: {name!r}. "
            "Rename it, for example to 'deep'.",
        )
    return name


def _parse_shape(source: str, key: str, value: object) -> tuple[int | None, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _fail(
            source,
            key,
            f"a shape is a list of dimensions without the batch dimension. Received: {value!r}. "
            'Example: shape = [32, 32, 3], or ["None", 8] for a free first dimension.',
        )
    dims: list[int | None] = []
    for dim in value:
        if dim is None or (isinstance(dim, str) and dim.lower() == "none"):
            dims.append(None)
        elif isinstance(dim, int) and not isinstance(dim, bool) and dim > 0:
            dims.append(dim)
        else:
            raise _fail(
                source,
                key,
                'each dimension is a positive integer, or None ("None" in TOML, which has no '
                f"null) for a free one. Received: {list(value)!r}.",
            )
    return tuple(dims)


def _parse_inputs(source: str, key: str, value: object) -> tuple[InputSpec, ...]:
    table = _table(
        source, key, value, "a table of named inputs, e.g. inputs.image = { shape = [28, 28, 1] }"
    )
    if not table:
        raise _fail(
            source,
            key,
            "a graph needs at least one input. Received: an empty table. "
            "Add one, e.g. inputs.image = { shape = [28, 28, 1] }.",
        )
    inputs = []
    for name, body in table.items():
        ikey = f"{key}.{name}"
        _check_node_name(source, ikey, name, "An input's name")
        body = _table(source, ikey, body, "a table with shape and dtype")
        _check_keys(source, ikey, body, INPUT_KEYS, "An input")
        if "shape" not in body:
            raise _fail(
                source, ikey, "an input needs a shape (without the batch dimension), e.g. [8]."
            )
        dtype = body.get("dtype", "float32")
        if dtype not in DTYPES:
            raise _fail(
                source,
                f"{ikey}.dtype",
                f"an input's dtype is one of {', '.join(DTYPES)}. Received: {dtype!r}."
                f"{did_you_mean(str(dtype), DTYPES)}",
            )
        inputs.append(InputSpec(name, _parse_shape(source, f"{ikey}.shape", body["shape"]), dtype))
    return tuple(inputs)


#: ``fail(sub, message)``: a GraphError about the key ``<node's key><sub>``, naming the node.
_Fail = Callable[[str, str], GraphError]


def _parse_node(
    source: str,
    graph_key: str,
    index: int,
    body: object,
    has_previous: bool,
    model_inputs: list[str],
) -> dict[str, Any]:
    """The fields of one node; an unnamed node's name is None until `_name_nodes`."""
    key = join_key(graph_key, f"nodes[{index}]")
    body = _table(source, key, body, "a table with layer, args, inputs, ...")
    name = body.get("name")
    if name is not None:
        _check_node_name(source, f"{key}.name", name, "A node's name")
    tail = f" (node {name!r})" if name is not None else ""

    def fail(sub: str, message: str) -> GraphError:
        return _fail(source, f"{key}{sub}{tail}", message)

    _check_keys(source, key, body, NODE_KEYS, "A node", tail)
    layer = _node_layer(body, fail)
    tables = _node_tables(body, fail)
    each = _node_each(tables, fail)
    repeat = _node_repeat(body, each, fail)
    if tables["first_args"] and repeat == 1:
        raise fail(
            ".first_args",
            "first_args only makes sense for a repeated node (repeat > 1). "
            f"Received: first_args={dict(tables['first_args'])!r}, repeat=1. Put them in args.",
        )
    return {
        "name": name,
        "layer": layer,
        "index": index,
        "args": dict(tables["args"]),
        "inputs": _node_inputs(body, has_previous, model_inputs, fail),
        "repeat": repeat,
        "first_args": dict(tables["first_args"]),
        "each": each,
    }


def _node_layer(body: Mapping[str, Any], fail: _Fail) -> str:
    """A node's ``layer``: a component id, a unique short name or ``keras/<Name>``."""
    if "layer" not in body:
        raise fail(
            "",
            "a node needs a layer: a registered component or a Keras built-in. "
            'Example: layer = "keras/Dense".',
        )
    layer = body["layer"]
    if not isinstance(layer, str) or not _LAYER_NAME.match(layer):
        raise fail(
            ".layer",
            "a node's layer names a registered component ('vision/PixelShuffle', or a unique "
            "short name) or a Keras built-in ('keras/Conv2D'), never an import path. "
            f"Received: layer={layer!r}.",
        )
    return layer


def _node_tables(body: Mapping[str, Any], fail: _Fail) -> dict[str, Mapping[str, Any]]:
    """A node's argument tables ``args``, ``first_args`` and ``each`` (empty when absent)."""
    tables: dict[str, Mapping[str, Any]] = {}
    for table_key in ("args", "first_args", "each"):
        value = body.get(table_key, {})
        if not isinstance(value, Mapping):
            raise fail(f".{table_key}", f"expected a table of arguments. Received: {value!r}.")
        for arg in value:
            if not isinstance(arg, str) or not arg.isidentifier():
                raise fail(f".{table_key}", f"argument names are identifiers. Received: {arg!r}.")
        if "name" in value:
            raise fail(
                f".{table_key}.name",
                "a layer's name is the node's name: set name on the node, not in its "
                f"{table_key}. Received: name={value['name']!r}.",
            )
        tables[table_key] = value
    return tables


def _node_each(tables: Mapping[str, Mapping[str, Any]], fail: _Fail) -> dict[str, list[Any]]:
    """A node's ``each``: one list per argument, one value per copy, all of one length."""
    each: dict[str, list[Any]] = {}
    for arg, values in tables["each"].items():
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
            raise fail(
                f".each.{arg}",
                f"each gives one value per copy, as a list. Received: {arg}={values!r}. "
                f"Example: each = {{ {arg} = [64, 32] }}.",
            )
        if not values:
            raise fail(f".each.{arg}", f"each lists at least one value. Received: {arg}=[].")
        if len(values) > MAX_REPEAT:
            raise fail(
                f".each.{arg}",
                f"a node chains at most {MAX_REPEAT} copies, so each lists at most "
                f"{MAX_REPEAT} values. Received: {len(values)} values. Use fewer copies.",
            )
        each[arg] = list(values)
    both = sorted(set(each) & (set(tables["args"]) | set(tables["first_args"])))
    if both:
        raise fail(
            "",
            "an argument is set either in args/first_args or in each, not both. "
            f"Received: {', '.join(both)} in both. Keep it in one place.",
        )
    if len({len(v) for v in each.values()}) > 1:
        raise fail(
            ".each",
            "every list in each has one value per copy, so they have the same length. "
            f"Received lengths {', '.join(f'{k}={len(v)}' for k, v in each.items())}.",
        )
    return each


def _node_repeat(body: Mapping[str, Any], each: Mapping[str, list[Any]], fail: _Fail) -> int:
    """How many copies a node chains: its ``repeat``, or the length of its ``each`` lists."""
    repeat: int | None = None
    if "repeat" in body:
        repeat = body["repeat"]
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 1:
            raise fail(
                ".repeat",
                "repeat is a positive integer: how many copies of the layer to chain. "
                f"Received: repeat={repeat!r}.",
            )
        if repeat > MAX_REPEAT:
            raise fail(
                ".repeat",
                f"a node chains at most {MAX_REPEAT} copies of its layer. Received: "
                f"repeat={repeat}. Use fewer copies, or several nodes.",
            )
    if each:
        length = len(next(iter(each.values())))
        if repeat is not None and repeat != length:
            raise fail(
                "",
                f"repeat and the lists in each must agree. Received: repeat={repeat}, and each "
                f"lists {length} value(s). Drop repeat (each sets it) or fix the lists.",
            )
        repeat = length
    return repeat or 1


def _node_inputs(
    body: Mapping[str, Any], has_previous: bool, model_inputs: list[str], fail: _Fail
) -> tuple[str, ...] | None:
    """A node's inputs; None for the previous node (filled in once every node has a name)."""
    if "inputs" in body:
        raw = body["inputs"]
        refs = [raw] if isinstance(raw, str) else raw
        if (
            not isinstance(refs, (list, tuple))
            or not refs
            or not all(isinstance(r, str) for r in refs)
        ):
            raise fail(
                ".inputs",
                "inputs is a node or input name, or a non-empty list of them. "
                f"Received: inputs={raw!r}.",
            )
        return tuple(refs)
    if has_previous:
        return None  # the previous node, once every node has a name
    if len(model_inputs) == 1:
        return (model_inputs[0],)
    raise fail(
        "",
        "the first node takes the graph's only input by default, but this graph has "
        f"{len(model_inputs)} inputs. Received: no inputs key. Name them, e.g. "
        f"inputs = [{', '.join(repr(n) for n in model_inputs)}].",
    )


def _expansions(name: str, repeat: int) -> list[str]:
    """The names a node takes: its own, and its copies' layer names when repeated."""
    return [name] + ([f"{name}_{i}" for i in range(1, repeat + 1)] if repeat > 1 else [])


def _name_nodes(source: str, key: str, fields: list[dict[str, Any]], taken: dict[str, str]) -> None:
    """Refuse a name used twice; give unnamed nodes Keras-style names (``dense``, ``dense_1``).

    ``taken`` maps every name in use (inputs first) to a description of its owner.
    """
    for f in fields:
        if f["name"] is None:
            continue
        owner = join_key(key, f"nodes[{f['index']}]") + f" (node {f['name']!r})"
        for candidate in _expansions(f["name"], f["repeat"]):
            if candidate in taken:
                copies = (
                    f" (the copies of {f['name']!r}, repeated {f['repeat']} times, are named "
                    f"{f['name']}_1 to {f['name']}_{f['repeat']})"
                    if candidate != f["name"]
                    else ""
                )
                raise _fail(
                    source,
                    owner,
                    f"node and input names are unique. Received: {candidate!r}, already used "
                    f"by {taken[candidate]}{copies}. Rename one of them.",
                )
            taken[candidate] = owner
    for f in fields:
        if f["name"] is not None:
            continue
        base = to_snake_case(f["layer"].rpartition("/")[2])
        if not NODE_NAME.match(base):
            base = "node"
        counter = 0
        candidate = base
        while any(c in taken for c in _expansions(candidate, f["repeat"])):
            counter += 1
            candidate = f"{base}_{counter}"
        f["name"] = candidate
        for c in _expansions(candidate, f["repeat"]):
            taken[c] = join_key(key, f"nodes[{f['index']}]") + f" (node {candidate!r})"


def _parse_outputs(
    source: str, key: str, value: object, default: str
) -> tuple[tuple[tuple[str, str], ...], str]:
    okey = join_key(key, "outputs")
    if value is None:
        return ((default, default),), "single"
    if isinstance(value, str):
        return ((value, value),), "single"
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        if len(set(value)) != len(value):
            dupes = sorted({v for v in value if value.count(v) > 1})
            raise _fail(
                source,
                okey,
                f"each output is listed once. Received: {', '.join(map(repr, dupes))} twice.",
            )
        return tuple((v, v) for v in value), "list"
    if isinstance(value, Mapping) and value:
        pairs = []
        for out_name, node in value.items():
            _check_node_name(source, f"{okey}.{out_name}", out_name, "An output's name")
            if not isinstance(node, str):
                raise _fail(
                    source,
                    f"{okey}.{out_name}",
                    f"an output names the node it returns. Received: {node!r}.",
                )
            pairs.append((out_name, node))
        return tuple(pairs), "dict"
    raise _fail(
        source,
        okey,
        "outputs is a node name, a list of node names, or a table of output name = node "
        f"name. Received: {value!r}.",
    )


def parse_graph(data: object, *, source: str = "", key: str = "graph") -> GraphSpec:
    """Check a graph spec's structure and return it as a `GraphSpec`.

    Args:
        data: the spec, a mapping (a dict in code or a TOML table).
        source: where it comes from (a file path), named in errors.
        key: its key in that file (``"recipes.zoo.wide_deep.graph"``), named in errors.

    Raises:
        GraphError: for anything wrong, naming the source, the key and the node.
    """
    data = _table(source, key, data, "a table with inputs, nodes and outputs")
    deep = too_deep(data)
    if deep is not None:
        raise _fail(
            source,
            join_key(key, deep),
            f"tables and lists nest at most {MAX_NESTING} deep in a graph spec. Received: a "
            "value nested deeper. Flatten it.",
        )
    _check_keys(source, key, data, GRAPH_KEYS, "A graph")
    if "inputs" not in data:
        raise _fail(
            source, key, "a graph needs inputs, e.g. inputs.image = { shape = [28, 28, 1] }."
        )
    inputs = _parse_inputs(source, join_key(key, "inputs"), data["inputs"])
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise _fail(
            source,
            join_key(key, "nodes"),
            "a graph needs nodes: a non-empty list of tables, each with a layer. "
            f"Received: {raw_nodes!r}.",
        )
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise _fail(
            source, join_key(key, "name"), f"the model name is a string. Received: {name!r}."
        )
    input_names = [i.name for i in inputs]
    fields = [
        _parse_node(source, key, index, body, index > 0, input_names)
        for index, body in enumerate(raw_nodes)
    ]
    taken = {n: join_key(key, f"inputs.{n}") for n in input_names}
    _name_nodes(source, key, fields, taken)
    for i, f in enumerate(fields):
        if f["inputs"] is None:  # the sequential shorthand
            f["inputs"] = (fields[i - 1]["name"],)
    nodes = tuple(NodeSpec(**f) for f in fields)
    outputs, style = _parse_outputs(source, key, data.get("outputs"), nodes[-1].name)
    spec = GraphSpec(
        inputs=inputs,
        nodes=nodes,
        outputs=outputs,
        output_style=style,
        name=name,
        source=source,
        key=key,
        data=data,
    )
    check_references(spec)
    topological_order(spec)
    check_usage(spec)
    return spec
