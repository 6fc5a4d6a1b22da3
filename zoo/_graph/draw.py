"""Pictures of models: PNG/SVG/PDF through ``keras.utils.plot_model``, else DOT text.

``keras.utils.plot_model`` needs the ``pydot`` package and the Graphviz ``dot``
program (``apt-get install graphviz``, ``brew install graphviz``, or
``conda install graphviz``). Without them the same graph is written as DOT text,
which any Graphviz install (or an online viewer) renders later.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError

#: Formats drawn by Graphviz, and the DOT text formats written without it.
IMAGE_FORMATS = (".png", ".svg", ".pdf", ".jpg", ".jpeg")
DOT_FORMATS = (".dot", ".gv")

INSTALL_HINT = (
    "Install Graphviz (apt-get install graphviz, brew install graphviz, or conda install "
    "graphviz) and pydot (pip install pydot) to get images"
)


def graphviz_available() -> bool:
    """Whether ``keras.utils.plot_model`` can draw: pydot importable and ``dot`` on PATH."""
    return importlib.util.find_spec("pydot") is not None and shutil.which("dot") is not None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tensor_sources(value: Any) -> list[str]:
    """The layer names of every symbolic tensor in a serialized call argument."""
    if isinstance(value, Mapping):
        if value.get("class_name") == "__keras_tensor__":
            return [str(value["config"]["keras_history"][0])]
        return [name for v in value.values() for name in _tensor_sources(v)]
    if isinstance(value, (list, tuple)):
        return [name for v in value for name in _tensor_sources(v)]
    return []


def _shape(layer: Any) -> str:
    try:
        output = layer.output
    except (AttributeError, ValueError):
        return ""
    shape = getattr(output, "shape", None)
    if shape is None:
        return ""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def model_to_dot_text(model: Any, *, rankdir: str = "TB") -> str:
    """The model's graph in the DOT language: one box per layer (name, class, output
    shape), one edge per tensor passed. Needs neither pydot nor Graphviz."""
    config = model.get_config()
    if not isinstance(config, Mapping) or "layers" not in config:
        raise ZooError(
            f"A picture is drawn from a Functional model's graph. Received: {model.name!r}, a "
            f"{type(model).__name__} without one. Build it with keras.Model(inputs, outputs)."
        )
    lines = [
        f"digraph {_quote(model.name)} {{",
        f"  rankdir={rankdir};",
        '  node [shape=record, fontname="Helvetica", fontsize=10];',
    ]
    for entry in config["layers"]:
        name = entry["name"]
        try:
            layer = model.get_layer(name)
        except ValueError:
            layer = None
        shape = _shape(layer) if layer is not None else ""
        label = f"{name}|{entry.get('class_name', '')}" + (f"|{shape}" if shape else "")
        label = label.replace("{", "\\{").replace("}", "\\}").replace("<", "\\<")
        label = label.replace(">", "\\>")
        lines.append(f"  {_quote(name)} [label={_quote('{' + label + '}')}];")
    for entry in config["layers"]:
        for call in entry.get("inbound_nodes", []):
            sources = _tensor_sources(call.get("args", [])) + _tensor_sources(
                call.get("kwargs", {})
            )
            for source in dict.fromkeys(sources):
                lines.append(f"  {_quote(source)} -> {_quote(entry['name'])};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check_picture_path(path: str | Path) -> Path:
    """``path`` if `draw_model` can write a picture or DOT text there, else ZooError."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_FORMATS + DOT_FORMATS:
        raise ZooError(
            "A picture's file name ends in one of "
            f"{', '.join(IMAGE_FORMATS + DOT_FORMATS)}. Received: {str(path)!r}. "
            "Use, for example, model.png or model.svg."
        )
    if not path.parent.is_dir():
        raise ZooError(
            f"The folder to write into must exist. Received: {str(path.parent)!r}. Create it."
        )
    return path


def draw_model(
    model: Any, path: str | Path, *, rankdir: str = "TB", dpi: int = 96
) -> tuple[Path, str]:
    """Write a picture of ``model`` to ``path``; return what was written and its format.

    ``.png``, ``.svg``, ``.pdf``, ``.jpg`` go through ``keras.utils.plot_model`` when
    pydot and Graphviz are installed; otherwise DOT text is written next to ``path``
    with the suffix ``.dot`` (the returned format is then ``"dot"``). ``.dot`` and
    ``.gv`` always get DOT text.
    """
    path = check_picture_path(path)
    suffix = path.suffix.lower()
    if suffix in IMAGE_FORMATS and graphviz_available():
        import keras

        keras.utils.plot_model(
            model,
            to_file=str(path),
            show_shapes=True,
            show_layer_names=True,
            show_layer_activations=True,
            rankdir=rankdir,
            dpi=dpi,
        )
        return path, suffix.lstrip(".")
    target = path if suffix in DOT_FORMATS else path.with_suffix(".dot")
    target.write_text(model_to_dot_text(model, rankdir=rankdir))
    return target, "dot"
