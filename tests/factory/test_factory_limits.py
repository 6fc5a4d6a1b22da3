"""Hardening of building (issue 13, points 5 and 8): bounded work on hostile arguments,
repeats and overrides; graph specs never make a layer read a file unless the user opts in.

No test allocates more than a few megabytes: limits are lowered (ZOO_MAX_PARAMETERS) or
the process runs under a memory limit (RLIMIT_DATA) instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo._factory.build import build
from zoo._graph import GraphArgumentError


def _strings(*words: str):
    import tensorflow as tf

    return tf.constant([[w] for w in words])


# === 5. Resource bombs in specs, overrides and builder arguments ===


def test_a_model_above_the_parameter_limit_is_refused_before_allocation(
    toy_registry, monkeypatch
) -> None:
    zoo.build("toy/toy_mlp")  # imports Keras and the toy first: time only the refusal
    monkeypatch.setenv("ZOO_MAX_PARAMETERS", "1000")
    start = time.perf_counter()
    with pytest.raises(zoo.ZooError) as info:
        zoo.build("toy/toy_mlp", hidden=10**8)  # 400 million weights if it were allocated
    message = str(info.value)
    assert time.perf_counter() - start < 5
    assert "at most 1,000 parameters (ZOO_MAX_PARAMETERS)" in message
    assert "hidden=100000000" in message and "Lower hidden" in message
    assert "before any of it is allocated" in message and "\n" not in message


def test_the_parameter_limit_counts_every_weight_and_can_be_raised(
    toy_registry, monkeypatch
) -> None:
    expected = zoo.build("toy/toy_mlp", hidden=50).count_params()  # 4*50+50 + 50*3+3 = 403
    monkeypatch.setenv("ZOO_MAX_PARAMETERS", str(expected - 1))
    with pytest.raises(zoo.ZooError, match="at most 402 parameters"):
        zoo.build("toy/toy_mlp", hidden=50)
    monkeypatch.setenv("ZOO_MAX_PARAMETERS", str(expected))
    assert zoo.build("toy/toy_mlp", hidden=50).count_params() == expected
    monkeypatch.setenv("ZOO_MAX_PARAMETERS", "lots")
    with pytest.raises(zoo.ZooError, match="ZOO_MAX_PARAMETERS is a positive number"):
        zoo.build("toy/toy_mlp")


def test_the_default_limit_refuses_the_reported_resnet_bombs() -> None:
    start = time.perf_counter()
    for overrides, argument in [
        ({"num_classes": 10**9}, "num_classes"),
        ({"width": 10**6}, "width"),
    ]:
        with pytest.raises(zoo.ZooError, match=f"Lower {argument}, or set ZOO_MAX_PARAMETERS"):
            zoo.build("resnet_small", **overrides)
    with pytest.raises(zoo.ArgumentError, match="integer arguments are at most 4,294,967,295"):
        zoo.build("resnet_small", depth=6 * 10**18 + 2)
    assert time.perf_counter() - start < 30


def test_graph_repeats_are_bounded_in_files_and_overrides(tmp_path: Path) -> None:
    from zoo._registry import Registry

    path = tmp_path / "bomb.toml"
    path.write_text(
        "[recipes.lab.chain.graph]\ninputs.x = { shape = [2] }\n"
        "nodes = [{ name = 'd', layer = 'keras/Dense', args = { units = 2 }, repeat = 10000000 }]\n"
    )
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    start = time.perf_counter()
    with pytest.raises(zoo.RegistryFileError, match=r"nodes\[0\]\.repeat.*at most 1000 copies"):
        registry.entries()
    spec = {
        "inputs": {"x": {"shape": [2]}},
        "nodes": [{"name": "d", "layer": "keras/Dense", "args": {"units": 2}, "repeat": 2}],
    }
    with pytest.raises(zoo.ArgumentError, match="at most 1000 copies"):
        zoo.build_graph(spec, **{"d.repeat": 10**9})
    with pytest.raises(zoo.GraphError, match=r"each\.units.*at most 1000 values"):
        zoo.build_graph(
            {**spec, "nodes": [{"layer": "keras/Dense", "each": {"units": [1] * 1001}}]}
        )
    assert time.perf_counter() - start < 2
    assert len(zoo.build_graph(spec, **{"d.repeat": 3}).layers) == 4


def test_graph_builds_are_bounded_too(monkeypatch) -> None:
    spec = {"inputs": {"x": {"shape": [4]}}, "nodes": [{"name": "d", "layer": "keras/Dense"}]}
    monkeypatch.setenv("ZOO_MAX_PARAMETERS", "100")
    with pytest.raises(zoo.ZooError, match=r"Received: d\.units=1000 for graph spec"):
        zoo.build_graph(spec, d_units=1000)
    with pytest.raises(zoo.ArgumentError, match="integer arguments are at most"):
        zoo.build_graph(spec, d_units=2**40)
    assert zoo.build_graph(spec, d_units=10).count_params() == 50


MEMORY_LIMITED = """
import resource, sys
import zoo  # noqa
resource.setrlimit(resource.RLIMIT_DATA, (int(sys.argv[1]), int(sys.argv[1])))
import keras
try:
    zoo.build("toy/toy_mlp", input_dim=4000, hidden=int(sys.argv[2]))
except zoo.ZooError as error:
    print("ZOOERROR", error)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("limit", "expected"),
    [("", "ZOOERROR A model built by the zoo holds at most"), ("10**13", "ran out of memory")],
)
def test_an_allocation_failure_is_a_zoo_error_about_memory(
    toy_env: dict[str, str], limit: str, expected: str
) -> None:
    env = {**toy_env, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if limit:
        env["ZOO_MAX_PARAMETERS"] = str(eval(limit))
    # 4000 x 10**6 float32 weights = 16 GB, under a 6 GB data limit.
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_LIMITED, str(6 * 2**30), str(10**6)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert expected in out.stdout, (out.stdout, out.stderr[-2000:])
    assert "toy/toy_mlp" in out.stdout and "hidden=1000000" in out.stdout


# === 8. Graph specs that read files ===


def _lookup_spec(vocabulary: object) -> dict:
    return {
        "inputs": {"text": {"shape": [1], "dtype": "string"}},
        "nodes": [
            {"name": "ids", "layer": "keras/StringLookup", "args": {"vocabulary": vocabulary}}
        ],
    }


def test_a_graph_spec_cannot_make_a_layer_read_a_file(tmp_path: Path, monkeypatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("alpha\nbeta\n")
    monkeypatch.delenv("ZOO_GRAPH_ALLOW_FILES", raising=False)
    with pytest.raises(GraphArgumentError, match="never makes a layer read a file") as info:
        zoo.build_graph(_lookup_spec(str(secret)))
    assert f"vocabulary={str(secret)!r}" in str(info.value) and "node 'ids'" in str(info.value)
    # Through an override, and under another argument name, too.
    with pytest.raises(GraphArgumentError, match="set by the override 'ids.vocabulary'"):
        zoo.build_graph(_lookup_spec(["a"]), **{"ids.vocabulary": str(secret)})
    table = {
        "inputs": {"x": {"shape": [2]}},
        "nodes": [
            {"name": "d", "layer": "keras/Dense", "args": {"units": 1, "activation": str(secret)}}
        ],
    }
    with pytest.raises(GraphArgumentError, match="activation="):
        zoo.build_graph(table)


def test_a_graph_recipe_cannot_read_a_file(tmp_path: Path, monkeypatch) -> None:
    from zoo._registry import Registry

    monkeypatch.delenv("ZOO_GRAPH_ALLOW_FILES", raising=False)
    path = tmp_path / "lab.toml"
    path.write_text(
        "[recipes.lab.leak.graph]\ninputs.text = { shape = [1], dtype = 'string' }\n"
        "nodes = [{ name = 'ids', layer = 'keras/StringLookup', args = { vocabulary = "
        "'/etc/passwd' } }]\n"
    )
    registry = Registry(
        environ={}, include_default_file=False, entry_points=[], registry_files=[path]
    )
    with pytest.raises(GraphArgumentError, match="vocabulary='/etc/passwd'"):
        build("lab/leak", registry=registry)


def test_reading_files_is_an_explicit_opt_in(tmp_path: Path, monkeypatch) -> None:
    vocabulary = tmp_path / "vocabulary.txt"
    vocabulary.write_text("alpha\nbeta\n")
    monkeypatch.delenv("ZOO_GRAPH_ALLOW_FILES", raising=False)
    model = zoo.build_graph(_lookup_spec(str(vocabulary)), allow_files=True)
    np.testing.assert_array_equal(model(_strings("beta", "gamma")), [[2], [0]])
    monkeypatch.setenv("ZOO_GRAPH_ALLOW_FILES", "1")
    assert zoo.build_graph(_lookup_spec(str(vocabulary))).count_params() == 0
    # Inline values never needed the opt-in.
    monkeypatch.delenv("ZOO_GRAPH_ALLOW_FILES")
    inline = zoo.build_graph(_lookup_spec(["alpha", "beta"]))
    np.testing.assert_array_equal(inline(_strings("alpha")), [[1]])


def test_keras_safe_mode_backs_the_check_up(tmp_path: Path, monkeypatch) -> None:
    """A file argument the name list misses is refused by Keras' own safe mode."""
    import zoo._graph.build as build

    vocabulary = tmp_path / "words"
    vocabulary.write_text("alpha\n")
    monkeypatch.setattr(build, "FILE_ARGUMENTS", ())
    monkeypatch.setattr(build, "_names_a_file", lambda name, value: False)
    monkeypatch.delenv("ZOO_GRAPH_ALLOW_FILES", raising=False)
    with pytest.raises(zoo.GraphError, match="vocabulary file outside of the model archive"):
        zoo.build_graph(_lookup_spec(str(vocabulary)))


def test_env_var_is_read_only_when_not_set_explicitly(monkeypatch) -> None:
    from zoo._graph.build import files_allowed

    monkeypatch.setenv("ZOO_GRAPH_ALLOW_FILES", "1")
    assert files_allowed() and not files_allowed(False)
    monkeypatch.setenv("ZOO_GRAPH_ALLOW_FILES", "0")
    assert not files_allowed() and files_allowed(True)
    assert os.environ["ZOO_GRAPH_ALLOW_FILES"] == "0"
