"""Building a Keras Functional model from a `GraphSpec`.

Two phases, so that nothing is built from an invalid spec: first every node's
component is resolved and its arguments are checked against the component's
signature (unknown component with close matches, unknown, missing or mistyped
argument); then the layers are constructed and wired in topological order, and any
failure there (a shape mismatch, a constructor refusing a value) is reported with
the node's name and the shapes it received. Every failure is a `zoo.ZooError`.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zoo._base.arguments import describe_hint, matches_hint, type_hints
from zoo._base.errors import NotFoundError, ZooError, did_you_mean
from zoo._base.limits import MAX_INTEGER, build_limits, is_out_of_memory
from zoo._specs.component import ComponentSpec
from zoo._specs.graph import (
    KERAS_NAMESPACE,
    GraphArgumentError,
    GraphError,
    GraphSpec,
    NodeSpec,
)

if TYPE_CHECKING:
    from zoo._registry.registry import Registry

#: Keras built-ins a spec may not name: they run Python code or wrap other frameworks
#: (a spec is data, never executable), or are not layers one constructs.
REFUSED_BUILTINS = {
    "Lambda": "it runs arbitrary Python code; a spec is data, never executable",
    "TorchModuleWrapper": "it wraps arbitrary Python (PyTorch) code",
    "JaxLayer": "it wraps arbitrary Python (JAX) code",
    "FlaxLayer": "it wraps arbitrary Python (Flax) code",
    "TFSMLayer": "it runs a SavedModel from a path; use the hub plugin's HubLayer",
    "InputLayer": "graph inputs are declared under inputs",
    "Layer": "it is the abstract base class",
    "Wrapper": "it is an abstract base class",
}

#: Component kinds a node may use.
NODE_KINDS = ("layer", "preprocessor")

#: Arguments that name a file for a layer to read (``StringLookup(vocabulary="/etc/passwd")``).
#: A spec is data to share: like Keras' safe mode, it may not make a layer read a file of
#: the machine that builds it, unless the user opts in (``allow_files=True``, or
#: ``ZOO_GRAPH_ALLOW_FILES=1`` for recipes and the command line).
FILE_ARGUMENTS = (
    "vocabulary",
    "vocabulary_file",
    "vocab",
    "vocab_file",
    "merges",
    "merges_file",
    "idf_weights",
    "filepath",
    "file_path",
    "path",
)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


@dataclass(frozen=True)
class Resolved:
    """A node's component: its id (``keras/Dense``, ``vision/PixelShuffle``) and class."""

    id: str
    cls: type[Any]


def keras_layer_names() -> list[str]:
    """The Keras built-in layer classes a node may name (without the ``keras/`` prefix)."""
    import keras

    names = []
    for name in dir(keras.layers):
        obj = getattr(keras.layers, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, keras.layers.Layer)
            and name not in REFUSED_BUILTINS
        ):
            names.append(name)
    return names


def clean_error(error: BaseException) -> str:
    """A Keras or TensorFlow exception as one readable line (no colours, no call dump)."""
    text = _ANSI.sub("", str(error)).strip()
    if "Exception encountered when calling" in text:
        parts = [p.strip() for p in text.split("\n\n") if p.strip()]
        core = [p for p in parts[1:] if not p.startswith("Arguments received")]
        text = " ".join(core) if core else parts[0]
    if "Exception encountered: " in text:  # from_config wraps the constructor's error
        text = text.split("Exception encountered: ", 1)[1]
    text = " ".join(text.split())
    if len(text) > 600:
        text = text[:597] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _layer_like(registry: Registry) -> list[ComponentSpec]:
    return [e for e in registry.entries() if isinstance(e, ComponentSpec) and e.kind in NODE_KINDS]


def resolve_component(spec: GraphSpec, node: NodeSpec, registry: Registry) -> Resolved:
    """The class a node names: a Keras built-in (``keras/X``) or a registered layer."""
    import keras

    where = spec.node_where(node)
    namespace, _, short = node.layer.rpartition("/")
    if namespace == KERAS_NAMESPACE:
        if short in REFUSED_BUILTINS:
            raise GraphError(
                f"{where}: a node may not use keras/{short}: {REFUSED_BUILTINS[short]}. "
                f"Received: layer={node.layer!r}. Use a registered component instead."
            )
        cls = getattr(keras.layers, short, None)
        if not (inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)):
            known = [f"keras/{n}" for n in keras_layer_names()]
            raise GraphError(
                f"{where}: keras/<Name> names a layer class of keras.layers. Received: "
                f"layer={node.layer!r}, which is not one.{did_you_mean(node.layer, known)} "
                "See https://keras.io/api/layers/ for the built-in layers."
            )
        return Resolved(node.layer, cls)
    try:
        entry = registry.resolve(node.layer)
    except NotFoundError as error:
        specs = _layer_like(registry)
        choices = [s.id for s in specs] + [s.name for s in specs]
        builtins = {n.lower(): n for n in keras_layer_names()}
        hint = did_you_mean(node.layer, choices)
        if short.lower() in builtins:
            hint = f" Did you mean 'keras/{builtins[short.lower()]}' (a Keras built-in)?"
        elif not hint:
            hint = did_you_mean(f"keras/{short}", [f"keras/{n}" for n in builtins.values()])
        if not hint:
            hint = f" ({error})"
        raise GraphError(
            f"{where}: a node's layer is a registered layer component or a Keras built-in "
            f"(keras/<Name>). Received: layer={node.layer!r}, which matches neither.{hint} "
            "Run `python -m zoo list --kind layer` to see the registered layers."
        ) from None
    except ZooError as error:
        raise GraphError(f"{where}: layer={node.layer!r}: {error}") from None
    if not isinstance(entry, ComponentSpec) or entry.kind not in NODE_KINDS:
        kind = "recipe" if not isinstance(entry, ComponentSpec) else entry.kind
        raise GraphError(
            f"{where}: a node's layer is a component of kind {' or '.join(NODE_KINDS)}. "
            f"Received: {entry.id!r}, a {kind}. Name a layer."
        )
    try:
        cls = registry.get(entry.id)
    except ZooError as error:
        raise GraphError(f"{where}: {error}") from None
    if not (inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)):
        raise GraphError(
            f"{where}: a node's component is a keras.layers.Layer class. Received: {entry.id!r}, "
            f"implemented by {cls!r}. Use a Keras layer in a graph."
        )
    return Resolved(entry.id, cls)


@dataclass(frozen=True)
class _Param:
    name: str
    owner: type
    default: Any
    required: bool


def constructor_parameters(cls: type) -> dict[str, _Param]:
    """Every keyword argument ``cls`` accepts, following ``**kwargs`` up the class chain.

    A class whose ``__init__`` takes ``**kwargs`` passes them to its parent (the Keras
    component contract), so the parent's named arguments are accepted too, up to
    ``keras.layers.Layer`` (``trainable``, ``dtype``, ``autocast``,
    ``activity_regularizer``). ``name`` is left out: it is the node's name.
    """
    import keras

    params: dict[str, _Param] = {}
    first = True
    mro: tuple[type[Any], ...] = cls.__mro__
    for klass in mro:
        if "__init__" not in klass.__dict__:
            continue
        try:
            signature = inspect.signature(klass.__init__)
        except (TypeError, ValueError):
            break
        more = False
        for p in list(signature.parameters.values())[1:]:
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                more = True
            elif p.kind in _NAMED and p.name not in params and p.name != "name":
                required = first and p.default is inspect.Parameter.empty
                default = None if p.default is inspect.Parameter.empty else p.default
                params[p.name] = _Param(p.name, klass, default, required)
        first = False
        if not more or klass is keras.layers.Layer:
            break
    return params


def _fits_default(value: Any, default: Any) -> tuple[bool, str]:
    """Whether ``value`` fits the type of an unannotated argument's default (bool, float, str)."""
    if isinstance(default, bool):
        return isinstance(value, bool), "bool"
    if isinstance(default, float):
        number = (int, float)
        ok = (isinstance(value, number) and not isinstance(value, bool)) or (
            isinstance(value, (list, tuple))
            and all(isinstance(v, number) and not isinstance(v, bool) for v in value)
        )
        return ok, "float (or a list of floats)"
    if isinstance(default, str):
        # A name, a serialized config, or (in a dict spec) the object itself; never a
        # number or a list.
        ok = not isinstance(value, (bool, int, float, list, tuple))
        return ok, "str (or a serialized config)"
    return True, ""


def files_allowed(allow_files: bool | None = None) -> bool:
    """Whether graph specs may name files for layers to read (see `FILE_ARGUMENTS`)."""
    if allow_files is not None:
        return bool(allow_files)
    return os.environ.get("ZOO_GRAPH_ALLOW_FILES", "").strip().lower() in ("1", "true", "yes")


def _names_a_file(name: str, value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    if name in FILE_ARGUMENTS:
        return True
    looks_like_path = os.sep in value or value.startswith(("~", "."))
    return looks_like_path and os.path.exists(os.path.expanduser(value))


def check_node_arguments(
    spec: GraphSpec,
    node: NodeSpec,
    resolved: Resolved,
    touched: Mapping[tuple[str, str], str],
    allow_files: bool | None = None,
) -> None:
    """Refuse unknown, missing, mistyped, out-of-bound or file-reading arguments of ``node``."""
    params = constructor_parameters(resolved.cls)
    accepted = sorted(params)
    where = spec.node_where(node)
    files = files_allowed(allow_files)
    for copy_index in range(node.repeat):
        args = node.copy_args(copy_index)
        which = f" (copy {copy_index + 1} of {node.repeat})" if node.repeat > 1 else ""
        for name, value in args.items():
            origin = touched.get((node.name, name))
            note = f" (set by the override {origin!r})" if origin else ""
            if not files and _names_a_file(name, value):
                raise GraphArgumentError(
                    f"{where}: a graph spec is data and never makes a layer read a file (as "
                    f"in Keras' safe mode). Received: {name}={value!r}{note}{which} for "
                    f"{resolved.id}. Pass the values inline (a list), or opt in with "
                    "zoo.build_graph(..., allow_files=True) or ZOO_GRAPH_ALLOW_FILES=1 if you "
                    "trust the spec."
                )
            items = value if isinstance(value, (list, tuple)) else [value]
            if any(
                isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INTEGER
                for v in items
            ):
                raise GraphArgumentError(
                    f"{where}: integer arguments are at most {MAX_INTEGER:,} (no Keras "
                    f"dimension or count is larger). Received: {name}={value!r}{note}{which}. "
                    "Pass a smaller value."
                )
            if name not in params:
                raise GraphArgumentError(
                    f"{where}: {resolved.id} does not accept the argument {name!r}{note}. "
                    f"Received: {name}={value!r}.{did_you_mean(name, accepted)} "
                    f"Accepted arguments: {', '.join(accepted) or '(none)'}."
                )
            param = params[name]
            hints = type_hints(param.owner)
            if name in hints:
                ok, expected = matches_hint(value, hints[name]), describe_hint(hints[name])
            else:
                ok, expected = _fits_default(value, param.default)
            if not ok:
                raise GraphArgumentError(
                    f"{where}: {resolved.id} expects {name} of type {expected}{note}. "
                    f"Received: {name}={value!r} ({type(value).__name__}){which}. "
                    "Pass a value of that type."
                )
        missing = [p.name for p in params.values() if p.required and p.name not in args]
        if missing:
            raise GraphArgumentError(
                f"{where}: {resolved.id} requires the argument(s) {', '.join(missing)}. "
                f"Received: {', '.join(sorted(args)) or 'no arguments'}{which}. "
                f"Add them to the node's args, e.g. args = {{ {missing[0]} = ... }}."
            )


def _describe_inputs(names: tuple[str, ...], tensors: list[Any]) -> str:
    return ", ".join(f"{n} {tuple(t.shape)} {t.dtype}" for n, t in zip(names, tensors, strict=True))


def check_spec(
    spec: GraphSpec,
    registry: Registry,
    touched: Mapping[tuple[str, str], str] | None = None,
    allow_files: bool | None = None,
) -> dict[str, Resolved]:
    """Resolve every node's component and check its arguments; build nothing."""
    resolved = {}
    for node in spec.nodes:
        resolved[node.name] = resolve_component(spec, node, registry)
        check_node_arguments(spec, node, resolved[node.name], touched or {}, allow_files)
    return resolved


def build_parsed_graph(
    spec: GraphSpec,
    registry: Registry,
    touched: Mapping[tuple[str, str], str] | None = None,
    allow_files: bool | None = None,
) -> Any:
    """Check ``spec`` (`check_spec`), then build and return its ``keras.Model``.

    The layers are built under Keras' safe mode (unless files are allowed) and the
    zoo's resource bounds (`zoo._base.limits.build_limits`).
    """
    resolved = check_spec(spec, registry, touched, allow_files)
    from keras.src.saving.serialization_lib import SafeModeScope

    node_args = {
        f"{node.name}.{name}": value
        for node in spec.nodes
        for name, value in {**node.args, **node.first_args}.items()
    }
    with (
        SafeModeScope(not files_allowed(allow_files)),
        build_limits(f"graph spec {spec.where()}", node_args),
    ):
        return _build(spec, resolved, touched)


def _call_node(
    spec: GraphSpec,
    node: NodeSpec,
    component: Resolved,
    tensors: Mapping[str, Any],
    touched: Mapping[tuple[str, str], str] | None,
) -> Any:
    """Make a node's layer (each copy of a repeated one) and call it on its inputs."""
    import keras

    where = spec.node_where(node)
    names = node.inputs
    x: list[Any] = [tensors[n] for n in names]
    for copy_index, layer_name in enumerate(node.layer_names()):
        args = node.copy_args(copy_index)
        which = f" (copy {copy_index + 1} of {node.repeat})" if node.repeat > 1 else ""
        try:
            layer = component.cls.from_config({**args, "name": layer_name})
        except ZooError:
            raise
        except Exception as error:
            if is_out_of_memory(error):
                raise
            overridden = [k for (n, _), k in (touched or {}).items() if n == node.name]
            error_type = GraphArgumentError if overridden else GraphError
            note = f" (overridden: {', '.join(overridden)})" if overridden else ""
            raise error_type(
                f"{where}: {component.id} refused its arguments{which}{note}. Received: "
                f"{args!r}, and the constructor raised {clean_error(error)}. "
                "Fix the node's args."
            ) from None
        try:
            out = layer(x[0] if len(x) == 1 else list(x))
        except ZooError:
            raise
        except Exception as error:
            if is_out_of_memory(error):
                raise
            raise GraphError(
                f"{where}: {component.id} cannot take its input(s){which}: the shapes do "
                f"not fit. Received: {_describe_inputs(names, x)}, and the layer raised "
                f"{clean_error(error)}. Check the node's inputs and args."
            ) from None
        if not isinstance(out, keras.KerasTensor):
            raise GraphError(
                f"{where}: a node's layer returns one tensor. Received: "
                f"{type(out).__name__} from {component.id}. Use a layer with one output."
            )
        x, names = [out], (layer_name,)
    return x[0]


def _build(
    spec: GraphSpec, resolved: Mapping[str, Resolved], touched: Mapping[tuple[str, str], str] | None
) -> Any:
    import keras

    # === Functional model ===
    tensors: dict[str, Any] = {}
    model_inputs = []
    for inp in spec.inputs:
        tensor = keras.Input(shape=inp.shape, dtype=inp.dtype, name=inp.name)
        tensors[inp.name] = tensor
        model_inputs.append(tensor)
    for node in spec.order():
        tensors[node.name] = _call_node(spec, node, resolved[node.name], tensors, touched)
    outputs: Any
    if spec.output_style == "single":
        outputs = tensors[spec.outputs[0][1]]
    elif spec.output_style == "list":
        outputs = [tensors[ref] for _, ref in spec.outputs]
    else:
        outputs = {name: tensors[ref] for name, ref in spec.outputs}
    inputs = model_inputs[0] if len(model_inputs) == 1 else model_inputs
    try:
        return keras.Model(inputs, outputs, name=spec.name or "graph")
    except Exception as error:
        raise GraphError(
            f"{spec.where()}: the graph's nodes are fine but Keras refused the model: "
            f"{clean_error(error)}. Check the inputs and outputs."
        ) from None
