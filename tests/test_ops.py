"""Tests generated from the rule table: every op, forward and partials, first and second order.

A new op joins `ops.RULES` and gets these tests for free; the only hand-written
part is its reference in REFERENCE (an independent formula from `math`), which
the first test demands.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, ops
from autograd_lite.engine import apply, gradients

from .helpers import central_differences, close

# Independent forward references, written with `math` and Python operators.
REFERENCE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": math.pow,
    "add_const": lambda x, c: x + c,
    "sub_const": lambda x, c: x - c,
    "rsub_const": lambda x, c: c - x,
    "mul_const": lambda x, c: x * c,
    "div_const": lambda x, c: x / c,
    "rdiv_const": lambda x, c: c / x,
    "pow_const": math.pow,
    "rpow_const": lambda x, c: math.pow(c, x),
    "neg": lambda x: -x,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "softplus": lambda x: math.log(1.0 + math.exp(x)),
    "relu": lambda x: max(x, 0.0),
    "sin": math.sin,
    "cos": math.cos,
    "sqrt": math.sqrt,
    "abs": math.fabs,
    # variadic: any number of inputs (unshifted: the sampled inputs are small)
    "logsumexp": lambda *xs: math.log(math.fsum(math.exp(x) for x in xs)),
}

BUILTIN = sorted(REFERENCE)


def test_every_rule_has_a_reference_and_a_sampling_domain():
    for name, rule in ops.RULES.items():
        assert name in REFERENCE, f"add an independent reference for {name!r}"
        if rule.variadic:  # the intervals of a typical node's inputs
            assert not rule.const and len(rule.sample) >= 2, name
        else:
            assert len(rule.sample) == rule.arity + rule.const, name


def points(rule: ops.Rule) -> st.SearchStrategy:
    """Inputs (then c) drawn from the rule's sampling intervals; a variadic rule gets
    1 to 5 inputs, drawn from its intervals in turn."""
    if rule.variadic:
        return st.integers(1, 5).flatmap(lambda n: st.tuples(
            *(st.floats(*rule.sample[i % len(rule.sample)]) for i in range(n))))
    return st.tuples(*(st.floats(lo, hi) for lo, hi in rule.sample))


def split(rule: ops.Rule, point: tuple) -> tuple[tuple, float | None]:
    return (point[:-1], point[-1]) if rule.const else (point, None)


def smooth_point(rule: ops.Rule, data: st.DataObject) -> tuple[tuple, float | None]:
    """Inputs (and c) drawn from the rule's intervals, away from its kinks (finite differences
    there would straddle a corner)."""
    xs, c = split(rule, data.draw(points(rule)))
    assume(all(abs(x - k) > 1e-3 for x in xs for k in rule.kinks))
    return xs, c


def build(rule: ops.Rule, xs: tuple, c: float | None) -> tuple[list[Value], Value]:
    leaves = [Value(x) for x in xs]
    return leaves, apply(rule, *leaves, c=c)


@pytest.mark.parametrize("name", BUILTIN)
@given(data=st.data())
def test_forward_matches_math(name, data):
    rule = ops.RULES[name]
    xs, c = split(rule, data.draw(points(rule)))
    _, out = build(rule, xs, c)
    args = (*xs, c) if rule.const else xs
    assert close(out.data, REFERENCE[name](*args), 1e-14)


@pytest.mark.parametrize("name", BUILTIN)
@given(data=st.data())
def test_partials_match_central_differences(name, data):
    rule = ops.RULES[name]
    xs, c = smooth_point(rule, data)
    leaves, out = build(rule, xs, c)
    out.backward()

    def f(*ys: float) -> float:
        return ops.evaluate(rule, ys, c)

    for leaf, numeric in zip(leaves, central_differences(f, xs)):
        assert close(leaf.grad, numeric, 1e-6), (name, xs, c, leaf.grad, numeric)


@pytest.mark.parametrize("name", BUILTIN)
@given(data=st.data())
def test_second_derivatives_match_differences_of_the_first(name, data):
    # The partials evaluated on Values (create_graph) must be a correct graph,
    # not just a correct number: differentiate them again.
    rule = ops.RULES[name]
    xs, c = smooth_point(rule, data)
    leaves, out = build(rule, xs, c)
    first = gradients(out, create_graph=True)
    for i, leaf in enumerate(leaves):
        d_i = first.get(leaf, 0.0)
        if not isinstance(d_i, Value):
            continue  # a constant partial: its derivatives are all 0, nothing to check

        def first_derivative(*ys: float, i: int = i) -> float:
            ls, o = build(rule, ys, c)
            o.backward()
            return ls[i].grad

        numeric = central_differences(first_derivative, xs, eps=1e-5)
        second = gradients(d_i)
        for j, leaf_j in enumerate(leaves):
            assert close(second.get(leaf_j, 0.0), numeric[j], 1e-5), (name, xs, c, i, j)


@pytest.mark.parametrize("name", BUILTIN)
@given(data=st.data())
def test_tape_code_template_computes_the_forward(name, data):
    rule = ops.RULES[name]
    xs, c = split(rule, data.draw(points(rule)))
    names = [f"x{i}" for i in range(len(xs))]
    source = rule.template(len(xs)).format(*names, c=repr(c))
    namespace = dict(ops.CODE_FUNCTIONS, **dict(zip(names, xs)))
    result = eval(compile(source, "<template>", "eval"), namespace)  # our own template, not input
    assert result == ops.evaluate(rule, xs, c)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "softplus", "relu", "sin", "cos", "sqrt"])
def test_named_functions_work_on_numbers_and_values(name):
    function = getattr(ops, name)
    assert function(2) == REFERENCE[name](2.0)
    assert isinstance(function(2), float)
    node = function(Value(2.0))
    assert isinstance(node, Value) and node.data == REFERENCE[name](2.0)
    assert node._prev[0].data == 2.0
    with pytest.raises(TypeError, match=name):
        function("2")


def test_display_text_matches_micrograd():
    x = Value(3.0)
    assert (x + x)._op == "+" and (x * 2)._op == "*" and x.relu()._op == "ReLU"
    assert (x**2)._op == "**2" and (x**-1)._op == "**-1" and (x**0.5)._op == "**0.5"
    assert Value(1.0)._op == ""


def test_sigmoid_is_stable_far_from_zero():
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0
    assert close(Value(-40.0).sigmoid().data, math.exp(-40.0) / (1 + math.exp(-40.0)), 1e-15)


def test_rules_are_not_copied():
    import copy

    rule = ops.RULES["mul"]
    assert copy.deepcopy(rule) is rule and copy.copy(rule) is rule


def test_register_refuses_a_duplicate_name():
    with pytest.raises(ValueError, match="'mul' is already defined"):
        ops.register(ops.RULES["mul"])
