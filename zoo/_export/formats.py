"""The table of export formats: one row per format, consulted by `zoo.export`, the CLI
(``zoo export``) and the conformance kit's ``export`` check instead of branching on names.

Adding a format is one module (``zoo/_export/<format>.py``: a ``check_path``, an
``export_<format>`` that writes atomically, and a ``run_<format>`` that runs the artifact
in its own runtime) and one `ExportFormat` row in `FORMATS`. Reading the table is
cheap: the format modules import their runtimes (TensorFlow, ...) on first use.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo._base.errors import ZooError
from zoo._export import saved_model, tflite
from zoo._export.common import ExportOptions, check_choice


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, where it goes, what it accepts, and how it is checked.

    Attributes:
        name: ``format=`` in `zoo.export`, ``--format`` in the CLI, and the kit's tag
            ``export:<name>``.
        title: the format in messages (``"TFLite"``).
        suffix: the file suffix (``".tflite"``), or None for a folder. A path ending in
            a row's suffix picks that row; any other path picks the first folder row.
        description: what the artifact is, for ``--format``'s help (``"one file"``).
        check_path: checks a destination before anything is built; returns the path.
        export: writes ``(model, path, ExportOptions)`` atomically; raises `zoo.ZooError`
            saying why a model cannot be exported.
        run: runs the artifact in its own runtime: ``(path, inputs, input_names)`` ->
            the outputs as NumPy arrays in ``output_0``, ``output_1``, ... order. The CLI
            and the kit verify every export with it against Keras.
        tolerances: the largest difference from Keras (relative to ``max(1, |Keras
            output|)``) that verification accepts, by quantization (None: float32).
            A quantization without one (int8) is verified by accuracy on data instead.
        quantizations: the ``quantization=`` values it accepts, in help order.
        quantization_help: ``--quantize``'s help for them.
        options: the other `zoo.export` options it accepts (``"select_tf_ops"``).
        backends: the Keras backends it exports from.
        runtime: what runs the artifact, in words (for messages and docs).
        requires: the modules its export and runtime import -> the pip package that
            provides each; a missing one is named before anything is built.
    """

    name: str
    title: str
    suffix: str | None
    description: str
    check_path: Callable[[str | os.PathLike[str]], Path]
    export: Callable[[Any, Path, ExportOptions], None]
    run: Callable[..., list[Any]]
    tolerances: Mapping[str | None, float] = field(default_factory=dict)
    quantizations: tuple[str, ...] = ()
    quantization_help: str = ""
    options: tuple[str, ...] = ()
    backends: tuple[str, ...] = ("tensorflow",)
    runtime: str = ""
    requires: Mapping[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        """The tag by which a spec claims this format (the kit then checks the claim)."""
        return f"export:{self.name}"

    @property
    def destination(self) -> str:
        """The artifact's kind of path, in words: ``x.tflite`` or a folder."""
        if self.suffix is None:
            return f"a new or replaceable folder ({self.name})"
        return f"x{self.suffix}"

    def sample_path(self, folder: Path) -> Path:
        """A path inside ``folder`` for a throwaway export (the kit's check)."""
        return folder / (self.name if self.suffix is None else f"model{self.suffix}")


# === The table ===

FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        name="saved_model",
        title="SavedModel",
        suffix=None,
        description="a folder TF Serving loads",
        check_path=saved_model.check_path,
        export=saved_model.export_saved_model,
        run=saved_model.run_saved_model,
        # float32 artifacts compute the same graph.
        tolerances={None: 1e-5},
        runtime="TensorFlow's SavedModel loader (TF Serving)",
        requires={"tensorflow": "tensorflow"},
    ),
    ExportFormat(
        name="tflite",
        title="TFLite",
        suffix=tflite.SUFFIX,
        description="one file",
        check_path=tflite.check_path,
        export=tflite.export_tflite,
        run=tflite.run_tflite,
        # float16 weights keep ~3 significant digits; dynamic-range quantization stores
        # weights in int8 and quantizes activations on the fly.
        tolerances={None: 1e-4, "float16": 1e-2, "dynamic_range": 1e-1},
        quantizations=("dynamic_range", "float16", "int8"),
        quantization_help="int8 weights (dynamic_range), float16 weights, or full int8 "
        "(int8 weights, activations and io; needs --data)",
        options=("select_tf_ops",),
        runtime="the TFLite (LiteRT) interpreter",
        requires={"tensorflow": "tensorflow"},
    ),
)

BY_NAME: dict[str, ExportFormat] = {f.name: f for f in FORMATS}


# === Lookups ===


def names() -> tuple[str, ...]:
    """Every format's name, in table order."""
    return tuple(BY_NAME)


def quantizations() -> tuple[str, ...]:
    """Every quantization some format accepts, in table order."""
    return tuple(dict.fromkeys(q for f in FORMATS for q in f.quantizations))


def format_named(name: str) -> ExportFormat:
    """The row called ``name``, or `zoo.ZooError` listing the names."""
    check_choice(name, names(), "format")
    return BY_NAME[name]


def format_for_path(path: str | os.PathLike[str]) -> ExportFormat:
    """The row whose suffix ends ``path``; otherwise the first folder format."""
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS:
        if fmt.suffix is not None and fmt.suffix == suffix:
            return fmt
    return next(f for f in FORMATS if f.suffix is None)


def formats_tagged(tags: Collection[str]) -> list[ExportFormat]:
    """The rows a spec's tags claim (``export:<name>``), in table order."""
    return [f for f in FORMATS if f.tag in tags]


def accepting(option: str) -> list[ExportFormat]:
    """The rows that take ``option`` (an entry of `ExportFormat.options`) or a quantization."""
    return [f for f in FORMATS if option in f.options or option in f.quantizations]


def tolerances() -> dict[str, float]:
    """Every row's tolerances, keyed ``name`` (float32) or ``name/quantization``."""
    return {
        f.name + (f"/{q}" if q else ""): value for f in FORMATS for q, value in f.tolerances.items()
    }


def sharing_backends(fmt: ExportFormat) -> list[ExportFormat]:
    """The rows that export from exactly ``fmt``'s backends (one sentence names them all)."""
    return [f for f in FORMATS if f.backends == fmt.backends]


def and_join(words: Sequence[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def missing_packages(fmt: ExportFormat) -> list[str]:
    """The pip packages of ``fmt.requires`` whose module cannot be imported here."""
    return [pip for module, pip in fmt.requires.items() if importlib.util.find_spec(module) is None]


def check_options(fmt: ExportFormat, quantization: str | None, select_tf_ops: bool) -> None:
    """Raise `zoo.ZooError` for a quantization or option ``fmt`` does not take."""
    if quantization is not None:
        check_choice(quantization, quantizations(), "quantization")
        if quantization not in fmt.quantizations:
            raise ZooError(
                f"Quantization applies to {_exports_of(accepting(quantization))}. Received: "
                f"format={fmt.name!r}, quantization={quantization!r}. Use "
                f"{_use(accepting(quantization))}, or drop quantization."
            )
    if select_tf_ops and "select_tf_ops" not in fmt.options:
        raise ZooError(
            f"select_tf_ops applies to {_exports_of(accepting('select_tf_ops'))}. Received: "
            f"format={fmt.name!r}. Use {_use(accepting('select_tf_ops'))}, or drop "
            "select_tf_ops."
        )


def _exports_of(rows: Sequence[ExportFormat]) -> str:
    return f"{and_join([f.title for f in rows])} exports"


def _use(rows: Sequence[ExportFormat]) -> str:
    def one(f: ExportFormat) -> str:
        return f"format={f.name!r}" + (
            f" (or a path ending in {f.suffix})" if f.suffix is not None else ""
        )

    return and_join([one(f) for f in rows], "or")
