"""The base layer: what every other layer may use, and which imports no other layer.

    errors.py       ZooError and its kinds, close-match suggestions
    places.py       the zoo's folders (cache, config), stdlib only
    limits.py       bounds on sizes, nesting and work (hostile input)
    nesting.py      how deeply data may nest (registry files, graph specs, overrides)
    quiet.py        TensorFlow's C++ log lines kept off stderr
    onednn.py       the oneDNN choice, made before TensorFlow starts
    arguments.py    checking call arguments against a signature
    check_names.py  the conformance kit's check names, for the CLI's choices

``zoo._version`` and ``zoo.hookspecs`` belong to this layer too (their paths are part of
the packaging and of the plugin API).
"""
