# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Build your own micrograd, and let autograd_lite check it
#
# Writing a tiny autodiff engine yourself (a `Value` class with `+ - * /`, `**`, `tanh`,
# `exp`, `relu` and a `backward()`) is the best way to understand backpropagation. When a
# gradient comes out wrong, though, finding *which* line is wrong is slow: finite differences
# and PyTorch only tell you that the final numbers differ.
#
# `autograd_lite.check_engine(Value)` builds about forty small graphs with **your** class
# (each op alone, numbers on the left and on the right, a node used twice, a neuron, a deep
# chain, ...), runs **your** `backward()`, and compares every gradient — of every node of your
# graph — with autograd_lite's. A failing case says which op's backward is wrong, for which
# input, and what the rule is.
#
# Below is an engine in micrograd's style with three classic bugs. Run the cells, read what
# the checker says, fix one bug at a time. Then check your own engine the same way:
# `check_engine(YourValue)` here, or `autograd-lite check my_engine.py` in a terminal.
#
# The whole notebook runs in about a second, so `--quick` (which shortens the other demos)
# changes nothing here.

# %%
import math

from autograd_lite import check_engine, check_graph


class Value:
    """A number that remembers how it was made, micrograd-style."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None  # how to pass out.grad on to the inputs
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad   # bug 3 is here
            other.grad = out.grad

        out._backward = _backward
        return out

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad  # bug 1 is here

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only number exponents"
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other):
        return self * other ** -1

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += self.data * out.grad  # bug 2 is here

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        # Order the nodes so that each comes after all of its inputs (an explicit stack, so
        # a deep graph needs no recursion), then apply the chain rule from the output back.
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


# %% [markdown]
# ## Check it
#
# `check_engine` returns a report: `.ok`, the cases with their status (`pass`, `fail`,
# `skip` when your class cannot build a case, `note` for facts that are not errors, `limit`
# for a recursive sort that cannot handle a deep graph), and for each failure the words that
# point at the op. In a notebook the report shows as a table.

# %%
report = check_engine(Value)
print(report.summary())
for case in report.cases:
    if case.status == "fail":
        print(f"- {case.name}: {case.message}")

failing = {case.name: case.message for case in report.cases if case.status == "fail"}
assert "your `__sub__` backward" in failing["a - b"]
assert "your `exp` backward" in failing["exp(a)"]
assert "accumulate (`+=`)" in failing["a + a"]

# %% active="ipynb"
# report

# %% [markdown]
# The drawing of a failing case shows every node with both gradients, yours / the
# reference, and colours the wrong ones:

# %% active="ipynb"
# report.draw("a - b")

# %% [markdown]
# ## Bug 1: the sign of `-` on its right operand
#
# `out = a - b` means ∂out/∂b = −1, so `b.grad` must receive `−1 × out.grad`. The checker
# says exactly that, with the numbers of its case (there `out.grad` is 0.5):

# %%
print(report.case("a - b").message)


# %%
def subtract(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data - other.data, (self, other), "-")

    def _backward():
        self.grad += out.grad
        other.grad += -1.0 * out.grad  # fixed: d(a - b)/db = -1

    out._backward = _backward
    return out


Value.__sub__ = subtract  # in your own notebook: edit the class and run its cell again
report = check_engine(Value)
print(report.summary())
print("first failure now:", report.first_failure.name)
assert "a - b" not in {case.name for case in report.cases if case.status == "fail"}

# %% [markdown]
# ## Bug 2: `exp`'s derivative taken from the input
#
# d exp(x)/dx = exp(x): the *output*, `out.data`, not the input `self.data`.

# %%
print(report.case("exp(a)").message)


# %%
def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad  # fixed: d exp(x)/dx = exp(x) = out

    out._backward = _backward
    return out


Value.exp = exp
report = check_engine(Value)
print(report.summary())
print("first failure now:", report.first_failure.name)

# %% [markdown]
# ## Bug 3: `=` instead of `+=`
#
# In `b = a + a` the node `a` is used twice, and its gradient is the *sum* of what each use
# sends back. Writing `self.grad = ...` overwrites the first share with the second. This is
# not one op's derivative being wrong, and the checker says so in its own words:

# %%
print(report.case("a + a").message)


# %%
def add(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += out.grad  # fixed: accumulate
        other.grad += out.grad

    out._backward = _backward
    return out


Value.__add__ = add
report = check_engine(Value)
print(report.summary())
assert report.ok, report.explanation()
print("the fixed engine passes every case")

# %% [markdown]
# A few cases are notes rather than passes: they describe choices, not mistakes. Calling
# `backward()` twice without zeroing the gradients gives different numbers in different
# engines (PyTorch adds them up; micrograd and this engine reuse the interior gradients),
# and relu'(0) is a convention:

# %%
for case in report.cases:
    if case.status in ("note", "skip"):
        print(f"- {case.name} [{case.status}]: {case.message}")

# %% [markdown]
# ## Check a graph you built
#
# `check_graph(root)` reads a graph you built with your engine, after `root.backward()`,
# through micrograd's attributes (`_prev`, `_op`), and checks the gradient of every node:

# %%
x1, x2 = Value(2.0), Value(0.0)
w1, w2 = Value(-3.0), Value(1.0)
b = Value(6.8813735870195432)
o = (x1 * w1 + x2 * w2 + b).tanh()
o.backward()
graph_report = check_graph(o)
print(graph_report.summary())
assert graph_report.ok
print(f"w1.grad = {w1.grad:.4f}, x1.grad = {x1.grad:.4f}: checked against autograd_lite")
