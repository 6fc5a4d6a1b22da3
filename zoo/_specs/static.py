"""Reading a component's signature and docstring from its source, without importing it.

A spec names its implementation as ``"package.module:attribute"``. `read_signature`
finds that module's file (``importlib.util.find_spec`` for the top-level package, then
the import system's path finder inside its folders, so no ``__init__`` runs), parses
it with `ast`, and reads the function (or the class and its ``__init__``) that the
attribute names: the keyword-passable parameters with their defaults and annotations
as written, whether it takes ``**kwargs``, and the docstring. An attribute that the
module imports from another module of the same package is followed there.

When the source does not say for sure (a compiled module, a decorated function, a
class without its own ``__init__``, an attribute assigned at run time) the answer is
None, and callers import the implementation instead (`zoo info`) or check later
(search keys, at build time). Nothing here imports TensorFlow, Keras or the target.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoo._base.arguments import Parameter

#: Class decorators known to return the class they decorate, signature unchanged.
_TRANSPARENT_DECORATORS = ("serializable", "register_keras_serializable", "final")
_FOLLOW_IMPORTS = 4


class Expression(str):
    """A default that is not a literal, kept as its source text (shown without quotes)."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class StaticSignature:
    """What the source says about a builder or component."""

    parameters: tuple[Parameter, ...]
    takes_any_keyword: bool
    doc: str
    file: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)


def module_file(module: str) -> Path | None:
    """The ``.py`` file of ``module`` (dotted), found without executing any package."""
    loaded = sys.modules.get(module)
    if loaded is not None:
        file = getattr(loaded, "__file__", None)
        return Path(file) if file and file.endswith(".py") else None
    parts = module.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
        for index in range(1, len(parts)):
            if spec is None or not spec.submodule_search_locations:
                return None
            name = ".".join(parts[: index + 1])
            locations = list(spec.submodule_search_locations)
            spec = importlib.machinery.PathFinder.find_spec(name, locations)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


@functools.lru_cache(maxsize=64)
def _parse(path: str, mtime: float) -> ast.Module | None:
    try:
        return ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None


#: Every source file read here, for the cached listing's record of what a listing read.
SOURCES_READ: set[str] = set()


def _tree(path: Path) -> ast.Module | None:
    SOURCES_READ.add(str(path))
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _parse(str(path), mtime)


def read_signature(target: str) -> StaticSignature | None:
    """The signature of ``"module:attribute"`` as its source states it, or None."""
    module, _, attribute = target.partition(":")
    if not module or not attribute or "." in attribute:
        return None
    return _read(module, attribute, _FOLLOW_IMPORTS)


def _read(module: str, attribute: str, follow: int) -> StaticSignature | None:
    path = module_file(module)
    tree = _tree(path) if path is not None else None
    if tree is None or path is None:
        return None
    found: ast.AST | None = None
    for node in tree.body:  # the last top-level binding wins, as at run time
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == attribute:
                found = node
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == attribute:
                    found = node
        elif _binds(node, attribute):
            found = node
    if isinstance(found, ast.ImportFrom):
        source = _absolute(module, path, found)
        name = next(a.name for a in found.names if (a.asname or a.name) == attribute)
        if source is None or follow <= 0:
            return None
        return _read(source, name, follow - 1)
    constants = _constants(tree)
    if isinstance(found, ast.FunctionDef):
        if found.decorator_list:
            return None  # a decorator may change the signature
        doc = ast.get_docstring(found) or ""
        return _signature(found.args, doc, str(path), constants, skip_self=False)
    if isinstance(found, ast.ClassDef):
        if not all(_transparent(d) for d in found.decorator_list):
            return None
        init = next(
            (n for n in found.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"),
            None,
        )
        doc = ast.get_docstring(found) or ""
        if init is None:
            return _inherited(module, found, doc, follow)
        if init.decorator_list:
            return None  # wrapped: only an import can say
        return _signature(init.args, doc, str(path), constants, skip_self=True)
    return None


def _inherited(module: str, node: ast.ClassDef, doc: str, follow: int) -> StaticSignature | None:
    """A class without its own ``__init__``: its one base's, when the source has it."""
    if len(node.bases) != 1 or node.keywords or follow <= 0:
        return None
    base = node.bases[0]
    if not isinstance(base, ast.Name):
        return None  # keras.layers.Layer and the like: only an import can say
    inherited = _read(module, base.id, follow - 1)
    if inherited is None:
        return None
    return StaticSignature(inherited.parameters, inherited.takes_any_keyword, doc, inherited.file)


def _binds(node: ast.AST, name: str) -> bool:
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str | None:
    """The module an ``import from`` in ``module`` (file ``path``) reads from."""
    if not node.level:
        return node.module
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if node.level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _transparent(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = call.attr if isinstance(call, ast.Attribute) else getattr(call, "id", "")
    return name in _TRANSPARENT_DECORATORS


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return Expression(ast.unparse(node))


def _constants(tree: ast.Module) -> dict[str, Any]:
    """Module-level ``NAME = <literal>`` bindings bound once (``IMAGENET_MEAN = (...)``)."""
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, bound = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, bound = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                value = _literal(bound)
                if target.id in seen or isinstance(value, Expression):
                    values.pop(target.id, None)
                else:
                    values[target.id] = value
                seen.add(target.id)
    return values


def _default(node: ast.expr, constants: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return _literal(node)


def _signature(
    args: ast.arguments, doc: str, file: str, constants: dict[str, Any], *, skip_self: bool
) -> StaticSignature:
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    named = list(zip(positional, defaults))[len(args.posonlyargs) :]
    if skip_self and not args.posonlyargs and named:
        named = named[1:]  # self (a positional-only self is left out with the others)
    named += list(zip(args.kwonlyargs, args.kw_defaults))
    parameters = []
    for arg, default in named:
        annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
        required = default is None
        value = None if default is None else _default(default, constants)
        parameters.append(Parameter(arg.arg, value, annotation, required))
    return StaticSignature(tuple(parameters), args.kwarg is not None, doc, file)
