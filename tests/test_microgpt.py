"""Drop-in for microgpt-style code: a small GPT written in that style trains alike on the
test's own microgpt-style engine and on autograd_lite, and `Value(data, children,
local_grads)` nodes work wherever a graph is walked once, and are refused where it is not.

The engine below (`MicroValue`) is this test's own implementation of the published design
(`__slots__` data, grad, _children, _local_grads; local derivatives computed in the forward
pass; numbers wrapped as leaves; a recursive topological sort; child.grad += local * v.grad),
kept independent of benchmarks/ so that neither can drift into agreeing with the other.
"""

from __future__ import annotations

import math
import random

import pytest

from autograd_lite import Value, define_op, enable_grad, explain, grad, gradients, hessian, hvp, jvp, no_grad
from autograd_lite.tape import Tape
from autograd_lite.viz import graph_description, to_dot

from .helpers import central_differences, close


def _as_node(x):
    """A number becomes a leaf of its own (the design keeps no constants inside nodes)."""
    return x if isinstance(x, MicroValue) else MicroValue(x)


def _make(data, *pairs):
    """A node from its value and (child, d data / d child) pairs: the derivatives are
    numbers, worked out now, in the forward pass."""
    return MicroValue(data, tuple(child for child, _ in pairs), tuple(d for _, d in pairs))


def _post_order(node, visited, out):
    """Children before parents, recursively (the design's sort)."""
    if node not in visited:
        visited.add(node)
        for child in node._children:
            _post_order(child, visited, out)
        out.append(node)
    return out


class MicroValue:
    """A scalar in the microgpt design: each op stores its children and their local grads."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self._children, self._local_grads = children, local_grads

    # arithmetic: one local derivative per child
    def __add__(self, other):
        b = _as_node(other)
        return _make(self.data + b.data, (self, 1.0), (b, 1.0))

    def __sub__(self, other):
        b = _as_node(other)
        return _make(self.data - b.data, (self, 1.0), (b, -1.0))

    def __mul__(self, other):
        b = _as_node(other)
        return _make(self.data * b.data, (self, b.data), (b, self.data))

    def __truediv__(self, other):
        b = _as_node(other)
        quotient = self.data / b.data
        return _make(quotient, (self, 1.0 / b.data), (b, -quotient / b.data))

    def __radd__(self, other):
        return _as_node(other) + self

    def __rsub__(self, other):
        return _as_node(other) - self

    def __rmul__(self, other):
        return _as_node(other) * self

    def __rtruediv__(self, other):
        return _as_node(other) / self

    def __neg__(self):
        return _make(-self.data, (self, -1.0))

    def __pow__(self, k):
        return _make(self.data ** k, (self, k * self.data ** (k - 1)))

    # functions
    def exp(self):
        e = math.exp(self.data)
        return _make(e, (self, e))

    def log(self):
        return _make(math.log(self.data), (self, 1.0 / self.data))

    def relu(self):
        positive = self.data > 0
        return _make(self.data if positive else 0.0, (self, 1.0 if positive else 0.0))

    def backward(self):
        self.grad = 1.0
        for node in reversed(_post_order(self, set(), [])):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad


# ---------------------------------------------------------------------------
# A small GPT in microgpt's style, written once and run on either engine.

VOCAB, EMBED, HEADS, BLOCK = 6, 8, 2, 5
HEAD_SIZE = EMBED // HEADS


def make_parameters(value_class, seed=0):
    rng = random.Random(seed)

    def matrix(rows, columns, std=0.3):
        return [[value_class(rng.gauss(0, std)) for _ in range(columns)] for _ in range(rows)]

    state = {"wte": matrix(VOCAB, EMBED), "wpe": matrix(BLOCK, EMBED), "lm_head": matrix(VOCAB, EMBED),
             "wq": matrix(EMBED, EMBED), "wk": matrix(EMBED, EMBED), "wv": matrix(EMBED, EMBED),
             "wo": matrix(EMBED, EMBED), "fc1": matrix(2 * EMBED, EMBED), "fc2": matrix(EMBED, 2 * EMBED)}
    params = [p for mat in state.values() for row in mat for p in row]
    return state, params


def linear(x, w):
    """The matrix w (a list of rows) times the vector x."""
    out = []
    for row in w:
        out.append(sum(x_j * w_j for x_j, w_j in zip(x, row)))
    return out


def softmax(logits):
    # Shifted by the largest logit, read as a number from the data (how such code keeps exp
    # finite): the graph holds that number.
    shift = max(v.data for v in logits)
    weights = [(v - shift).exp() for v in logits]
    inverse = 1 / sum(weights)
    return [w * inverse for w in weights]


def rmsnorm(x):
    """x scaled to unit root-mean-square (no gain), with 1e-5 inside the root."""
    mean_square = sum(v * v for v in x) * (1.0 / len(x))
    inverse_rms = 1 / (mean_square + 1e-5) ** 0.5
    return [v * inverse_rms for v in x]


def attend(query, keys, values, lo):
    """One head: the head's slice [lo, lo + HEAD_SIZE) of every cached position, weighted."""
    dims = range(lo, lo + HEAD_SIZE)
    scores = [sum(query[d] * key[d] for d in dims) / HEAD_SIZE ** 0.5 for key in keys]
    weights = softmax(scores)
    return [sum(w * value[d] for w, value in zip(weights, values)) for d in dims]


def gpt(token, pos, keys, values, state):
    """The next token's logits; the position's key and value join the cache."""
    embedded = rmsnorm([t + p for t, p in zip(state["wte"][token], state["wpe"][pos])])
    normed = rmsnorm(embedded)
    keys.append(linear(normed, state["wk"]))
    values.append(linear(normed, state["wv"]))
    query = linear(normed, state["wq"])
    mixed = []
    for h in range(HEADS):
        mixed += attend(query, keys, values, h * HEAD_SIZE)
    after_attention = [a + b for a, b in zip(linear(mixed, state["wo"]), embedded)]
    hidden = [u.relu() for u in linear(rmsnorm(after_attention), state["fc1"])]
    out = [a + b for a, b in zip(linear(hidden, state["fc2"]), after_attention)]
    return linear(out, state["lm_head"])


def document_loss(tokens, state):
    keys, values, losses = [], [], []
    for pos in range(len(tokens) - 1):
        probs = softmax(gpt(tokens[pos], pos, keys, values, state))
        losses.append(-probs[tokens[pos + 1]].log())
    return (1 / len(losses)) * sum(losses)


def train(value_class, steps=4):
    """A few steps of SGD, microgpt's way: p.grad = 0, loss.backward(), p.data -= lr * p.grad."""
    state, params = make_parameters(value_class)
    documents = [[0, 3, 1, 4, 0], [0, 2, 5, 0], [0, 1, 1, 2, 3]]
    history = []
    for step in range(steps):
        loss = document_loss(documents[step % len(documents)], state)
        for p in params:
            p.grad = 0
        loss.backward()
        history.append((loss.data, [p.grad for p in params]))
        for p in params:
            p.data -= 0.1 * p.grad
    return history


def test_a_microgpt_style_gpt_trains_alike_on_both_engines():
    reference, ours = train(MicroValue), train(Value)
    for (loss_ref, grads_ref), (loss, grads) in zip(reference, ours):
        assert close(loss, loss_ref, 1e-9), (loss, loss_ref)
        assert len(grads) == len(grads_ref)
        for g, g_ref in zip(grads, grads_ref):
            assert close(g, g_ref, 1e-9), (g, g_ref)
    assert reference[3][0] < reference[0][0]  # it learns (document 0 again): not a comparison of constants


# ---------------------------------------------------------------------------
# Value(data, children, local_grads): microgpt's way of adding an op.

def microgpt_tanh(v: Value) -> Value:
    t = math.tanh(v.data)
    return Value(t, (v,), (1 - t**2,))


def mixed(x: Value, y: Value) -> Value:
    # a user's node in the middle of built-in ops, with two children and a shared input
    z = x * y + microgpt_tanh(x)
    return Value(z.data * y.data, (z, y), [y.data, z.data]) + z.exp()


def test_a_microgpt_style_op_matches_finite_differences():
    xs = [0.7, -1.3]

    def f(a: float, b: float) -> float:
        return (a * b + math.tanh(a)) * b + math.exp(a * b + math.tanh(a))

    leaves = [Value(x) for x in xs]
    root = mixed(*leaves)
    assert root.data == f(*xs)
    root.backward()
    numeric = central_differences(f, xs)
    for leaf, expected in zip(leaves, numeric):
        assert close(leaf.grad, expected, 1e-7), (leaf.grad, expected)
    # the pure walk (fast path) and the general walk (on_step, as explain uses it) agree
    fast = gradients(root)
    steps = []
    general = gradients(root, on_step=lambda node, local, so_far: steps.append(node._op))
    assert [fast[leaf] for leaf in leaves] == [general[leaf] for leaf in leaves] == [
        leaf.grad for leaf in leaves]
    assert steps.count("local grads") == 2


@pytest.mark.parametrize("make", [
    lambda x, y: Value(2.0, (x, y), (3, 4.5)),
    lambda x, y: Value(2.0, [x, y], [3, 4.5]),
    lambda x, y: Value(2.0, (x, y), local_grads=(3.0, 4.5)),
])
def test_the_three_spellings_of_a_local_grads_node(make):
    x, y = Value(1.0), Value(-1.0)
    node = make(x, y)
    assert node._op == "local grads" and node._prev == (x, y)
    (node * 2.0).backward()
    assert (x.grad, y.grad) == (6.0, 9.0)


def test_a_string_third_argument_stays_micrograds_op_and_empty_local_grads_a_leaf():
    x, y = Value(2.0), Value(3.0)
    node = Value(5.0, (x, y), "+")
    assert node._op == "+"
    node.backward()
    assert (x.grad, y.grad) == (1.0, 1.0)
    leaf = Value(1.0, (), ())
    assert leaf._prev == () and leaf._op == ""


def test_bools_are_numbers_in_local_grads_as_in_value_and_arithmetic():
    # the engine's policy: a bool is a number (1.0 or 0.0) wherever a number is expected
    x = Value(3.0)
    node = Value(1.0, (x,), (True,))
    (node * 2.0).backward()
    assert x.grad == 2.0 and Value(True).data == 1.0 and (x * True).data == 3.0


def test_local_grads_nodes_copy_and_accumulate_like_any_other():
    import copy

    x = Value(0.5)
    root = Value(1.0, (x, x), (2.0, 3.0))
    twin = copy.deepcopy(root)
    root.backward()
    root.backward()
    assert x.grad == 10.0  # two edges to x, two calls
    twin.backward()
    assert twin._prev[0].grad == 5.0 and twin._op == "local grads"


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((1.0, (Value(1.0),), (1.0, 2.0)), {}, ValueError, r"Value: 1 children but 2 local_grads"),
    ((1.0, (Value(1.0), Value(2.0))), {"local_grads": [1.0]}, ValueError,
     r"Value: 2 children but 1 local_grads"),
    ((1.0, (Value(1.0),), ("a",)), {}, TypeError, r"Value: local_grads must be numbers, got str \('a'\)"),
    ((1.0, (Value(1.0),), (Value(2.0),)), {}, TypeError, r"local_grads must be numbers, got Value"),
    ((1.0, (2.0,), (1.0,)), {}, TypeError, r"Value: children must be Values, got float"),
    ((1.0, (Value(1.0),), "+"), {"local_grads": (1.0,)}, TypeError,
     r"Value: give the local derivatives once"),
    ((1.0, (Value(1.0),)), {"local_grads": 1.0}, TypeError,
     r"local_grads must be a tuple or list of numbers"),
    # unordered or missing children: which local derivative goes with which child?
    ((1.0, {Value(1.0), Value(2.0)}, (1.0, 2.0)), {}, TypeError,
     r"Value: children must be a tuple or list of Values, got set"),
    ((1.0, None, (1.0,)), {}, TypeError, r"Value: children must be a tuple or list of Values, got NoneType"),
    ((1.0, {Value(1.0): 1}), {"local_grads": (1.0,)}, TypeError, r"children must be a tuple.*got dict"),
    ((1.0, frozenset({Value(1.0)}), "+"), {}, TypeError, r"children must be a tuple or list.*got frozenset"),
    ((1.0, (Value(1.0),), {1.0}), {}, TypeError, r"local_grads must be a tuple or list of numbers, got set"),
])
def test_malformed_local_grads_are_clear_errors(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        Value(*args, **kwargs)


def test_replay_and_higher_order_refuse_a_local_grads_node_by_name():
    x = Value(0.3)
    node = microgpt_tanh(x)
    node.label = "my_tanh"
    root = node * x
    for attempt in (lambda: Tape(root), lambda: root.backward(create_graph=True),
                    lambda: gradients(root, create_graph=True)):
        with pytest.raises(TypeError, match=r"label='my_tanh'.*made as Value\(data, children, local_grads\)"
                                            r".*define_op"):
            attempt()
    assert x.grad == 0.0 and node.grad == 0.0  # nothing written by the refused walks
    # grad on numbers walks once (allowed, and right); a second derivative is refused
    assert close(grad(lambda v: microgpt_tanh(v) * v)(0.3), math.tanh(0.3) + 0.3 * (1 - math.tanh(0.3) ** 2),
                 1e-15)
    # each refusal names the function the user called
    for attempt, who in ((lambda: root.backward(create_graph=True), r"backward\(create_graph=True\)"),
                         (lambda: gradients(root, create_graph=True), r"gradients\(create_graph=True\)"),
                         (lambda: grad(grad(microgpt_tanh))(0.3), "grad"),
                         (lambda: hessian(microgpt_tanh)(0.3), "hessian"),
                         (lambda: hvp(microgpt_tanh, [0.3], [1.0]), "hvp")):
        with pytest.raises(TypeError, match=rf"^{who}: the graph holds .*define_op"):
            attempt()
    with pytest.raises(TypeError, match=r"cannot carry forward mode's tangent \(jvp\): define the op with"):
        jvp(microgpt_tanh, [0.3], [1.0])


def test_the_same_op_through_define_op_replays_and_differentiates_again(op_name):
    # what the refusal points to: the same tanh as a rule, then a tape and a second derivative work
    tanh = define_op(op_name("tanh"), math.tanh, lambda x, out: (1 - out * out,))
    x = Value(0.3)
    root = tanh(x) * x
    tape = Tape(root)
    x.data = 0.8
    assert tape.run() == math.tanh(0.8) * 0.8
    second = hessian(tanh)(0.3)[0][0]
    assert close(second, -2 * math.tanh(0.3) * (1 - math.tanh(0.3) ** 2), 1e-12)


def test_drawings_and_explain_show_the_stored_numbers():
    x = Value(0.5, label="x")
    y = Value(2.0, label="y")
    node = Value(7.0, (x, y), (0.25, -3.0))
    node.label = "n"
    node.backward()
    drawing = graph_description(node)
    ops_drawn = [attrs["label"] for node_id, attrs in drawing.nodes if node_id.endswith("_op")]
    assert ops_drawn == ["local grads"]
    drawing = graph_description(node, edge_labels=True)
    edge_labels = sorted(attrs["label"] for _, _, attrs in drawing.edges if "label" in attrs)
    assert edge_labels == ["∂ -3.0000", "∂ 0.2500"]
    assert "local grads" in to_dot(node)
    story = explain(node)
    assert "local_grads" in story and "0.25" in story and "-3" in story


def test_inside_no_grad_a_hand_built_node_is_a_leaf_like_a_built_in_ops_result():
    x = Value(2.0)
    with no_grad():
        made = [Value(1.0, (x,), (2.0,)), Value(1.0, (x,), local_grads=[2.0]), Value(4.0, (x, x), "*"),
                x * 2.0]
        with pytest.raises(ValueError, match="1 children but 2 local_grads"):  # still checked
            Value(1.0, (x,), (1.0, 2.0))
    for node in made:
        assert (node._prev, node._op) == ((), "")
        node.backward()
    assert x.grad == 0.0  # no path back to x: the gradient stops at each leaf
    with enable_grad(), no_grad(), enable_grad():
        assert Value(1.0, (x,), (2.0,))._prev == (x,)


def test_the_eager_walk_tells_a_local_grads_node_by_its_rule_not_by_a_missing_constant(op_name):
    # a three-input rule with a constant c: its node's _arg is c, not a tuple of partials
    from autograd_lite import ops
    from autograd_lite.engine import apply

    rule = ops.register(ops.Rule(op_name("scaled_sum"), 3, lambda a, b, d, c: c * (a + b + d),
                                 lambda a, b, d, out, c: (c, c, c), "scaled_sum{c}",
                                 "op_scaled({0}, {1}, {2}, {c})", const=True))
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    root = apply(rule, x, y, z, c=2.5)
    root.backward()
    general = gradients(root, on_step=lambda *step: None)  # the general walk, read from the rule too
    assert (x.grad, y.grad, z.grad) == (2.5, 2.5, 2.5) == tuple(general[v] for v in (x, y, z))
