"""A recipe's search keys are checked against its builder at registration (issue 14.8c)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import zoo
from zoo._factory.build import build
from zoo._registry import Registry
from zoo._specs.search_keys import TRAINING_OPTIONS

BUILDERS = '''
    raise_if_imported = None


    def plain(width: int = 8, depth: int = 2, name: str = "plain"):
        """Builder with named arguments only."""
        import keras

        inputs = keras.Input((4,))
        x = keras.layers.Dense(width)(inputs)
        return keras.Model(inputs, keras.layers.Dense(depth)(x), name=name)


    def anything(width: int = 8, **kwargs):
        """Builder that takes any keyword."""
        return plain(width)


    def _wrap(fn):
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        wrapper.__signature__ = __import__("inspect").signature(fn)
        return wrapper


    @_wrap
    def wrapped(width: int = 8):
        """Builder behind a decorator: the source cannot say what it accepts."""
        return plain(width)
'''

PLUGIN = """
import zoo

@zoo.hookimpl
def zoo_register(register):
    for name in ("plain", "anything", "wrapped"):
        register(zoo.ComponentSpec(name, kind="model", target=f"{MODULE}:{name}"))
"""


@pytest.fixture
def builders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_plugin):
    module = f"searchkeys_builders_{tmp_path.name[-8:].replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(BUILDERS))
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = make_plugin("skprobe", source=PLUGIN.replace("{MODULE}", module))

    def registry(search: str, builder: str = "skprobe/plain") -> Registry:
        path = tmp_path / f"registry_{len(list(tmp_path.iterdir()))}.toml"
        path.write_text(
            f'[recipes.skprobe.tuned]\nbuilder = "{builder}"\nsearch = {{ {search} }}\n'
        )
        return Registry(
            environ={}, include_default_file=False, entry_points=[ep], registry_files=[path]
        )

    yield registry, module
    sys.modules.pop(module, None)


def test_an_unknown_search_key_fails_registration_with_a_close_match(builders) -> None:
    registry, module = builders
    reg = registry('widht = { type = "choice", values = [8, 16] }')
    with pytest.raises(zoo.RegistryFileError, match="Did you mean 'width'") as caught:
        reg.entries()
    message = str(caught.value)
    assert "recipes.skprobe.tuned.search" in message and "'widht'" in message
    assert "learning_rate" in message
    assert module not in sys.modules  # the builder was read, never imported


def test_builder_arguments_and_training_options_are_accepted(builders) -> None:
    registry, module = builders
    spaces = ['width = { type = "choice", values = [8, 16] }'] + [
        f'{name} = {{ type = "choice", values = [1, 2] }}' for name in TRAINING_OPTIONS
    ]
    reg = registry(", ".join(spaces))
    assert [e.id for e in reg.entries(kind="model") if isinstance(e, zoo.Recipe)] == [
        "skprobe/tuned"
    ]
    assert module not in sys.modules


def test_a_builder_taking_kwargs_accepts_any_key(builders) -> None:
    registry, _ = builders
    reg = registry('anything_goes = { type = "boolean" }', builder="skprobe/anything")
    assert reg.resolve("tuned").search == {"anything_goes": {"type": "boolean"}}


def test_a_builder_the_source_cannot_read_is_checked_when_built(builders) -> None:
    registry, module = builders
    reg = registry('widht = { type = "boolean" }', builder="skprobe/wrapped")
    assert reg.resolve("tuned").builder == "skprobe/wrapped"  # registration defers
    assert module not in sys.modules
    with pytest.raises(zoo.RegistryFileError, match="Did you mean 'width'"):
        build("tuned", registry=reg)
    good = registry('width = { type = "boolean" }', builder="skprobe/wrapped")
    assert build("tuned", registry=good).name == "plain"


def test_the_projects_own_recipes_pass() -> None:
    reg = Registry(environ={"ZOO_PLUGINS": "vision,text"})
    recipes = [e for e in reg.entries() if isinstance(e, zoo.Recipe) and e.search]
    assert {r.id for r in recipes} >= {"vision/resnet_small"}
