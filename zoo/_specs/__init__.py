"""The specs: what plugins and registry files declare, as plain validated data.

    component.py        ComponentSpec, Recipe, Example, PresetSource, PluginInfo
    training.py         a spec's training defaults (TrainingDefaults) and their checks
    graph.py            the graph spec format: parsing data into a GraphSpec
    graph_types.py      the graph spec's types and structural checks
    graph_overrides.py  overrides of a graph spec (``deep.units=32``)
    search_keys.py      a recipe's search space against what its builder accepts
    static.py           a component's signature and docstring read from source, unimported
    listing.py          the kinds and the listing filters (stdlib only: ``import zoo`` uses it)

Nothing here imports the registry, the factory or the workflow; this package's
``__init__`` imports nothing, so that ``import zoo`` stays light.
"""
