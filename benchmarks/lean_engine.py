"""A lean, closure-free scalar engine: the reference design W6 compares with.

The design is microgpt's, as the GPT issue states it; the implementation is this
project's own:

- a node has four slots: `data`, `grad`, `_children` (the nodes it was computed
  from) and `_local_grads` (d node / d child for each child, as floats, worked
  out when the node is made, whether or not a backward pass follows);
- a number operand becomes a leaf node of its own;
- `backward()` orders the graph by a recursive depth-first search, then walks it
  from the root down, adding `local * node.grad` to each child's grad.

No rule table, no closures, no dictionary of gradients: the least Python work a
scalar backward pass can do per edge. Here the primitive ops are written down
once, in `_PRIMITIVES`, as expressions (the value and each local derivative) and
turned into methods at import by `_compile`, so that each method is straight
line code, the work per op the design implies and nothing more. Every other
operator is a composition of primitives (`a - b` is `a + (-b)`, `a / b` is
`a * b**-1`), which is how the design counts its nodes.

Benchmarks only; imports nothing of autograd_lite.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator


class LeanValue:
    """A scalar node holding its children and its local derivatives, computed as it is made.
    Its arithmetic methods (+, *, ** a number, exp, log, relu and their compositions) are
    generated below from `_PRIMITIVES` and `_COMPOSED`."""

    __slots__ = ("data", "grad", "_children", "_local_grads")  # noqa: RUF023 - the design's order

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def backward(self) -> None:
        """Add d self / d node to every node's grad: the reverse of a depth-first order,
        one multiply-add per edge."""
        order = _depth_first(self)
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad


# Each primitive: (method, its operand, the value, the local derivative for each child).
# The expressions read x (self's data), y (the other node's data), k (a number exponent)
# and out (the value just computed: e^x is its own derivative).
_PRIMITIVES = (
    ("__add__", "node", "x + y", ("1.0", "1.0")),
    ("__mul__", "node", "x * y", ("y", "x")),
    ("__pow__", "number", "x ** k", ("k * x ** (k - 1)",)),
    ("exp", None, "math.exp(x)", ("out",)),
    ("log", None, "math.log(x)", ("1.0 / x",)),
    ("relu", None, "x if x > 0.0 else 0.0", ("1.0 if x > 0.0 else 0.0",)),
)

# The other operators, each written with the primitives (so `a - b` makes two nodes).
_COMPOSED = {
    "__neg__": "self * -1.0",
    "__radd__": "self + other",
    "__sub__": "self + (-other)",
    "__rsub__": "other + (-self)",
    "__rmul__": "self * other",
    "__truediv__": "self * other ** -1.0",
    "__rtruediv__": "other * self ** -1.0",
}


def _primitive_source(name: str, operand: str | None, value: str, locals_: tuple[str, ...]) -> str:
    if operand == "node":  # a number operand is wrapped as a leaf, as the design has it
        head = (f"def {name}(self, other):\n"
                "    if not isinstance(other, LeanValue):\n"
                "        other = LeanValue(other)\n"
                "    x, y = self.data, other.data\n")
        children = "(self, other)"
    else:
        head = f"def {name}(self{', k' if operand == 'number' else ''}):\n    x = self.data\n"
        children = "(self,)"
    return head + f"    out = {value}\n    return LeanValue(out, {children}, ({', '.join(locals_)},))\n"


def _compile() -> None:
    """Give LeanValue its arithmetic: one small function per op, compiled from the tables."""
    sources = [_primitive_source(*spec) for spec in _PRIMITIVES]
    sources += [f"def {name}(self{'' if name == '__neg__' else ', other'}):\n    return {expression}\n"
                for name, expression in _COMPOSED.items()]
    namespace: dict = {"LeanValue": LeanValue, "math": math}
    exec(compile("\n".join(sources), "<lean_engine ops>", "exec"), namespace)  # our own text, no input
    for name in [spec[0] for spec in _PRIMITIVES] + list(_COMPOSED):
        setattr(LeanValue, name, namespace[name])


_compile()


def _depth_first(root: LeanValue) -> list[LeanValue]:
    """Every node of root's graph, children before parents: a recursive search, as the
    design has it (a GPT step's graph is deep, so the recursion limit is raised meanwhile)."""
    order: list[LeanValue] = []
    visited: set[LeanValue] = set()

    def place(node: LeanValue) -> None:
        visited.add(node)
        for child in node._children:
            if child not in visited:
                place(child)
        order.append(node)

    with _recursion_limit(100_000):
        place(root)
    return order


@contextlib.contextmanager
def _recursion_limit(at_least: int) -> Iterator[None]:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, at_least))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
