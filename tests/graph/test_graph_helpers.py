"""The graph tests' shared helpers (tests/graph_helpers.py) against the standard library."""

from __future__ import annotations

from graph_helpers import toml_value


def test_toml_value_round_trips_through_tomllib() -> None:
    import tomllib

    value = {"a": [1, 2.5, "x"], "b": {"c": True, "d": None}, "weird key": 'q"uote'}
    parsed = tomllib.loads(f"v = {toml_value(value)}")["v"]
    assert parsed == {"a": [1, 2.5, "x"], "b": {"c": True, "d": "None"}, "weird key": 'q"uote'}
