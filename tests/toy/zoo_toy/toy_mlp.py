import keras

from zoo_toy.affine import Affine


def toy_mlp(input_dim: int = 4, hidden: int = 8, num_classes: int = 3, name: str = "toy_mlp"):
    """A one-hidden-layer classifier built from the toy Affine layer."""
    inputs = keras.Input(shape=(input_dim,), name="features")
    x = keras.activations.relu(Affine(hidden)(inputs))
    outputs = keras.layers.Softmax()(Affine(num_classes)(x))
    return keras.Model(inputs, outputs, name=name)
