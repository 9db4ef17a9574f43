"""draw_network by layer: a network too big to draw Value by Value (64-32-10: 7,209 Values) is
drawn as one column per layer, every δ^l_j (eq. 14) beside BP1/BP2 (eqs. 20-21), each weight
matrix's largest |∂C/∂w| beside BP4's (eq. 23); the closed form is the independent truth."""

import re

import pytest

from autograd_lite.closed_form import backprop
from autograd_lite.engine import Value, topological_order
from autograd_lite.nn import MLP
from autograd_lite.viz import NETWORK_FULL_LIMIT, draw_network, network_description, render_dot_text


def digits_network():
    model = MLP(64, [32, 10], activation="tanh", output_activation="sigmoid", seed=3)
    x = [((k * 7) % 13) / 13 for k in range(64)]
    y = [1.0 if j == 3 else 0.0 for j in range(10)]
    return model, x, y


def layer_rows(dot: str, l_note: int) -> list[str]:
    """The rows 'j: z ... a ... δ ...' of layer l_note's column, in order."""
    label = re.search(rf'layer{l_note} \[[^\n]*label="([^"]*)"', dot).group(1)
    return [field.strip() for field in label.split(" | ") if re.match(r"\s*\d+: z ", field)]


def test_a_big_network_is_drawn_by_layer_with_every_delta_equal_to_the_closed_form():
    model, x, y = digits_network()
    assert len(topological_order(model.sample_cost(x, y))) > NETWORK_FULL_LIMIT
    before = [p.grad for p in model.parameters()]
    dot = render_dot_text(network_description(model, x, y))
    assert [p.grad for p in model.parameters()] == before  # the pure walk: nothing written
    weights, biases = model.weights_and_biases()
    reference = backprop(weights, biases, x, y, activation=model.activations)
    for index, l_note in enumerate((2, 3)):
        rows = layer_rows(dot, l_note)
        assert len(rows) == len(reference.delta[index])
        which = "BP1" if l_note == 3 else "BP2"
        for j, row in enumerate(rows):
            found = re.fullmatch(rf"{j}: z (\S+)  a (\S+)  δ (\S+) \({which}: (\S+)\)", row)
            assert found, row
            assert float(found.group(1)) == pytest.approx(reference.z[index][j], abs=5e-5)
            assert float(found.group(2)) == pytest.approx(reference.a[index][j], abs=5e-5)
            assert float(found.group(3)) == pytest.approx(reference.delta[index][j], abs=5e-5)
            assert found.group(4) == f"{reference.delta[index][j]:.4f}"
        deltas = reference.delta[index]
        largest = max(range(len(deltas)), key=lambda j: abs(deltas[j]))
        assert f"max \\|δ\\| = {abs(deltas[largest]):.4f} at j = {largest}" in dot
        # BP4: dC/dw^l_jk = a^{l-1}_k δ^l_j; the edge shows the largest of them.
        biggest_w = max(abs(g) for row in reference.grad_w[index] for g in row)
        assert f"max |∂C/∂w| = {biggest_w:.4f}" in dot
    assert "layer 1 (input): 64 inputs" in dot and "C_x (quadratic)" in dot
    assert draw_network(model, x, y).pipe(format="svg").startswith(b"<?xml")  # dot lays it out


def test_full_true_draws_every_value_and_the_node_limit_then_applies():
    model, x, y = digits_network()
    with pytest.raises(ValueError, match=r"^draw_network: the graph has \d+ values, more than max_nodes="):
        draw_network(model, x, y, full=True)  # the error names the function called
    dot = render_dot_text(network_description(model, x, y, full=True, max_nodes=10_000, closed_form=False))
    values = len(topological_order(model.sample_cost([Value(xk) for xk in x], y)))
    assert len(re.findall(r"^\s*v\d+ \[shape=\"record\"", dot, flags=re.M)) == values
    assert "w^2_31,63" in dot and "z^3_9" in dot


def test_a_small_network_is_drawn_in_full_unless_asked_by_layer():
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=1)
    full = render_dot_text(network_description(model, [0.05, 0.10], [0.01, 0.99]))
    assert "w^2_01" in full and "layer2 [" not in full
    by_layer = render_dot_text(network_description(model, [0.05, 0.10], [0.01, 0.99], full=False))
    assert "layer2 [" in by_layer and "w^2_01" not in by_layer


def test_a_wide_layer_shows_its_first_rows_and_counts_the_rest_in_its_summary():
    model = MLP(3, [120, 1], activation="tanh", seed=2)
    x, y = [0.3, -0.2, 0.9], [0.5]
    dot = render_dot_text(network_description(model, x, y))
    assert len(layer_rows(dot, 2)) == 100 and "... 20 more" in dot
    weights, biases = model.weights_and_biases()
    deltas = backprop(weights, biases, x, y, activation=model.activations).delta[0]
    largest = max(range(120), key=lambda j: abs(deltas[j]))
    assert f"at j = {largest}" in dot  # the summary looks at all 120 neurons
    mean = sum(abs(d) for d in deltas) / 120
    assert f"mean \\|δ\\| = {mean:.4f}" in dot


def test_a_top_to_bottom_network_keeps_its_layers_as_columns():
    model, x, y = digits_network()
    dot = render_dot_text(network_description(model, x, y, rankdir="TB"))
    assert re.search(r'layer2 \[[^\n]*label="\{ layer 2', dot)
    lr = render_dot_text(network_description(model, x, y))
    assert re.search(r'layer2 \[[^\n]*label="layer 2', lr)


def test_bad_full_or_edge_labels_by_layer_are_named_errors():
    model, x, y = digits_network()
    with pytest.raises(TypeError, match=r"full= must be True, False or None, got str"):
        network_description(model, x, y, full="yes")
    with pytest.raises(ValueError, match=r"edge_labels=.*full=True"):
        network_description(model, x, y, edge_labels=True)
    for full in (True, False):  # checked whichever way the network is drawn
        with pytest.raises(ValueError, match=r"^draw_network: rankdir must be LR, RL, TB or BT, got 'up'"):
            network_description(MLP(2, [2], seed=1), [0.1, 0.2], [1.0, 0.0], rankdir="up", full=full)
