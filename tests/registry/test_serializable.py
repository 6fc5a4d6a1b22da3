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


def test_a_name_taken_behind_the_zoos_back_is_reported(tmp_path) -> None:
    """Keras lets register_keras_serializable overwrite a name; the zoo reports both."""
    from zoo._registry.serializable import name_clashes

    @zoo.serializable("tests_behind")
    class Knob(keras.layers.Layer):
        def call(self, x):
            return x + 1.0

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Knob()(inputs))
    path = zoo.save(model, tmp_path / "knob.keras")
    assert not [c for c in name_clashes() if c.name == "zoo.tests_behind>Knob"]

    def take_the_name() -> type:
        @keras.saving.register_keras_serializable(package="zoo.tests_behind")
        class Knob(keras.layers.Layer):  # Keras accepts this silently
            def call(self, x):
                return x - 1.0

        return Knob

    impostor = take_the_name()
    try:
        (clash,) = [c for c in name_clashes() if c.name == "zoo.tests_behind>Knob"]
        assert clash.active.endswith("take_the_name.<locals>.Knob")
        (other,) = clash.others
        assert other.endswith("test_a_name_taken_behind_the_zoos_back_is_reported.<locals>.Knob")
        assert "is registered for 2 classes" in str(clash)
        with pytest.raises(zoo.ZooError, match="could build the wrong class") as info:
            zoo.load(path)
        assert "take_the_name.<locals>.Knob" in str(info.value)
    finally:
        keras.saving.get_custom_objects()["zoo.tests_behind>Knob"] = Knob
        from keras.src.saving.object_registration import GLOBAL_CUSTOM_NAMES

        GLOBAL_CUSTOM_NAMES.pop(impostor, None)
    assert not [c for c in name_clashes() if c.name == "zoo.tests_behind>Knob"]


def test_a_reloaded_module_is_not_a_clash() -> None:
    from zoo._registry.serializable import _REGISTERED, name_clashes

    def define() -> type:
        @zoo.serializable("tests_reload")
        class Dial(keras.layers.Layer):
            pass

        return Dial

    first, second = define(), define()  # same module and qualified name: a reload
    assert first is not second and len(_REGISTERED["zoo.tests_reload>Dial"]) == 2
    assert not [c for c in name_clashes() if c.name == "zoo.tests_reload>Dial"]
