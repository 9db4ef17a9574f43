"""The softmax family (autograd_lite.softmax): values and derivatives against PyTorch float64
and finite differences, huge logits, second order, forward mode, a tape that replays when the
largest logit moves, clear errors, and nn's softmax_cross_entropy cost trained through a tape.
(logsumexp, the variadic rule they stand on, also gets the table's generated tests.)
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import (
    Value,
    explain,
    gradcheck,
    gradgradcheck,
    hessian,
    jvp,
    log_softmax,
    logsumexp,
    softmax,
    softmax_cross_entropy,
    topological_order,
)
from autograd_lite.nn import MLP, train
from autograd_lite.tape import Tape
from autograd_lite.viz import graph_description

from .helpers import central_differences, close

LOGITS = st.lists(st.floats(-4.0, 4.0), min_size=1, max_size=6)
HUGE = [[1000.0, 1001.0, 999.0], [1e5, -1e5, 3.0, 1e5 - 1.0], [-800.0, -801.5], [7e4], [0.0, 710.0, -3.0]]


def ulps_of(xs: list[float]) -> float:
    """The error to expect from logsumexp materialised as one float: a few ulps of the largest
    logit, in absolute terms (x_i - logsumexp(x) cancels the magnitude, not the rounding)."""
    return 8 * 2.0 ** -52 * max([1.0, *(abs(x) for x in xs)])


def torch_or_skip():
    return pytest.importorskip("torch")


def cross_entropy_both_ways(xs: list[float], target: int) -> tuple:
    """(our loss, our leaves after backward, torch's logits after backward, torch's loss)."""
    torch = torch_or_skip()
    leaves = [Value(x) for x in xs]
    loss = softmax_cross_entropy(leaves, target)
    loss.backward()
    t = torch.tensor([xs], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor([target]))
    expected.backward()
    return loss, leaves, t, expected


def assert_matches_torch(xs: list[float], target: int) -> None:
    torch = torch_or_skip()
    tol = ulps_of(xs)
    loss, leaves, t, expected = cross_entropy_both_ways(xs, target)
    assert abs(loss.data - expected.item()) <= tol, (xs, target, loss.data, expected.item())
    for leaf, g in zip(leaves, t.grad[0].tolist()):
        assert abs(leaf.grad - g) <= tol, (xs, target, leaf.grad, g)
    # softmax and log_softmax, through a weighted sum so every output's gradient is used
    weights = [0.5 + 0.25 * i for i in range(len(xs))]
    for ours, theirs in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        leaves = [Value(x) for x in xs]
        outs = ours(leaves)
        sum(w * o for w, o in zip(weights, outs)).backward()
        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        reference = theirs(t, 0)
        (reference * torch.tensor(weights, dtype=torch.float64)).sum().backward()
        for out, r in zip(outs, reference.tolist()):
            assert abs(out.data - r) <= tol, (ours.__name__, xs, out.data, r)
        for leaf, g in zip(leaves, t.grad.tolist()):
            assert abs(leaf.grad - g) <= tol, (ours.__name__, xs, leaf.grad, g)


@settings(max_examples=40)
@given(xs=LOGITS, data=st.data())
def test_values_and_gradients_match_torch(xs, data):
    assert_matches_torch(xs, data.draw(st.integers(0, len(xs) - 1)))


@pytest.mark.parametrize("xs", HUGE)
def test_huge_logits_match_torch_without_overflow(xs):
    for target in range(len(xs)):
        assert_matches_torch(xs, target)


def test_extreme_logits_stay_finite():
    xs = [Value(1e300), Value(-1e300), Value(0.0)]
    loss = softmax_cross_entropy(xs, 1)
    loss.backward()
    assert loss.data == 2e300  # logsumexp = 1e300: the exp of the others underflows to 0
    assert [x.grad for x in xs] == [1.0, -1.0, 0.0]
    assert [p.data for p in softmax(xs)] == [1.0, 0.0, 0.0]


@settings(max_examples=30)
@given(xs=LOGITS, data=st.data())
def test_cross_entropy_matches_a_plain_formula_and_finite_differences(xs, data):
    target = data.draw(st.integers(0, len(xs) - 1))

    def plain(*ys: float) -> float:  # -log(e^y_t / Σ e^y): no shift needed for |y| <= 4
        return -math.log(math.exp(ys[target]) / sum(math.exp(y) for y in ys))

    leaves = [Value(x) for x in xs]
    loss = softmax_cross_entropy(leaves, target)
    assert close(loss.data, plain(*xs), 1e-13)
    loss.backward()
    for leaf, numeric in zip(leaves, central_differences(plain, xs)):
        assert close(leaf.grad, numeric, 1e-7)


def test_every_output_differentiates_again_through_the_same_rule():
    xs = [0.3, -1.2, 2.0, 0.5]
    for i in range(len(xs)):
        for function in (softmax, log_softmax):
            assert gradcheck(lambda *v, f=function, i=i: f(list(v))[i], xs)
            assert gradgradcheck(lambda *v, f=function, i=i: f(list(v))[i], xs)
        assert gradgradcheck(lambda *v, i=i: softmax_cross_entropy(list(v), i), xs)
    assert gradgradcheck(lambda *v: logsumexp(list(v)), xs)


def test_third_order_through_create_graph():
    # d³/dx³ of logsumexp(x, 0) = σ(x)(1 - σ(x))(1 - 2σ(x)), σ the logistic function
    x = Value(0.7)
    first = autograd_lite.grad(lambda v: logsumexp([v, 0.0]))
    third = autograd_lite.grad(autograd_lite.grad(first))(x)
    s = 1 / (1 + math.exp(-0.7))
    assert close(third.data, s * (1 - s) * (1 - 2 * s), 1e-13)


def test_hessian_of_the_cross_entropy_matches_torch():
    torch = torch_or_skip()
    xs = [0.3, -1.2, 2.0]
    ours = hessian(lambda *v: softmax_cross_entropy(list(v), 2))(*xs)
    theirs = torch.autograd.functional.hessian(
        lambda t: torch.nn.functional.cross_entropy(t.unsqueeze(0), torch.tensor([2])),
        torch.tensor(xs, dtype=torch.float64))
    for row, expected in zip(ours, theirs.tolist()):
        for a, b in zip(row, expected):
            assert close(a, b, 1e-13)


def test_forward_mode_agrees_with_reverse_mode():
    xs, ts = [0.3, -1.2, 2.0], [1.0, -0.5, 2.0]
    for i in range(3):
        value, tangent = jvp(lambda *v, i=i: softmax(list(v))[i], xs, ts)
        leaves = [Value(x) for x in xs]
        out = softmax(leaves)[i]
        out.backward()
        assert value == out.data
        assert close(tangent, sum(leaf.grad * t for leaf, t in zip(leaves, ts)), 1e-14)


def test_the_graph_takes_no_constant_from_the_data():
    def shape(xs: list[float]) -> list[tuple]:
        root = softmax_cross_entropy([Value(x) for x in xs], 0)
        return [(node._op, node._arg, len(node._prev)) for node in topological_order(root)]

    assert shape([5.0, 1.0, 2.0]) == shape([1.0, 9.0, 2.0]) == shape([-1e5, 3.0, 1e5])


def test_a_tape_replays_exactly_when_the_largest_logit_moves():
    rng = random.Random(4)
    leaves = [Value(x) for x in (3.0, 0.5, -1.0, 2.0)]
    probabilities = softmax(leaves)
    root = softmax_cross_entropy(leaves, 1) + 0.5 * sum(p * p for p in probabilities)
    tape = Tape(root)
    for _ in range(5):
        top = rng.randrange(4)
        data = [rng.uniform(-3, 3) + (900.0 if i == top else 0.0) for i in range(4)]  # a new argmax
        for leaf, x in zip(leaves, data):
            leaf.data, leaf.grad = x, 0.0
        value = tape.run()
        fresh_leaves = [Value(x) for x in data]
        fresh = softmax_cross_entropy(fresh_leaves, 1) + 0.5 * sum(p * p for p in softmax(fresh_leaves))
        fresh.backward()
        assert value == fresh.data and math.isfinite(value)
        assert [leaf.grad for leaf in leaves] == [leaf.grad for leaf in fresh_leaves]


@settings(max_examples=30)
@given(xs=st.lists(st.floats(-4.0, 4.0), min_size=2, max_size=5), data=st.data())
def test_a_list_target_matches_torch_class_probabilities(xs, data):
    torch = torch_or_skip()
    raw = data.draw(st.lists(st.floats(0.0, 1.0), min_size=len(xs), max_size=len(xs)))
    ys = [r / sum(raw) for r in raw] if sum(raw) > 0 else [1.0 / len(xs)] * len(xs)
    leaves = [Value(x) for x in xs]
    loss = softmax_cross_entropy(leaves, ys)
    loss.backward()
    t = torch.tensor([xs], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(t, torch.tensor([ys], dtype=torch.float64))
    expected.backward()
    assert close(loss.data, expected.item(), 1e-13)
    for leaf, g in zip(leaves, t.grad[0].tolist()):
        assert close(leaf.grad, g, 1e-13)


def test_a_one_hot_list_target_is_the_index_exactly():
    xs = [0.3, 2.5, -1.0]
    for k in range(3):
        by_index, by_row = [Value(x) for x in xs], [Value(x) for x in xs]
        a = softmax_cross_entropy(by_index, k)
        b = softmax_cross_entropy(by_row, [1.0 if j == k else 0.0 for j in range(3)])
        a.backward()
        b.backward()
        assert a.data == b.data
        assert [v.grad for v in by_index] == [v.grad for v in by_row]


def test_a_tape_replays_one_hot_leaf_targets_as_the_target_and_the_argmax_move():
    # the gpt demo's case: the target enters the graph as leaves, not as an index
    logits = [Value(x) for x in (1.0, 0.0, -1.0)]
    row = [Value(1.0), Value(0.0), Value(0.0)]
    tape = Tape(softmax_cross_entropy(logits, row))
    rng = random.Random(7)
    for _ in range(6):
        k, top = rng.randrange(3), rng.randrange(3)
        data = [rng.uniform(-2, 2) + (50.0 if i == top else 0.0) for i in range(3)]
        for leaf, x in zip(logits, data):
            leaf.data, leaf.grad = x, 0.0
        for j, leaf in enumerate(row):
            leaf.data = 1.0 if j == k else 0.0
        value = tape.run()
        fresh = [Value(x) for x in data]
        expected = softmax_cross_entropy(fresh, k)
        expected.backward()
        assert value == expected.data
        assert [leaf.grad for leaf in logits] == [leaf.grad for leaf in fresh]


def test_numbers_in_give_floats_out():
    assert softmax([0.0, 0.0]) == [0.5, 0.5]
    assert log_softmax([1.0]) == [0.0]
    assert close(softmax_cross_entropy([2, 0], 1), math.log(1 + math.exp(2)), 1e-15)
    assert isinstance(logsumexp([1, 2]), float)
    mixed = softmax([Value(1.0), 2.0])
    assert all(isinstance(p, Value) for p in mixed) and close(sum(p.data for p in mixed), 1.0, 1e-15)


@pytest.mark.parametrize("call, error, message", [
    (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], True), TypeError,
     r"softmax_cross_entropy: target must be an int class index .*, got bool \(True\)"),
    (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], 1.0), TypeError,
     r"target must be an int class index .*, got float \(1\.0\)"),
    (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], "0"), TypeError, r"got str \('0'\)"),
    (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], 2), IndexError,
     r"softmax_cross_entropy: target 2 is out of range for 2 logits \(0 to 1\)"),
    (lambda: softmax_cross_entropy([Value(1.0), Value(2.0)], -1), IndexError, r"target -1 is out of range"),
    (lambda: softmax_cross_entropy([], 0), ValueError, r"softmax_cross_entropy: expected at least one value"),
    (lambda: softmax([]), ValueError, r"softmax: expected at least one value, got an empty list"),
    (lambda: log_softmax(Value(1.0)), TypeError, r"log_softmax: expected a list of Values"),
    (lambda: softmax([Value(1.0), "2"]), TypeError, r"softmax: element 1 is str \('2'\)"),
    (lambda: logsumexp(3.0), TypeError, r"logsumexp: expected a list"),
    # unordered containers: which logit is which? (a dict would give its keys)
    (lambda: softmax({1: 2}), TypeError, r"softmax: expected a list of Values or numbers, got dict"),
    (lambda: log_softmax({1.0, 2.0}), TypeError, r"log_softmax: expected a list .*, got set"),
    (lambda: softmax_cross_entropy([1.0, 2.0], {0: 1.0, 1: 0.0}), TypeError,
     r"softmax_cross_entropy: target must be an int class index .*, got dict"),
    (lambda: softmax_cross_entropy([1.0, 2.0], [1.0]), ValueError,
     r"softmax_cross_entropy: the target has 1 entries for 2 logits"),
    (lambda: softmax_cross_entropy([1.0, 2.0], [1.0, "0"]), TypeError,
     r"softmax_cross_entropy: target entry 1 is str \('0'\), not a number or a Value"),
])
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bools_are_numbers_as_in_value_but_never_a_class_index():
    # the engine's policy (Value(True) is 1.0): logits and target probabilities may be bools;
    # only the int target refuses one (tested above), as True for class 1 is likely a slip
    assert softmax([True, False]) == softmax([1.0, 0.0])
    assert softmax_cross_entropy([1.0, 2.0], [False, True]) == softmax_cross_entropy([1.0, 2.0], [0.0, 1.0])


def test_a_numpy_integer_target_is_an_index():
    np = pytest.importorskip("numpy")
    assert softmax_cross_entropy([1.0, 3.0], np.int64(1)) == softmax_cross_entropy([1.0, 3.0], 1)


def test_drawings_and_explain_show_softmax_as_the_local_derivatives():
    xs = [Value(1.0, label="a"), Value(2.0, label="b")]
    total = logsumexp(xs)
    drawing = graph_description(total, edge_labels=True)
    labels = sorted(attrs["label"] for _, _, attrs in drawing.edges if "label" in attrs)
    p = [math.exp(1.0) / (math.exp(1.0) + math.exp(2.0)), math.exp(2.0) / (math.exp(1.0) + math.exp(2.0))]
    assert labels == sorted(f"∂ {q:.4f}" for q in p)
    assert "logsumexp(a, b)" in explain(total)


# ---------------------------------------------------------------------------
# nn's softmax_cross_entropy cost, trained through a tape

def test_nn_cost_trains_bit_identically_through_a_tape():
    rng = random.Random(0)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(23)]  # batches of 10, 10, 3
    ys = [[1.0, 0.0, 0.0] if a * b > 0 else ([0.0, 1.0, 0.0] if a > 0 else [0.0, 0.0, 1.0]) for a, b in xs]
    results = []
    for tape in (False, True):
        model = MLP(2, [4, 3], seed=1)
        history = train(model, xs, ys, cost="softmax_cross_entropy", epochs=2, batch_size=10, lr=0.3,
                        tape=tape, validation=(xs[:7], ys[:7]))
        results.append(([p.data for p in model.parameters()], history))
    assert results[0] == results[1]


def test_nn_cost_matches_torch_with_probability_targets():
    torch = torch_or_skip()
    from autograd_lite.nn import loss

    model = MLP(2, [3, 3], seed=2)
    xs = [[0.5, -1.0], [2.0, 0.25]]
    ys = [[0.2, 0.5, 0.3], [0.0, 0.0, 1.0]]
    logits = torch.tensor([[o.data for o in model(x)] for x in xs], dtype=torch.float64, requires_grad=True)
    cost = loss(model, xs, ys, "softmax_cross_entropy")  # its last pass is xs[-1]'s: layer.z keeps it
    cost.backward()
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(ys, dtype=torch.float64))
    assert close(cost.data, expected.item(), 1e-13)
    expected.backward()
    last = model.layers[-1]
    for out, g in zip(last.z, logits.grad[-1].tolist()):  # the last sample's logits, from its pass
        assert close(out.grad, g, 1e-13)


@pytest.mark.parametrize("scale", [1e4, 1e8, 1e12, 1e16, 1e308])
def test_the_documented_precision_at_huge_logits(scale):
    # The limit as documented (softmax.py, README): no overflow, no nan, and an absolute error
    # of a few ulps of max|x| against PyTorch float64 (which is exact here: log 2, [-0.5, 0.5, 0]).
    torch = torch_or_skip()
    bound = ulps_of([scale])
    for xs, target in (([scale, scale], 1), ([scale, scale, -scale], 0), ([scale, scale, -scale], 1)):
        loss, leaves, t, expected = cross_entropy_both_ways(xs, target)
        assert abs(expected.item() - math.log(2)) < 1e-15  # the truth, for reference
        assert math.isfinite(loss.data) and abs(loss.data - expected.item()) <= bound, (xs, loss.data)
        grads = [leaf.grad for leaf in leaves]
        assert all(math.isfinite(g) for g in grads) and sum(grads) == pytest.approx(0.0, abs=1.0), grads
        for out, r in zip(log_softmax(xs), torch.log_softmax(t[0], 0).tolist()):
            # -1e308 - 1e308 is beyond the floats: -inf for both (the truth, rounded)
            assert out == r if math.isinf(r) else math.isfinite(out) and abs(out - r) <= bound, (xs, out, r)
        probabilities = softmax(xs)
        assert all(0.0 <= p <= 1.0 for p in probabilities)
        if scale <= 1e8:  # where the documented error is small, the answer is right
            assert close(loss.data, math.log(2), 1e-7) and close(grads[target], -0.5, 1e-7)
            assert close(sum(probabilities), 1.0, 1e-7)
    if scale >= 1e16:  # the documented loss of precision, so that a fix shows up here
        assert softmax_cross_entropy([scale, scale], 1) == 0.0 and softmax([scale, scale]) == [1.0, 1.0]
