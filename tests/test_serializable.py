"""zoo.serializable: the zoo.<plugin>>Name key, and no silent takeover of a name."""

from __future__ import annotations

import keras
import pytest

import zoo


def test_registered_name_carries_the_plugin() -> None:
    @zoo.serializable("tests_ser")
    class Widget(keras.layers.Layer):
        pass

    assert keras.saving.get_registered_name(Widget) == "zoo.tests_ser>Widget"
    assert keras.saving.get_registered_object("zoo.tests_ser>Widget") is Widget


def test_a_second_class_cannot_take_a_registered_name() -> None:
    @zoo.serializable("tests_clash")
    class Gadget(keras.layers.Layer):
        pass

    def define_again() -> type:
        @zoo.serializable("tests_clash")
        class Gadget(keras.layers.Layer):  # same name, different class
            extra = True

        return Gadget

    with pytest.raises(zoo.ZooError) as info:
        define_again()
    message = str(info.value)
    assert "'zoo.tests_clash>Gadget'" in message
    assert "define_again.<locals>.Gadget" in message
    assert "test_a_second_class_cannot_take_a_registered_name.<locals>.Gadget" in message


def test_registering_the_same_class_again_is_allowed() -> None:
    class Gizmo(keras.layers.Layer):
        pass

    zoo.serializable("tests_again")(Gizmo)
    assert zoo.serializable("tests_again")(Gizmo) is Gizmo


def test_plugin_name_is_validated() -> None:
    with pytest.raises(zoo.ZooError, match="plugin name"):
        zoo.serializable("has space")
