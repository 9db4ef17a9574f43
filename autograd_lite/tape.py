"""The tape: record a graph once, replay its forward and backward pass as straight-line Python.

`Tape(root)` takes a built graph, writes Python for the forward pass (one line
per value that is read by name; a value read once is written where it is read:
`v9 = v1 * v2 + v3`) and for the reverse pass (one line per gradient, the sum
over the node's outgoing edges of local derivative times the consumer's
gradient: the chain rule of eqs. 10-19 spelled out, "backprop as a program"),
compiles it once, and `run()` replays it on the leaves' current `.data`
without building any `Value`. `forward()` replays the forward pass alone (for
evaluation: no gradient, no `.grad` touched). Everything comes from the rule
table: forward code from each rule's `code` template, derivatives by calling
each rule's `partials` on symbols that write code instead of computing, once
per rule and constant. `tape.source()` shows the program.

Recording is fast because CPython's compiler is slow: it costs about as much
per statement and per pair of parentheses as per operator, so the generated
code has as few statements and parentheses as keep the same float operations
in the same order.

Rules of the replay:
- it re-reads every leaf's `.data` and adds into every leaf's `.grad`, as
  `backward()` does (zero them first, e.g. `model.zero_grad()`); interior
  nodes, and `layer.z` / `layer.a`, keep the values of the recorded pass,
  except the root and the nodes named in `Tape(root, keep=[...])`, whose
  `.data` both `run()` and `forward()` update;
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

import ast
import re
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from . import ops
from .engine import Value, apply, collector_paused, gradients, refuse_local_grads, topological_order

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
    """A recorded graph, replayed fast: `Tape(root).run()` redoes forward and backward,
    `forward()` the forward pass alone."""

    def __init__(self, root: Value, *, keep: Sequence[Value] = (), backward: bool = True,
                 rebuild: Callable[[], Value] | None = None, check: bool = False) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Tape: expected a Value, got {type(root).__name__}")
        if check and rebuild is None:
            raise ValueError("Tape: check=True needs rebuild=fn, a function that rebuilds the graph")
        started = time.perf_counter()
        self.root = root
        self.rebuild, self.check = rebuild, check
        with collector_paused():
            order = topological_order(root)
            refuse_local_grads(order, "Tape")  # microgpt-style nodes: no forward to replay
            self.keep = _kept(order, keep)
            self.leaves = [node for node in order if node._rule is None]
            self._signature = _signature(order) if check else None  # only check=True compares it
            self._namespace: dict[str, Any] = dict(ops.CODE_FUNCTIONS)
            self._program = _Program(order, self.leaves, self.keep, self._namespace, backward)
            self._forward: Callable[..., float] | None = None
            if backward:
                self._source = self._program.replay_source()
                self._replay = _compiled(self._source, "replay", self._namespace)
            else:  # forward() only: compile that program now, as part of the recording
                self._source = self._program.forward_source()
                self._forward = _compiled(self._source, "forward", self._namespace)
        self.backward = backward
        self.nodes = len(order)
        self.compile_seconds = time.perf_counter() - started

    def source(self, *, forward: bool = False) -> str:
        """The generated program: forward lines, then the chain rule, one line per gradient
        (`forward=True`, or a tape recorded with backward=False: the program of `forward()`)."""
        return self._program.forward_source() if forward else self._source

    def run(self) -> float:
        """Replay forward and backward on the leaves' current data; add into their .grad;
        set the `.data` of the root and of the kept nodes; return the root's value."""
        if not self.backward:
            raise ValueError("Tape.run: this tape was recorded with backward=False; use forward()")
        with collector_paused():
            try:
                value = self._replay(self.leaves, self.keep)
            except (ZeroDivisionError, OverflowError, ValueError):
                _explain_failure(self.root)  # an eager pass raises the engine's named error
                raise
        self.root.data = value
        if self.check:
            self._compare_with_rebuild(value)
        return value

    def forward(self) -> float:
        """Replay the forward pass only, on the leaves' current data: set the `.data` of the
        root and of the kept nodes (`Tape(root, keep=[...])`), return the root's value.
        No gradient is computed and no `.grad` changes. Compiled on first use."""
        if self._forward is None:
            self._forward = _compiled(self._program.forward_source(), "forward", self._namespace)
        with collector_paused():
            try:
                value = self._forward(self.leaves, self.keep)
            except (ZeroDivisionError, OverflowError, ValueError):
                _explain_failure(self.root, backward=False)
                raise
        self.root.data = value
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


def _kept(order: list[Value], keep: Sequence[Value]) -> list[Value]:
    """The nodes to keep up to date, checked to be nodes of the recorded graph."""
    keep = list(keep)
    in_graph = set(order)
    for node in keep:
        if not isinstance(node, Value):
            raise TypeError(f"Tape: keep= takes Values, got {type(node).__name__}")
        if node not in in_graph:
            raise ValueError(f"Tape: keep= names a node that is not in the recorded graph: {node!r}")
    return keep


# Compiled programs by source text: a graph recorded again with the same structure (each
# epoch of nn.train, a notebook cell run twice) reuses the compiled code.
_COMPILED: dict[str, Any] = {}
_COMPILED_KEPT = 4


def _compiled(source: str, name: str, namespace: dict[str, Any]) -> Callable[..., float]:
    code = _COMPILED.pop(source, None)
    if code is None:
        code = compile(source, f"<autograd_lite tape: {name}>", "exec")
    _COMPILED[source] = code  # most recent last
    while len(_COMPILED) > _COMPILED_KEPT:
        del _COMPILED[next(iter(_COMPILED))]
    exec(code, namespace)  # generated by _Program from the rule table, never from user text
    return namespace[name]


def _signature(order: list[Value]) -> list[tuple]:
    """What makes two graphs the same program: each node's op, constant and parents."""
    index = {node: i for i, node in enumerate(order)}
    return [(node._rule.name if node._rule else "leaf", node._arg, tuple(index[p] for p in node._prev))
            for node in order]


def _templates(rule: ops.Rule, arg: float | None, n: int, cache: dict) -> _Templates:
    """The rule's forward and partials as code templates ({0}, {1}: the inputs, {n}: the
    output), for one rule, constant and number of inputs n (n varies for a variadic rule):
    traced once per triple, not once per node."""
    key = (rule, None if arg is None else _literal(arg), n)  # as written: 0.0 == -0.0, but not in code
    found = cache.get(key)
    if found is None:
        slots = [f"{{{i}}}" for i in range(n + 1)]  # the inputs, then the output
        c = None if arg is None else _literal(arg)
        forward, precedence, needs = _shape(rule.template(n).format(*slots[:-1], c=c))
        local = _trace(rule, slots[:-1], slots[-1], arg)
        if local is None:
            used = frozenset(range(n + 1))
        else:
            local = tuple(_tidy(p) if isinstance(p, Symbol) else p for p in local)
            used = frozenset(i for i, slot in enumerate(slots) for p in local
                             if isinstance(p, tuple) and slot in p[0])
        uses = tuple(forward.count(slot) for slot in slots[:-1])
        found = cache[key] = _Templates(forward, precedence, needs, uses, local, used)
    return found


class _Templates(NamedTuple):
    forward: str              # e.g. "{0} * {1}"
    precedence: int           # of the whole forward expression (see _PRECEDENCE)
    needs: tuple[int, ...]    # per input: the least precedence it may have without parentheses
    uses: tuple[int, ...]     # per input: how often the forward code reads it
    partials: tuple | None    # per input: a float or (code template, precedence); None: untraceable
    reads: frozenset          # the slots (inputs, output) the partials read


# Python's operator precedence, as far as generated code needs it: an expression of lower
# precedence than its place requires is parenthesised, and no other parentheses are written
# (they cost CPython's parser more than the arithmetic costs at run time).
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2, ast.Pow: 4}
_ATOM = 5


def _precedence(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return _PRECEDENCE.get(type(node.op), 0)
    if isinstance(node, ast.UnaryOp):
        return 3
    return _ATOM if isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)) else 0


def _needed(parent: ast.AST, child: ast.AST) -> int:
    """The least precedence `child` may have in its place in `parent` without parentheses."""
    if isinstance(parent, ast.BinOp):
        level = _precedence(parent)
        if level == 4:  # ** is right-associative and binds tighter than a unary minus on its left
            return _ATOM if child is parent.left else 3
        return level if child is parent.left else level + 1
    if isinstance(parent, ast.UnaryOp):
        return 3
    if isinstance(parent, ast.Call):
        return 0
    return _ATOM


def _parse(code: str) -> ast.expr:
    return ast.parse(_SLOT.sub(r"_slot\1_", code), mode="eval").body


def _unparse(tree: ast.AST) -> str:
    return _NAME.sub(r"{\1}", ast.unparse(tree))


_SLOT = re.compile(r"\{(\d+)\}")
_NAME = re.compile(r"_slot(\d+)_")


def _tidy(symbol: Symbol) -> tuple[str, int]:
    """A traced partial with only the parentheses it needs, and its precedence."""
    tree = _parse(symbol.code)
    return _unparse(tree), _precedence(tree)


def _shape(template: str) -> tuple[str, int, tuple[int, ...]]:
    """A forward template with only the parentheses it needs, its precedence, and for
    each input slot the least precedence an expression put there may have bare."""
    tree = _parse(template)
    needs: dict[int, int] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.Name) and _NAME.fullmatch(child.id):
                slot = int(_NAME.fullmatch(child.id).group(1))
                needs[slot] = max(needs.get(slot, 0), _needed(parent, child))
    count = max(needs, default=-1) + 1
    return _unparse(tree), _precedence(tree), tuple(needs.get(i, _ATOM) for i in range(count))


class _Program:
    """The lines of a tape's program, generated from the rule table.

    forward: one line per node (eqs. 1-3 for a network): `v7 = v3 * v5`.
    backward: one line per node that receives a gradient, in reverse topological
    order: its gradient is the sum of one term per outgoing edge, `partial * g`
    of the consumer, in the order eager backward adds them (so the sums round
    alike, bit for bit). A node whose only term is a consumer's gradient itself
    (an edge of `+`) gets no line: it shares that gradient's name.
    """

    def __init__(self, order: list[Value], leaves: list[Value], keep: list[Value],
                 namespace: dict[str, Any], backward: bool = True) -> None:
        # Work on positions in `order`: node i is named v<i> and its gradient g<i>.
        index = {node: i for i, node in enumerate(order)}
        position = index.__getitem__
        parents = [tuple(map(position, node._prev)) for node in order]
        self.names = [f"v{i}" for i in range(len(order))]
        cache: dict = {}
        shapes = [None if node._rule is None else
                  _templates(node._rule, node._arg, node._rule.arity or len(node._prev), cache)
                  for node in order]
        leaf_slot = {index[leaf]: k for k, leaf in enumerate(leaves)}
        kept = [index[node] for node in keep]
        self.forward = [f"    v{i} = L[{k}].data" for i, k in leaf_slot.items()]
        self._write_forward(parents, shapes, kept, backward)
        self.keep = [f"    K[{k}].data = v{i}" for k, i in enumerate(kept)]
        self.root = f"v{len(order) - 1}"
        self.backward: list[str] = []
        self.write_back: list[str] = []
        if backward:
            grad = self._write_backward(order, parents, shapes, namespace)
            self.write_back = [f"    L[{k}].grad += {_parenthesised(grad[i])}"
                               for i, k in leaf_slot.items() if grad[i] is not None]

    def _write_forward(self, parents: list[tuple[int, ...]], shapes: list, kept: list[int],
                       backward: bool) -> None:
        """One line per node whose value is named; a value read once, by the forward
        code alone, is written into its reader's line instead (`v9 = v1 * v2 + v3`)."""
        n = len(parents)
        uses = [0] * n
        named = [False] * n
        named[-1] = True
        for i in kept:
            named[i] = True
        for i, shape in enumerate(shapes):
            if shape is None:
                continue
            ins = parents[i]
            for slot, count in enumerate(shape.uses):
                uses[ins[slot]] += count
            for slot in shape.reads if backward else ():  # the backward lines read these by name
                named[i if slot == len(ins) else ins[slot]] = True
        inline: dict[int, tuple[str, int, int]] = {}  # node -> (code, precedence, ops in it)
        append, names = self.forward.append, self.names
        for i, shape in enumerate(shapes):
            if shape is None:
                continue
            args, size = [], 1
            for slot, p in enumerate(parents[i]):
                found = inline.pop(p, None)
                if found is None:
                    args.append(names[p])
                else:
                    code, precedence, ops_in = found
                    args.append(code if precedence >= shape.needs[slot] else f"({code})")
                    size += ops_in
            code = shape.forward.format(*args)
            if uses[i] == 1 and not named[i] and size < _MAX_INLINED:
                inline[i] = (code, shape.precedence, size)
            else:
                append(f"    v{i} = {code}")

    def _write_backward(self, order: list[Value], parents: list[tuple[int, ...]], shapes: list,
                        namespace: dict[str, Any]) -> list[str | None]:
        """One line per node that receives a gradient (see the class docstring); returns each
        node's gradient as code (None: none reaches it)."""
        n = len(order)
        root = n - 1
        grad: list[str | None] = [None] * n
        grad[root] = f"g{root}"
        terms: list[list[str] | None] = [None] * n
        append, names = self.backward.append, self.names
        append(f"    g{root} = 1.0")
        for i in range(root, -1, -1):
            shape = shapes[i]
            if i != root:
                pending = terms[i]
                if pending is None:
                    continue  # no gradient reaches it (not met: every edge passes a term, a 0.0 one too)
                terms[i] = None
                if len(pending) == 1 and pending[0].isidentifier():
                    grad[i] = pending[0]  # an edge of +: the consumer's gradient itself
                elif shape is None:
                    grad[i] = " + ".join(pending)  # a leaf: written into its .grad
                    continue
                else:
                    grad[i] = f"g{i}"
                    append(f"    g{i} = {' + '.join(pending)}")
            if shape is None:
                continue
            ins = parents[i]
            args = [names[p] for p in ins]
            local = shape.partials
            if local is None:  # untraceable partials: call the rule's own function
                node = order[i]
                namespace[f"P{i}"] = node._rule.partials
                call_args = ", ".join([*args, f"v{i}"] + ([_literal(node._arg)] if node._rule.const else []))
                append(f"    d{i} = P{i}({call_args})")
                local = tuple((f"d{i}[{k}]", _ATOM) for k in range(len(args)))
            g = grad[i]
            for p, partial in zip(ins, local):
                if type(partial) is tuple:
                    code, precedence = partial
                    code = code.format(*args, names[i])
                    term = f"{code} * {g}" if precedence >= 2 else f"({code}) * {g}"
                elif partial == 1.0:
                    term = g
                elif partial == -1.0:
                    term = f"-{g}"
                else:  # 0.0 too: eager adds 0.0 * g, nan where g is inf, -0.0 where g < 0
                    term = f"{_literal(partial)} * {g}"
                if terms[p] is None:
                    terms[p] = [term]
                else:
                    terms[p].append(term)
        return grad

    def replay_source(self) -> str:
        """`replay(L, K)`: forward, backward, the leaves' .grad; returns the root's value."""
        return "\n".join([
            "def replay(L, K):",
            "    # forward: one line per named value (a value read once is written where it is read)",
            *self.forward,
            *self.keep,
            "    # backward: each node's gradient, the sum over its outgoing edges of",
            "    # local derivative * the consumer's gradient (an edge of + passes it on as is)",
            *self.backward,
            "    # accumulate into the leaves, as backward() does",
            *self.write_back,
            f"    return {self.root}",
        ]) + "\n"

    def forward_source(self) -> str:
        """`forward(L, K)`: the forward lines only; returns the root's value."""
        return "\n".join(["def forward(L, K):", *self.forward, *self.keep, f"    return {self.root}"]) + "\n"


_MAX_INLINED = 40  # ops written into one line at most: keeps lines readable and nesting shallow


def _parenthesised(expression: str) -> str:
    # x.grad += a + b adds (a + b), the sum eager backward makes first, then adds it.
    return f"({expression})" if " + " in expression else expression


def _explain_failure(root: Value, backward: bool = True) -> None:
    """Rebuild the recorded graph eagerly on the leaves' current data (a detached copy, so no
    .grad changes), so that a domain error surfaces with the engine's own message."""
    probe: dict[Value, Value] = {}
    for node in topological_order(root):
        if node._rule is None:
            probe[node] = Value(node.data)
        else:
            probe[node] = apply(node._rule, *[probe[p] for p in node._prev], c=node._arg)
    if backward:
        gradients(probe[root])
