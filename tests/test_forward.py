"""Forward mode: jvp, jacobian(mode=...), hvp, and the Dual number behind jvp.

Generated from the rule table, as tests/test_ops.py: for every rule, the jvp
equals the directional central difference and the reverse gradient dotted with
the tangent; at kinks it keeps the table's convention; outside an op's domain it
raises the forward pass's own error. Truths: central differences, the reverse
walk (an independent consumer of the same table), and `hessian`.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import Value, define_op, grad, hessian, hvp, jacobian, jvp, no_grad, ops
from autograd_lite.dual import Dual
from autograd_lite.engine import apply, gradients
from autograd_lite.nn import MLP

from .helpers import close
from .test_ops import BUILTIN, smooth_point

TANGENT = st.floats(-2.0, 2.0)


def rule_function(rule: ops.Rule, c: float | None):
    return lambda *xs: apply(rule, *xs, c=c)


def reverse_dot(rule: ops.Rule, xs: tuple, c: float | None, ts: list[float]) -> float:
    leaves = [Value(x) for x in xs]
    walk = gradients(apply(rule, *leaves, c=c))
    total = 0.0  # added left to right, as jvp does: Python 3.12's sum() of floats compensates
    for leaf, t in zip(leaves, ts):
        total += walk.get(leaf, 0.0) * t
    return total


@pytest.mark.parametrize("name", BUILTIN)
@settings(max_examples=30)
@given(data=st.data())
def test_jvp_matches_directional_differences_and_reverse_mode(name, data):
    rule = ops.RULES[name]
    xs, c = smooth_point(rule, data)
    ts = [data.draw(TANGENT) for _ in xs]
    value, tangent = jvp(rule_function(rule, c), xs, ts)
    assert type(value) is float and type(tangent) is float
    assert value == ops.evaluate(rule, xs, c)
    h = 1e-6

    def along(s: float) -> float:
        return ops.evaluate(rule, tuple(x + s * t for x, t in zip(xs, ts)), c)

    numeric = (along(h) - along(-h)) / (2 * h)
    assert close(tangent, numeric, 1e-5), (name, xs, c, ts, tangent, numeric)
    assert close(tangent, reverse_dot(rule, xs, c, ts), 1e-12)


def grid_points(rule: ops.Rule):
    """Every combination of a few awkward numbers as inputs (and c): zeros, negatives, kinks."""
    grid = (-8.0, -1.0, 0.0, 1.0 / 3.0, 2.0, *rule.kinks)
    return itertools.product(grid, repeat=len(rule.sample))  # a variadic rule: its sample's n


@pytest.mark.parametrize("name", BUILTIN)
def test_jvp_at_kinks_domain_errors_and_singular_points_as_the_reverse_mode(name):
    rule = ops.RULES[name]
    outcomes = set()
    for point in grid_points(rule):
        xs, c = (point[:-1], point[-1]) if rule.const else (point, None)
        ts = [1.0] * len(xs)
        try:
            ops.evaluate(rule, xs, c)
        except (ValueError, ZeroDivisionError) as forward_error:
            # outside the domain: jvp raises the forward pass's own error, word for word
            with pytest.raises(type(forward_error)) as caught:
                jvp(rule_function(rule, c), xs, ts)
            assert str(caught.value) == str(forward_error)
            outcomes.add("domain")
            continue
        try:
            expected = reverse_dot(rule, xs, c, ts)
        except ValueError as reverse_error:  # an infinite derivative (sqrt at 0): both modes refuse
            assert "backward: the derivative of" in str(reverse_error)
            with pytest.raises(ValueError, match=f"jvp: the derivative of {rule.name} is not finite"):
                jvp(rule_function(rule, c), xs, ts)
            outcomes.add("singular")
            continue
        _, tangent = jvp(rule_function(rule, c), xs, ts)
        assert tangent == expected or (math.isnan(tangent) and math.isnan(expected)), (name, xs, c)
        outcomes.add("kink" if any(x in rule.kinks for x in xs) else "ok")
    assert "ok" in outcomes
    if rule.kinks:
        assert "kink" in outcomes


def test_the_grid_meets_domain_errors_and_singular_points():
    # so the test above is not vacuous: log, sqrt, div, pow meet their domain edges on the grid
    assert {"log", "sqrt", "div", "pow", "rdiv_const", "pow_const"} <= set(BUILTIN)
    with pytest.raises(ValueError, match="log: undefined for x <= 0"):
        jvp(lambda x: x.log(), [-1.0], [1.0])
    with pytest.raises(ValueError, match=r"jvp: the derivative of sqrt is not finite at \(0.0\)"):
        jvp(lambda x: x.sqrt(), 0.0, 1.0)
    assert jvp(lambda x: x.relu(), 0.0, 1.0) == (0.0, 0.0)  # relu'(0) = 0
    assert jvp(abs, 0.0, 1.0) == (0.0, 0.0)  # abs'(0) = 0


@pytest.mark.parametrize("method", sorted(
    name for name, member in vars(Value).items()
    if callable(member) and name not in {
        "__init__", "__repr__", "__float__", "__lt__", "__le__", "__gt__", "__ge__", "__pos__",
        "backward", "zero_grad", "detach", "__deepcopy__", "__getstate__", "__setstate__"}))
def test_every_op_method_of_value_reaches_the_same_rule_on_a_dual(method):
    # Dual mirrors Value's operator -> rule mapping; a method Value gains without a Dual
    # twin would silently drop the tangent, so this lists Value's methods, not Dual's.
    assert method in vars(Dual), f"Dual lacks {method}"
    function = getattr(Value, method)
    takes_other = function.__code__.co_argcount == 2
    cases = [None] if not takes_other else (["number"] if method.startswith("__r") else ["number", "value"])
    for case in cases:
        x = Value(1.3)
        leaves = [x, Value(0.7)] if case == "value" else [x]
        node = function(*leaves, *([0.7] if case == "number" else []))
        other = {"value": (Dual(0.7, 1.0),), "number": (0.7,), None: ()}[case]
        dual = getattr(Dual(1.3, 1.0), method)(*other)
        walk = gradients(node)
        assert dual.data == node.data, (method, case)
        assert close(dual.tangent, sum(walk.get(leaf, 0.0) for leaf in leaves), 1e-15), (method, case)


def test_jvp_builds_no_reverse_graph_and_runs_no_backward(monkeypatch):
    def no_walk(*args, **kwargs):
        raise AssertionError("jvp walked a graph backwards")

    from autograd_lite import engine, functional

    monkeypatch.setattr(engine, "gradients", no_walk)
    monkeypatch.setattr(functional, "gradients", no_walk)
    monkeypatch.setattr(engine, "topological_order", no_walk)
    seen = []

    def f(x, y):
        u = x * y + x.sin()
        seen.append(u)
        return (u / y).tanh() ** 2

    value, tangent = jvp(f, [0.3, 1.7], [1.0, -0.5])
    assert all(node._prev == () for node in seen)  # no parents: nothing to walk back
    monkeypatch.undo()
    x, y = Value(0.3), Value(1.7)
    out = f(x, y)
    walk = gradients(out)
    assert value == out.data and close(tangent, walk[x] - 0.5 * walk[y], 1e-12)


def directional_difference(f, xs: list[float], ts: list[float], h: float = 1e-6) -> list[float]:
    """(f(x + h t) - f(x - h t)) / 2h for each output of f, evaluated on plain Values."""
    def at(s: float) -> list[float]:
        out = f(*(Value(x + s * t) for x, t in zip(xs, ts)))
        return [float(v) for v in (out if isinstance(out, list) else [out])]

    return [(u - d) / (2 * h) for u, d in zip(at(h), at(-h))]


def test_jvp_of_user_ops_named_functions_and_constants(op_name):
    hyp = define_op(op_name("hypot"), math.hypot, lambda a, b, out: (a / out, b / out), arity=2)

    def f(x, y):
        return hyp(x, y) * autograd_lite.exp(x) + 2 ** y - Value(3.0) * x + y.softplus()

    xs, ts = [0.4, -1.2], [0.3, 0.8]
    _, tangent = jvp(f, xs, ts)
    assert close(tangent, directional_difference(f, xs, ts)[0], 1e-7)
    leaves = [Value(v) for v in xs]
    walk = gradients(f(*leaves))
    assert close(tangent, sum(walk[leaf] * t for leaf, t in zip(leaves, ts)), 1e-12)
    assert isinstance(hyp(Dual(3.0, 1.0), 4.0), Dual) and hyp(3.0, 4.0) == 5.0


def test_jvp_through_a_network_whose_weights_are_values():
    # Value * Dual: Python asks the subclass's reflected method first, so the weights are constants
    model = MLP(3, [4, 2], activation="tanh", seed=3)
    weights = [[[w for w in n.w] for n in layer.neurons] for layer in model.layers]

    def network(*x):
        a = list(x)
        for layer, w_layer in zip(model.layers, weights):
            a = [sum((w * ak for w, ak in zip(w_row, a)), n.b).tanh()
                 for n, w_row in zip(layer.neurons, w_layer)]
        return a

    xs, ts = [0.2, -0.4, 0.9], [1.0, 0.5, -2.0]
    values, tangents = jvp(network, xs, ts)
    rows = jacobian(network)(*xs)
    for i, numeric in enumerate(directional_difference(network, xs, ts)):
        assert close(tangents[i], numeric, 1e-7)
        assert close(tangents[i], sum(rows[i][j] * ts[j] for j in range(3)), 1e-12)
    assert values == [v.data for v in network(*(Value(x) for x in xs))]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_jvp_through_an_mlp_matches_central_differences(activation):
    # nn's activations reach the Dual's own methods, so a model runs forward mode unchanged
    model = MLP(3, [4, 2], activation=activation, seed=1)  # seed 1: some relu units are active
    xs, ts = [0.2, -0.4, 0.9], [1.0, 0.5, -2.0]

    def network(*x):
        return model(list(x))

    values, tangents = jvp(network, xs, ts)
    assert values == [v.data for v in network(*(Value(x) for x in xs))]
    for tangent, numeric in zip(tangents, directional_difference(network, xs, ts)):
        assert close(tangent, numeric, 1e-6), (activation, tangent, numeric)
    assert any(tangents)


def test_a_value_made_from_a_dual_through_the_class_is_refused_not_silently_constant():
    # Value.exp(d) is Value's method called on a Dual: it builds a plain node, dropping the tangent
    with pytest.raises(TypeError, match=r"Value.tanh\(x\) drops the tangent"):
        jvp(lambda x: Value.exp(x) * x, [0.5], [1.0])


def test_jvp_arguments():
    assert jvp(lambda x: x * x, 3, 1) == (9.0, 6.0)  # a bare number for one argument
    assert jvp(lambda x: 5.0, [1.0], [1.0]) == (5.0, 0.0)  # a constant function
    with no_grad():
        assert jvp(lambda x: x * x, [3.0], [2.0]) == (9.0, 12.0)
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match="jvp primals: expected numbers, got str"):
        jvp(lambda x: x, ["a"], [1.0])
    with pytest.raises(TypeError, match="jvp tangents"):
        jvp(lambda x: x, [1.0], "a")
    with pytest.raises(TypeError, match="f must return a number"):
        jvp(lambda x: "x", [1.0], [1.0])


def vector_function(x, y, z):
    return [x * y * z, (x / y).sin() + z.exp(), (x * x + y * y).sqrt(), 2.5]


@settings(max_examples=25)
@given(st.floats(0.2, 2.0), st.floats(0.2, 2.0), st.floats(-1.0, 1.0))
def test_jacobian_modes_agree_and_match_differences(x, y, z):
    forward = jacobian(vector_function, mode="forward")(x, y, z)
    reverse = jacobian(vector_function, mode="reverse")(x, y, z)
    assert len(forward) == 4 and all(len(row) == 3 for row in forward)
    for i, j in itertools.product(range(4), range(3)):
        assert close(forward[i][j], reverse[i][j], 1e-12)
        h = 1e-6
        up, down = [x, y, z], [x, y, z]
        up[j] += h
        down[j] -= h
        numeric = (_floats(vector_function, up)[i] - _floats(vector_function, down)[i]) / (2 * h)
        assert close(forward[i][j], numeric, 1e-6)
    assert forward[3] == [0.0, 0.0, 0.0]


def _floats(f, xs):
    return [float(v) for v in f(*(Value(x) for x in xs))]


def test_jacobian_of_a_scalar_function_is_one_row():
    def f(x, y):
        return x.tanh() * y

    assert jacobian(f, mode="forward")(0.5, 2.0) == jacobian(f)(0.5, 2.0)
    assert len(jacobian(f)(0.5, 2.0)) == 1
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse'"):
        jacobian(f, mode="sideways")


def rosenbrock_like(x, y, z):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2 + (x * z).sin() * y.exp()


@settings(max_examples=25)
@given(st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_hvp_equals_hessian_times_v(xs, v):
    hv = hvp(rosenbrock_like, xs, v)
    h = hessian(rosenbrock_like)(*xs)
    for i in range(3):
        assert close(hv[i], sum(h[i][j] * v[j] for j in range(3)), 1e-12)


def gradient_floats(f, xs: list[float]) -> list[float]:
    """∇f at xs by one plain backward walk (first order: no create_graph, unlike hvp)."""
    leaves = [Value(x) for x in xs]
    walk = gradients(f(*leaves))
    return [walk.get(leaf, 0.0) for leaf in leaves]


@settings(max_examples=25)
@given(st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_hvp_is_the_change_of_the_gradient_along_v(xs, v):
    # H v = d/ds ∇f(x + s v) at s = 0: central differences of the first-order gradient,
    # a truth that shares no code with hvp's second backward walk over a create_graph graph.
    h = 1e-5
    up = gradient_floats(rosenbrock_like, [x + h * vi for x, vi in zip(xs, v)])
    down = gradient_floats(rosenbrock_like, [x - h * vi for x, vi in zip(xs, v)])
    hv = hvp(rosenbrock_like, xs, v)
    for i in range(3):
        numeric = (up[i] - down[i]) / (2 * h)
        assert close(hv[i], numeric, 1e-5), (i, hv[i], numeric)


def test_hvp_arguments():
    assert hvp(lambda x: x * x * x, 2.0, 1.0) == [12.0]
    assert hvp(lambda x, y: 3.0, [1.0, 2.0], [1.0, 1.0]) == [0.0, 0.0]
    with pytest.raises(ValueError, match="hvp: 2 primals but 1 entries"):
        hvp(lambda x, y: x * y, [1.0, 2.0], [1.0])


def test_dual_is_no_graph_node():
    d = Dual(2.0, 1.0)
    assert d._prev == () and d._op == "" and repr(d) == "Dual(data=2.0, tangent=1.0)"
    with pytest.raises(AttributeError):
        d.grad = 1.0


def test_jvp_records_inside_no_grad_so_a_dropped_tangent_is_still_refused():
    # Value.exp(x) on a Dual builds a plain node; under no_grad that node would have no
    # parents and pass for a constant (tangent 0.0, silently): jvp runs f with recording on.
    with no_grad():
        with pytest.raises(TypeError, match="drops the tangent"):
            jvp(Value.exp, [1.0], [1.0])
        with pytest.raises(TypeError, match="drops the tangent"):
            jvp(lambda x: Value.tanh(x) * 2, [1.0], [1.0])


@pytest.mark.parametrize("call", [
    lambda x: jvp(lambda y: y * y * y, [x], [1.0])[1],
    lambda x: jvp(lambda y: y * y * y, x, 1.0)[1],
    lambda x: jacobian(lambda y: y * y * y, mode="forward")(x)[0][0],
    lambda x: jacobian(lambda y: y * y * y)(x)[0][0],
    lambda x: hvp(lambda y: y * y * y, [x], [1.0])[0],
])
def test_a_value_given_to_the_float_functions_is_refused_not_detached(call):
    # jvp, jacobian and hvp return floats: a Value argument's graph would be cut, and
    # grad of the result would be 0.0 (the truth here, d/dx 3x², is 18 at 3).
    with pytest.raises(TypeError, match=r"(jvp|jacobian|hvp).*returns floats.*grad or hessian"):
        grad(call)(3.0)
    assert close(grad(grad(lambda y: y * y * y))(3.0), 18.0, 1e-12)


def test_micrograd_style_labels_work_on_duals_and_backward_is_refused():
    # micrograd's examples label nodes as they build them (n.label = "n"); jvp must run them.
    def neuron(x1, x2):
        w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
        x1w1 = x1 * w1
        x1w1.label = "x1*w1"
        n = x1w1 + x2 * w2 + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        assert (n.label, o.label) == ("n", "o")
        return o

    xs, ts = [2.0, 0.0], [1.0, -1.0]
    value, tangent = jvp(neuron, xs, ts)
    assert value == neuron(*(Value(x) for x in xs)).data
    h = 1e-6
    up = neuron(*(Value(x + h * t) for x, t in zip(xs, ts))).data
    down = neuron(*(Value(x - h * t) for x, t in zip(xs, ts))).data
    assert close(tangent, (up - down) / (2 * h), 1e-7)
    assert Dual(1.0).label == "" and Dual(1.0, 0.0).tanh().label == ""
    with pytest.raises(TypeError, match=r"backward: a Dual .*keeps no graph"):
        Dual(2.0, 1.0).backward()
