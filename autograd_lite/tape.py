"""The tape: record a graph once, replay its forward and backward pass as straight-line Python.

`Tape(root)` takes a built graph, writes one line of Python per node for the
forward pass and one per nonzero local derivative for the reverse pass (the
chain rule of eqs. 10-19 spelled out, "backprop as a program"), compiles it
once, and `run()` replays it on the leaves' current `.data` without building
any `Value`. Everything comes from the rule table: forward lines from each
rule's `code` template, derivative lines by calling each rule's `partials` on
symbols that write code instead of computing. `tape.source()` shows it.

Rules of the replay:
- it re-reads every leaf's `.data` and adds into every leaf's `.grad`, as
  `backward()` does (zero them first, e.g. `model.zero_grad()`); interior
  nodes, and `layer.z` / `layer.a`, keep the values of the recorded pass;
- the graph's *structure* is frozen: code that branches on data while building
  the graph (an `if x.data > 0`, a max taken as a constant, the stable
  softplus of the cross-entropy cost) replays the branch it recorded. Within
  an op, data-dependent derivatives (relu, abs) are replayed correctly. To be
  safe, pass `rebuild=fn` (fn rebuilds the graph eagerly and returns its
  root) with `check=True`: each run then compares the rebuilt graph's
  structure and value with the replay and raises `TapeMismatchError`;
- results are bit-identical to eager `backward()`: the same formulas in the
  same order of accumulation.

Imports engine and ops. The code it compiles is generated here from the rule
table and float literals; nothing is read from a file or from user text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import ops
from .engine import Value, apply, collector_paused, gradients, topological_order

__all__ = ["Tape", "TapeMismatchError"]


class TapeMismatchError(RuntimeError):
    """The eagerly rebuilt graph differs from the recorded one (check=True)."""


class Symbol:
    """Stands in for a float while a rule's partials are traced: arithmetic writes code."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def _binary(self, op: str, other: Any, reflected: bool = False) -> Symbol:
        other_code = other.code if isinstance(other, Symbol) else _literal(other)
        left, right = (other_code, self.code) if reflected else (self.code, other_code)
        return Symbol(f"({left} {op} {right})")

    def __add__(self, other: Any) -> Symbol:
        return self._binary("+", other)

    def __radd__(self, other: Any) -> Symbol:
        return self._binary("+", other, reflected=True)

    def __sub__(self, other: Any) -> Symbol:
        return self._binary("-", other)

    def __rsub__(self, other: Any) -> Symbol:
        return self._binary("-", other, reflected=True)

    def __mul__(self, other: Any) -> Symbol:
        return self._binary("*", other)

    def __rmul__(self, other: Any) -> Symbol:
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other: Any) -> Symbol:
        return self._binary("/", other)

    def __rtruediv__(self, other: Any) -> Symbol:
        return self._binary("/", other, reflected=True)

    def __pow__(self, other: Any) -> Symbol:
        return self._binary("**", other)

    def __rpow__(self, other: Any) -> Symbol:
        return self._binary("**", other, reflected=True)

    def __neg__(self) -> Symbol:
        return Symbol(f"(-{self.code})")


def _function_method(name: str) -> Callable[[Symbol], Symbol]:
    def write_call(self: Symbol) -> Symbol:
        return Symbol(f"{name}({self.code})")

    return write_call


# Named functions inside partials (cos, log, step, ...) write a call of the
# float function the tape's namespace holds under the same name.
for _name in ops.CODE_FUNCTIONS:
    if callable(ops.CODE_FUNCTIONS[_name]):
        setattr(Symbol, _name, _function_method(_name))


def _literal(x: Any) -> str:
    """A float as Python source that reads back exactly (inf and nan are names in the namespace)."""
    return repr(float(x))


def _trace(rule: ops.Rule, args: list[str], out: str, c: float | None) -> tuple | None:
    """The rule's partials as code (Symbols) or floats; None if they cannot be traced."""
    symbols = [Symbol(a) for a in args] + [Symbol(out)]
    try:
        local = rule.partials(*symbols, c) if rule.const else rule.partials(*symbols)
        return tuple(local)
    except Exception:  # a user rule that branches on its inputs: call it at replay time
        return None


class Tape:
    """A recorded graph, replayed fast: `Tape(root).run()` redoes forward and backward."""

    def __init__(self, root: Value, *, rebuild: Callable[[], Value] | None = None,
                 check: bool = False) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape: expected a Value, got {type(root).__name__}")
        if check and rebuild is None:
            raise ValueError("Tape: check=True needs rebuild=fn, a function that rebuilds the graph")
        started = time.perf_counter()
        self.root = root
        self.rebuild, self.check = rebuild, check
        with collector_paused():
            order = topological_order(root)
            self.leaves = [node for node in order if node._rule is None]
            self._signature = _signature(order)
            namespace: dict[str, Any] = dict(ops.CODE_FUNCTIONS)
            self._source = _generate(order, self.leaves, namespace)
            exec(compile(self._source, "<autograd_lite tape>", "exec"), namespace)  # generated above
        self._replay = namespace["replay"]
        self.nodes = len(order)
        self.compile_seconds = time.perf_counter() - started

    def source(self) -> str:
        """The generated program: forward lines, then the chain rule, one line per term."""
        return self._source

    def run(self) -> float:
        """Replay forward and backward on the leaves' current data; add into their .grad;
        set and return the root's value."""
        with collector_paused():
            try:
                value = self._replay(self.leaves)
            except (ZeroDivisionError, OverflowError, ValueError):
                _explain_failure(self.root)  # an eager pass raises the engine's named error
                raise
        self.root.data = value
        if self.check:
            self._compare_with_rebuild(value)
        return value

    def _compare_with_rebuild(self, value: float) -> None:
        fresh = self.rebuild()  # type: ignore[misc]
        if not isinstance(fresh, Value):
            raise TypeError(f"Tape: rebuild must return a Value, got {type(fresh).__name__}")
        signature = _signature(topological_order(fresh))
        if signature != self._signature:
            at = next((i for i, (a, b) in enumerate(zip(signature, self._signature)) if a != b),
                      min(len(signature), len(self._signature)))
            raise TapeMismatchError(
                f"Tape: the rebuilt graph differs from the recorded one at node {at} "
                f"({len(signature)} nodes now, {len(self._signature)} recorded): the graph's "
                "structure depends on the data, so make a new Tape"
            )
        if fresh.data != value:
            raise TapeMismatchError(f"Tape: replay gave {value!r}, the rebuilt graph {fresh.data!r}")


def _signature(order: list[Value]) -> list[tuple]:
    """What makes two graphs the same program: each node's op, constant and parents."""
    index = {node: i for i, node in enumerate(order)}
    return [(node._rule.name if node._rule else "leaf", node._arg, tuple(index[p] for p in node._prev))
            for node in order]


def _generate(order: list[Value], leaves: list[Value], namespace: dict[str, Any]) -> str:
    """The replay function's source; helper callables it needs are put in `namespace`."""
    name = {node: f"v{i}" for i, node in enumerate(order)}
    leaf_index = {leaf: i for i, leaf in enumerate(leaves)}
    forward = [f"    {name[leaf]} = L[{i}].data" for i, leaf in enumerate(leaves)]
    for node in order:
        rule = node._rule
        if rule is None:
            continue
        args = [name[p] for p in node._prev]
        c = None if node._arg is None else _literal(node._arg)
        forward.append(f"    {name[node]} = {rule.code.format(*args, c=c)}")

    root = order[-1]
    grad = {root: f"g{name[root][1:]}"}
    backward = [f"    {grad[root]} = 1.0"]
    for node in reversed(order):
        rule = node._rule
        if rule is None or node not in grad:
            continue
        args = [name[p] for p in node._prev]
        local = _trace(rule, args, name[node], node._arg)
        if local is None:  # untraceable partials: call the rule's own function
            helper = f"P{name[node][1:]}"
            namespace[helper] = rule.partials
            call_args = ", ".join([*args, name[node]] + ([_literal(node._arg)] if rule.const else []))
            backward.append(f"    d{name[node][1:]} = {helper}({call_args})")
            local = tuple(Symbol(f"d{name[node][1:]}[{k}]") for k in range(len(args)))
        g = grad[node]
        for parent, partial in zip(node._prev, local):
            if isinstance(partial, Symbol):
                term = f"{partial.code} * {g}"
            elif partial == 0.0:
                continue
            elif partial == 1.0:
                term = g
            elif partial == -1.0:
                term = f"-{g}"
            else:
                term = f"{_literal(partial)} * {g}"
            if parent in grad:
                backward.append(f"    {grad[parent]} += {term}")
            else:
                grad[parent] = f"g{name[parent][1:]}"
                backward.append(f"    {grad[parent]} = {term}")
    write_back = [f"    L[{leaf_index[leaf]}].grad += {grad[leaf]}" for leaf in leaves if leaf in grad]
    return "\n".join([
        "def replay(L):",
        "    # forward: one line per node",
        *forward,
        "    # backward: the chain rule, one line per local derivative",
        *backward,
        "    # accumulate into the leaves, as backward() does",
        *write_back,
        f"    return {name[root]}",
    ]) + "\n"


def _explain_failure(root: Value) -> None:
    """Rebuild the recorded graph eagerly on the leaves' current data (a detached copy, so no
    .grad changes), so that a domain error surfaces with the engine's own message."""
    probe: dict[Value, Value] = {}
    for node in topological_order(root):
        if node._rule is None:
            probe[node] = Value(node.data)
        else:
            probe[node] = apply(node._rule, *[probe[p] for p in node._prev], c=node._arg)
    gradients(probe[root])
