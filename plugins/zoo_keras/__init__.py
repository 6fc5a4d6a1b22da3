"""keras-zoo first-party plugin: keras (the data sets of ``keras.datasets``).

``keras/mnist``, ``keras/fashion_mnist``, ``keras/cifar10``, ``keras/imdb`` and
``keras/boston_housing``: loaded by ``keras.datasets`` itself (its download, its cache
in ``$KERAS_HOME/datasets``, its hash check), with the zoo's seeded validation split
held out of Keras' training split and Keras' own test split kept as the test split.
Offline, a source raises one `zoo.ZooError` naming the file to place in the cache.

The plugin is called ``keras`` because a component's id starts with its plugin's
entry-point name and ``keras/`` already means "Keras' own" in the zoo (graph nodes
name Keras' built-in layers ``keras/Dense``); these are keras.datasets' own data sets,
loaded by Keras' own code. It is a package of its own (one plugin, one package, as
every first-party plugin), beside ``zoo_applications``, whose weights it shares the
Keras cache with.

This module only declares specs: it imports neither Keras nor TensorFlow nor any of
the implementation modules, which the registry imports on first use.
"""

import zoo

_SOURCES = {
    "mnist": (
        "MNIST (keras.datasets): 70,000 28x28x1 handwritten digits in [0, 1], 10 classes.",
        ("classification", "image", "download"),
    ),
    "fashion_mnist": (
        "Fashion-MNIST (keras.datasets): 70,000 28x28x1 Zalando articles, 10 classes.",
        ("classification", "image", "download"),
    ),
    "cifar10": (
        "CIFAR-10 (keras.datasets): 60,000 32x32x3 color images in [0, 1], 10 classes.",
        ("classification", "image", "download"),
    ),
    "imdb": (
        "IMDB reviews (keras.datasets): 50,000 padded word-id sequences, 2 sentiments.",
        ("classification", "text", "sentiment", "download"),
    ),
    "boston_housing": (
        "Boston housing (keras.datasets): 506 tracts, 13 standardized features, price.",
        ("regression", "tabular", "download"),
    ),
}


def _specs():
    return [
        zoo.ComponentSpec(
            name,
            target=f"zoo_keras.{name}:{name}",
            kind="dataset",
            summary=summary,
            tags=tags,
        )
        for name, (summary, tags) in _SOURCES.items()
    ]


@zoo.hookimpl
def zoo_plugin_api():
    return [1]


@zoo.hookimpl
def zoo_register(register):
    for spec in _specs():
        register(spec)
