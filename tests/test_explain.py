"""explain(): the chain rule in words. Every number it prints is checked against an independent
truth (central differences, closed-form BP1/BP2) or against the arithmetic the line itself states;
`autograd-lite explain` gives the same text and one-line errors (exit 2)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, cli, explain, topological_order
from autograd_lite.closed_form import backprop
from autograd_lite.nn import MLP

from .helpers import central_differences, close, micrograd_neuron

NUMBER = r"(-?(?:\d[\d.e+-]*|inf|nan))"
REVERSE_LINE = re.compile(rf"^  (.+) \+= .+ = {NUMBER} × {NUMBER} = {NUMBER} \(now {NUMBER}\)$")
TABLE_ROW = re.compile(rf"^  (.+?)\s+{NUMBER}\s+{NUMBER}$")


def table(text: str) -> dict[str, float]:
    """The final table: {name: number in its last column}."""
    rows = text.split("\n\nEvery ")[1].splitlines()[2:]
    return {m.group(1).strip(): float(m.group(3)) for m in map(TABLE_ROW.match, rows)}


def f_values(x1: float, x2: float, w1: float, w2: float, b: float) -> float:
    return math.tanh(x1 * w1 + x2 * w2 + b) * (x1 * x1) + math.exp(w1 * 0.5)


def build(x1: float, x2: float, w1: float, w2: float, b: float) -> tuple[Value, list[Value]]:
    leaves = [Value(v, label=n) for v, n in zip((x1, x2, w1, w2, b), ("x1", "x2", "w1", "w2", "b"))]
    x1v, x2v, w1v, w2v, bv = leaves
    return (x1v * w1v + x2v * w2v + bv).tanh() * (x1v * x1v) + (w1v * 0.5).exp(), leaves


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-1.5, 1.5), min_size=5, max_size=5))
def test_reverse_lines_are_the_walks_arithmetic_and_end_at_the_true_gradients(point):
    root, leaves = build(*point)
    text = explain(root, digits=17)
    totals: dict[str, float] = {}
    lines = [m for m in map(REVERSE_LINE.match, text.splitlines()) if m]
    assert len(lines) == sum(len(n._prev) for n in topological_order(root))  # one line per edge
    for m in lines:
        g, d, result, now = (float(m.group(i)) for i in range(2, 6))
        assert result == g * d  # 17 digits round-trip a float exactly
        target = m.group(1)
        totals[target] = totals.get(target, 0.0) + result
        assert now == totals[target]
    final = table(text)
    truth = central_differences(f_values, point)
    for leaf, numeric in zip(leaves, truth):
        assert close(final[leaf.label], numeric, 1e-6)
    assert all(leaf.grad == 0.0 for leaf in topological_order(root))  # the pure walk: no .grad written


def test_steps_follow_backward_order_with_the_issue_s_line_format():
    o, _ = micrograd_neuron()
    heads = re.findall(r"^step \d+: .*?   \[(\w+), value (\S+)\]", explain(o, digits=17), flags=re.M)
    assert [(op, float(value)) for op, value in heads] == [
        (n._rule.name, n.data) for n in reversed(topological_order(o)) if n._prev]
    text = explain(o)
    assert "  ∂o/∂x1 += ∂o/∂(x1*w1) · ∂(x1*w1)/∂x1 = 0.5 × -3 = -1.5 (now -1.5)" in text.replace(" * ", "*")
    assert "step 1: o   [tanh, value 0.7071]   ∂o/∂o = 1" in text
    assert table(text)["w1"] == 1.0  # 4 significant digits by default: 0.5 * 2


def test_digits_and_names_of_unlabelled_nodes():
    x = Value(2.0)
    y = x * x + (x * 3.0).sin() + (x * x)
    text = explain(y, digits=2)
    assert "(x * x)" not in text.split("\n")[0]
    assert "2 * 2" in text and "#" not in text  # two nodes with one expression: the second is v<i>
    assert "sin(2 * 3)" in text
    assert "sin(2 * 3)   [sin, value -0.28]" in text  # sin(6) = -0.2794..., to 2 significant digits
    long = Value(1.0)
    for _ in range(6):
        long = long * 1.5 + 0.25
    text = explain(long)
    spelled = re.findall(r"^step \d+: (v\d+) = (.{25,})   \[add_const", text, flags=re.M)
    assert spelled and all(len(name) <= 24 for name in re.findall(r"^step \d+: (\S+)", text, flags=re.M))
    assert all(f"({name} * 1.5)" in text for name, _ in spelled[:-1])  # a long expression is named once


def test_errors_name_the_limit_and_the_size():
    x = Value(1.0)
    y = x
    for _ in range(300):
        y = y + 1.0
    with pytest.raises(ValueError, match="the graph has 301 values, more than max_nodes=200"):
        explain(y)
    assert explain(y, max_nodes=400).count("\nstep ") == 300
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward'"):
        explain(x * x, mode="sideways")
    with pytest.raises(ValueError, match="needs wrt="):
        explain(x * x, mode="forward")
    with pytest.raises(ValueError, match="needs wrt="):
        explain(x * x, mode="forward", wrt=Value(2.0))  # not a node of the graph
    with pytest.raises(ValueError, match="wrt= seeds forward mode"):
        explain(x * x, wrt=x)
    with pytest.raises(ValueError, match="digits must be"):
        explain(x * x, digits=0)
    with pytest.raises(TypeError, match="expected a Value, got float"):
        explain(1.0)
    with pytest.raises(ValueError, match="the derivative of sqrt is not finite"):
        explain(Value(0.0).sqrt())


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-1.5, 1.5), min_size=5, max_size=5), st.integers(0, 4))
def test_forward_mode_tangents_are_the_derivatives_along_the_seed(point, k):
    root, leaves = build(*point)
    text = explain(root, wrt=leaves[k], mode="forward", digits=17)
    for line in re.findall(r"^  ṫ\(.+\) = .+ = (.+) = (\S+)$", text, flags=re.M):
        terms = [tuple(map(float, t.split(" × "))) for t in line[0].split(" + ")]
        assert float(line[1]) == sum(d * t for d, t in terms)
    numeric = central_differences(f_values, point)[k]
    label = next(iter(table(text)))  # the root comes first
    assert close(table(text)[label], numeric, 1e-6)
    assert table(text)[leaves[k].label] == 1.0
    assert all(table(text)[leaf.label] == 0.0 for i, leaf in enumerate(leaves) if i != k)


def test_a_network_cost_says_delta_for_z_nodes_and_matches_bp1_bp2():
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=4)
    xs = [Value(0.3), Value(-0.7)]
    y = [0.0, 1.0]
    cost = model.sample_cost(xs, y)
    cost.label = "C"
    assert all(not z.label for layer in model.layers for z in layer.z)  # the hot path names nothing
    text = explain(cost, names=model.note_names(xs), digits=17, max_nodes=500)
    weights, biases = model.weights_and_biases()
    reference = backprop(weights, biases, [0.3, -0.7], y, activation=model.activations, cost="quadratic")
    found = dict(re.findall(r"   δ\^(\d+_\d+) \(∂C/∂z\^\d+_\d+\) = (\S+)$", text, flags=re.M))
    assert len(found) == 5
    for index, layer in enumerate(reference.delta):
        for j, delta in enumerate(layer):
            assert close(float(found[f"{index + 2}_{j}"]), delta, 1e-12)
    # the z node's line says δ^l_j, and the note's names carry through the expressions
    line = r"^  ∂C/∂\(w\^2_01 \* x_1\) \+= δ\^2_0 · ∂z\^2_0/∂\(w\^2_01 \* x_1\) = "
    assert re.search(line, text, flags=re.M)


def test_cli_explain_reverse_and_forward(capsys):
    assert cli.main(["explain", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88", "--digits", "17"]) == 0
    text = capsys.readouterr().out
    (dx,) = central_differences(lambda x: math.tanh(x * -3 + 6.88), [2.0])
    assert close(table(text)["x"], dx, 1e-6)
    assert cli.main(["explain", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88", "--forward", "x",
                     "--digits", "17"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Forward mode from x")
    assert close(table(text)["tanh(x*w + b)"], dx, 1e-6)


@pytest.mark.parametrize("args, message", [
    (["x*y", "--at", "x=2,y=1", "--forward", "z"], "--forward 'z' is not a variable of the expression"),
    (["__import__('os')"], "function '__import__' is not allowed"),
    (["sqrt(x)", "--at", "x=0"], "the derivative of sqrt is not finite"),
    (["x+x+x+x", "--at", "x=1", "--max-nodes", "3"], "the graph has 4 values, more than max_nodes=3"),
    (["x", "--at", "x=1", "--digits", "0"], "expected a positive whole number"),
    (["log(x)", "--at", "x=-1"], "log: undefined for x <= 0"),
    (["x*y", "--at", "x=2"], "unknown name"),
])
def test_cli_explain_errors_are_one_line_and_exit_2(args, message, capsys):
    try:
        status = cli.main(["explain", *args])
    except SystemExit as usage_error:  # argparse's own (one line too, see cli._Parser)
        status = usage_error.code
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("autograd-lite explain: ") and message in err, err


@pytest.mark.parametrize("command", [
    ["explain", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88"],
    ["graph", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88"],
])
def test_a_reader_that_leaves_early_gets_no_traceback(command):
    # `autograd-lite explain ... | head -1`: head closes the pipe; here its read end is closed
    # before the command writes, so every write meets the broken pipe, deterministically.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "autograd_lite", *command], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.stderr == "", result.stderr
    assert result.returncode == 1  # the output was cut short: not a success, not a usage error


@pytest.mark.parametrize("options, error, message", [
    ({"max_nodes": "a"}, TypeError, "explain: max_nodes must be a whole number, got 'a'"),
    ({"max_nodes": None}, TypeError, "explain: max_nodes must be a whole number, got None"),
    ({"max_nodes": 2.5}, TypeError, "explain: max_nodes must be a whole number, got 2.5"),
    ({"max_nodes": True}, TypeError, "explain: max_nodes must be a whole number, got True"),
    ({"max_nodes": 0}, ValueError, "explain: max_nodes must be at least 1, got 0"),
    ({"names": [1]}, TypeError, "explain: names must be a mapping from Values to strings, got list"),
    ({"names": "x"}, TypeError, "explain: names must be a mapping from Values to strings, got str"),
    ({"names": {"x": "a"}}, TypeError, "explain: names has a key 'x' that is not a Value"),
])
def test_bad_options_are_refused_naming_explain_and_the_value(options, error, message):
    x = Value(1.0, label="x")
    with pytest.raises(error, match=re.escape(message)):
        explain(x * x, **options)


def test_a_name_that_is_not_a_string_is_refused():
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match=re.escape("explain: names gives x the name 5 (int); "
                                                  "names must be strings")):
        explain(x * x, names={x: 5})


def test_repeated_expressions_get_v_names_and_an_unlabelled_root_is_called_root():
    x = Value(2.0, label="x")
    twice = x * x
    y = twice + (x * 3.0).sin() + (x * x)
    order = topological_order(y)
    text = explain(y, digits=2)
    assert "#" not in text  # a suffix would read inside the parents' names: (x * x)#2
    again = f"v{order.index(y._prev[1])}"  # the second x * x, named by its place in the order
    assert re.search(rf"^step \d+: {again} = x \* x   \[mul", text, flags=re.M)
    assert re.search(rf"^step 1: root = .+ \+ {again}   \[add, value 7.7\]", text, flags=re.M)
    assert text.startswith("Backward from root ")
    assert "  ∂root/∂x += " in text and table(text)["root"] == 1.0  # its value: 4 + sin(6) + 4 = 7.72
    assert table(text)["x"] == float(f"{8 + 3 * math.cos(6.0):.2g}")  # d/dx (2x² + sin 3x)
    labelled = Value(1.0, label="root")  # a label wins; the unlabelled root is then v<i>
    assert explain(labelled * labelled).startswith("Backward from v1 ")


def test_an_unlabelled_network_cost_is_called_c():
    model = MLP(2, [2, 1], activation="sigmoid", seed=1)
    xs = [Value(0.3), Value(-0.7)]
    cost = model.sample_cost(xs, [1.0])
    text = explain(cost, names=model.note_names(xs), max_nodes=500)
    assert text.startswith("Backward from C ") and "δ^3_0 (∂C/∂z^3_0) = " in text
