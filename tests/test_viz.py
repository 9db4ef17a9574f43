"""Drawings: DOT structure, labels, determinism, rendering through `dot`, the missing-`dot`
path, and the network picture's δ labels against the closed form (BP1/BP2, eqs. 20-21)."""

from __future__ import annotations

import math
import re
import shutil

import pytest

from autograd_lite import Value
from autograd_lite.closed_form import backprop
from autograd_lite.nn import MLP
from autograd_lite.viz import GraphvizNotFoundError, draw_dot, draw_network, to_dot

from .helpers import central_differences, close

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")


def neuron():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    out = (x * w + b).tanh()
    out.label = "out"
    return (x, w, b), out


def dot_nodes(text: str) -> list[str]:
    return re.findall(r"^\s+(\w+) \[", text, flags=re.M)


def dot_edges(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s+(\w+) -> (\w+)", text, flags=re.M)


def test_one_record_per_value_one_node_per_op_one_edge_per_slot():
    a, b = Value(3.0), Value(1.0)
    y = a * a + b
    text = to_dot(y, legend=False)
    nodes = dot_nodes(text)
    assert sorted(n for n in nodes if not n.endswith("_op")) == ["v0", "v1", "v2", "v3"]
    assert len([n for n in nodes if n.endswith("_op")]) == 2
    edges = dot_edges(text)
    mul_op = "v1_op"  # topological ids: a = v0, a*a = v1, b = v2, y = v3
    assert re.search(r'v1_op \[.*label="\*"', text)
    assert edges.count(("v0", mul_op)) == 2  # a*a: two slots, two edges
    assert len(edges) == 2 + 2 + 2  # op->value, a->*, a->*, (a*a)->+, b->+


def test_records_show_label_data_and_grad_to_four_decimals():
    (x, _, _), out = neuron()
    out.backward()
    text = to_dot(out)
    assert f"{{ x | data 2.0000 | grad {x.grad:.4f} }}" in text
    assert f"{{ out | data {out.data:.4f} | grad 1.0000 }}" in text
    assert 'label="tanh"' in text and "legend" in text


def test_drawing_is_deterministic_and_writes_nothing():
    texts = []
    for _ in range(2):
        _, out = neuron()
        texts.append(to_dot(out, edge_labels=True))
        assert out.grad == 0.0
    assert texts[0] == texts[1]


def test_edge_labels_are_the_local_derivatives():
    x = Value(0.3, label="x")
    y = x.tanh()
    label = re.search(r'label="∂ ([-\d.]+)"', to_dot(y, edge_labels=True)).group(1)
    (numeric,) = central_differences(math.tanh, [0.3])
    assert label == f"{numeric:.4f}"


def test_constant_operands_are_drawn_inside_the_picture():
    y = Value(1.0) * 1.0001 + 0.5
    text = to_dot(y, legend=False)
    assert 'label="1.0001"' in text and 'label="0.5"' in text
    assert text.count('style="dashed,filled"') == 2


def test_node_limit_is_a_clear_error():
    x = Value(0.0)
    for _ in range(20):
        x = x + 1.0
    with pytest.raises(ValueError, match="21 values, more than max_nodes=10"):
        to_dot(x, max_nodes=10)


@needs_dot
def test_svg_renders_through_dot():
    _, out = neuron()
    svg = draw_dot(out, edge_labels=True).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg and "tanh" in svg
    assert svg.count('class="node"') == len(dot_nodes(to_dot(out, edge_labels=True)))


def test_missing_dot_says_how_to_install_and_dot_text_still_works(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    _, out = neuron()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        draw_dot(out).pipe()
    with pytest.raises(GraphvizNotFoundError, match="to_dot"):
        draw_dot(out).render(tmp_path / "graph")
    assert to_dot(out).startswith("digraph")


def test_network_picture_labels_z_with_delta_equal_to_the_closed_form():
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=4)
    x, y = [0.9, -1.7], [1.0, 0.0]
    before = [p.grad for p in model.parameters()]
    text = str(draw_network(model, x, y).source)
    assert [p.grad for p in model.parameters()] == before  # the pure walk: nothing written
    weights, biases = model.weights_and_biases()
    reference = backprop(weights, biases, x, y, activation=model.activations)
    for index, layer_delta in enumerate(reference.delta):
        l_note = index + 2
        which = "BP1" if index == 1 else "BP2"
        for j, delta in enumerate(layer_delta):
            found = re.search(re.escape(f"δ^{l_note}_{j} = ") + rf"(\S+) \({which}: ([^)\s]+)\)", text)
            assert found, (l_note, j)
            assert found.group(1) == found.group(2) == f"{delta:.4f}"
            assert close(float(found.group(1)), delta, 1e-4)
    for name in ("w^2_01", "b^3_1", "z^3_0", "a^2_2", "x_1 = a^1_1", "C_x (quadratic)"):
        assert name in text
    assert "layer 2 (sigmoid)" in text and "layer 3 (sigmoid)" in text and "cost" in text
