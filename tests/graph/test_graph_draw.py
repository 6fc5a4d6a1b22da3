"""``python -m zoo graph``: pictures through plot_model, DOT text without Graphviz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graph_helpers import wiring

import zoo
from zoo._cli import main
from zoo._graph import draw

SPEC = {
    "name": "small",
    "inputs": {"x": {"shape": [4]}, "y": {"shape": [2]}},
    "nodes": [
        {"name": "h", "layer": "keras/Dense", "args": {"units": 2}, "inputs": "x"},
        {"name": "sum", "layer": "keras/Add", "inputs": ["h", "y"]},
    ],
}


def _edges(dot: str) -> set[tuple[str, str]]:
    return set(re.findall(r'^\s*"([^"]+)" -> "([^"]+)";$', dot, flags=re.M))


def test_dot_text_has_every_layer_and_wire(isolated_registry) -> None:
    model = zoo.build_graph(SPEC)
    dot = draw.model_to_dot_text(model)
    assert dot.startswith('digraph "small" {') and dot.rstrip().endswith("}")
    expected = {(source, layer) for layer, sources in wiring(model).items() for source in sources}
    assert _edges(dot) == expected == {("x", "h"), ("h", "sum"), ("y", "sum")}
    assert '"h" [label="{h|Dense|(None, 2)}"];' in dot


def test_graph_command_falls_back_to_dot_text(
    isolated_registry, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(draw, "graphviz_available", lambda: False)
    spec_file = tmp_path / "small.toml"
    spec_file.write_text(
        'name = "small"\ninputs.x = { shape = [4] }\n'
        "nodes = [{ name = 'h', layer = 'keras/Dense', args = { units = 2 } }]\n"
    )
    out = tmp_path / "small.png"
    assert main(["graph", str(spec_file), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert not out.exists() and (tmp_path / "small.dot").is_file()
    assert _edges((tmp_path / "small.dot").read_text()) == {("x", "h")}
    assert "apt-get install graphviz" in captured.err and "pip install pydot" in captured.err
    assert f"wrote {tmp_path / 'small.dot'} (dot): small, 2 layers" in captured.out
    # DOT on stdout without --out; overrides apply as for `zoo build`.
    assert main(["graph", str(spec_file), "--set", "h.units=3"]) == 0
    assert '"h" [label="{h|Dense|(None, 3)}"];' in capsys.readouterr().out


def test_graph_command_errors(isolated_registry, tmp_path: Path, capsys) -> None:
    spec_file = tmp_path / "small.toml"
    spec_file.write_text("inputs.x = { shape = [4] }\nnodes = [{ layer = 'keras/Dence' }]\n")
    assert main(["graph", str(spec_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec_file}: nodes[0] (node 'dence'): ")
    assert "Did you mean 'keras/Dense'" in err
    spec_file.write_text("inputs.x = { shape = [4] }\nnodes = [{ layer = 'keras/ReLU' }]\n")
    assert main(["graph", str(spec_file), "--out", str(tmp_path / "x.txt")]) == 1
    assert "ends in one of .png, .svg" in capsys.readouterr().err


@pytest.mark.skipif(
    not draw.graphviz_available(),
    reason="Graphviz is not installed (apt-get install graphviz); the DOT fallback is tested",
)
def test_graph_command_draws_png_and_svg(isolated_registry, tmp_path: Path, capsys) -> None:
    spec_file = tmp_path / "small.toml"
    spec_file.write_text(
        'name = "small"\ninputs.x = { shape = [4] }\n'
        "nodes = [{ name = 'hidden_layer', layer = 'keras/Dense', args = { units = 2 } }]\n"
    )
    png, svg = tmp_path / "small.png", tmp_path / "small.svg"
    assert main(["graph", str(spec_file), "--out", str(png)]) == 0
    assert main(["graph", str(spec_file), "--out", str(svg), "--rankdir", "LR"]) == 0
    assert f"wrote {png} (png)" in capsys.readouterr().out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert "<svg" in text and "hidden_layer" in text
