"""gradcheck, gradgradcheck and check_grad: they pass on right rules and fail on wrong ones.

Each checker is shown to catch its classic mistake: a wrong derivative value
(gradcheck), a right value computed off the graph (only gradgradcheck), one
wrong coordinate of a whole network's hand-written gradient (check_grad).
"""

from __future__ import annotations

import math

import pytest

from autograd_lite import (
    GradcheckError,
    Value,
    check_grad,
    cos,
    define_op,
    gradcheck,
    gradgradcheck,
    ops,
)
from autograd_lite.closed_form import backprop
from autograd_lite.nn import MLP


@pytest.fixture
def op_name(request):
    made = []

    def make(base: str) -> str:
        made.append(f"gc_{base}_{request.node.name}")
        return made[-1]

    yield make
    for name in made:
        ops.RULES.pop(name, None)
        ops.CODE_FUNCTIONS.pop(f"op_{name}", None)


@pytest.mark.parametrize("name", sorted(n for n, r in ops.RULES.items() if not r.kinks))
def test_every_builtin_rule_passes_both_checks(name):
    rule = ops.RULES[name]
    point = [(lo + hi) / 2 + 0.1 for lo, hi in rule.sample]
    xs, c = (point[:-1], point[-1]) if rule.const else (point, None)

    def f(*vs):
        from autograd_lite.engine import apply

        return apply(rule, *vs, c=c)

    assert gradcheck(f, xs)
    assert gradgradcheck(f, xs)


def test_gradcheck_catches_a_wrong_derivative(op_name):
    # d sin/dx written as sin instead of cos: a wrong value
    wrong = define_op(op_name("sin"), math.sin, lambda x, out: (out,))
    with pytest.raises(GradcheckError, match=r"gradcheck: input 0: analytical 0\.389\d+ vs numerical 0\.921"):
        gradcheck(wrong, [0.4])
    assert gradcheck(wrong, [0.4], raise_exception=False) is False


def test_gradcheck_names_the_worst_input():
    def f(x, y, z):
        return x * y + z

    def with_bug(x, y, z):
        return Value(x.data * y.data, (x, y), "+") + z  # wired as '+': gradients 1, 1

    assert gradcheck(f, [2.0, 3.0, 4.0])
    with pytest.raises(GradcheckError, match="input 0: analytical 1 vs numerical 3") as info:
        gradcheck(with_bug, [2.0, 3.0, 0.5])
    assert "2 of 3 entries disagree" in str(info.value)


def test_detached_partial_passes_gradcheck_and_fails_gradgradcheck(op_name):
    # Right value, but computed from floats: the partial is cut off from the graph.
    detached = define_op(op_name("detached"), math.sin, lambda x, out: (math.cos(float(x)),))
    attached = define_op(op_name("attached"), math.sin, lambda x, out: (cos(x),))
    assert gradcheck(lambda x: detached(x) * x, [0.7])
    with pytest.raises(GradcheckError, match=r"gradgradcheck: d2f/dx0dx0"):
        gradgradcheck(lambda x: detached(x) * x, [0.7])
    assert gradgradcheck(lambda x: attached(x) * x, [0.7])


def test_tolerances_follow_torch_semantics():
    f = Value.exp
    assert gradcheck(f, [1.0], atol=0, rtol=1e-8)
    assert not gradcheck(f, [1.0], eps=1e-2, atol=0, rtol=1e-8, raise_exception=False)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="gradcheck: f must return a Value, got float"):
        gradcheck(lambda x: 1.0, [1.0])
    with pytest.raises(TypeError, match="input 0 must be a finite float"):
        gradcheck(Value.exp, ["a"])
    with pytest.raises(TypeError, match="input 0 must be a finite float"):
        gradcheck(Value.exp, [math.nan])
    with pytest.raises(ValueError, match="needs at least one input"):
        gradcheck(Value.exp, [])


# ---------------------------------------------------------------------------
# check_grad on a whole network's parameter vector


def network_cost(model: MLP, x, y):
    """f(*params) -> C_x (eq. 5) with the model's parameters replaced by the given Values."""

    def f(*params):
        for layer in model.layers:
            for neuron in layer.neurons:
                k = len(neuron.w)
                neuron.w, neuron.b, params = list(params[:k]), params[k], params[k + 1:]
        return model.sample_cost(x, y, "quadratic")

    return f


def hand_written_gradient(model: MLP, x, y, *, bug: bool):
    """BP1-BP4 through closed_form, flattened in parameter order; `bug` flips one coordinate."""

    def grad_fn(*params):
        it = iter(params)
        weights = [[[next(it) for _ in n.w] + [next(it)] for n in layer.neurons] for layer in model.layers]
        biases = [[row.pop() for row in layer] for layer in weights]
        result = backprop(weights, biases, x, y, activation=model.activations)
        flat = [g for gw, gb in zip(result.grad_w, result.grad_b)
                for row, b in zip(gw, gb) for g in (*row, b)]
        if bug:
            flat[7] = -flat[7]
        return flat

    return grad_fn


@pytest.mark.parametrize("bug", [False, True])
def test_check_grad_locates_one_wrong_coordinate_of_an_mlp_gradient(bug):
    model = MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
    x, y = [0.2, -0.5, 0.9], [1.0, 0.0]
    params = [p.data for p in model.parameters()]
    report = check_grad(network_cost(model, x, y), hand_written_gradient(model, x, y, bug=bug), params)
    assert len(report.autodiff) == len(params) == 26
    for a, n in zip(report.autodiff, report.numerical):
        assert abs(a - n) < 1e-8  # the engine agrees with finite differences too
    if bug:
        assert not report and report.mismatches == [7]
        assert "1 of 26 entries disagree: [7]" in str(report)
        assert str(report).splitlines()[2 + 7].endswith("WRONG")
    else:
        assert report.ok and report and "all entries agree" in str(report)


def test_check_grad_rejects_a_gradient_of_the_wrong_length():
    with pytest.raises(ValueError, match="grad_fn returned 1 values for 2 inputs"):
        check_grad(lambda a, b: a * b, lambda a, b: [b], [1.0, 2.0])
