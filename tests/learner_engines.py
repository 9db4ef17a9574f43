"""Engines a learner might write, for the checker's tests: one correct micrograd-shaped engine
and its mutants, each with one classic mistake.

`learner_engine(bug=None, parents=set, sort="stack")` makes a fresh class with the API of
micrograd (`Value(data, _children=(), _op='')`, `_prev`, `_op`, a `_backward` closure per
node, `backward()`), written here in this project's own words. `bug` names one op whose
backward is wrong (see BUGS), or "assign" (`=` instead of `+=` in `+`); `sort` is "stack"
(an explicit-stack topological sort), "recursive" (the classic recursive one) or "none"
(a breadth-first walk from the root, no topological order at all); `parents` is the type of
`_prev` (micrograd's set, or a tuple, which keeps the walk's order deterministic). The bug
"copies" keeps copies of the operands as children, so the graph misses the nodes the caller
made; "rpow" gets `c ** x` wrong. `constant_engine()` keeps a number operand inside the op
(one child) instead of making it a node.

`local_grads_engine()` is a microgpt-style engine (`_children`, `_local_grads`, numbers
wrapped as leaves), also written here.
"""

from __future__ import annotations

import math
from collections import deque

# The op each mutant gets wrong, and how (the wrong local derivative).
BUGS = {
    "add": "forgets out.grad",
    "sub": "the right operand's sign",
    "rsub": "the sign of x in c - x",
    "mul": "each operand times itself",
    "truediv": "the denominator's sign",
    "rtruediv": "the sign of c / x",
    "neg": "the sign",
    "pow": "exponent off by one",
    "exp": "from the input, not the output",
    "log": "1/out instead of 1/x",
    "tanh": "1 - x**2 from the input",
    "relu": "no mask",
    "sigmoid": "s instead of s(1-s)",
    "rpow": "c**x without log c",
}

# How the checker names each mutated op: (op string, Python method).
NAMED = {"add": ("+", "__add__"), "sub": ("-", "__sub__"), "rsub": ("-", "__rsub__"),
         "mul": ("*", "__mul__"), "truediv": ("/", "__truediv__"), "rtruediv": ("/", "__rtruediv__"),
         "neg": ("neg", "__neg__"), "pow": ("**", "__pow__"), "exp": ("exp", "exp"),
         "log": ("log", "log"), "tanh": ("tanh", "tanh"), "relu": ("ReLU", "relu"),
         "sigmoid": ("sigmoid", "sigmoid"), "rpow": ("**", "__rpow__")}


def learner_engine(bug: str | None = None, parents: type = set, sort: str = "stack",
                   op_strings: bool = True, closure: str = "_backward") -> type:
    """A fresh micrograd-shaped Value class, correct unless `bug` says otherwise. Without
    `op_strings` its nodes have no `_op`; `closure` names the attribute holding each node's
    backward function (micrograd's `_backward`, or another name the checker cannot know)."""

    def wrong(op: str) -> bool:
        return bug == op

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            if bug == "copies":  # children copied: the graph no longer holds the operands
                _children = tuple(Value(c.data) for c in _children)
            self._prev = parents(_children)
            if op_strings:
                self._op = _op

        def __setattr__(self, name, value):
            object.__setattr__(self, closure if name == "_backward" else name, value)

        def _run_backward(self):
            getattr(self, closure)()

        @staticmethod
        def _wrap(other):
            return other if isinstance(other, Value) else Value(other)

        def __add__(self, other):
            other = Value._wrap(other)
            out = Value(self.data + other.data, (self, other), "+")

            def _backward():
                if bug == "assign":  # the classic: a + a loses half of its gradient
                    self.grad = out.grad
                    other.grad = out.grad
                elif wrong("add"):
                    self.grad += 1.0
                    other.grad += 1.0
                else:
                    self.grad += out.grad
                    other.grad += out.grad

            out._backward = _backward
            return out

        def __radd__(self, other):
            return self + other

        def __sub__(self, other):
            other = Value._wrap(other)
            out = Value(self.data - other.data, (self, other), "-")

            def _backward():
                self.grad += out.grad
                other.grad += (1.0 if wrong("sub") else -1.0) * out.grad

            out._backward = _backward
            return out

        def __rsub__(self, other):
            other = Value._wrap(other)
            out = Value(other.data - self.data, (other, self), "-")

            def _backward():
                other.grad += out.grad
                self.grad += (1.0 if wrong("rsub") else -1.0) * out.grad

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = Value._wrap(other)
            out = Value(self.data * other.data, (self, other), "*")

            def _backward():
                if wrong("mul"):
                    self.grad += self.data * out.grad
                    other.grad += other.data * out.grad
                else:
                    self.grad += other.data * out.grad
                    other.grad += self.data * out.grad

            out._backward = _backward
            return out

        def __rmul__(self, other):
            return self * other

        def __truediv__(self, other):
            other = Value._wrap(other)
            out = Value(self.data / other.data, (self, other), "/")

            def _backward():
                self.grad += out.grad / other.data
                sign = 1.0 if wrong("truediv") else -1.0
                other.grad += sign * self.data / other.data ** 2 * out.grad

            out._backward = _backward
            return out

        def __rtruediv__(self, other):
            other = Value._wrap(other)
            out = Value(other.data / self.data, (other, self), "/")

            def _backward():
                other.grad += out.grad / self.data
                sign = 1.0 if wrong("rtruediv") else -1.0
                self.grad += sign * other.data / self.data ** 2 * out.grad

            out._backward = _backward
            return out

        def __neg__(self):
            out = Value(-self.data, (self,), "neg")

            def _backward():
                self.grad += (1.0 if wrong("neg") else -1.0) * out.grad

            out._backward = _backward
            return out

        def __rpow__(self, c):
            out = Value(c ** self.data, (self,), "**")

            def _backward():
                log_c = 1.0 if wrong("rpow") else math.log(c)
                self.grad += out.data * log_c * out.grad

            out._backward = _backward
            return out

        def __pow__(self, k):
            if not isinstance(k, (int, float)):
                raise TypeError("this engine raises to number powers only")
            out = Value(self.data ** k, (self,), f"**{k}")

            def _backward():
                exponent = k if wrong("pow") else k - 1
                self.grad += k * self.data ** exponent * out.grad

            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,), "exp")

            def _backward():
                self.grad += (self.data if wrong("exp") else out.data) * out.grad

            out._backward = _backward
            return out

        def log(self):
            out = Value(math.log(self.data), (self,), "log")

            def _backward():
                self.grad += (1.0 / out.data if wrong("log") else 1.0 / self.data) * out.grad

            out._backward = _backward
            return out

        def tanh(self):
            out = Value(math.tanh(self.data), (self,), "tanh")

            def _backward():
                t = self.data if wrong("tanh") else out.data
                self.grad += (1.0 - t * t) * out.grad

            out._backward = _backward
            return out

        def relu(self):
            out = Value(self.data if self.data > 0 else 0.0, (self,), "ReLU")

            def _backward():
                self.grad += (1.0 if wrong("relu") or out.data > 0 else 0.0) * out.grad

            out._backward = _backward
            return out

        def sigmoid(self):
            s = 1.0 / (1.0 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (
                1.0 + math.exp(self.data))
            out = Value(s, (self,), "sigmoid")

            def _backward():
                self.grad += (s if wrong("sigmoid") else s * (1.0 - s)) * out.grad

            out._backward = _backward
            return out

        def backward(self):
            self.grad = 1.0
            if sort == "none":  # breadth-first from the root: each node once, in no topological order
                queue, seen = deque([self]), {self}
                while queue:
                    node = queue.popleft()
                    node._run_backward()
                    for child in node._prev:
                        if child not in seen:
                            seen.add(child)
                            queue.append(child)
                return
            for node in reversed(_recursive_order(self) if sort == "recursive" else _stack_order(self)):
                node._run_backward()

    return Value


def _stack_order(root):
    """Children before parents, with an explicit stack."""
    order, seen, stack = [], {root}, [(root, iter(root._prev))]
    while stack:
        node, children = stack[-1]
        child = next((c for c in children if c not in seen), None)
        if child is None:
            stack.pop()
            order.append(node)
        else:
            seen.add(child)
            stack.append((child, iter(child._prev)))
    return order


def _recursive_order(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order


def local_grads_engine() -> type:
    """A microgpt-style Value: each op stores its children and their local derivatives as
    numbers; numbers become leaves; backward sorts with an explicit stack."""

    class Node:
        __slots__ = ("_children", "_local_grads", "data", "grad")

        def __init__(self, data, children=(), local_grads=()):
            self.data, self.grad = data, 0.0
            self._children, self._local_grads = children, local_grads

        @staticmethod
        def _leaf(x):
            return x if isinstance(x, Node) else Node(x)

        def __add__(self, other):
            other = Node._leaf(other)
            return Node(self.data + other.data, (self, other), (1.0, 1.0))

        __radd__ = __add__

        def __mul__(self, other):
            other = Node._leaf(other)
            return Node(self.data * other.data, (self, other), (other.data, self.data))

        __rmul__ = __mul__

        def __pow__(self, k):
            return Node(self.data ** k, (self,), (k * self.data ** (k - 1),))

        def __neg__(self):
            return self * -1.0

        def __sub__(self, other):
            return self + (-Node._leaf(other))

        def __rsub__(self, other):
            return Node._leaf(other) + (-self)

        def __truediv__(self, other):
            return self * Node._leaf(other) ** -1

        def __rtruediv__(self, other):
            return Node._leaf(other) * self ** -1

        def exp(self):
            e = math.exp(self.data)
            return Node(e, (self,), (e,))

        def log(self):
            return Node(math.log(self.data), (self,), (1.0 / self.data,))

        def tanh(self):
            t = math.tanh(self.data)
            return Node(t, (self,), (1.0 - t * t,))

        def relu(self):
            return Node(max(self.data, 0.0), (self,), (float(self.data > 0),))

        def backward(self):
            order, seen, stack = [], {self}, [(self, 0)]
            while stack:
                node, i = stack.pop()
                if i < len(node._children):
                    stack.append((node, i + 1))
                    child = node._children[i]
                    if child not in seen:
                        seen.add(child)
                        stack.append((child, 0))
                else:
                    order.append(node)
            self.grad = 1.0
            for node in reversed(order):
                for child, local in zip(node._children, node._local_grads):
                    child.grad += local * node.grad

    return Node


def constant_engine(parents: type = set, bug: str | None = None) -> type:
    """A micrograd-shaped Value that keeps a number operand inside its op: `x * 2.0` is a node
    with one child and op '*', the 2.0 held by the closure (as many course engines do). `bug`
    "mul" gets that constant's derivative wrong (x instead of c)."""

    class Value:
        def __init__(self, data, _children=(), _op=""):
            self.data, self.grad = data, 0.0
            self._backward = lambda: None
            self._prev, self._op = parents(_children), _op

        def _node(self, data, children, op, local):
            out = Value(data, children, op)

            def _backward():
                for child, d in zip(children, local):
                    child.grad += d * out.grad

            out._backward = _backward
            return out

        def __add__(self, other):
            if isinstance(other, Value):
                return self._node(self.data + other.data, (self, other), "+", (1.0, 1.0))
            return self._node(self.data + other, (self,), "+", (1.0,))

        __radd__ = __add__

        def __mul__(self, other):
            if isinstance(other, Value):
                return self._node(self.data * other.data, (self, other), "*", (other.data, self.data))
            return self._node(self.data * other, (self,), "*", (self.data if bug == "mul" else other,))

        __rmul__ = __mul__

        def __neg__(self):
            return self * -1.0

        def __sub__(self, other):
            return self + (-other)

        def __rsub__(self, other):
            return (-self) + other

        def tanh(self):
            t = math.tanh(self.data)
            return self._node(t, (self,), "tanh", (1.0 - t * t,))

        def backward(self):
            order, seen, stack = [], set(), [(self, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif node not in seen:
                    seen.add(node)
                    stack.append((node, True))
                    stack.extend((child, False) for child in node._prev)
            self.grad = 1.0
            for node in reversed(order):
                node._backward()

    return Value
