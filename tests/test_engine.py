"""The engine: graph structure, the backward walk, and micrograd's behaviour and beyond.

Truths: central finite differences on random expression graphs, PyTorch in
float64 on micrograd's own test expressions, and exact algebra (doubling).
"""

from __future__ import annotations

import copy
import math
import random
import sys

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, gradients, no_grad, ops, topological_order
from autograd_lite.engine import apply

from .helpers import central_differences, close

# ---------------------------------------------------------------------------
# micrograd's own tests, against PyTorch float64 (to 1e-12)


def micrograd_sanity(value, relu):
    x = value(-4.0)
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    y = h + q + q * x
    return [x], y


def micrograd_more_ops(value, relu):
    a, b = value(-4.0), value(2.0)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return [a, b], g


def smooth_ops(value, fns):
    x, w, b = value(0.7), value(-1.3), value(0.4)
    z = x * w + b
    y = fns["tanh"](z) * fns["sigmoid"](z) + fns["exp"](z / 3) - fns["log"](x * x + 1)
    y = y + fns["sin"](w) * fns["cos"](b) + fns["sqrt"](x + 2) + abs(w) ** 1.5 + 2 ** x + x**w
    return [x, w, b], y


@pytest.mark.parametrize("expression", [micrograd_sanity, micrograd_more_ops])
def test_micrograd_expressions_match_torch(expression):
    torch = pytest.importorskip("torch")
    leaves, out = expression(Value, lambda v: v.relu())
    out.backward()
    t_leaves, t_out = expression(
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True), torch.relu
    )
    t_out.backward()
    assert close(out.data, t_out.item(), 1e-12)
    for leaf, t_leaf in zip(leaves, t_leaves):
        assert close(leaf.grad, t_leaf.grad.item(), 1e-12)


def test_every_named_function_matches_torch():
    torch = pytest.importorskip("torch")
    names = ["tanh", "sigmoid", "exp", "log", "sin", "cos", "sqrt"]
    leaves, out = smooth_ops(Value, {n: getattr(ops, n) for n in names})
    out.backward()
    t_leaves, t_out = smooth_ops(
        lambda x: torch.tensor(x, dtype=torch.float64, requires_grad=True),
        {n: getattr(torch, n) for n in names},
    )
    t_out.backward()
    assert close(out.data, t_out.item(), 1e-12)
    for leaf, t_leaf in zip(leaves, t_leaves):
        assert close(leaf.grad, t_leaf.grad.item(), 1e-12)


def test_micrograd_interior_gradients_and_op_text():
    # The values micrograd's README prints for its example.
    _, g = micrograd_more_ops(Value, lambda v: v.relu())
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    a, b = [n for n in topological_order(g) if not n._prev]
    assert (f"{a.grad:.4f}", f"{b.grad:.4f}") == ("138.8338", "645.5773")


# ---------------------------------------------------------------------------
# Random expression graphs with shared subexpressions vs finite differences

SMOOTH_UNARY = ["tanh", "sigmoid", "sin", "cos", "exp", "neg"]
BINARY = ["add", "sub", "mul"]


@st.composite
def programs(draw):
    """A straight-line program over 3 inputs: each step reuses any earlier value."""
    steps = []
    for i in range(draw(st.integers(1, 14))):
        available = 3 + i
        kind = draw(st.sampled_from(["unary", "binary", "const", "variadic"]))
        if kind == "variadic":  # any number of inputs, repeats allowed (several edges to one node)
            operands = draw(st.lists(st.integers(0, available - 1), min_size=1, max_size=4))
            steps.append(("logsumexp", *operands))
        elif kind == "unary":
            steps.append((draw(st.sampled_from(SMOOTH_UNARY)), draw(st.integers(0, available - 1))))
        elif kind == "binary":
            steps.append((draw(st.sampled_from(BINARY)),
                          draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
        else:
            steps.append((draw(st.sampled_from(["add_const", "mul_const", "rsub_const"])),
                          draw(st.integers(0, available - 1)), draw(st.floats(-2, 2))))
    return steps


def run(program, inputs, make):
    """Evaluate on Values (make=Value) or floats (make=float): same program, same order."""
    values = [make(x) for x in inputs]
    for step in program:
        name, *args = step
        rule = ops.RULES[name]
        if rule.const:
            operands, c = [values[args[0]]], args[1]
        else:
            operands, c = [values[a] for a in args], None
        if make is float:
            values.append(ops.evaluate(rule, tuple(operands), c))
        else:
            values.append(apply(rule, *operands, c=c))
    return values


@given(program=programs(), inputs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_graphs_match_finite_differences(program, inputs):
    values = run(program, inputs, Value)
    out = values[-1]
    assume(all(abs(v.data) < 1e3 for v in values))
    out.backward()

    def f(*xs):
        return run(program, xs, float)[-1]

    numeric = central_differences(f, inputs)
    for leaf, expected in zip(values[:3], numeric):
        assert close(leaf.grad, expected, 1e-5), (leaf.grad, expected)


@given(program=programs(), inputs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_graphs_match_torch(program, inputs):
    torch = pytest.importorskip("torch")
    values = run(program, inputs, Value)
    assume(all(abs(v.data) < 1e3 for v in values))
    values[-1].backward()
    torch_fns = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "sin": torch.sin, "cos": torch.cos,
                 "exp": torch.exp, "neg": torch.neg, "add": torch.add, "sub": torch.sub, "mul": torch.mul,
                 "add_const": torch.add, "mul_const": torch.mul, "rsub_const": lambda x, c: c - x,
                 "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), 0)}
    tvals = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    for name, *args in program:
        if ops.RULES[name].const:
            tvals.append(torch_fns[name](tvals[args[0]], args[1]))
        else:
            tvals.append(torch_fns[name](*(tvals[a] for a in args)))
    grads = torch.autograd.grad(tvals[-1], tvals[:3], allow_unused=True)
    for leaf, t_grad in zip(values[:3], grads):
        expected = 0.0 if t_grad is None else t_grad.item()
        assert close(leaf.grad, expected, 1e-12), (leaf.grad, expected)


# ---------------------------------------------------------------------------
# The walk: every node, accumulation, sharing, depth


def test_every_interior_node_gets_its_gradient():
    x, w, b = Value(2.0), Value(-3.0), Value(1.0)
    z = x * w + b
    a = z.tanh()
    a.backward()
    delta = 1 - math.tanh(z.data) ** 2
    assert a.grad == 1.0
    assert close(z.grad, delta, 1e-15)
    assert close(w.grad, x.data * delta, 1e-15)


def test_two_backward_calls_exactly_double_every_gradient():
    _, g = micrograd_more_ops(Value, lambda v: v.relu())
    g.backward()
    once = {node: node.grad for node in topological_order(g)}
    g.backward()
    for node in topological_order(g):
        assert node.grad == 2 * once[node]


def test_square_has_two_edges_and_accumulates_both():
    a = Value(3.0)
    y = a * a
    assert y._prev == (a, a)
    y.backward()
    assert a.grad == 6.0


def test_shared_subexpression_accumulates():
    x = Value(0.5)
    s = x.sin()
    y = s * s + s  # dy/dx = (2 sin x + 1) cos x
    y.backward()
    assert close(x.grad, (2 * math.sin(0.5) + 1) * math.cos(0.5), 1e-15)
    assert close(s.grad, 2 * math.sin(0.5) + 1, 1e-15)


def test_gradients_is_pure_and_backward_writes_it():
    x = Value(2.0)
    y = x * x * x
    grads = gradients(y)
    assert x.grad == 0.0 and y.grad == 0.0
    assert grads[x] == 12.0
    y.backward(2.0)  # a seed gradient scales everything
    assert x.grad == 24.0 and y.grad == 2.0


def test_million_link_chain_backward_without_recursion():
    assert sys.getrecursionlimit() <= 10_000
    x0 = Value(0.0)
    x = x0
    for _ in range(1_000_000):
        x = x * 1.0001 + 0.5
    x.backward()
    # d x_n / d x_0 = 1.0001 ** n: compared in logs, the product has 1e6 roundings
    assert close(math.log(x0.grad), 1_000_000 * math.log(1.0001), 1e-9)


def test_builtin_sum_over_100k_values():
    xs = [Value(float(i)) for i in range(100_000)]
    total = sum(xs)
    total.backward()
    assert total.data == sum(range(100_000))
    assert all(x.grad == 1.0 for x in xs)


def test_zero_grad_clears_the_whole_graph():
    _, g = micrograd_more_ops(Value, lambda v: v.relu())
    g.backward()
    g.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(g))


def test_no_grad_context_and_decorator():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
    assert y._prev == () and y.data == 7.0

    @no_grad()
    def double(v):
        return v * 2

    assert double(x)._prev == ()
    assert (x * 2)._prev == (x,)  # recording is back on afterwards


def test_detach_stops_gradients():
    x = Value(2.0)
    y = x * x.detach()  # d/dx = x.detach(), the other factor is a constant
    y.backward()
    assert x.grad == 2.0


def test_deepcopy_copies_the_graph_and_keeps_rules():
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y2 = copy.deepcopy(y)
    assert y2 is not y and y2.data == y.data
    assert y2._rule is y._rule
    (x2, x2_again) = y2._prev[0]._prev
    assert x2 is x2_again and x2 is not x and x2.label == "x"
    y2.backward()
    assert x.grad == 0.0 and x2.grad != 0.0


def test_deepcopy_of_a_deep_chain():
    x = Value(1.0)
    for _ in range(20_000):
        x = x + 1.0
    assert copy.deepcopy(x).data == x.data


# ---------------------------------------------------------------------------
# micrograd compatibility


def test_micrograd_style_construction_and_attributes():
    a, b = Value(2.0), Value(3.0)
    c = Value(a.data * b.data, (a, b), "*")  # as micrograd's engine builds nodes
    c.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)
    p = Value(4.0, (a,), "**2", label="p")
    p.backward()
    assert a.grad == 3.0 + 4.0 and p.label == "p"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    with pytest.raises(ValueError, match="no rule for op 'frobnicate'"):
        Value(1.0, (a,), "frobnicate")


def test_numbers_of_every_real_kind_are_accepted():
    np = pytest.importorskip("numpy")
    from fractions import Fraction

    for number in (True, 3, 2.5, Fraction(1, 4), np.float64(1.5), np.int64(7), np.float32(0.5)):
        v = Value(number)
        assert type(v.data) is float and v.data == float(number)
        assert (v * number).data == float(number) ** 2


def test_comparisons_use_data_and_equality_stays_identity():
    a, b = Value(1.0), Value(1.0)
    assert a <= b and a >= b and not a < b and a < 2 and 0 < a
    assert a != b and a == a and len({a, b}) == 2
    assert float(Value(2.5)) == 2.5


def test_overflow_gives_ieee_infinity_as_torch():
    torch = pytest.importorskip("torch")
    cases = [(lambda v: v.exp(), 1000.0), (lambda v: v**400, 10.0), (lambda v: v**401, -10.0),
             (lambda v: 2 ** v, 5000.0), (lambda v: v * v, 1e200)]
    for f, x in cases:
        expected = f(torch.tensor(x, dtype=torch.float64)).item()
        assert math.isinf(expected)
        assert f(Value(x)).data == expected


def test_a_failed_backward_leaves_the_shared_nodes_ready_for_the_next_walk():
    # The eager walk keeps its gradients in each node's scratch slot; an exception half way
    # (sqrt's derivative is infinite at 0) must not leave any behind, or a later graph
    # sharing these leaves would skip them or add to stale numbers.
    x, w = Value(0.0), Value(1.5)
    h = w * w
    with pytest.raises(ValueError, match="derivative of sqrt is not finite"):
        (x.sqrt() * h + h).backward()
    assert x.grad == 0.0 and w.grad == 0.0  # nothing is written before the walk succeeds
    root = (h * x.exp() + w).tanh()
    root.backward()
    numeric = central_differences(lambda a, b: math.tanh(b * b * math.exp(a) + b), [0.0, 1.5])
    assert close(x.grad, numeric[0], 1e-7) and close(w.grad, numeric[1], 1e-7)
    assert gradients(root)[w] == w.grad  # the pure walk agrees with what backward added


def test_partials_read_once_as_constants_are_constant_at_real_points(monkeypatch):
    from autograd_lite.engine import _CONSTANT, _constant_partials

    # every rule the walk reads as constant gives those floats wherever it is evaluated
    assert {rule.name for rule in _CONSTANT} >= {"add", "sub", "neg"}
    for rule, local in _CONSTANT.items():
        rng = random.Random(rule.name)
        for _ in range(5):
            point = [rng.uniform(lo, hi) for lo, hi in rule.sample]
            xs, c = (point[:-1], point[-1]) if rule.const else (point, None)
            out = ops.evaluate(rule, tuple(xs), c)
            assert tuple(rule.partials(*xs, out, *([c] if rule.const else []))) == local
    # partials that look at their argument's type without touching it fool the probe alone
    def sly_partials(x, out):
        return (2.0 * x if isinstance(x, float) else 1.0,)

    sly = ops.Rule("sly_square", 1, lambda x: x * x, sly_partials, "sly", "sly({0})", sample=((0.5, 2.0),))
    monkeypatch.setattr(ops, "BUILTIN_OPS", {*ops.BUILTIN_OPS, "sly_square"})
    assert _constant_partials(sly) is None
    x = Value(1.5)
    y = apply(sly, x)
    (want,) = central_differences(lambda v: v * v, [1.5])
    assert close(gradients(y)[x], want, 1e-6)
