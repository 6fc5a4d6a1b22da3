"""Turning a Functional model back into a graph spec (`zoo.to_spec`).

The wiring comes from the model's own Functional config (``model.get_config()``:
every layer with the tensors it was called on); each layer becomes a node named after
the layer, whose ``args`` are the entries of its ``get_config()`` that differ from a
freshly constructed layer's (so the spec stays short and rebuilds the same config).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoo._base.errors import ZooError
from zoo._graph.build import REFUSED_BUILTINS, constructor_parameters
from zoo._specs.component import ComponentSpec, plain
from zoo._specs.graph import KERAS_NAMESPACE, NODE_NAME

if TYPE_CHECKING:
    from zoo._registry.registry import Registry

_TENSOR = "__keras_tensor__"


def _fail(model: Any, message: str) -> ZooError:
    return ZooError(f"zoo.to_spec({model.name!r}): {message}")


def component_id(model: Any, layer: Any, registry: Registry) -> str:
    """``keras/Dense`` for a Keras built-in, ``<plugin>/<Name>`` for a registered layer."""
    import keras

    cls = type(layer)
    name = cls.__name__
    if getattr(keras.layers, name, None) is cls:
        if name in REFUSED_BUILTINS:
            raise _fail(
                model,
                f"a spec cannot hold keras/{name}: {REFUSED_BUILTINS[name]}. Received: layer "
                f"{layer.name!r}. Replace it with a registered component.",
            )
        return f"{KERAS_NAMESPACE}/{name}"
    registered = keras.saving.get_registered_name(cls)
    package, sep, short = registered.partition(">")
    candidates: list[ComponentSpec] = []
    if sep and package.startswith("zoo."):
        plugin = package[len("zoo.") :]
        candidates = [
            e
            for e in registry.entries(plugin=plugin)
            if isinstance(e, ComponentSpec) and e.kind in ("layer", "preprocessor")
        ]
        candidates.sort(key=lambda e: e.name != short)  # the likely one first
        for entry in candidates:
            try:
                if registry.get(entry.id) is cls:
                    return entry.id
            except ZooError:
                continue
    what = (
        "a Functional model nested as a layer"
        if isinstance(layer, keras.Model)
        else (f"{cls.__module__}.{cls.__qualname__}")
    )
    raise _fail(
        model,
        "every layer of a model turned into a spec is a Keras built-in or a registered zoo "
        f"component. Received: layer {layer.name!r}, {what}. Register its class with a "
        "plugin (zoo.ComponentSpec, kind='layer'), or build that part from built-ins.",
    )


def compact_args(model: Any, layer: Any, component: str) -> dict[str, Any]:
    """The layer's config minus its name and the entries a default layer has alike."""
    import keras

    cls = type(layer)
    config = dict(layer.get_config())
    config.pop("name", None)
    params = constructor_parameters(cls)
    required = {k: config[k] for k, p in params.items() if p.required and k in config}
    # Arguments defaulting to None are often required in practice (CategoryEncoding's
    # num_tokens): when the bare reference fails, pass them too (not the base Layer's).
    unset = {
        k: config[k]
        for k, p in params.items()
        if p.default is None and k in config and p.owner is not keras.layers.Layer
    }
    reference: dict[str, Any] = {}
    passed: dict[str, Any] = {}
    for base in (required, {**unset, **required}):
        try:
            reference = cls.from_config({**base, "name": layer.name}).get_config()
            passed = base
            break
        except Exception:
            continue
    # A config entry the signature does not name (popped from **kwargs, like
    # LayerNormalization's deprecated rms_scaling) is fine at its default only.
    hidden = sorted(
        k for k in config if k not in params and plain(reference.get(k, ...)) != plain(config[k])
    )
    if hidden:
        raise _fail(
            model,
            "a node's args are the constructor's named arguments. Received: layer "
            f"{layer.name!r} ({component}) with {', '.join(f'{k}={config[k]!r}' for k in hidden)}"
            ", which its constructor's signature does not name. Set it back to the default, "
            "or wrap the layer in a registered component.",
        )
    args = {}
    for k, v in config.items():
        if k not in params:
            continue
        same_as_default = not params[k].required and plain(params[k].default) == plain(v)
        same_as_reference = k in reference and plain(reference[k]) == plain(v)
        # A value passed to the reference is only compared with the signature default.
        judged_by_reference = k not in passed and same_as_reference
        if k in required or not (same_as_default or judged_by_reference):
            args[k] = plain(v)
    return args


def _tensor_ref(model: Any, layer_name: str, value: Any) -> str | None:
    if not (isinstance(value, Mapping) and value.get("class_name") == _TENSOR):
        return None
    source, _node_index, tensor_index = value["config"]["keras_history"]
    if tensor_index != 0:
        raise _fail(
            model,
            f"a spec node takes the single output of another node. Received: layer "
            f"{layer_name!r} takes output {tensor_index} of {source!r}, a layer with several "
            "outputs. Wrap that layer so it returns one tensor.",
        )
    return str(source)


def _inputs_of(model: Any, entry: Mapping[str, Any]) -> list[str]:
    name = entry["name"]
    calls = entry["inbound_nodes"]
    if len(calls) != 1:
        raise _fail(
            model,
            "each layer of a spec is called once (a spec has no shared layers). "
            f"Received: layer {name!r}, called {len(calls)} times in the model. "
            "Give each call its own layer.",
        )
    call = calls[0]
    # Keras records training=False and mask=None on every symbolic call of a layer that
    # takes them; a spec's layer call records the same, so only other values matter.
    kwargs = {
        k: v
        for k, v in call.get("kwargs", {}).items()
        if not ((k == "training" and v in (False, None)) or (k == "mask" and v is None))
    }
    if kwargs:
        raise _fail(
            model,
            "a spec node passes only its inputs to its layer. Received: layer "
            f"{name!r} called with the keyword argument(s) {', '.join(kwargs)} "
            "(an explicit training flag, or a mask from mask_zero/Masking). Call the layer "
            "on its inputs alone.",
        )
    args = call["args"]
    if len(args) == 1:
        ref = _tensor_ref(model, name, args[0])
        if ref is not None:
            return [ref]
        if isinstance(args[0], (list, tuple)) and len(args[0]) > 1:
            refs = [_tensor_ref(model, name, a) for a in args[0]]
            if all(r is not None for r in refs):
                return [r for r in refs if r is not None]
    raise _fail(
        model,
        "a spec node calls its layer on one tensor or on a list of several. Received: "
        f"layer {name!r} called on {len(args)} positional argument(s) of another form. "
        "Call it as layer(x) or layer([x, y]).",
    )


def _history_name(model: Any, ref: Any) -> str:
    name, _node, index = ref
    if index != 0:
        raise _fail(model, f"an output is the single output of a layer. Received: {ref!r}.")
    return str(name)


def model_to_spec(model: Any, registry: Registry | None = None) -> dict[str, Any]:
    """The graph spec (a plain dict) that rebuilds ``model``'s layers and wiring."""
    from zoo._registry import default_registry

    registry = registry if registry is not None else default_registry()
    config = _functional_config(model)
    inputs = _spec_inputs(model, config)
    nodes = []
    for entry in config["layers"]:
        if entry["name"] not in inputs:
            nodes.append(_spec_node(model, entry, registry))
    output_layers = config["output_layers"]
    outputs: Any
    if isinstance(output_layers, Mapping):
        outputs = {key: _history_name(model, ref) for key, ref in output_layers.items()}
    elif output_layers and isinstance(output_layers[0], (list, tuple)):
        outputs = [_history_name(model, ref) for ref in output_layers]
    else:
        outputs = _history_name(model, output_layers)
    return {"name": model.name, "inputs": inputs, "nodes": nodes, "outputs": outputs}


def _functional_config(model: Any) -> Mapping[str, Any]:
    """A Functional model's config, whose layer names can be node names."""
    import keras

    if not isinstance(model, keras.Model):
        raise ZooError(
            f"zoo.to_spec takes a keras.Model. Received: {type(model).__name__}. "
            "Pass a Functional model."
        )
    config = model.get_config() if not isinstance(model, keras.Sequential) else {}
    if not (isinstance(config, Mapping) and {"layers", "input_layers"} <= set(config)):
        raise _fail(
            model,
            "only a Functional model (keras.Model(inputs, outputs)) is a graph. "
            f"Received: a {type(model).__name__}"
            + (" (rebuild it with the Functional API)." if model.layers else "."),
        )
    for entry in config["layers"]:
        if not NODE_NAME.match(entry["name"]):
            raise _fail(
                model,
                "node names are made of letters, digits and '_'. Received: the layer name "
                f"{entry['name']!r}. Rename the layer.",
            )
    return config


def _spec_inputs(model: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's inputs: one ``{shape, dtype}`` per input layer, by its name."""
    entries = {entry["name"]: entry for entry in config["layers"]}
    input_layers = config["input_layers"]
    if isinstance(input_layers, Mapping):
        for key, ref in input_layers.items():
            if key != ref[0]:
                raise _fail(
                    model,
                    "a spec names inputs by their layer names. Received: the input dict key "
                    f"{key!r} for the input layer {ref[0]!r}. Name the keras.Input {key!r}.",
                )
        input_names = [ref[0] for ref in input_layers.values()]
    elif input_layers and isinstance(input_layers[0], (list, tuple)):
        input_names = [ref[0] for ref in input_layers]
    else:
        input_names = [input_layers[0]]
    inputs: dict[str, Any] = {}
    for name in input_names:
        layer_config = entries[name]["config"]
        batch_shape = layer_config["batch_shape"]
        if batch_shape[0] is not None or layer_config.get("sparse") or layer_config.get("ragged"):
            raise _fail(
                model,
                "a spec input is dense with a free batch dimension. Received: input "
                f"{name!r} with batch_shape={batch_shape}, sparse={layer_config.get('sparse')},"
                f" ragged={layer_config.get('ragged')}. Use keras.Input(shape=...).",
            )
        inputs[name] = {"shape": list(batch_shape[1:]), "dtype": layer_config["dtype"]}
    return inputs


def _spec_node(model: Any, entry: Mapping[str, Any], registry: Registry) -> dict[str, Any]:
    """The node of one layer entry of the model's config: its component, args and inputs."""
    name = entry["name"]
    layer = model.get_layer(name) if _is_layer(model, name) else None
    if layer is None:
        raise _fail(
            model,
            "every node of a spec is a layer. Received: "
            f"{name!r}, a {entry.get('class_name')} operation (keras.ops on a symbolic "
            "tensor, or a mask computed by Keras). Use the layer form instead, e.g. "
            "keras/Add for x + y.",
        )
    component = component_id(model, layer, registry)
    node: dict[str, Any] = {"name": name, "layer": component}
    args = compact_args(model, layer, component)
    if args:
        node["args"] = args
    node["inputs"] = _inputs_of(model, entry)
    return node


def _is_layer(model: Any, name: str) -> bool:
    import keras

    try:
        return isinstance(model.get_layer(name), keras.layers.Layer)
    except ValueError:
        return False
