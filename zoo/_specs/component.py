"""What a plugin declares: component specs, recipes, examples; and what the zoo reports.

Everything here is plain data. Nothing in this module imports TensorFlow, Keras or a
plugin's implementation module: a spec names its implementation as a string target
(``"zoo_vision.layers.pixel_shuffle:PixelShuffle"``) that is imported on first use.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from zoo._base.errors import ZooError
from zoo._base.nesting import MAX_NESTING, too_deep
from zoo._specs.listing import KINDS

if TYPE_CHECKING:
    from zoo._specs.graph import GraphSpec

__all__ = [
    "BACKENDS",
    "KINDS",
    "MAX_NESTING",
    "ComponentSpec",
    "Entry",
    "Example",
    "PluginInfo",
    "PresetSource",
    "Recipe",
    "check_name",
    "check_search_space",
    "natural_key",
    "plain",
    "too_deep",
]

#: The Keras backends a spec may name in ``backends``; an empty tuple means all of them.
BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")

PluginStatus = Literal["loaded", "disabled", "failed", "incompatible"]

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_URL_SCHEMES = ("file://", "http://", "https://")
#: The implementation of every preset spec: ``zoo.get(preset_id)`` is `zoo.from_preset`.
PRESET_TARGET = "zoo._presets.weights:from_preset"
_TARGET = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*\Z")
_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders embedded numbers by value: ``resnet20`` before ``resnet110``."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in _NATURAL.split(text))


def check_name(name: object, what: str = "name") -> str:
    """Return ``name`` if it is a valid component or plugin name, else raise ZooError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ZooError(
            f"A {what} starts with a letter and holds only letters, digits, '_', '.' and '-'. "
            f"Received: {what}={name!r}. Rename it, for example to 'my_layer'."
        )
    return name


def _check_summary(summary: object, owner: str) -> None:
    if not isinstance(summary, str) or "\n" in summary:
        raise ZooError(
            f"A summary is one line of text. Received: summary={summary!r} for {owner!r}."
        )


def _str_tuple(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ZooError(f"{what} must be a list of strings. Received: {what}={value!r}.")
    if not all(isinstance(item, str) for item in value):
        raise ZooError(f"{what} must be a list of strings. Received: {what}={value!r}.")
    return tuple(value)


@dataclass(frozen=True)
class Example:
    """How the conformance kit (`zoo.testing`) exercises a component.

    Args:
        kwargs: constructor arguments (for a model: builder overrides that keep it small).
        input_shape: shape of the input, batch dimension included; a list of shapes for a
            component with several inputs. Random data of this shape is generated.
        inputs: literal input data (for example a list of strings); replaces
            ``input_shape`` when given.
        dtype: dtype of the generated inputs.
        input_range: ``[low, high)`` of the generated inputs (integers for an int dtype).
        target_shape: shape of ``y_true`` for a loss or metric (default: the input shape).
        target_dtype: dtype of the generated targets.
        target_range: ``[low, high)`` of the generated targets.
        loss: for a metric, the loss the kit compiles beside it (a Keras identifier or
            config); by default one that fits the targets: ``mse`` when they have the
            prediction's shape, sparse categorical cross-entropy on logits for integer
            labels with one dimension fewer.
        allow_zero_gradient: weight paths (``fnmatch`` patterns such as
            ``"*/reduce_kernel"``) that may get an all-zero gradient on the example's
            batches, for a weight that is unused by design on such inputs.
    """

    kwargs: Mapping[str, Any] = field(default_factory=dict)
    input_shape: Sequence[Any] | None = None
    inputs: Any = None
    dtype: str = "float32"
    input_range: Sequence[float] | None = None
    target_shape: Sequence[int] | None = None
    target_dtype: str = "float32"
    target_range: Sequence[float] | None = None
    loss: Any = None
    allow_zero_gradient: Sequence[str] = ()

    def __post_init__(self) -> None:
        patterns = self.allow_zero_gradient
        object.__setattr__(self, "allow_zero_gradient", _str_tuple(patterns, "allow_zero_gradient"))

    @classmethod
    def coerce(cls, value: Example | Mapping[str, Any] | None) -> Example | None:
        """Return ``value`` as an Example (from a mapping of its fields), or None."""
        if value is None or isinstance(value, Example):
            return value
        if not isinstance(value, Mapping):
            raise ZooError(
                f"example must be a table of Example fields. Received: example={value!r}."
            )
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ZooError(
                f"example accepts only the fields {', '.join(names)}. "
                f"Received: {', '.join(unknown)}. Remove or rename them."
            )
        return cls(**value)


@dataclass(frozen=True)
class PresetSource:
    """Where a declared preset's trained weights live (the ``preset`` of a kind-preset spec).

    Data only: nothing is fetched until the preset is used (`zoo.from_preset`,
    ``zoo.build(..., weights=id)``); then the file is downloaded once into the cache
    (``ZOO_CACHE``) and its sha256 checked before anything is loaded.

    Args:
        builder: the recipe or model builder the weights belong to (``"vision/resnet_small"``).
        url: a ``file://``, ``http://`` or ``https://`` URL of the ``.keras`` file.
        sha256: the file's SHA-256, 64 lowercase hex digits.
        arguments: the builder arguments the weights were trained with.
        card: the model card (Markdown): data, metrics, intended use.
        license: the weights' license (an SPDX id such as ``"Apache-2.0"``).
    """

    builder: str
    url: str
    sha256: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    card: str = ""
    license: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.builder, str) or not self.builder or ":" in self.builder:
            raise ZooError(
                "A preset's builder is the id of a recipe or model builder. "
                f"Received: builder={self.builder!r}. Use for example 'vision/resnet_small'."
            )
        if not isinstance(self.url, str) or not self.url.startswith(_URL_SCHEMES):
            raise ZooError(
                f"A preset's url starts with {', '.join(_URL_SCHEMES)}. "
                f"Received: url={self.url!r}. Give the address of its .keras file."
            )
        if not isinstance(self.sha256, str) or not _SHA256.match(self.sha256):
            raise ZooError(
                "A preset's sha256 is 64 lowercase hexadecimal digits. "
                f"Received: sha256={self.sha256!r}. Compute it with `sha256sum model.keras`."
            )
        if not isinstance(self.arguments, Mapping):
            raise ZooError(
                f"A preset's arguments is a table. Received: arguments={self.arguments!r}."
            )
        if not isinstance(self.card, str) or not isinstance(self.license, str):
            raise ZooError(
                "A preset's card and license are text. "
                f"Received: card={self.card!r:.40}, license={self.license!r}."
            )

    @classmethod
    def coerce(cls, value: PresetSource | Mapping[str, Any] | None) -> PresetSource | None:
        """Return ``value`` as a PresetSource (from a mapping of its fields), or None."""
        if value is None or isinstance(value, PresetSource):
            return value
        names = [f.name for f in dataclasses.fields(cls)]
        if not isinstance(value, Mapping) or set(value) - set(names):
            raise ZooError(
                f"preset is a table of the fields {', '.join(names)}. Received: preset={value!r}."
            )
        return cls(**value)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "arguments": plain(self.arguments)}


@dataclass(frozen=True)
class ComponentSpec:
    """A component a plugin contributes, declared without importing it.

    Args:
        name: the short name, unique within the plugin (``"PixelShuffle"``).
        kind: one of ``KINDS``.
        target: ``"module:attribute"`` of the implementation, imported on first use.
        summary: one line saying what it is.
        tags: free-form labels for ``zoo list --tag``.
        backends: the Keras backends it runs on; empty means every backend.
        example: how ``zoo.testing`` exercises it (an `Example` or a mapping of its fields).
        training: for a model builder, how it trains by default: loss, metrics, optimizer,
            schedule, monitored metric, batch size, epochs (see `zoo._specs.training`).
        preset: for kind ``preset`` only, where its weights live (a `PresetSource` or a
            mapping of its fields); its ``target`` may be left out.

    The registry fills in ``plugin``, ``distribution`` and ``version``; the id is
    ``"<plugin>/<name>"``.
    """

    name: str
    kind: str
    target: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    example: Example | None = None
    training: Mapping[str, Any] | None = None
    plugin: str = ""
    distribution: str = ""
    version: str = ""
    preset: PresetSource | None = None

    def __post_init__(self) -> None:
        check_name(self.name, "component name")
        if self.kind not in KINDS:
            raise ZooError(
                f"A component's kind is one of {', '.join(KINDS)}. "
                f"Received: kind={self.kind!r} for {self.name!r}."
            )
        object.__setattr__(self, "preset", PresetSource.coerce(self.preset))
        if (self.kind == "preset") != (self.preset is not None):
            raise ZooError(
                "A spec of kind 'preset', and only such a spec, carries preset={builder, url, "
                f"sha256, ...}}. Received: kind={self.kind!r}, preset={self.preset!r} for "
                f"{self.name!r}."
            )
        if self.kind == "preset" and not self.target:
            object.__setattr__(self, "target", PRESET_TARGET)
        if not isinstance(self.target, str) or not _TARGET.match(self.target):
            raise ZooError(
                "A component's target is 'package.module:attribute', imported on first use. "
                f"Received: target={self.target!r} for {self.name!r}."
            )
        _check_summary(self.summary, self.name)
        object.__setattr__(self, "tags", _str_tuple(self.tags, "tags"))
        backends = _str_tuple(self.backends, "backends")
        unknown = sorted(set(backends) - set(BACKENDS))
        if unknown:
            raise ZooError(
                f"backends names Keras backends: {', '.join(BACKENDS)}. "
                f"Received: {', '.join(unknown)} for {self.name!r}."
            )
        object.__setattr__(self, "backends", backends)
        object.__setattr__(self, "example", Example.coerce(self.example))
        if self.training is not None:
            if self.kind != "model":
                raise ZooError(
                    f"Only a model builder declares training defaults. Received: training "
                    f"for {self.name!r}, a {self.kind}. Remove it."
                )
            object.__setattr__(
                self, "training", _checked_training(self.training, f"training of {self.name!r}")
            )

    @property
    def id(self) -> str:
        return f"{self.plugin}/{self.name}"

    @property
    def source(self) -> str:
        """Where the component comes from: its distribution and version."""
        return f"{self.distribution} {self.version}".strip()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``zoo list --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "plugin": self.plugin,
            "target": self.target,
            "summary": self.summary,
            "tags": list(self.tags),
            "backends": list(self.backends) or ["any"],
            "training": plain(self.training) if self.training else None,
            "distribution": self.distribution,
            "version": self.version,
            **({"preset": self.preset.to_dict()} if self.preset is not None else {}),
        }


_SEARCH_KEYS = {
    "choice": ({"type", "values"}, {"type", "values"}),
    "int": ({"type", "min", "max"}, {"type", "min", "max", "step", "sampling"}),
    "float": ({"type", "min", "max"}, {"type", "min", "max", "step", "sampling"}),
    "boolean": ({"type"}, {"type"}),
}
_SAMPLINGS = ("linear", "log", "reverse_log")


def check_search_space(argument: str, space: object) -> None:
    """Validate one argument's search space, the keras-tuner hyperparameter it maps to.

    ``{type = "choice", values = [...]}`` (a non-empty list of numbers, strings or
    booleans, all of one kind), ``{type = "int", min, max, step?, sampling?}``,
    ``{type = "float", min, max, step?, sampling?}`` or ``{type = "boolean"}``;
    ``sampling`` is one of ``linear``, ``log``, ``reverse_log`` (log sampling needs
    ``min > 0``); ``step`` is a positive number (an integer for ``int``).
    """
    kind = space.get("type") if isinstance(space, Mapping) else None
    if not isinstance(space, Mapping) or not isinstance(kind, str) or kind not in _SEARCH_KEYS:
        raise ZooError(
            f"search.{argument} is a table whose type is one of {', '.join(_SEARCH_KEYS)}. "
            f'Received: {space!r}. Example: {{ type = "choice", values = [16, 32] }}.'
        )
    required, allowed = _SEARCH_KEYS[kind]
    missing = sorted(required - set(space))
    extra = sorted(set(space) - allowed)
    if missing or extra:
        raise ZooError(
            f"search.{argument} of type {kind!r} takes the keys {', '.join(sorted(allowed))}. "
            f"Received: missing={missing}, unknown={extra}."
        )
    if kind == "choice":
        _check_choices(argument, space["values"])
    if kind in ("int", "float"):
        _check_range(argument, kind, space)


def _check_choices(argument: str, values: object) -> None:
    if not isinstance(values, list) or not values:
        raise ZooError(
            f"search.{argument}.values is a non-empty list. Received: {values!r}. "
            "Example: values = [16, 32]."
        )

    def family(value: object) -> str | None:
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, (int, float)):
            return "number"
        return "string" if isinstance(value, str) else None

    families = {family(v) for v in values}
    if None in families or len(families) > 1:
        raise ZooError(
            f"search.{argument}.values are numbers, strings or booleans, all of one kind "
            f"(keras-tuner's Choice). Received: {values!r}. Split them into one kind, or "
            "search a name that takes them."
        )


def _check_range(argument: str, kind: str, space: Mapping[str, Any]) -> None:
    number = int if kind == "int" else (int, float)
    low, high = space["min"], space["max"]
    if not all(isinstance(v, number) and not isinstance(v, bool) for v in (low, high)):
        raise ZooError(
            f"search.{argument}.min and .max are {kind}s. Received: min={low!r}, max={high!r}."
        )
    if not low < high:
        raise ZooError(
            f"search.{argument}.min must be below .max. Received: min={low!r}, max={high!r}."
        )
    sampling = space.get("sampling", "linear")
    if not isinstance(sampling, str) or sampling not in _SAMPLINGS:
        raise ZooError(
            f"search.{argument}.sampling is one of {', '.join(_SAMPLINGS)}. Received: {sampling!r}."
        )
    if sampling != "linear" and low <= 0:
        raise ZooError(
            f"search.{argument} with sampling={sampling!r} spans powers, so min is above 0. "
            f"Received: min={low!r}. Use a positive min (1e-5 for a rate), or linear sampling."
        )
    if "step" in space:
        step = space["step"]
        if isinstance(step, bool) or not isinstance(step, number) or not step > 0:
            raise ZooError(
                f"search.{argument}.step is a positive {'integer' if kind == 'int' else 'number'}. "
                f"Received: step={step!r}. Example: step = {2 if kind == 'int' else 0.1}."
            )
        if sampling != "linear" and not step > 1:
            raise ZooError(
                f"search.{argument}.step with sampling={sampling!r} is the factor between "
                f"values, so above 1. Received: step={step!r}. Example: step = 2."
            )


@dataclass(frozen=True)
class Recipe:
    """A named model: a registered model builder plus fixed arguments, or a graph spec.

    Recipes come from ``registry.toml`` files (and from plugins, through ``register``).
    ``search`` holds an optional keras-tuner search space over builder arguments.

    Args:
        name: the short name (``"resnet_small"``).
        builder: the id or short name of a registered ``model`` component (empty for a
            graph recipe).
        args: fixed builder arguments.
        summary: one line saying what it is.
        tags: free-form labels.
        search: keras-tuner search space over builder arguments, one table per argument
            (see `check_search_space`).
        namespace: the plugin part of the id (filled in from the registry file's table).
        source: where it was declared (a file path or a plugin's distribution).
        graph: a graph spec (inputs, nodes, outputs; see docs/graphs.md) instead of a
            builder; checked here without importing Keras.
        training: training defaults merged over the builder's (see
            `zoo._specs.training`).
    """

    name: str
    builder: str = ""
    args: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    tags: tuple[str, ...] = ()
    search: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    namespace: str = ""
    source: str = ""
    graph: Mapping[str, Any] | None = None
    training: Mapping[str, Any] = field(default_factory=dict)
    kind: str = dataclasses.field(default="model", init=False)

    def __post_init__(self) -> None:
        check_name(self.name, "recipe name")
        if self.graph is not None:
            self._check_graph()
        elif not isinstance(self.builder, str) or ":" in self.builder or not self.builder:
            raise ZooError(
                "A recipe's builder names a registered model builder, never an import path. "
                f"Received: builder={self.builder!r} for recipe {self.name!r}. "
                "Use the builder's id, for example 'vision/resnet_cifar'."
            )
        if not isinstance(self.args, Mapping):
            raise ZooError(
                f"A recipe's args is a table. Received: args={self.args!r} "
                f"for recipe {self.name!r}."
            )
        _check_summary(self.summary, self.name)
        object.__setattr__(self, "tags", _str_tuple(self.tags, "tags"))
        for argument, space in self.search.items():
            check_search_space(argument, space)
        object.__setattr__(
            self, "training", _checked_training(self.training, f"training of {self.name!r}")
        )

    def _check_graph(self) -> None:
        from zoo._specs.graph import parse_graph
        from zoo._specs.graph_overrides import split_override  # the graph modules on first use

        if self.builder or self.args:
            raise ZooError(
                "A recipe has either a builder (with args) or a graph, not both. "
                f"Received: builder={self.builder!r}, args={dict(self.args)!r} and a graph "
                f"for recipe {self.name!r}. Put the values in the graph's nodes."
            )
        spec = parse_graph(self.graph, source=self.source, key=self.graph_key)
        object.__setattr__(self, "_parsed_graph", spec)  # read by parsed_graph()
        for argument in self.search:  # a graph's search space is over its override keys
            split_override(spec, argument, f"search.{argument} of recipe {self.name!r}")

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def plugin(self) -> str:
        return self.namespace

    def parsed_graph(self) -> GraphSpec:
        """A graph recipe's parsed spec (errors name the recipe's file and key)."""
        if self.graph is None:
            raise ZooError(
                f"Only a graph recipe has a graph. Received: recipe {self.id!r}, which names "
                f"the builder {self.builder!r}. Read its builder with zoo.get_spec(...)."
            )
        from zoo._specs.graph import GraphSpec, parse_graph

        parsed = self.__dict__.get("_parsed_graph")  # parsed when the recipe was made
        if isinstance(parsed, GraphSpec) and (parsed.source, parsed.key) == (
            self.source,
            self.graph_key,
        ):
            return parsed
        return parse_graph(self.graph, source=self.source, key=self.graph_key)

    @property
    def graph_key(self) -> str:
        """The key of a graph recipe's spec in its registry file."""
        return f"recipes.{self.namespace or '<namespace>'}.{self.name}.graph"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``zoo list --json``)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "plugin": self.namespace,
            "recipe": True,
            "builder": self.builder or None,
            "args": dict(self.args),
            "graph": None if self.graph is None else plain(self.graph),
            "summary": self.summary,
            "tags": list(self.tags),
            "search": {k: dict(v) for k, v in self.search.items()},
            "training": plain(self.training),
            "source": self.source,
        }


def _checked_training(table: Any, where: str) -> dict[str, Any]:
    from zoo._specs.training import check_training  # the table's checks on first use

    return check_training(table, where)


def plain(value: Any) -> Any:
    """Mappings and sequences of a TOML/dict value as plain dicts and lists, other values kept.

    For comparing and describing specs and configs (``zoo.to_spec``); files are written with
    the one JSON helper, `zoo._base.jsonable.jsonable`.
    """
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


Entry = ComponentSpec | Recipe


@dataclass(frozen=True)
class PluginInfo:
    """A plugin as the registry sees it: name, status and where it comes from.

    ``load_seconds`` is the time its import and hooks took (0 for a plugin that was not
    imported); ``heavy_imports`` the frameworks (TensorFlow, Keras, ...) that its import
    pulled in, which every command then pays for.
    """

    name: str
    status: PluginStatus
    distribution: str = ""
    version: str = ""
    value: str = ""
    reason: str = ""
    components: int = 0
    load_seconds: float = 0.0
    heavy_imports: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
