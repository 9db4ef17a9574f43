"""The tape: replay equals eager backward bit for bit, on new data, for every op in the table.

Truths: the eager engine (itself checked against finite differences and
PyTorch elsewhere), exact equality of floats, and central differences.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, define_op, gradients, ops
from autograd_lite.engine import apply
from autograd_lite.nn import MLP, loss, train
from autograd_lite.tape import Tape, TapeMismatchError

from .helpers import central_differences, close


def eager_grads(root, leaves):
    grads = gradients(root)
    return [grads.get(leaf, 0.0) for leaf in leaves]


def zero(leaves):
    for leaf in leaves:
        leaf.grad = 0.0


@pytest.mark.parametrize("name", sorted(ops.RULES))
def test_every_rule_replays_bit_identically_on_new_data(name):
    rule = ops.RULES[name]
    rng = random.Random(name)
    point = [rng.uniform(lo, hi) for lo, hi in rule.sample]
    xs, c = (point[:-1], point[-1]) if rule.const else (point, None)
    leaves = [Value(x) for x in xs]
    root = apply(rule, *leaves, c=c) * 1.5
    tape = Tape(root)
    for _ in range(3):
        for leaf, (lo, hi) in zip(leaves, rule.sample):
            leaf.data = rng.uniform(lo, hi)  # new data, same graph
        zero(leaves)
        value = tape.run()
        fresh = apply(rule, *[Value(leaf.data) for leaf in leaves], c=c) * 1.5
        assert value == fresh.data == root.data
        expected = eager_grads(fresh, fresh._prev[0]._prev)
        assert [leaf.grad for leaf in leaves] == expected


def test_mlp_training_step_is_bit_identical_to_eager():
    model = MLP(2, [8, 8, 1], seed=3)
    rng = random.Random(1)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
    inputs = [[Value(v) for v in x] for x in xs]
    tape = Tape(loss(model, inputs, ys, cost="hinge", l2=1e-4))
    twin = MLP(2, [8, 8, 1], seed=3)
    for _ in range(4):
        model.zero_grad()
        replayed = tape.run()
        twin.zero_grad()
        eager = loss(twin, xs, ys, cost="hinge", l2=1e-4)
        eager.backward()
        assert replayed == eager.data
        assert [p.grad for p in model.parameters()] == [p.grad for p in twin.parameters()]
        for p, q in zip(model.parameters(), twin.parameters()):
            p.data -= 0.5 * p.grad
            q.data -= 0.5 * q.grad


@given(a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_relu_and_abs_derivatives_follow_the_new_data(a, b):
    assume(abs(a) > 1e-6 and abs(b) > 1e-6)
    x, w = Value(0.5), Value(0.5)
    tape = Tape((x * w).relu() + abs(x - w))
    x.data, w.data = a, b
    zero([x, w])
    tape.run()
    numeric = central_differences(lambda p, q: max(p * q, 0.0) + abs(p - q), [a, b])
    assume(abs(a * b) > 1e-5 and abs(a - b) > 1e-5)  # away from the kinks
    assert close(x.grad, numeric[0], 1e-6) and close(w.grad, numeric[1], 1e-6)


def test_source_is_readable_straight_line_code():
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    tape = Tape((x * w + b).tanh())
    source = tape.source()
    assert source.startswith("def replay(L, K):")
    assert "v5 = tanh(v0 * v1 + v3)" in source  # x*w and + b are read once: written in place
    assert "g4 = (1.0 - v5 * v5) * g5" in source  # d tanh/dx = 1 - out^2, from the rule
    assert "L[2].grad += g4" in source  # an edge of + passes the gradient on: no g2, g3 lines
    assert "* 1.0" not in source and "+ 0.0" not in source  # constant partials folded away
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith("#")]
    assert sum(" = " in ln or " += " in ln for ln in lines) == len(lines) - 2
    assert tape.source(forward=True).splitlines()[-2:] == ["    v5 = tanh(v0 * v1 + v3)", "    return v5"]


def test_generated_code_has_only_the_parentheses_it_needs():
    # Each parenthesis that is left out must not change the order of the float operations.
    a, b, c = Value(0.1), Value(0.7), Value(0.3)
    root = (a - (b - c)) / (a * (b / c)) + (-(a + b)) ** 2.0 - (a - b) * c
    tape = Tape(root)
    assert "(v0 - (v1 - v2)) / v6" in tape.source() and "v7 + pow(v9, 2.0) - v12 * v2" in tape.source()
    for values in ((0.1, 0.7, 0.3), (1e16, 1.0, -1.0), (0.3, 1e-17, 3.0)):
        a.data, b.data, c.data = values
        fresh = [Value(v) for v in values]
        p, q, r = fresh
        expected = (p - (q - r)) / (p * (q / r)) + (-(p + q)) ** 2.0 - (p - q) * r
        assert tape.forward() == expected.data


def test_leaves_accumulate_like_backward_and_interior_nodes_stay():
    x = Value(3.0)
    y = x * x
    tape = Tape(y)
    tape.run()
    tape.run()
    assert x.grad == 12.0  # added twice, as two backward() calls would
    x.data = 5.0
    assert tape.run() == 25.0 and y.data == 25.0


def test_untraceable_user_rule_is_called_at_replay(request):
    name = f"branchy_{request.node.name}"
    # partials that branch on their input cannot be traced: the tape calls them
    op = define_op(name, lambda x: x * x if x > 0 else -x, lambda x, out: (2 * x if x > 0 else -1.0,))
    try:
        x = Value(2.0)
        tape = Tape(op(x) * 3.0)
        assert "d1 = P1(v0, v1)" in tape.source()
        for value, expected in ((2.0, 12.0), (-1.0, -3.0)):
            x.data, x.grad = value, 0.0
            tape.run()
            assert x.grad == expected
    finally:
        ops.RULES.pop(name)
        ops.CODE_FUNCTIONS.pop(f"op_{name}")


def test_check_mode_catches_a_graph_whose_structure_depends_on_data():
    x = Value(1.0)

    def build():
        return x * 2.0 if x.data > 0 else x * x

    tape = Tape(build(), rebuild=build, check=True)
    assert tape.run() == 2.0
    x.data = -1.0
    with pytest.raises(TapeMismatchError, match="structure depends on the data"):
        tape.run()
    with pytest.raises(ValueError, match="check=True needs rebuild"):
        Tape(build(), check=True)


def test_domain_errors_in_replay_carry_the_engine_message():
    x = Value(2.0)
    tape = Tape(x.log() + 1.0 / x)
    x.data = -1.0
    with pytest.raises(ValueError, match=r"^log: undefined for x <= 0, got x=-1\.0"):
        tape.run()
    x.data = 0.0
    with pytest.raises((ValueError, ZeroDivisionError), match=r"log|div"):
        tape.run()
    assert math.isfinite(x.grad) and x.grad == 0.0


@pytest.mark.parametrize("cost, output", [("hinge", "linear"), ("quadratic", "sigmoid"),
                                          ("cross_entropy", "sigmoid")])
def test_training_helper_with_the_tape_is_bit_identical(cost, output):
    rng = random.Random(0)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(23)]  # batches of 10, 10, 3
    ys = [(1.0 if a * b > 0 else (-1.0 if cost == "hinge" else 0.0)) for a, b in xs]
    results = []
    for tape in (False, True):
        model = MLP(2, [4, 1], output_activation=output, seed=1)
        history = train(model, xs, ys, cost=cost, epochs=2, batch_size=10, lr=0.3, l2=1e-4, tape=tape,
                        validation=(xs[:7], ys[:7]))
        results.append(([p.data for p in model.parameters()], history))
    assert results[0] == results[1]


def test_user_op_names_cannot_clash_with_the_tape_variables():
    names = ["L", "v0", "g1"]  # the replay function's own names
    try:
        ops_made = [define_op(n, math.sin, lambda x, out: (math.cos(x) if isinstance(x, float) else x.cos(),))
                    for n in names]
        x = Value(0.5)
        root = ops_made[0](x) + ops_made[1](x) * ops_made[2](x)
        tape = Tape(root)
        x.data = 0.7
        assert tape.run() == math.sin(0.7) + math.sin(0.7) ** 2
    finally:
        for n in names:
            ops.RULES.pop(n, None)
            ops.CODE_FUNCTIONS.pop(f"op_{n}", None)


def test_forward_replays_the_root_and_kept_nodes_and_touches_no_grad():
    model = MLP(3, [5, 2], activation="tanh", output_activation="sigmoid", seed=4)
    x = [Value(0.0) for _ in range(3)]
    outputs = model(x)
    root = outputs[0] * outputs[1] + 1.0
    tape = Tape(root, keep=outputs)
    twin = Tape(root, keep=outputs, backward=False)
    rng = random.Random(5)
    for _ in range(3):
        for leaf in x:
            leaf.data = rng.uniform(-2, 2)
        for p in model.parameters():
            p.data += rng.uniform(-0.1, 0.1)
        fresh = model([leaf.data for leaf in x])  # the eager truth on the new data
        assert tape.forward() == twin.forward() == root.data == (fresh[0] * fresh[1] + 1.0).data
        assert [o.data for o in outputs] == [o.data for o in fresh]
        assert all(p.grad == 0.0 for p in [*model.parameters(), *x])
    tape.run()  # run() also keeps them up to date, and adds the gradients
    assert [o.data for o in outputs] == [o.data for o in fresh] and any(p.grad for p in model.parameters())
    with pytest.raises(ValueError, match="backward=False"):
        twin.run()


def test_keep_must_name_nodes_of_the_graph():
    x = Value(1.0)
    root = x * 2.0
    with pytest.raises(ValueError, match="not in the recorded graph"):
        Tape(root, keep=[Value(3.0)])
    with pytest.raises(TypeError, match="keep= takes Values"):
        Tape(root, keep=[3.0])


def test_forward_errors_carry_the_engine_message():
    x = Value(2.0)
    tape = Tape(x.log() * 2.0, backward=False)
    x.data = -1.0
    with pytest.raises(ValueError, match=r"^log: undefined for x <= 0, got x=-1\.0"):
        tape.forward()


def test_deep_chains_are_split_into_lines():
    x = Value(0.5)
    y = x
    for _ in range(5000):  # every link read once: written in place, but not 5000 deep
        y = y * 1.0001 + 0.5
    tape = Tape(y)
    x.data, x.grad = 0.25, 0.0
    value = tape.run()
    z = Value(0.25)
    w = z
    for _ in range(5000):
        w = w * 1.0001 + 0.5
    w.backward()
    assert value == w.data and x.grad == z.grad
    assert max(len(line) for line in tape.source().splitlines()) < 1000


def test_taped_evaluation_gives_the_eager_outputs_bit_for_bit():
    from autograd_lite.nn import _TapedOutputs

    model = MLP(3, [6, 4], activation="relu", output_activation="sigmoid", seed=2)
    rng = random.Random(3)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(23)]
    taped = list(_TapedOutputs(model)(xs))
    assert taped == [[o.data for o in model.forward(x)] for x in xs]
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_zero_partial_still_multiplies_the_gradient_as_eager_does():
    # x*0.0 has the constant partial 0.0; its gradient here is 1e200 * 1e200 = inf, and
    # 0.0 * inf is nan: eager adds that nan to x.grad, so the tape must too (same bits).
    def build(x):
        return ((x * 0.0) * 1e200) * 1e200 + x

    x = Value(2.0)
    tape = Tape(build(x))
    for data in (2.0, -3.0):
        x.data, x.grad = data, 0.0
        tape.run()
        fresh = Value(data)
        build(fresh).backward()
        assert math.isnan(fresh.grad) and math.isnan(x.grad)


def test_signed_zero_constants_replay_with_their_own_sign():
    # 0.0 == -0.0 (and they hash alike), but x*-0.0 and x*0.0 differ in the sign of their
    # value and of their partial: each node must replay its own constant, bit for bit.
    def build(x, y):
        return (x * -0.0) * (x * 0.0) + y * -0.0

    x, y = Value(-0.0), Value(1.0)
    tape = Tape(build(x, y))
    for xd, yd in ((-0.0, 1.0), (0.0, 2.0), (-1.5, -2.0)):
        x.data, x.grad, y.data, y.grad = xd, 0.0, yd, 0.0
        value = tape.run()
        fx, fy = Value(xd), Value(yd)
        root = build(fx, fy)
        root.backward()
        as_bits = [math.copysign(1.0, v) for v in (root.data, fx.grad, fy.grad)]
        assert [math.copysign(1.0, v) for v in (value, x.grad, y.grad)] == as_bits
        assert (value, x.grad, y.grad) == (root.data, fx.grad, fy.grad)


@pytest.mark.parametrize("where", ["validation", "second batch"])
def test_taped_training_refuses_a_string_input_as_eager_training_does(where):
    good, bad = [0.5, 1.0], ["1", 2.0]  # float("1") would silently read the string
    xs, ys = ([good, good], [1.0, -1.0]) if where == "validation" else ([good, bad], [1.0, -1.0])
    validation = ([good, bad], [1.0, -1.0]) if where == "validation" else None
    messages = []
    for tape in (False, True):
        model = MLP(2, [3, 1], seed=1)
        with pytest.raises(TypeError) as caught:
            train(model, xs, ys, epochs=1, batch_size=1, tape=tape, validation=validation)
        messages.append(str(caught.value))
    for message in messages:
        assert "expected a Value or a real number, got str ('1')" in message, messages
    assert messages[1].startswith(("accuracy:", "train:")), messages
