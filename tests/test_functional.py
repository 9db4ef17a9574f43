"""Higher-order derivatives (grad, value_and_grad, hessian, create_graph) and define_op.

Truths: closed-form derivatives of tanh, sigmoid, exp, sin, log and powers;
central finite differences; PyTorch float64 double-backward.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import (
    Value,
    cos,
    define_op,
    exp,
    grad,
    gradients,
    hessian,
    ops,
    sin,
    topological_order,
    value_and_grad,
)

from .helpers import central_differences, close


def _sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# (function on Values, [f', f'', f'''] as closed forms on floats)
KNOWN = {
    "tanh": (lambda x: x.tanh(), [
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2),
    ]),
    "sigmoid": (lambda x: x.sigmoid(), [
        lambda x: _sigma(x) * (1 - _sigma(x)),
        lambda x: _sigma(x) * (1 - _sigma(x)) * (1 - 2 * _sigma(x)),
        lambda x: _sigma(x) * (1 - _sigma(x)) * (1 - 6 * _sigma(x) + 6 * _sigma(x) ** 2),
    ]),
    "exp": (lambda x: x.exp(), [math.exp, math.exp, math.exp]),
    "sin": (lambda x: x.sin(), [math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)]),
    "log": (lambda x: x.log(), [lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3]),
    "x**3.5": (lambda x: x**3.5, [
        lambda x: 3.5 * x**2.5, lambda x: 8.75 * x**1.5, lambda x: 13.125 * x**0.5,
    ]),
    "2**x": (lambda x: 2**x, [lambda x: 2**x * math.log(2), lambda x: 2**x * math.log(2) ** 2,
                              lambda x: 2**x * math.log(2) ** 3]),
    "1/x": (lambda x: 1 / x, [lambda x: -1 / x**2, lambda x: 2 / x**3, lambda x: -6 / x**4]),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
@given(x=st.floats(0.2, 3.0))
def test_nested_grad_to_order_three_matches_closed_forms(name, x):
    f, derivatives = KNOWN[name]
    g = f
    for order, exact in enumerate(derivatives, start=1):
        g = grad(g)
        value = g(x)
        assert isinstance(value, float)
        assert close(value, exact(x), 1e-11), (name, order, value, exact(x))


def test_numbers_in_float_out_values_in_value_out():
    d = grad(lambda x, y: x * y.sin(), argnum=1)
    assert isinstance(d(2.0, 0.5), float) and d(2.0, 0.5) == 2.0 * math.cos(0.5)
    node = d(Value(2.0), 0.5)
    assert isinstance(node, Value) and node.data == 2.0 * math.cos(0.5)


def test_grad_writes_no_grad_attributes():
    x = Value(1.5)
    grad(lambda v: v * v * v)(x)
    assert x.grad == 0.0


def test_constant_function_has_zero_gradient_and_bad_outputs_are_type_errors():
    assert grad(lambda x: 3.0)(2.0) == 0.0
    assert grad(lambda x, y: y * y)(2.0, 3.0) == 0.0  # does not depend on x
    with pytest.raises(TypeError, match="grad: f must return a Value or a number, got str"):
        grad(lambda x: "nope")(1.0)
    with pytest.raises(ValueError, match="argnum 2 is out of range"):
        grad(lambda x: x, argnum=2)(1.0)


def test_value_and_grad():
    value, derivative = value_and_grad(lambda x, y: x * y + x.exp(), argnum=0)(0.5, 3.0)
    assert value == 0.5 * 3.0 + math.exp(0.5) and derivative == 3.0 + math.exp(0.5)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


@given(x=st.floats(-2, 2), y=st.floats(-2, 2))
def test_hessian_matches_the_closed_form(x, y):
    h = hessian(rosenbrock)(x, y)
    exact = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]
    for i in range(2):
        for j in range(2):
            assert close(h[i][j], exact[i][j], 1e-12)


def test_hessian_matches_torch_double_backward():
    torch = pytest.importorskip("torch")

    def f(a, b, c):
        return (a * b).tanh() * c.exp() + (a / c).sin() - b**3 * c

    point = (0.3, -0.7, 1.2)
    expected = torch.autograd.functional.hessian(
        lambda t: f(*t), torch.tensor(point, dtype=torch.float64)
    )
    got = hessian(f)(*point)
    for i in range(3):
        for j in range(3):
            assert close(got[i][j], expected[i, j].item(), 1e-12)


def test_backward_create_graph_makes_every_grad_a_value():
    x = Value(0.8)
    y = (x * x).sin()
    y.backward(create_graph=True)
    assert all(isinstance(node.grad, Value) for node in topological_order(y))
    assert close(x.grad.data, 2 * 0.8 * math.cos(0.64), 1e-15)
    d2 = gradients(x.grad)[x]  # d/dx of 2x cos(x^2)
    assert close(d2, 2 * math.cos(0.64) - 4 * 0.64 * math.sin(0.64), 1e-14)


# ---------------------------------------------------------------------------
# define_op


def test_define_op_joins_the_table_and_differentiates_to_any_order(op_name):
    # softplus(x) = log(1 + e^x); d/dx = sigmoid(x) = e^x / (1 + e^x)
    softplus = define_op(
        op_name("softplus"),
        lambda x: math.log1p(math.exp(x)),
        lambda x, out: (exp(x) / (1.0 + exp(x)),),
        label="softplus",
    )
    assert softplus(0.0) == math.log(2.0) and isinstance(softplus(0.0), float)
    node = softplus(Value(0.3))
    assert node._op == "softplus" and node._rule is ops.RULES[softplus.__name__]
    for order, exact in enumerate(KNOWN["sigmoid"][1][:2], start=2):
        g = softplus
        for _ in range(order):
            g = grad(g)
        assert close(g(0.3), exact(0.3), 1e-12)


def test_define_op_with_two_inputs_matches_finite_differences(op_name):
    hypot = define_op(op_name("hypot"), math.hypot, lambda x, y, out: (x / out, y / out), arity=2)
    a, b = Value(3.0), Value(4.0)
    out = hypot(a, b) * a
    out.backward()
    numeric = central_differences(lambda x, y: math.hypot(x, y) * x, [3.0, 4.0])
    assert close(a.grad, numeric[0], 1e-8) and close(b.grad, numeric[1], 1e-8)
    assert hypot(3, Value(4.0)).data == 5.0  # a number operand becomes a leaf


def test_define_op_errors(op_name):
    name = op_name("short")
    short = define_op(name, math.sin, lambda x, out: (cos(x), 1.0), arity=1)
    with pytest.raises(TypeError, match=f"{name}: partials returned 2 values for 1 inputs"):
        short(Value(1.0)).backward()
    with pytest.raises(ValueError, match="already defined"):
        define_op(name, math.sin, lambda x, out: (cos(x),), arity=1)
    with pytest.raises(ValueError, match="already defined"):
        define_op("exp", math.exp, lambda x, out: (out,))
    with pytest.raises(ValueError, match="already defined"):  # built-ins stay
        define_op("exp", math.exp, lambda x, out: (out,), replace=True)
    fixed = define_op(name, math.sin, lambda x, out: (cos(x),), replace=True)  # a cell run again
    assert grad(fixed)(0.3) == math.cos(0.3)
    with pytest.raises(TypeError, match="pass arity="):
        define_op(op_name("vararg"), lambda x, *xs: sum(xs), lambda *a: a)  # one input, or more?
    with pytest.raises(TypeError, match="takes 1 inputs, got 2"):
        short(Value(1.0), 2.0)
    for bad in ("my op", "x); import os; (", "lambda", ""):  # names become tape code: identifiers only
        with pytest.raises(ValueError, match="must be a Python identifier"):
            define_op(bad, math.sin, lambda x, out: (cos(x),))


def test_named_functions_in_partials_keep_the_graph(op_name):
    # sin written through define_op with the engine's cos: second derivative -sin(x)
    my_sin = define_op(op_name("sin"), math.sin, lambda x, out: (cos(x),))
    assert close(grad(grad(my_sin))(0.7), -math.sin(0.7), 1e-14)
    assert close(grad(grad(sin))(0.7), -math.sin(0.7), 1e-14)


def test_derivatives_and_checks_work_inside_no_grad():
    from autograd_lite import check_grad, gradgradcheck, no_grad

    with no_grad():
        assert close(grad(grad(lambda t: t.tanh()))(0.5), KNOWN["tanh"][1][1](0.5), 1e-14)
        assert hessian(lambda a, b: a * a * b)(1.0, 2.0) == [[4.0, 2.0], [2.0, 0.0]]
        assert gradgradcheck(lambda a, b: a * a * b, [1.0, 2.0])
        assert check_grad(lambda a, b: a * b, lambda a, b: [b, a], [2.0, 3.0]).ok
        assert (Value(1.0) * 2)._prev == ()  # and no_grad itself still holds


def test_power_zero_has_zero_derivative_even_at_zero():
    # d/dx x**0 = 0 everywhere (PyTorch agrees); 0 * 0**-1 must not be evaluated
    x = Value(0.0)
    p = sum(c * x**k for k, c in enumerate([1.0, 2.0, 3.0]))  # 1 + 2x + 3x^2
    p.backward()
    assert x.grad == 2.0
    a, b = Value(0.0), Value(0.0)
    (a**b).backward()
    assert a.grad == 0.0 and b.grad == 0.0


def test_deepcopy_after_create_graph():
    import copy

    from autograd_lite.nn import MLP

    x = Value(3.0)
    y = x * x
    y.backward(create_graph=True)
    y2 = copy.deepcopy(y)
    x2 = y2._prev[0]
    assert x2.grad.data == 6.0 and x2 in {p for p in topological_order(x2.grad)}
    model = MLP(2, [2, 1], seed=0)
    model([1.0, 2.0]).backward(create_graph=True)
    twin = copy.deepcopy(model)
    assert [float(p.grad) for p in twin.parameters()] == [float(p.grad) for p in model.parameters()]


def test_a_variadic_op_from_define_op_works_in_every_consumer(op_name):
    from autograd_lite import gradgradcheck, jvp
    from autograd_lite.tape import Tape

    # forward of *xs alone: variadic; arity=-1 says the same for a builtin whose signature is hidden
    norm = define_op(op_name("norm"), lambda *xs: math.sqrt(sum(x * x for x in xs)),
                     lambda *a: tuple(x / a[-1] for x in a[:-1]))
    hypot = define_op(op_name("hypot"), math.hypot, lambda *a: tuple(x / a[-1] for x in a[:-1]), arity=-1)
    assert norm.rule.variadic and hypot.rule.variadic
    for xs in ([3.0], [0.5, -1.5], [1.0, 2.0, -2.0, 0.25]):
        expected = math.sqrt(math.fsum(x * x for x in xs))
        assert close(norm(*xs), expected, 1e-15) and close(hypot(*xs), expected, 1e-15)
        leaves = [Value(x) for x in xs]
        root = norm(*leaves) * hypot(*leaves)  # = Σ x², so d/dx_i = 2 x_i
        root.backward()
        assert [leaf.grad for leaf in leaves] == pytest.approx([2 * x for x in xs], rel=1e-14)
        assert gradgradcheck(norm, xs)
        tape = Tape(root)
        for leaf in leaves:
            leaf.data, leaf.grad = leaf.data * 1.5 + 0.25, 0.0
        fresh = [Value(leaf.data) for leaf in leaves]
        again = norm(*fresh) * hypot(*fresh)
        again.backward()
        assert tape.run() == again.data
        assert [leaf.grad for leaf in leaves] == [leaf.grad for leaf in fresh]
        ts = [1.0 - 0.5 * i for i in range(len(xs))]
        _, tangent = jvp(norm, xs, ts)
        assert close(tangent, sum(x * t for x, t in zip(xs, ts)) / expected, 1e-14)
    with pytest.raises(TypeError, match=f"{norm.__name__}: takes one or more inputs, got none"):
        norm()
    wrong = define_op(op_name("wrong"), lambda *xs: sum(xs), lambda *a: (1.0,))
    with pytest.raises(TypeError, match=r"partials returned 1 values for 2 inputs"):
        wrong(Value(1.0), Value(2.0)).backward()
    with pytest.raises(TypeError, match=r"got arity -2"):
        define_op(op_name("bad"), math.hypot, lambda *a: a, arity=-2)


def test_define_op_checks_that_forward_and_partials_take_the_inputs_it_is_told(op_name):
    # refused when defined, naming the op, rather than as an unnamed lambda's error on first use
    cases = [
        ({"forward": lambda a, b: a + b, "partials": lambda *a: (1.0,) * (len(a) - 1), "arity": -1},
         r"define_op 'test_sum_.*': forward cannot take 1 input"),
        ({"forward": lambda a, b: a * b, "partials": lambda a, b, out: (b, a), "arity": 3},
         r"forward cannot take 3 inputs"),
        ({"forward": lambda a, b: a * b, "partials": lambda a, b: (b, a)},
         r"partials cannot take 3 arguments \(2 inputs, then out\)"),
        ({"forward": lambda *xs: sum(xs), "partials": lambda x, out: (1.0,)},
         r"partials cannot take 3 arguments \(2 inputs, then out\)"),
    ]
    for kwargs, message in cases:
        name = op_name("sum")
        with pytest.raises(TypeError, match=message):
            define_op(name, **kwargs)
        assert name not in ops.RULES
    # a builtin whose signature Python cannot read is taken on trust, as before
    hyp = define_op(op_name("hyp"), math.hypot, lambda *a: tuple(x / a[-1] for x in a[:-1]), arity=-1)
    assert hyp(3, 4) == 5.0
