"""The graph spec's types: inputs, nodes and the graph, and the checks of its structure.

A `GraphSpec` is what `zoo._specs.graph.parse_graph` makes of the data: its inputs,
its nodes (each a layer with arguments, inputs and repetition) and its outputs.
Once the fields are parsed, the structure is checked here: every reference names
an input or a node, the graph has no cycle, and every input and node is used.
Data only, below `zoo._specs.graph`: nothing here imports Keras.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zoo._base.errors import ArgumentError, ZooError, did_you_mean

#: The keys a graph spec, an input and a node may have.
GRAPH_KEYS = ("name", "inputs", "nodes", "outputs")
INPUT_KEYS = ("shape", "dtype")
NODE_KEYS = ("name", "layer", "args", "inputs", "repeat", "first_args", "each")

#: The dtypes an input may declare.
DTYPES = (
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "bool",
    "string",
)

#: The namespace of Keras built-in layers in a node's ``layer``.
KERAS_NAMESPACE = "keras"

#: The most copies one node may chain (``repeat``, or the length of the lists in ``each``).
MAX_REPEAT = 1000

#: A node or input name (also a Keras layer name a spec can rebuild).
NODE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class GraphError(ZooError, ValueError):
    """A graph spec is invalid: the message names the file, the key and the node."""


class GraphArgumentError(GraphError, ArgumentError):
    """A node argument or an override is not accepted by the component it is for."""


def to_snake_case(name: str) -> str:
    """``"PixelShuffle"`` -> ``"pixel_shuffle"``, ``"Conv2D"`` -> ``"conv2d"`` (as Keras names)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


@dataclass(frozen=True)
class InputSpec:
    """A named model input: ``shape`` without the batch dimension, ``None`` for a free one."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str = "float32"


@dataclass(frozen=True)
class NodeSpec:
    """One node: a layer, its arguments, and where its input(s) come from.

    ``inputs`` is filled in (the sequential shorthand is resolved). ``repeat`` copies
    the layer into a chain of ``repeat`` layers named ``<name>_1`` ... ``<name>_<N>``;
    the node's name then refers to the last one. ``first_args`` override ``args`` for
    the first copy; ``each`` gives one value per copy.
    """

    name: str
    layer: str
    index: int
    args: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    repeat: int = 1
    first_args: Mapping[str, Any] = field(default_factory=dict)
    each: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def layer_names(self) -> list[str]:
        """The Keras layer names of the node's copies, first to last."""
        if self.repeat == 1:
            return [self.name]
        return [f"{self.name}_{i}" for i in range(1, self.repeat + 1)]

    def copy_args(self, i: int) -> dict[str, Any]:
        """The constructor arguments of copy ``i`` (0-based)."""
        args = {**self.args, **{k: v[i] for k, v in self.each.items()}}
        if i == 0:
            args.update(self.first_args)
        return args


@dataclass(frozen=True)
class GraphSpec:
    """A validated graph spec (no Keras needed to make one).

    ``outputs`` is a tuple of ``(output name, node name)``; ``output_style`` says how the
    model returns them: ``"single"`` (one tensor), ``"list"`` or ``"dict"``.
    """

    inputs: tuple[InputSpec, ...]
    nodes: tuple[NodeSpec, ...]
    outputs: tuple[tuple[str, str], ...]
    output_style: str = "single"
    name: str | None = None
    source: str = ""
    key: str = "graph"
    data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def node(self, name: str) -> NodeSpec:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def where(self, sub: str = "") -> str:
        """Where something is: ``"<file>: <key>.<sub>"`` (``<key>.<sub>`` for a dict)."""
        return where_in(self.source, join_key(self.key, sub))

    def node_where(self, node: NodeSpec) -> str:
        return self.where(f"nodes[{node.index}]") + f" (node {node.name!r})"

    def order(self) -> list[NodeSpec]:
        """The nodes in an order where every node comes after its inputs (checked acyclic)."""
        return topological_order(self)


# === Where a problem is ===


def join_key(key: str, sub: str) -> str:
    """``key`` + ``sub`` as a dotted key; an empty ``key`` is the top level of a file."""
    if not key:
        return sub.lstrip(".")
    if not sub:
        return key
    return f"{key}{sub}" if sub.startswith((".", "[")) else f"{key}.{sub}"


def where_in(source: str, key: str) -> str:
    """``"<file>: <key>"`` (the key alone for a spec without a file)."""
    key = key or "(top level)"
    return f"{source}: {key}" if source else key


# === Structure ===


def check_references(spec: GraphSpec) -> None:
    """Every node input names a graph input or another node; every output names a node."""
    known = [i.name for i in spec.inputs] + [n.name for n in spec.nodes]
    for node in spec.nodes:
        for ref in node.inputs:
            if ref == node.name:
                raise GraphError(
                    f"{spec.node_where(node)}: a node cannot take its own output as input. "
                    f"Received: inputs={list(node.inputs)!r}. Name an earlier node or an input."
                )
            if ref not in known:
                raise GraphError(
                    f"{spec.node_where(node)}: every input of a node is a graph input or "
                    f"another node. Received: {ref!r}, which is neither."
                    f"{did_you_mean(ref, known)} Known names: {', '.join(known)}."
                )
    node_names = [n.name for n in spec.nodes]
    for out_name, ref in spec.outputs:
        if ref not in node_names:
            hint = (
                " It is a graph input; an output is a node (add one, e.g. keras/Identity)."
                if ref in [i.name for i in spec.inputs]
                else did_you_mean(ref, node_names)
            )
            raise GraphError(
                f"{spec.where('outputs')}: an output names a node. Received: "
                f"{out_name}={ref!r}, which is no node.{hint} Nodes: {', '.join(node_names)}."
            )


def topological_order(spec: GraphSpec) -> list[NodeSpec]:
    """Depth-first over each node's inputs (iterative: no recursion limit on long chains)."""
    by_name = {n.name: n for n in spec.nodes}
    done: set[str] = set()
    order: list[NodeSpec] = []
    for root in spec.nodes:
        if root.name in done:
            continue
        path = [root.name]  # the nodes being visited; each takes the next one's output
        stack = [iter(root.inputs)]
        while stack:
            ref = next(stack[-1], None)
            if ref is None:
                stack.pop()
                name = path.pop()
                done.add(name)
                order.append(by_name[name])
                continue
            if ref not in by_name or ref in done:
                continue
            if ref in path:
                cycle = [*path[path.index(ref) :], ref]
                if len(cycle) > 12:
                    cycle = [*cycle[:5], f"... ({len(cycle) - 10} more)", *cycle[-5:]]
                raise GraphError(
                    f"{spec.node_where(by_name[ref])}: a graph has no cycles; every node must "
                    f"come from the inputs. Received the cycle {' -> '.join(cycle)} (each node "
                    "takes the next one's output). Break it by changing one node's inputs."
                )
            path.append(ref)
            stack.append(iter(by_name[ref].inputs))
    return order


def check_usage(spec: GraphSpec) -> None:
    """Every input feeds a node, and every node feeds another node or is an output."""
    used = {ref for n in spec.nodes for ref in n.inputs}
    outputs = {ref for _, ref in spec.outputs}
    for inp in spec.inputs:
        if inp.name not in used:
            raise GraphError(
                f"{spec.where('inputs.' + inp.name)}: every input feeds a node. Received: the "
                f"input {inp.name!r}, which no node takes. Add it to a node's inputs or "
                "remove it."
            )
    for node in spec.nodes:
        if node.name not in used and node.name not in outputs:
            raise GraphError(
                f"{spec.node_where(node)}: every node feeds another node or is an output. "
                f"Received: nothing takes the output of {node.name!r}. Name it in a later "
                "node's inputs or in outputs, or remove it."
            )
