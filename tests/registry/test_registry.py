"""Lookup by id and short name, listing filters and natural order."""

from __future__ import annotations

import pytest
from conftest import layer_spec

import zoo
from zoo._registry import Registry


def _registry(make_plugin, **plugins: str) -> Registry:
    eps = [make_plugin(name, body) for name, body in plugins.items()]
    return Registry(environ={}, include_default_file=False, entry_points=eps)


def test_lookup_by_id_and_unique_short_name(make_plugin) -> None:
    reg = _registry(make_plugin, alpha=layer_spec("Shuffle"))
    assert reg.resolve("alpha/Shuffle").id == "alpha/Shuffle"
    assert reg.resolve("Shuffle").id == "alpha/Shuffle"
    spec = reg.resolve("Shuffle")
    assert spec.plugin == "alpha" and spec.kind == "layer"


def test_ambiguous_short_name_lists_every_candidate(make_plugin) -> None:
    reg = _registry(make_plugin, alpha=layer_spec("Block"), beta=layer_spec("Block"))
    with pytest.raises(zoo.AmbiguousNameError) as info:
        reg.resolve("Block")
    message = str(info.value)
    assert "alpha/Block" in message and "beta/Block" in message and "full id" in message
    assert reg.resolve("beta/Block").plugin == "beta"


def test_unknown_name_suggests_close_matches(make_plugin) -> None:
    reg = _registry(make_plugin, alpha=layer_spec("PixelShuffle"))
    with pytest.raises(zoo.NotFoundError, match="Did you mean 'PixelShuffle'"):
        reg.resolve("PixelShufle")
    with pytest.raises(zoo.NotFoundError, match="Did you mean 'alpha/PixelShuffle'"):
        reg.resolve("alpha/PixelShufle")


def test_listing_filters_and_natural_order(make_plugin) -> None:
    spec = '    register(zoo.ComponentSpec("{}", kind="{}", target="m:f", tags={}))'
    body = "\n".join(
        [
            spec.format("resnet110", "model", '["cifar"]'),
            spec.format("resnet20", "model", '["cifar"]'),
            spec.format("resnet56", "model", "[]"),
            spec.format("Pinball", "loss", "[]"),
        ]
    )
    reg = _registry(make_plugin, vision=body, other=layer_spec("ResBlock"))
    ids = [e.id for e in reg.entries()]
    assert ids == [
        "other/ResBlock",
        "vision/Pinball",
        "vision/resnet20",
        "vision/resnet56",
        "vision/resnet110",
    ]
    assert [e.id for e in reg.entries("resnet*")] == [
        "vision/resnet20",
        "vision/resnet56",
        "vision/resnet110",
    ]
    assert [e.name for e in reg.entries("RES*", kind="layer")] == ["ResBlock"]
    assert [e.name for e in reg.entries(tag="cifar")] == ["resnet20", "resnet110"]
    assert [e.name for e in reg.entries(plugin="other")] == ["ResBlock"]
    assert [e.name for e in reg.entries("vision/*", kind="loss")] == ["Pinball"]
    assert reg.entries("nothing*") == []


def test_get_imports_the_target_lazily(make_plugin, tmp_path, monkeypatch) -> None:
    import sys

    # A module of its own: re-importing a real plugin module would register its Keras
    # classes a second time for the rest of the session.
    (tmp_path / "lazy_impl_mod.py").write_text("class Thing:\n    pass\n")
    monkeypatch.delitem(sys.modules, "lazy_impl_mod", raising=False)
    body = '    register(zoo.ComponentSpec("Thing", kind="layer", target="lazy_impl_mod:Thing"))'
    reg = _registry(make_plugin, alpha=body)
    reg.entries()
    assert "lazy_impl_mod" not in sys.modules
    cls = reg.get("Thing")
    assert cls.__name__ == "Thing" and "lazy_impl_mod" in sys.modules
    assert reg.get("alpha/Thing") is cls


def test_get_reports_a_broken_target(make_plugin) -> None:
    body = '    register(zoo.ComponentSpec("Gone", kind="layer", target="no_such_module_xyz:Gone"))'
    reg = _registry(make_plugin, alpha=body)
    with pytest.raises(zoo.ZooError, match="could not be imported from no_such_module_xyz:Gone"):
        reg.get("Gone")
    body = '    register(zoo.ComponentSpec("Missing", kind="layer", target="json:NoSuchThing"))'
    reg = _registry(make_plugin, beta=body)
    with pytest.raises(zoo.ZooError, match="json has no 'NoSuchThing'"):
        reg.get("Missing")


def test_backend_restriction_is_enforced(make_plugin) -> None:
    body = (
        '    register(zoo.ComponentSpec("OnlyJax", kind="layer", target="json:dumps", '
        'backends=["jax"]))'
    )
    reg = _registry(make_plugin, alpha=body)
    with pytest.raises(zoo.ZooError, match="runs on the Keras backend\\(s\\) jax"):
        reg.get("OnlyJax")


def test_recipes_of_a_plugin_are_listed_and_resolved(toy_registry) -> None:
    recipe = zoo.get_spec("toy_small")
    assert isinstance(recipe, zoo.Recipe)
    assert recipe.id == "toy/toy_small" and recipe.source.startswith("plugin toy")
    assert "toy/toy_small" in [e.id for e in zoo.list_components(kind="model")]
