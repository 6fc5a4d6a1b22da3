"""The factory: the one path that builds a model from a builder or a graph recipe.

build.py   zoo.build and zoo.get: resolve through the registry, check the arguments,
           call the builder (or build the graph recipe), tag the model
"""
