"""A lean, closure-free scalar engine: the reference design W6 compares with.

The design of Karpathy's microgpt, written here from its description (no code
copied): a node keeps `data`, `grad`, its children and the *local* derivative
for each child, computed in the forward pass; a number operand is wrapped as a
leaf node; `backward()` sorts the graph topologically with a recursive
depth-first search and then does `child.grad += local * node.grad` along every
edge. No rule table, no closures, no dictionary of gradients: the least Python
work a scalar backward pass can do per edge, at the price of a tuple of local
derivatives per node, computed even when no backward pass follows.

Benchmarks only; imports nothing of autograd_lite.
"""

from __future__ import annotations

import math
import sys
from typing import Any


class LeanValue:
    """A scalar node with its local derivatives, computed as it is made."""

    __slots__ = ("data", "grad", "_children", "_local_grads")  # noqa: RUF023 - the design's order

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> LeanValue:
        other = other if isinstance(other, LeanValue) else LeanValue(other)
        return LeanValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> LeanValue:
        other = other if isinstance(other, LeanValue) else LeanValue(other)
        return LeanValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, exponent: float) -> LeanValue:
        return LeanValue(self.data ** exponent, (self,), (exponent * self.data ** (exponent - 1),))

    def log(self) -> LeanValue:
        return LeanValue(math.log(self.data), (self,), (1.0 / self.data,))

    def exp(self) -> LeanValue:
        out = math.exp(self.data)
        return LeanValue(out, (self,), (out,))

    def relu(self) -> LeanValue:
        return LeanValue(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,))

    def __neg__(self) -> LeanValue:
        return self * -1.0

    def __radd__(self, other: Any) -> LeanValue:
        return self + other

    def __sub__(self, other: Any) -> LeanValue:
        return self + (-other)

    def __rsub__(self, other: Any) -> LeanValue:
        return other + (-self)

    def __rmul__(self, other: Any) -> LeanValue:
        return self * other

    def __truediv__(self, other: Any) -> LeanValue:
        return self * other ** -1.0

    def __rtruediv__(self, other: Any) -> LeanValue:
        return other * self ** -1.0

    def backward(self) -> None:
        order: list[LeanValue] = []
        seen: set[LeanValue] = set()

        def visit(node: LeanValue) -> None:  # recursive, as the design has it
            if node not in seen:
                seen.add(node)
                for child in node._children:
                    visit(child)
                order.append(node)

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 100_000))  # a GPT step's graph is deep
        try:
            visit(self)
        finally:
            sys.setrecursionlimit(limit)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
