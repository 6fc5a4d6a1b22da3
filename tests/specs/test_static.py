"""zoo._specs.static reads signatures and docstrings from source without importing (16.5, 14.6)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import zoo
from zoo._base.arguments import parameters
from zoo._specs.static import Expression, module_file, read_signature

PACKAGE = {
    "__init__.py": "raise RuntimeError('the package must not be imported')\n",
    "builders.py": '''
        import heavy_module_that_does_not_exist  # executing this file would fail

        from .layers import Thing as Renamed
        from . import layers


        def net(depth: int = 20, shape: tuple[int, int] = (4, 4), *, act=heavy.relu, **kwargs):
            """A net.

            Args:
                depth: layers.
            """


        @some_decorator
        def wrapped(a=1):
            pass


        class NoInit(Base):
            """Inherits its signature."""
        ''',
    "layers.py": '''
        import zoo


        @zoo.serializable("pkg")
        class Thing(Base):
            """A thing."""

            def __init__(self, units, use_bias: bool = True, **kwargs):
                super().__init__(**kwargs)


        class Child(Thing):
            """A thing that inherits its arguments."""
        ''',
}


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    root = tmp_path / "pkg_static_probe"
    root.mkdir()
    for name, text in PACKAGE.items():
        (root / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    return root.name


def test_a_function_is_read_without_running_its_module(package: str) -> None:
    signature = read_signature(f"{package}.builders:net")
    assert signature is not None and signature.takes_any_keyword
    assert [(p.name, p.default, p.annotation, p.required) for p in signature.parameters] == [
        ("depth", 20, "int", False),
        ("shape", (4, 4), "tuple[int, int]", False),
        ("act", "heavy.relu", "", False),
    ]
    act = signature.parameters[2].default
    assert isinstance(act, Expression) and repr(act) == "heavy.relu"
    assert signature.doc == "A net.\n\nArgs:\n    depth: layers."
    assert package not in sys.modules and f"{package}.builders" not in sys.modules


def test_a_class_is_read_from_its_init_and_imports_are_followed(package: str) -> None:
    signature = read_signature(f"{package}.builders:Renamed")
    assert signature is not None and signature.names == ("units", "use_bias")
    assert signature.parameters[0].required and signature.doc == "A thing."
    assert signature.file.endswith("layers.py")


def test_a_class_without_init_takes_its_base_classes(package: str) -> None:
    signature = read_signature(f"{package}.layers:Child")
    assert signature is not None and signature.names == ("units", "use_bias")
    assert signature.doc == "A thing that inherits its arguments."


def test_what_the_source_cannot_say_is_none(package: str) -> None:
    assert read_signature(f"{package}.builders:wrapped") is None  # a decorator
    assert read_signature(f"{package}.builders:NoInit") is None  # inherited __init__
    assert read_signature(f"{package}.builders:missing") is None
    assert read_signature(f"{package}.nosuch:net") is None
    assert read_signature("json:loads") is not None  # the standard library has sources
    assert module_file("sys") is None  # built in: no source


def _comparable(params, like=None) -> list[tuple]:
    """Names, required and defaults; a default the source gives as an expression
    (``keras.activations.relu``) is compared by name only."""
    like = like or params
    return [
        (p.name, p.required, None if p.required or isinstance(q.default, Expression) else p.default)
        for p, q in zip(params, like)
    ]


@pytest.mark.slow
def test_static_signatures_agree_with_the_imported_ones() -> None:
    """For every registered component whose source says it, the import says the same."""
    read = 0
    for entry in zoo.list_components():
        if isinstance(entry, zoo.Recipe):
            continue
        static = read_signature(entry.target)
        if static is None:
            continue
        implementation = zoo.get(entry.id)
        imported = parameters(implementation)
        assert len(imported) == len(static.parameters), entry.id
        assert _comparable(static.parameters) == _comparable(imported, static.parameters), entry.id
        assert static.doc == (inspect.getdoc(implementation) or ""), entry.id
        target = implementation.__init__ if inspect.isclass(implementation) else implementation
        kinds = [p.kind for p in inspect.signature(target).parameters.values()]
        assert static.takes_any_keyword == (inspect.Parameter.VAR_KEYWORD in kinds), entry.id
        read += 1
    assert read >= 20


def test_info_reads_the_builder_without_tensorflow() -> None:
    script = (
        "import json, sys\nfrom zoo._cli.listing import describe\n"
        "info = describe('resnet_small')\n"
        "print(json.dumps({'tf': 'tensorflow' in sys.modules, 'keras': 'keras' in sys.modules,"
        " 'info': info}, default=str))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["tf"] is False and result["keras"] is False
    info = result["info"]
    assert info["signature_from"] == "source"
    assert "Args:\n    depth: the number of weighted layers" in info["doc"]
    params = {p["name"]: p for p in info["parameters"]}
    assert params["shortcut"]["annotation"] == "Literal['zero_pad', 'projection']"
    assert params["depth"]["fixed_by_recipe"] and params["depth"]["default"] == 20
    assert set(info["search"]) == {"width", "weight_decay"}


def test_info_prints_the_whole_docstring_and_the_search_space(capsys) -> None:
    from zoo._cli import main

    assert main(["info", "resnet_small"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("vision/resnet_small\n  The CIFAR ResNet of He et al. 2016")
    assert "    input_shape: tuple[int, int, int] = (32, 32, 3)" in out
    assert "  search space:\n    width: {'type': 'choice', 'values': [8, 16, 32]}" in out
    assert "  Args:\n      depth: the number of weighted layers" in out
    assert "  Returns:\n      A Functional ``keras.Model``" in out


WRAPPED = '''
import functools


def _keep(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@_keep
def builder(units: int = 3):
    """A wrapped builder: only inspect, following __wrapped__, can say what it takes."""
'''


def test_info_imports_when_the_source_cannot_say(make_plugin, tmp_path, monkeypatch) -> None:
    from zoo._cli.listing import describe
    from zoo._registry import Registry, set_default_registry

    module = f"wrapped_probe_{tmp_path.name[-6:].replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(WRAPPED)
    monkeypatch.syspath_prepend(str(tmp_path))
    body = f'    register(zoo.ComponentSpec("wrapped", kind="model", target="{module}:builder"))'
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[make_plugin("xqwrap", body)]
    )
    previous = set_default_registry(registry)
    try:
        assert read_signature(f"{module}:builder") is None
        info = describe("xqwrap/wrapped")
    finally:
        set_default_registry(previous)
        sys.modules.pop(module, None)
    assert info["signature_from"] == "import"
    assert [(p["name"], p["default"]) for p in info["parameters"]] == [("units", 3)]
    assert info["doc"].startswith("A wrapped builder")
