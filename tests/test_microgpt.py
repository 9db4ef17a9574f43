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

from autograd_lite import Value, define_op, explain, grad, gradients, hessian, jvp
from autograd_lite.tape import Tape
from autograd_lite.viz import graph_description, to_dot

from .helpers import central_differences, close


def _lift(x):
    """A number operand becomes a leaf of its own, as the design has it."""
    return x if isinstance(x, MicroValue) else MicroValue(x)


def _made(value, *edges):
    """A node of `value` computed from the (child, d value / d child) pairs in `edges`."""
    return MicroValue(value, tuple(child for child, _ in edges), tuple(local for _, local in edges))


class MicroValue:
    """A scalar in the microgpt design: each op stores its children and their local grads.
    Written for this test: every operator is a primitive with its own local derivatives
    (a - b is one node with locals 1 and -1), so its graphs differ from autograd_lite's and
    from the benchmark's lean engine; only the gradients they define must agree."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0
        self._children, self._local_grads = children, local_grads

    def __add__(self, other):
        other = _lift(other)
        return _made(self.data + other.data, (self, 1.0), (other, 1.0))

    __radd__ = __add__

    def __sub__(self, other):
        other = _lift(other)
        return _made(self.data - other.data, (self, 1.0), (other, -1.0))

    def __rsub__(self, other):
        return _lift(other) - self

    def __neg__(self):
        return _made(-self.data, (self, -1.0))

    def __mul__(self, other):
        other = _lift(other)
        return _made(self.data * other.data, (self, other.data), (other, self.data))

    __rmul__ = __mul__

    def __truediv__(self, other):  # d(a/b) = da / b - a db / b^2
        other = _lift(other)
        q = self.data / other.data
        return _made(q, (self, 1.0 / other.data), (other, -q / other.data))

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __pow__(self, k):  # k a number
        return _made(self.data ** k, (self, k * self.data ** (k - 1)))

    def exp(self):
        e = math.exp(self.data)
        return _made(e, (self, e))

    def log(self):
        return _made(math.log(self.data), (self, 1.0 / self.data))

    def relu(self):
        positive = self.data > 0
        return _made(self.data if positive else 0.0, (self, 1.0 if positive else 0.0))

    def backward(self):
        """Recursive topological sort, then child.grad += local * node.grad along every edge."""
        order, placed = [], set()

        def place(node):
            placed.add(node)
            for child in node._children:
                if child not in placed:
                    place(child)
            order.append(node)

        place(self)
        self.grad = 1
        for node in reversed(order):
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
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def softmax(logits):
    top = max(v.data for v in logits)  # microgpt's shift: a number taken from the data
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(token, pos, keys, values, state):
    x = [t + p for t, p in zip(state["wte"][token], state["wpe"][pos])]
    x = rmsnorm(x)
    residual = x
    x = rmsnorm(x)
    q, k, v = linear(x, state["wq"]), linear(x, state["wk"]), linear(x, state["wv"])
    keys.append(k)
    values.append(v)
    heads = []
    for h in range(HEADS):
        lo = h * HEAD_SIZE
        q_h = q[lo:lo + HEAD_SIZE]
        scores = [sum(q_h[j] * k_t[lo + j] for j in range(HEAD_SIZE)) / HEAD_SIZE ** 0.5 for k_t in keys]
        weights = softmax(scores)
        heads.extend(sum(weights[t] * values[t][lo + j] for t in range(len(keys))) for j in range(HEAD_SIZE))
    x = [a + b for a, b in zip(linear(heads, state["wo"]), residual)]
    residual = x
    x = [xi.relu() for xi in linear(rmsnorm(x), state["fc1"])]
    x = [a + b for a, b in zip(linear(x, state["fc2"]), residual)]
    return linear(x, state["lm_head"])


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
    with pytest.raises(TypeError, match="define_op"):
        grad(grad(microgpt_tanh))(0.3)
    with pytest.raises(TypeError, match="define_op"):
        hessian(microgpt_tanh)(0.3)
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
