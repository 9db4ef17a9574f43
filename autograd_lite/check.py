"""Checking someone else's engine: autograd_lite as the reference for a learner's micrograd.

`check_engine(cls)` builds a battery of small graphs with the learner's `Value`
class through its micrograd-shaped API, runs the learner's `backward()` and
compares every gradient with autograd_lite's for the same graph; a failing case
says in words which op's backward is wrong. `check_graph(root)` reads a graph the
learner has already built and backpropagated (micrograd's `_prev`/`_op`, or
microgpt's `_children`/`_local_grads`) and checks it the same way. `check_layer`
checks a NumPy layer's hand-written backward (CS231n's conventions) against an
exact reference: the layer's own forward run on object arrays of Values.

A reference must never blame a correct engine: where a learner's graph allows several
readings (a set's equal operands, `**` without its exponent, a number kept inside an op), the
one under which the gradients agree is taken, and a derivative its values hide is not judged.

The learner's code is a black box, run under guards: a recursion limit of about
1,000 frames beyond the caller's (so a recursive topological sort fails on the
2,000-node chain as it would in a fresh interpreter) and a limit on the size of a
graph read. An infinite loop in the learner's backward is out of scope: nothing
can stop it short of a second process.

Reads the rule table (`ops.RULES`) for the reference partials and to name an op;
imports `engine` and `ops`, `viz` lazily for `draw`, NumPy lazily for `check_layer`.
Never imports the learner's module (the CLI does that, on purpose).
"""

from __future__ import annotations

import contextlib
import html
import itertools
import math
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import Value, apply, enable_grad, gradients, local_derivatives, topological_order
from .ops import LOCAL_GRADS, RULES, Rule

__all__ = ["MAX_NODES", "RULE_ORDER", "CaseResult", "EngineReport", "InputCheck", "LayerReport",
           "check_engine", "check_graph", "check_layer"]

TOLERANCE = 1e-9
"""A gradient passes when |yours − reference| ≤ TOLERANCE · max(1, |reference|)."""

MAX_NODES = 1_000_000
"""The largest learner graph `check_graph` reads (pass max_nodes= to change it)."""

RECURSION_FRAMES = 1000
"""Frames the learner's code may use beyond the caller's: CPython's default limit."""

STATUSES = ("pass", "fail", "skip", "error", "limit", "note")

# The order in which a node without an op string (microgpt's) is matched to a rule: the
# first rule whose forward reproduces the node's value; `**` (exponent read off the stored
# local derivative) last. Documented in check_graph's docstring and the README.
RULE_ORDER = ("add", "sub", "mul", "div", "pow", "neg", "exp", "log", "tanh", "sigmoid", "relu",
              "softplus", "sin", "cos", "sqrt", "abs", "pow_const")

# micrograd's op strings (and common spellings) for rules; any rule's name or symbol works too.
OP_STRINGS = {"+": ("add",), "*": ("mul",), "-": ("sub", "neg"), "/": ("div",), "**": ("pow",),
              "ReLU": ("relu",), "relu": ("relu",), "neg": ("neg",), "tanh": ("tanh",), "exp": ("exp",),
              "log": ("log",), "sigmoid": ("sigmoid",)}

# The Python method that implements a rule, for messages ("your `__sub__` backward").
METHODS = {"add": "__add__", "add_const": "__add__", "sub": "__sub__", "sub_const": "__sub__",
           "rsub_const": "__rsub__", "mul": "__mul__", "mul_const": "__mul__", "div": "__truediv__",
           "div_const": "__truediv__", "rdiv_const": "__rtruediv__", "pow": "__pow__",
           "pow_const": "__pow__", "rpow_const": "__rpow__", "neg": "__neg__"}

WRONG_COLOUR = "#ffb3b3"


# ---------------------------------------------------------------------------
# Guards and small helpers


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


@contextlib.contextmanager
def recursion_guard(frames: int = RECURSION_FRAMES) -> Iterator[None]:
    """Run the learner's code with `frames` frames to spare beyond the current depth, whatever
    limit the caller's interpreter has: the same outcome in a notebook, a test or a script."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(_stack_depth() + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _agrees(yours: float, reference: float) -> bool:
    if yours == reference or (math.isnan(yours) and math.isnan(reference)):  # equal infinities too
        return True
    return abs(yours - reference) <= TOLERANCE * max(1.0, abs(reference))


def _error(yours: float, reference: float) -> float:
    if yours == reference:
        return 0.0
    return abs(yours - reference) / max(1.0, abs(reference))


def _fmt(x: float, sign: bool = False) -> str:
    """A number for messages: 6 significant digits, a real minus sign, '+' on request."""
    if math.isnan(x):
        return "nan"
    if x == 0:
        x = 0.0  # no "−0"
    text = f"{x:+.6g}" if sign else f"{x:.6g}"
    return text.replace("-", "−")


def _summary(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text and text[0] else type(error).__name__


def _number(x: Any, what: str) -> float:
    """x as a float, or a TypeError naming what it is."""
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"{what} is not a number: {type(x).__name__} ({repr(x)[:40]})") from None


def _json_number(x: float | None) -> float | str | None:
    if x is None or math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


# ---------------------------------------------------------------------------
# Reading a learner's graph: its nodes, children, op strings and stored local derivatives


@dataclass
class LearnerGraph:
    """A learner's graph as read: nodes in topological order (children first, root last)."""

    nodes: list[Any]
    children: list[tuple[int, ...]]     # indices of each node's children, as read
    ordered: list[bool]                 # False where the children came from a set (micrograd)
    op: list[str | None]
    local: list[tuple[float, ...] | None]
    data: list[float]
    via: str                            # "_prev" or "_children"
    rule: list[tuple[Rule, Any] | None] = field(default_factory=list)  # an autograd_lite node's own


def _children_of(node: Any) -> tuple[list, bool, tuple | None, str | None]:
    """(children, ordered, stored local derivatives or None, op string or None)."""
    op = getattr(node, "_op", None)
    op = op if isinstance(op, str) and op else None
    local = getattr(node, "_local_grads", None)
    if local is not None and hasattr(node, "_children"):
        children = node._children
        return list(children), True, tuple(local), op
    if hasattr(node, "_prev"):
        children = node._prev
    elif hasattr(node, "_children"):
        children = node._children
    else:
        raise TypeError(f"check_graph: a {type(node).__name__} has neither _prev nor _children: "
                        "the graph's structure cannot be read")
    if children is None:
        return [], True, None, op
    try:
        items = list(children)
    except TypeError:
        raise TypeError(f"check_graph: _prev of a {type(node).__name__} is not a collection: "
                        f"{type(children).__name__}") from None
    return items, isinstance(children, (tuple, list)), None, op


def read_graph(root: Any, max_nodes: int = MAX_NODES) -> LearnerGraph:
    """The learner's graph under `root`, read iteratively (any depth); a ValueError for a cycle
    or for more than `max_nodes` nodes."""
    index: dict[int, int] = {}
    state: dict[int, int] = {}  # id -> 1 on the current path, 2 done
    keep: list[Any] = []        # holds every node read, so that no id is reused meanwhile
    graph = LearnerGraph([], [], [], [], [], [], "", [])
    info: dict[int, tuple] = {}
    stack: list[tuple[Any, list, int]] = []

    def enter(node: Any) -> None:
        if len(state) >= max_nodes:
            raise ValueError(f"check_graph: the graph has more than max_nodes={max_nodes:,} nodes; "
                             "pass a larger max_nodes= or check a smaller graph")
        keep.append(node)
        state[id(node)] = 1
        children, ordered, local, op = _children_of(node)
        if local is not None and len(local) != len(children):
            raise ValueError(f"check_graph: a node has {len(children)} children but "
                             f"{len(local)} local grads")
        info[id(node)] = (children, ordered, local, op)
        stack.append((node, children, 0))

    enter(root)
    while stack:
        node, children, position = stack[-1]
        if position < len(children):
            stack[-1] = (node, children, position + 1)
            child = children[position]
            seen = state.get(id(child))
            if seen == 1:
                raise ValueError(f"check_graph: the graph has a cycle: a node with data "
                                 f"{_describe_data(child)} is its own ancestor (through "
                                 f"{'_children' if info[id(node)][2] is not None else '_prev'}); "
                                 "a computation graph must be acyclic")
            if seen is None:
                enter(child)
            continue
        stack.pop()
        state[id(node)] = 2
        children, ordered, local, op = info.pop(id(node))
        index[id(node)] = len(graph.nodes)
        graph.nodes.append(node)
        graph.children.append(tuple(index[id(c)] for c in children))
        graph.ordered.append(ordered)
        graph.local.append(None if local is None else
                           tuple(_number(g, "a stored local gradient") for g in local))
        graph.op.append(op)
        graph.data.append(_number(getattr(node, "data", None), "a node's data"))
        own = isinstance(node, Value) and node._rule is not None
        graph.rule.append((node._rule, node._arg) if own else None)
    graph.via = "_children" if any(x is not None for x in graph.local) else "_prev"
    return graph


def _describe_data(node: Any) -> str:
    try:
        return _fmt(float(node.data))
    except Exception:
        return "?"


# ---------------------------------------------------------------------------
# Rebuilding a learner's graph in autograd_lite: one rule per node


@dataclass
class Reading:
    """One way to read a learner's node: autograd_lite's node `made`, whose parents are the
    children at `slots`, and its partials summed per child in the learner's order (None where
    the rule's derivative is undefined)."""

    made: Value
    slots: tuple[int, ...]
    per_child: tuple[float, ...] | None = None


@dataclass
class Rebuilt:
    """The learner's graph rebuilt in autograd_lite: `values[i]` stands for graph.nodes[i];
    `slots[i]` are the indices behind values[i]'s parents, slot by slot. `alternatives[i]` holds
    the other readings of a node the graph cannot pin down (a set's equal operands, `**` with no
    exponent in its op string, a constant kept in the closure), each with other partials."""

    values: list[Value]
    slots: list[tuple[int, ...]]
    notes: list[str] = field(default_factory=list)
    forward: list[tuple[int, float, float]] = field(default_factory=list)   # (i, yours, reference)
    local: list[tuple[int, int, float, float]] = field(default_factory=list)  # (i, slot, yours, ref)
    alternatives: dict[int, list[Reading]] = field(default_factory=dict)
    undetermined: dict[int, str] = field(default_factory=dict)  # nodes whose number its values hide
    hooked: dict[int, tuple[float, ...] | None] = field(default_factory=dict)  # a hook node's partials


Hook = str | Rule | Callable[..., Value]


def _exponent_from_values(x: float, y: float) -> float | None:
    """k with x**k = y, read as log|y| / log|x| (a negative base only with a whole k of the
    right parity); None where the values cannot tell (x in {0, ±1}, y = 0)."""
    if x == 0 or abs(x) == 1 or y == 0 or not (math.isfinite(x) and math.isfinite(y)):
        return None
    k = _snap(math.log(abs(y)) / math.log(abs(x)))
    if x < 0 and (k != int(k) or (y < 0) != (int(k) % 2 == 1)):
        return None
    return k


def _base_from_values(x: float, y: float) -> float | None:
    """c with c**x = y (c > 0), or None."""
    if x == 0 or y <= 0 or not math.isfinite(y):
        return None
    return y ** (1.0 / x)


def _snap(k: float) -> float:
    nearest = round(k * 2) / 2
    return nearest if abs(k - nearest) <= 1e-9 * max(1.0, abs(k)) else k


# A one-child node whose op string names a binary op holds a number kept in the closure
# (Value(self.data * other, (self,), '*')): its const rules, the constant read off the values.
CONSTANT_FROM_VALUES: dict[str, tuple[tuple[str, Callable[[float, float], float | None]], ...]] = {
    "add": (("add_const", lambda x, y: y - x),),
    "sub": (("sub_const", lambda x, y: x - y), ("rsub_const", lambda x, y: x + y)),
    "mul": (("mul_const", lambda x, y: y / x if x != 0 else None),),
    "div": (("div_const", lambda x, y: x / y if y != 0 else None), ("rdiv_const", lambda x, y: x * y)),
    "pow": (("pow_const", _exponent_from_values), ("rpow_const", _base_from_values)),
}

# Rules whose inputs can be swapped without changing what each input receives: a set's two
# children are tried in one order only.
SYMMETRIC = frozenset({"add", "mul"})

Constant = float | Callable[[float, float], float | None] | None

_CANDIDATES: dict[tuple[str | None, int], list[tuple[Rule, Constant]]] = {}
_CANDIDATES_RULES: list[tuple[int, ...]] = [()]  # the rule table the cache was filled from


def _forget_stale_candidates() -> None:
    """Empty the candidates' cache if define_op has added, replaced or removed a rule since it
    was filled (called once per rebuild)."""
    rules = tuple(id(rule) for rule in RULES.values())
    if rules != _CANDIDATES_RULES[0]:
        _CANDIDATES.clear()
        _CANDIDATES_RULES[0] = rules


def _rule_candidates(op: str | None, n: int) -> list[tuple[Rule, Constant]]:
    """(rule, constant) pairs that an op string names, or RULE_ORDER for a node without one
    (a fresh list: the caller may add to it)."""
    found = _CANDIDATES.get((op, n))
    if found is None:
        found = _CANDIDATES[op, n] = _find_candidates(op, n)
    return list(found)


def _find_candidates(op: str | None, n: int) -> list[tuple[Rule, Constant]]:
    if op is None:
        return [(RULES[name], None) for name in RULE_ORDER if name != "pow_const" and
                (RULES[name].arity == n or (n == 1 and RULES[name].arity == 2))]
    names = list(OP_STRINGS.get(op, ()))
    names += [r.name for r in RULES.values()
              if not r.const and op in (r.name, r.symbol) and r.name not in names]
    found: list[tuple[Rule, Constant]] = [(RULES[name], None) for name in names]
    power = re.fullmatch(r"\*\*\s*(.+)", op)
    if power:
        with contextlib.suppress(ValueError):
            found.append((RULES["pow_const"], float(power.group(1))))
    elif n == 1:
        found += [(RULES[const], read) for name in names
                  for const, read in CONSTANT_FROM_VALUES.get(name, ())]
    return found


def _exponent(x: float, y: float, local: float) -> float | None:
    """k of y = x**k from the stored local derivative k·x**(k−1) = k·y/x."""
    if x == 0 or y == 0 or not math.isfinite(local):
        return None
    return _snap(local * x / y)


def _arrangements(kids: tuple[int, ...], arity: int | None, ordered: bool) -> list[tuple[int, ...]]:
    """The ways a rule may take the children: as given; every order if they came from a set;
    a set's single child in both slots (micrograd's `a + a`)."""
    if arity is None or arity == len(kids):
        return [kids] if ordered else list(dict.fromkeys(itertools.permutations(kids)))
    if len(kids) == 1 and arity == 2 and not ordered:
        return [(kids[0], kids[0])]
    return []


def _make(rule: Rule, parents: list[Value], c: float | None) -> Value | None:
    try:
        return apply(rule, *parents, c=c)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _partials(value: Value) -> tuple[float, ...] | None:
    try:
        return tuple(float(d) for d in local_derivatives(value))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _hook_value(hook: Hook, op: str, parents: list[Value]) -> Value:
    if isinstance(hook, str):
        if hook not in RULES:
            raise ValueError(f"check_graph: ops={{{op!r}: {hook!r}}} names no rule; "
                             f"rules: {', '.join(RULES)}")
        hook = RULES[hook]
    if isinstance(hook, Rule):
        made = apply(hook, *parents)
    else:
        made = hook(*parents)
    if not isinstance(made, Value):
        raise TypeError(f"check_graph: the function given for op {op!r} must return an autograd_lite "
                        f"Value, got {type(made).__name__}")
    return made


def _hook_partials(hook: Hook, op: str, inputs: list[float]) -> tuple[float, ...] | None:
    """d(hook)/d(input) per input, on fresh leaves (a hook may build inner nodes)."""
    leaves = [Value(x) for x in inputs]
    try:
        grads = gradients(_hook_value(hook, op, leaves))
    except ValueError:
        return None
    return tuple(float(grads.get(leaf, 0.0)) for leaf in leaves)


def rebuild(graph: LearnerGraph, hooks: Mapping[str, Hook] | None = None, *,
            who: str = "check_graph") -> Rebuilt:
    """The learner's graph in autograd_lite, one node per learner node (see check_graph for how
    each node's rule is found). A ValueError names an op string no rule matches, or a node with
    neither an op string nor stored local derivatives."""
    hooks = dict(hooks or {})
    out = Rebuilt([], [])
    _forget_stale_candidates()
    with enable_grad():
        for i, kids in enumerate(graph.children):
            if not kids:
                out.values.append(Value(graph.data[i]))
                out.slots.append(())
            elif graph.rule and graph.rule[i] is not None:  # autograd_lite's own node: its rule as it is
                _rebuild_own(out, graph, i)
            elif graph.op[i] is not None and graph.op[i] in hooks:
                _rebuild_hooked(out, graph, i, hooks[graph.op[i]])
            else:
                _rebuild_by_rule(out, graph, i, who)
    return out


def _rebuild_own(out: Rebuilt, graph: LearnerGraph, i: int) -> None:
    rule, arg = graph.rule[i]
    parents = tuple(out.values[k] for k in graph.children[i])
    made = Value(graph.data[i], parents, tuple(arg)) if rule is LOCAL_GRADS else apply(rule, *parents, c=arg)
    _record(out, graph, i, made, graph.children[i])


def _rebuild_hooked(out: Rebuilt, graph: LearnerGraph, i: int, hook: Hook) -> None:
    op, kids = graph.op[i], graph.children[i]
    made = _hook_value(hook, op, [out.values[k] for k in kids])
    where = {id(out.values[k]): k for k in kids}
    slots = tuple(where.get(id(p), kids[0]) for p in made._prev)
    out.hooked[i] = _hook_partials(hook, op, [graph.data[k] for k in kids])
    _record(out, graph, i, made, slots)


def _rebuild_by_rule(out: Rebuilt, graph: LearnerGraph, i: int, who: str) -> None:
    kids, data, op, local = graph.children[i], graph.data[i], graph.op[i], graph.local[i]
    if op is None and local is None:
        raise ValueError(f"{who}: node #{i + 1} (data {_fmt(data)}) has children but neither an op string "
                         "(_op) nor stored local derivatives (_local_grads): nothing tells its op (`+` from "
                         "`*`), so it cannot be checked; give each node micrograd's _op string")
    default, others, note, hidden = _choose(graph, i, out.values)
    if note:
        out.notes.append(note)
    if hidden:
        out.undetermined[i] = hidden
    if default is None:
        if local is None:
            raise ValueError(_unknown_op(who, op, len(kids), i, graph))
        made = Value(data, tuple(out.values[k] for k in kids), tuple(local))
        out.notes.append(f"no rule reproduces node #{i + 1} (data {_fmt(data)} from "
                         f"{', '.join(_fmt(graph.data[k]) for k in kids)}): its stored local "
                         "derivatives are taken as they are")
        _record(out, graph, i, made, kids)
        return
    if others:
        out.alternatives[i] = others
    _record(out, graph, i, default.made, default.slots)


def _unknown_op(who: str, op: str | None, n: int, i: int, graph: LearnerGraph) -> str:
    inputs = ", ".join(_fmt(graph.data[k]) for k in graph.children[i])
    what = f"op {op!r}" if op is not None else "a node without an op string"
    power = ("; a `**` node whose op string has no exponent gets it from its values, "
             "log|out| / log|x|, which these values do not tell: write the exponent into the op "
             "string (micrograd's f'**{k}')" if op is not None and "pow" in OP_STRINGS.get(op, ()) else "")
    return (f"{who}: no rule for {what} with {n} input(s) (node #{i + 1}: data {_fmt(graph.data[i])} "
            f"from {inputs}){power}; describe it with ops={{{op or 'OP'!r}: 'tanh'}} (a rule's name) or "
            f"ops={{{op or 'OP'!r}: lambda *inputs: ...}} (a function of autograd_lite Values)")


def _readings(graph: LearnerGraph, i: int,
              values: list[Value]) -> tuple[list[Reading], Reading | None, str]:
    """The readings of node i whose forward reproduces its value, the first reading that runs
    at all (what a node no reading reproduces is compared with), and words for a constant kept
    in the op that its values cannot tell (then the node's derivative is unknown)."""
    kids, data, op, local = graph.children[i], graph.data[i], graph.op[i], graph.local[i]
    candidates = _rule_candidates(op, len(kids))
    if op is None and local is not None and len(kids) == 1:
        k = _exponent(graph.data[kids[0]], data, local[0])
        if k is not None:
            candidates.append((RULES["pow_const"], k))
    fits: list[Reading] = []
    first_any: Reading | None = None
    hidden = ""
    for rule, c in candidates:
        arrangements = _arrangements(kids, rule.arity, graph.ordered[i])
        if rule.name in SYMMETRIC:  # another order gives each child the same partial
            arrangements = arrangements[:1]
        for slots in arrangements:
            constant = c(graph.data[slots[0]], data) if callable(c) else c
            if callable(c) and (constant is None or not math.isfinite(constant)):
                hidden = hidden or (f"the number node #{i + 1} (`{op}`) keeps cannot be read from its values "
                                    f"({_fmt(graph.data[slots[0]])} → {_fmt(data)}: "
                                    f"{'the exponent' if rule.name == 'pow_const' else 'the constant'} "
                                    "could be anything)")
                continue
            made = _make(rule, [values[k] for k in slots], constant)
            if made is None:
                continue
            reading = Reading(made, slots)
            first_any = first_any or reading
            if _agrees(made.data, data):
                fits.append(reading)
    if len(fits) > 1 or local is not None:  # partials to tell readings apart
        for reading in fits:
            partials = _partials(reading.made)
            if partials is not None:
                reading.per_child = tuple(_per_child(partials, reading.slots, kids))
    return fits, first_any, hidden


def _choose(graph: LearnerGraph, i: int,
            values: list[Value]) -> tuple[Reading | None, list[Reading], str, str]:
    """The reading of graph node i, the other readings with other partials that its value allows
    equally, a note where stored local derivatives decided between rules, and words where the
    node's derivative cannot be known (a constant its values hide)."""
    fits, first_any, hidden = _readings(graph, i, values)
    local = graph.local[i]
    if local is not None:  # the stored derivatives tell rules apart (relu, neg, abs at 0)
        fitting = [r for r in fits if r.per_child is not None and
                   all(_agrees(y, p) for y, p in zip(local, r.per_child))]
        if not fitting:
            return (fits[0] if fits else first_any if graph.op[i] is not None else None), [], "", ""
        first, chosen = fits[0].made, fitting[0].made
        note = ""
        if first._rule is not chosen._rule:
            note = (f"node #{i + 1} (data {_fmt(graph.data[i])}) is read as `{chosen._op}`, whose value "
                    f"and derivatives match its stored ones; `{first._op}` gives that value too (with "
                    f"derivatives {', '.join(_fmt(d) for d in fits[0].per_child or ())}): if it is "
                    f"`{first._op}`, its stored local derivatives are wrong")
        return fitting[0], [], note, ""
    if not fits:
        if hidden:
            raise ValueError(f"check_graph: {hidden}; make the number a node (Value(c)) or write the "
                             "exponent into the op string (micrograd's f'**{k}')")
        return (first_any if graph.op[i] is not None else None), [], "", ""
    others: list[Reading] = []
    for reading in fits[1:]:
        if reading.per_child is not None and not any(_same_partials(reading, r)
                                                     for r in (fits[0], *others)):
            others.append(reading)
    return fits[0], others, "", hidden


def _same_partials(a: Reading, b: Reading) -> bool:
    if a.per_child is None or b.per_child is None:
        return a.per_child is b.per_child
    return all(_agrees(x, y) for x, y in zip(a.per_child, b.per_child))


def _locals_agree(partials: tuple, slots: tuple, local: tuple, kids: tuple) -> bool:
    return all(_agrees(y, r) for y, r in zip(local, _per_child(partials, slots, kids)))


def _per_child(partials: tuple, slots: tuple[int, ...], kids: tuple[int, ...]) -> list[float]:
    """The rule's partials summed per child as the learner listed its children."""
    if tuple(slots) == tuple(kids):
        return list(partials)
    total: dict[int, float] = {}
    for k, d in zip(slots, partials):
        total[k] = total.get(k, 0.0) + d
    return [total.get(k, 0.0) for k in kids]


def _record(out: Rebuilt, graph: LearnerGraph, i: int, made: Value, slots: tuple[int, ...]) -> None:
    out.values.append(made)
    out.slots.append(tuple(slots))
    if not _agrees(graph.data[i], made.data):
        out.forward.append((i, graph.data[i], made.data))
    local = graph.local[i]
    if local is not None and made._rule is not LOCAL_GRADS:
        partials = _partials(made)
        if partials is not None:
            reference = _per_child(partials, tuple(slots), graph.children[i])
            for slot, (y, r) in enumerate(zip(local, reference)):
                if not _agrees(y, r):
                    out.local.append((i, slot, y, r))


# ---------------------------------------------------------------------------
# Readings the graph cannot tell apart: the one under which your gradients agree

MAX_SWEEP_WORK = 2_000_000
"""Node visits spent trying the readings of a graph that allows several (ample for any graph
with a handful of ambiguous nodes; beyond it, one node at a time)."""


def _sweep(graph: LearnerGraph, rebuilt: Rebuilt, chosen: dict[int, Reading]) -> list[float] | None:
    """Every node's gradient of the root, with the readings `chosen` for some nodes (None where
    a derivative on the way is undefined)."""
    grads = [0.0] * len(graph.nodes)
    grads[-1] = 1.0
    for i in range(len(graph.nodes) - 1, -1, -1):
        g, kids = grads[i], graph.children[i]
        if g == 0 or not kids:
            continue
        if i in chosen:
            per = chosen[i].per_child
        elif i in rebuilt.hooked:
            per = rebuilt.hooked[i]
        else:
            partials = _partials(rebuilt.values[i])
            per = None if partials is None else tuple(_per_child(partials, rebuilt.slots[i], kids))
        if per is None:
            return None
        for k, p in zip(kids, per):
            grads[k] += p * g
    return grads


def _count_wrong(yours: list[float | None], reference: list[float]) -> int:
    return sum(1 for y, r in zip(yours, reference) if y is not None and not _agrees(y, r))


def _settle(view: View, graph: LearnerGraph, rebuilt: Rebuilt,
            truth: Callable[[list[float]], bool] | None = None) -> tuple[str, str]:
    """Where some nodes can be read more than one way, take the readings under which your
    gradients agree (and, for check_engine, `truth(reference)`: the case's own nodes get the
    gradients its own graph gives). Returns (outcome, words): ("", "") with nothing to settle,
    "read" (a reading fits; the view follows it), "none" (no reading fits: the view follows the
    first that `truth` allows), "undecided" (too many readings to try)."""
    ambiguous = sorted(rebuilt.alternatives)
    if not ambiguous or (not view.wrong() and (truth is None or truth(view.reference))):
        return "", ""
    options: list[list[Reading | None]] = [[None, *rebuilt.alternatives[i]] for i in ambiguous]
    where = ", ".join(f"node #{i + 1} (`{view.ops[i]}`)" for i in ambiguous[:3])
    where += f" and {len(ambiguous) - 3} more" if len(ambiguous) > 3 else ""
    n = len(view.nodes)
    if math.prod(len(o) for o in options) * n <= MAX_SWEEP_WORK:
        fallback = None
        for combo in itertools.product(*options):
            chosen = {i: r for i, r in zip(ambiguous, combo) if r is not None}
            reference = _sweep(graph, rebuilt, chosen)
            if reference is None or (truth is not None and not truth(reference)):
                continue
            if not _count_wrong(view.yours, reference):
                _adopt(view, chosen, reference)
                return "read", (f"{where} can be read more than one way (equal operands of a set, or a "
                                "number kept inside the op); read the way under which your gradients agree"
                                f"{_readings_words(view, chosen)}")
            fallback = fallback or (chosen, reference)
        if fallback is not None:
            _adopt(view, *fallback)
        return "none", ""
    chosen, reference = {}, _sweep(graph, rebuilt, {})
    if reference is not None and len(ambiguous) * n <= MAX_SWEEP_WORK:
        for i, option in zip(reversed(ambiguous), reversed(options)):  # one node at a time
            for reading in option[1:]:
                trial = _sweep(graph, rebuilt, {**chosen, i: reading})
                if trial is not None and (_count_wrong(view.yours, trial)
                                          < _count_wrong(view.yours, reference)):
                    chosen, reference = {**chosen, i: reading}, trial
        if not _count_wrong(view.yours, reference):
            _adopt(view, chosen, reference)
            return "read", (f"{where} can be read more than one way; read the way under which your "
                            f"gradients agree{_readings_words(view, chosen)}")
    return "undecided", (f"{len(ambiguous):,} nodes ({where}) can be read more than one way (equal operands "
                         "of a set, or a number kept inside the op), too many readings to try them all, and "
                         "none tried makes your gradients agree: the gradients are not judged; give your "
                         "nodes ordered children (a tuple) and constants as nodes to have them checked")


def _readings_words(view: View, chosen: dict[int, Reading]) -> str:
    """Which nodes were read otherwise than first, and how (a set's single child under `+` is
    first read as micrograd's `a + a`: if that is what was built, a share was lost)."""
    if not chosen:
        return ""
    told = []
    for i, reading in list(chosen.items())[:3]:
        made = reading.made
        constant = f" with the number {_fmt(made._arg)}" if isinstance(made._arg, float) else ""
        twice = (f" (if it is `x {view.ops[i]} x`, a set's one child used twice, your backward lost a share: "
                 "`=` where `+=` belongs)") if len(reading.slots) == 1 and view.ops[i] in ("+", "*") else ""
        told.append(f"node #{i + 1} as {made._rule.name}{constant} from node(s) "
                    f"{', '.join(f'#{k + 1}' for k in reading.slots)}{twice}")
    return f": {'; '.join(told)}, not as first read"


def _adopt(view: View, chosen: dict[int, Reading], reference: list[float]) -> None:
    view.reference = reference
    for i, reading in chosen.items():
        view.values[i], view.slots[i] = reading.made, reading.slots


# ---------------------------------------------------------------------------
# Comparing gradients node by node and pointing at the op


@dataclass
class View:
    """One case's graph, yours beside the reference, node by node (topological order)."""

    nodes: list[Any]                 # the learner's objects
    values: list[Value]              # autograd_lite's node for each
    slots: list[tuple[int, ...]]     # index of each parent slot of values[i]
    names: list[str]
    ops: list[str]                   # the op text shown for node i ('' for a leaf)
    yours: list[float | None] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)

    def wrong(self) -> list[int]:
        return [i for i, (y, r) in enumerate(zip(self.yours, self.reference))
                if y is not None and not _agrees(y, r)]

    def max_error(self) -> float:
        errors = [_error(y, r) for y, r in zip(self.yours, self.reference) if y is not None]
        return max(errors, default=0.0)


def _method_for(view: View, i: int, case: Case | None) -> str:
    node = view.values[i]
    if case is not None and view.names[i] == "out" and case.method:
        return case.method
    rule = node._rule
    if rule is None:
        return "?"
    return METHODS.get(rule.name, rule.name)


def _op_words(view: View, i: int, case: Case | None) -> str:
    op = view.ops[i] or "?"
    method = _method_for(view, i, case)
    # `2 - a` runs __rsub__, which often just calls __sub__: the fault may be in either
    reflected = method.startswith("__r") and view.names[i] == "out"
    also = f" (or the `__{method[3:]}` it calls)" if reflected else ""
    return f"the `{op}` op: your `{method}`{also} backward"


def _shares(view: View, child: int) -> list[tuple[int, float, float]]:
    """(consumer, summed partial, share = partial × consumer's reference grad) for each op that
    uses `child`, in topological order."""
    found = []
    for i, slots in enumerate(view.slots):
        if child in slots:
            partials = _partials(view.values[i])
            if partials is None:
                continue
            d = sum(p for k, p in zip(slots, partials) if k == child)
            found.append((i, d, d * view.reference[i]))
    return found


Probe = Callable[[int, float], dict[int, float] | None]


def locate(view: View, case: Case | None = None, probe: Probe | None = None,
           local_ok: Callable[[int], bool | None] | None = None, after: str = "") -> str:
    """Say in words where the gradients go wrong: the first node, walking backward, whose
    gradient is wrong while the gradients of the nodes that use it are right sits under the
    faulty op. `probe(i, g)` runs op i's backward alone (your .grad set to g) and returns what
    each child received; `local_ok(i)` says whether op i's stored local derivatives are right;
    `after` is added to the words for a missing topological order."""
    wrong = set(view.wrong())
    root = len(view.nodes) - 1
    if root in wrong:
        return (f"{view.names[root]}.grad should be 1 after backward() (the walk starts from "
                f"d{view.names[root]}/d{view.names[root]} = 1); yours is {_fmt(view.yours[root])}")
    for child in range(root, -1, -1):
        shares = _shares(view, child) if child in wrong else []
        if shares:
            return _blame(view, case, child, shares, probe, local_ok, after)
    return "the gradients differ, but no single node could be blamed"


def _run_alone(view: View, child: int, shares: list[tuple[int, float, float]],
               probe: Probe | None) -> dict[int, float]:
    """What `child` receives from each op that uses it, that op's backward run alone."""
    alone: dict[int, float] = {}
    if probe is not None:
        for i, _, _ in shares:
            received = probe(i, view.reference[i])
            if received is not None and child in received:
                alone[i] = received[child]
    return alone


def _lost_accumulation(view: View, case: Case | None, child: int,
                       shares: list[tuple[int, float, float]]) -> str | None:
    """Words for a node used more than once that holds a single share (`=` where `+=` belongs)."""
    yours, right = view.yours[child], view.reference[child]
    slot_count = sum(view.slots[i].count(child) for i, _, _ in shares)
    single_shares = [p * view.reference[i] for i, _, _ in shares
                     for k, p in zip(view.slots[i], _partials(view.values[i]) or ()) if k == child]
    if slot_count < 2 or not any(_agrees(yours, s) for s in single_shares):
        return None
    users = " and ".join(f"`{view.ops[i]}`" for i, _, _ in shares)
    terms = " + ".join(_fmt(s) for s in single_shares)
    where = (f" ({_op_words(view, shares[0][0], case)})" if len(shares) == 1 else "")
    return (f"{view.names[child]} is used {slot_count} times (by {users}): its grad should be the sum of "
            f"the shares, {terms} = {_fmt(right)}; yours is {_fmt(yours)}, a single share: your backward "
            f"overwrites (`=`) where it must accumulate (`+=`), so a node used more than once keeps "
            f"only the last share{where}")


def _blame(view: View, case: Case | None, child: int, shares: list[tuple[int, float, float]],
           probe: Probe | None, local_ok: Callable[[int], bool | None] | None, after: str) -> str:
    """Words for a wrong gradient at `child` whose users' gradients are right."""
    name, yours, right = view.names[child], view.yours[child], view.reference[child]
    alone = _run_alone(view, child, shares, probe)
    lost = _lost_accumulation(view, case, child, shares)
    if lost is not None:
        return lost
    bad = [(i, d, s) for i, d, s in shares if i in alone and not _agrees(alone[i], s)]
    if local_ok is not None and not bad:
        bad = [(i, d, s) for i, d, s in shares if local_ok(i) is False]
    if bad:
        i, d, share = bad[0]
        received = alone.get(i, yours if len(shares) == 1 else math.nan)
        return _op_message(view, case, child, i, d, share, received)
    all_checked = (probe is not None and len(alone) == len(shares)) or (
        local_ok is not None and all(local_ok(i) is not None for i, _, _ in shares))
    if all_checked:
        i = shares[0][0]
        return (f"{name}.grad should be {_fmt(right)}; yours is {_fmt(yours)}, yet every op that uses "
                f"{name} computes its share right when run alone and their grads are right: your "
                f"backward ran an op's backward before that op's node had received all of its gradient "
                f"(e.g. `{view.ops[i]}` on {view.names[i]}): visit the nodes in reverse topological "
                "order (every node after all the nodes that use it)" + after)
    # Not run alone: run too early, an op sends d × (the part of its gradient that had arrived);
    # where no node is used twice, that part is all or nothing.
    early = (yours is not None and _agrees(yours, 0.0)) or _has_shared_node(view)
    if len(shares) == 1:
        i, d, share = shares[0]
        return _op_message(view, case, child, i, d, share, yours, confirmed=not early)
    sent = "; ".join(f"`{view.ops[i]}` on {view.names[i]} sends {_fmt(d)} × {view.names[i]}.grad = "
                     f"{_fmt(s)}" for i, d, s in shares)
    order = (", or your backward walk ran one of them before its node had all of its gradient (the order "
             "of your backward walk)") if early else ""
    return (f"{name}.grad should be {_fmt(right)}, the sum of what its users send ({sent}); yours "
            f"is {_fmt(yours, sign=True)}: the backward of one of these ops is wrong{order}")


def _has_shared_node(view: View) -> bool:
    """Whether some node feeds more than one op slot (then a walk out of order can leave a
    node's gradient half-arrived when its op runs)."""
    seen: set[int] = set()
    for slots in view.slots:
        for k in slots:
            if k in seen:
                return True
            seen.add(k)
    return False


def _op_message(view: View, case: Case | None, child: int, i: int, d: float, share: float,
                received: float | None, confirmed: bool = True) -> str:
    """Words for op i sending child a wrong share; `confirmed` when the op was run alone (or its
    stored local derivatives read), so that the order of the walk cannot be the cause."""
    got = "nothing" if received is None or math.isnan(received) else _fmt(received, sign=True)
    text = (f"{view.names[child]}.grad should receive {_fmt(d)} × {view.names[i]}.grad = {_fmt(share)}; "
            f"yours received {got} ({_op_words(view, i, case)}")
    if confirmed:
        return text + ")"
    return (text + ", or the order of your backward walk: this op's backward could not be run alone "
            "to tell, and running it before its node has all of its gradient gives the same symptom)")


# ---------------------------------------------------------------------------
# The report


@dataclass
class CaseResult:
    """One case of a check: its name, status, words and largest relative error."""

    name: str
    status: str
    message: str = ""
    max_error: float | None = None
    view: View | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message,
                "max_error": _json_number(self.max_error)}


MESSAGE_WIDTH = 120
"""The table's last column (the message) wraps at this many characters."""


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        head = "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  "
        wrapped = textwrap.wrap(row[-1], MESSAGE_WIDTH, break_long_words=False,
                                break_on_hyphens=False) or [""]
        lines.append(head + wrapped[0])
        lines += [" " * len(head) + more for more in wrapped[1:]]
    return "\n".join(line.rstrip() for line in lines)


@dataclass
class EngineReport:
    """The outcome of check_engine / check_graph: `.ok`, `.cases`, `.first_failure`, a table
    (`str`), `.to_dict()` for autograders, `.assert_ok()`, `.draw(case)`."""

    subject: str
    cases: list[CaseResult] = field(default_factory=list)
    graph_access: str = ""
    strict: bool = False

    @property
    def failing_statuses(self) -> frozenset[str]:
        """The statuses that make the report not ok ("limit" too when strict)."""
        return frozenset({"fail", "error", "limit"} if self.strict else {"fail", "error"})

    @property
    def ok(self) -> bool:
        return not any(case.status in self.failing_statuses for case in self.cases)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def first_failure(self) -> CaseResult | None:
        return next((case for case in self.cases if case.status in self.failing_statuses), None)

    def case(self, name: str) -> CaseResult:
        for case in self.cases:
            if case.name == name:
                return case
        raise KeyError(f"no case named {name!r}; cases: {', '.join(c.name for c in self.cases)}")

    def counts(self) -> dict[str, int]:
        found = [c.status for c in self.cases]
        return {s: found.count(s) for s in STATUSES if s in found}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        verdict = "OK" if self.ok else "NOT OK"
        return f"{self.subject}: {verdict} ({counts})"

    def __str__(self) -> str:
        rows = [("case", "status", "max rel err", "message")]
        for c in self.cases:
            err = "" if c.max_error is None else f"{c.max_error:.1e}"
            rows.append((c.name, c.status, err, c.message))
        lines = [self.summary()]
        if self.graph_access:
            lines.append(self.graph_access)
        return "\n".join([*lines, "", _table(rows)])

    def explanation(self) -> str:
        """The failing cases in words (what assert_ok raises)."""
        lines = [self.summary()]
        lines += [f"- {c.name} [{c.status}]: {c.message}" for c in self.cases
                  if c.status in self.failing_statuses]
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError with the explanation unless every case passed (or was skipped)."""
        if not self.ok:
            raise AssertionError(self.explanation())

    def to_dict(self) -> dict[str, Any]:
        """Plain data that json.dumps(..., allow_nan=False) accepts (for autograders)."""
        first = self.first_failure
        return {"subject": self.subject, "ok": self.ok, "strict": self.strict, "counts": self.counts(),
                "first_failure": None if first is None else first.name,
                "cases": [c.to_dict() for c in self.cases]}

    def _repr_html_(self) -> str:
        colours = {"pass": "#dff0d8", "fail": "#f8d7da", "error": "#f8d7da", "limit": "#fff3cd",
                   "skip": "#eeeeee", "note": "#e2e3f5"}
        rows = "".join(
            f'<tr style="background:{colours[c.status]}"><td>{html.escape(c.name)}</td>'
            f"<td>{html.escape(c.status)}</td><td>{'' if c.max_error is None else f'{c.max_error:.1e}'}</td>"
            f"<td>{html.escape(c.message)}</td></tr>" for c in self.cases)
        access = f"<p>{html.escape(self.graph_access)}</p>" if self.graph_access else ""
        return (f"<div><b>{html.escape(self.summary())}</b>{access}<table><tr><th>case</th><th>status</th>"
                f"<th>max rel err</th><th>message</th></tr>{rows}</table></div>")

    def draw_options(self, case_name: str) -> tuple[Value, dict[str, Any]]:
        """(root, options) that `draw` passes to viz.draw_dot (also right for viz.to_dot): the
        autograd_lite rebuild of the case, the reference gradients, each node's note "yours /
        reference" and the wrong nodes highlighted."""
        case = self.case(case_name)
        view = case.view
        if view is None or len(view.reference) != len(view.values):
            raise ValueError(f"case {case_name!r} has no graph to draw "
                             f"(status {case.status}: {case.message})")
        names: dict[Value, str] = {}
        notes: dict[Value, str] = {}
        highlight: dict[Value, str] = {}
        grads: dict[Value, float] = {}
        wrong = set(view.wrong())
        for i, value in enumerate(view.values):
            names.setdefault(value, view.names[i])
            grads[value] = view.reference[i]
            yours = view.yours[i] if i < len(view.yours) else None
            mark = " (wrong)" if i in wrong else ""
            notes[value] = (f"yours {'?' if yours is None else _fmt(yours, sign=True)} / reference "
                            f"{_fmt(view.reference[i], sign=True)}{mark}")
            if i in wrong:
                highlight[value] = WRONG_COLOUR
        return view.values[-1], {"grads": grads, "names": names, "notes": notes, "highlight": highlight}

    def draw(self, case_name: str, **options: Any) -> Any:
        """The case's graph drawn with both gradients on every node (yours / reference) and the
        wrong ones marked, by viz.draw_dot on autograd_lite's rebuild of the case (the record's
        grad is the reference's)."""
        from .viz import draw_dot

        root, drawn = self.draw_options(case_name)
        return draw_dot(root, **drawn, **options)


# ---------------------------------------------------------------------------
# check_engine: the battery


@dataclass(frozen=True)
class Case:
    """A graph built the same way on any micrograd-shaped class: build(V) returns the nodes it
    made as (name, node) pairs, the root last."""

    name: str
    build: Callable[[Any], list[tuple[str, Any]]]
    method: str = ""                      # the Python method the case is about
    needs: tuple[str, ...] = ()           # methods the class must have
    kind: str = "gradient"                # gradient, large, relu0, chain, twice, zeroed
    x: float | None = None                # a one-input case's input


A_, B_ = 1.3, -0.7


def _binary_case(name: str, method: str, make: Callable[[Any, Any], Any], left: Any, right: Any) -> Case:
    def build(v: Any) -> list[tuple[str, Any]]:
        made: list[tuple[str, Any]] = []
        a = v(left) if left is not None else None
        b = v(right) if right is not None else None
        if a is not None:
            made.append(("a", a))
        if b is not None:
            made.append(("b", b))
        x = a if a is not None else 2.0
        y = b if b is not None else 2.0
        out = make(x, y)
        made.append(("out", out))
        made.append(("loss", out * 0.5))
        return made

    return Case(name, build, method)


def _unary_case(name: str, method: str, x: float, make: Callable[[Any], Any], needs: tuple = (),
                kind: str = "gradient", scale: bool = True) -> Case:
    def build(v: Any) -> list[tuple[str, Any]]:
        a = v(x)
        out = make(a)
        made = [("a", a), ("out", out)]
        if scale:
            made.append(("loss", out * 0.5))
        return made

    return Case(name, build, method, needs, kind, x)


def _reuse_add(v: Any) -> list:
    a = v(A_)
    return [("a", a), ("out", a + a)]


def _reuse_mul(v: Any) -> list:
    a = v(A_)
    return [("a", a), ("out", a * a)]


def _diamond_first(v: Any) -> list:
    x = v(A_)
    y = x * 2.0
    t = y * 3.0
    return [("x", x), ("y", y), ("t", t), ("out", y + t)]


def _diamond_second(v: Any) -> list:
    x = v(A_)
    y = x * 2.0
    t = y * 3.0
    return [("x", x), ("y", y), ("t", t), ("out", t + y)]


def _neuron(v: Any) -> list:
    x1, x2, w1, w2, b = v(2.0), v(0.5), v(-3.0), v(1.0), v(6.8813735870195432)
    p1, p2 = x1 * w1, x2 * w2
    s = p1 + p2
    n = s + b
    o = n.tanh()
    return [("x1", x1), ("x2", x2), ("w1", w1), ("w2", w2), ("b", b), ("x1*w1", p1), ("x2*w2", p2),
            ("s", s), ("n", n), ("o", o)]


def _two_layers(v: Any) -> list:
    x1, x2 = v(0.5), v(-1.5)
    w11, w12, w21, w22 = v(0.8), v(-0.4), v(0.3), v(0.9)
    b1, b2, u1, u2 = v(0.1), v(-0.2), v(1.2), v(-0.7)
    z1 = x1 * w11 + x2 * w12 + b1
    z2 = x1 * w21 + x2 * w22 + b2
    h1, h2 = z1.relu(), z2.relu()
    y = h1 * u1 + h2 * u2
    e = y - 1.0
    loss = e ** 2
    return [("x1", x1), ("x2", x2), ("w11", w11), ("w12", w12), ("w21", w21), ("w22", w22), ("b1", b1),
            ("b2", b2), ("u1", u1), ("u2", u2), ("z1", z1), ("z2", z2), ("h1", h1), ("h2", h2), ("y", y),
            ("e", e), ("loss", loss)]


CHAIN_LENGTH = 2000


def _chain(v: Any) -> list:
    x = y = v(1.0)
    for _ in range(CHAIN_LENGTH):
        y = y * 1.0005
    return [("x", x), ("y", y)]


def _twice(v: Any) -> list:
    x = v(0.5)
    y = x * 3.0
    z = y * 4.0
    return [("x", x), ("y", y), ("z", z)]


def _cases() -> list[Case]:
    a, b = A_, B_
    cases = [
        _binary_case("a + b", "__add__", lambda x, y: x + y, a, b),
        _binary_case("a + 2", "__add__", lambda x, y: x + y, a, None),
        _binary_case("2 + a", "__radd__", lambda x, y: y + x, a, None),
        _binary_case("a - b", "__sub__", lambda x, y: x - y, a, b),
        _binary_case("a - 2", "__sub__", lambda x, y: x - y, a, None),
        _binary_case("2 - a", "__rsub__", lambda x, y: y - x, a, None),
        _binary_case("a * b", "__mul__", lambda x, y: x * y, a, b),
        _binary_case("a * 2", "__mul__", lambda x, y: x * y, a, None),
        _binary_case("2 * a", "__rmul__", lambda x, y: y * x, a, None),
        _binary_case("a / b", "__truediv__", lambda x, y: x / y, a, b),
        _binary_case("a / 2", "__truediv__", lambda x, y: x / y, a, None),
        _binary_case("2 / a", "__rtruediv__", lambda x, y: y / x, a, None),
        _unary_case("-a", "__neg__", a, lambda x: -x),
        _unary_case("a ** 3", "__pow__", a, lambda x: x ** 3),
        _unary_case("a ** -1.5", "__pow__", a, lambda x: x ** -1.5),
        _binary_case("a ** b", "__pow__", lambda x, y: x ** y, a, b),
        _binary_case("2 ** a", "__rpow__", lambda x, y: y ** x, a, None),
    ]
    for method in ("tanh", "exp", "log", "sigmoid", "relu"):
        cases.append(_unary_case(f"{method}(a)", method, a, lambda x, m=method: getattr(x, m)(), (method,)))
    cases.append(_unary_case("relu(b)", "relu", b, lambda x: x.relu(), ("relu",)))
    cases += [
        Case("a + a", _reuse_add, "__add__"),
        Case("a * a", _reuse_mul, "__mul__"),
        Case("diamond: y + y*3", _diamond_first),
        Case("diamond: y*3 + y", _diamond_second),
        Case("neuron: tanh(w·x + b)", _neuron, "tanh", ("tanh",)),
        Case("two layers: (relu(W x + b)·u − 1)**2", _two_layers, "relu", ("relu",)),
    ]
    for method in ("tanh", "exp"):
        for x in (30.0, -30.0, 1000.0, -1000.0):
            cases.append(_unary_case(f"{method}({x:g})", method, x, lambda v, m=method: getattr(v, m)(),
                                     (method,), kind="large", scale=False))
    cases += [
        _unary_case("relu(0)", "relu", 0.0, lambda x: x.relu(), ("relu",), kind="relu0", scale=False),
        Case(f"deep chain ({CHAIN_LENGTH:,} nodes)", _chain, kind="chain"),
        Case("second backward, no zeroing", _twice, kind="twice"),
        Case("second backward after zeroing", _twice, kind="zeroed"),
    ]
    return cases


CASES = _cases()


def _reference_view(case: Case, made_ref: list[tuple[str, Value]], learner: dict[int, Any]) -> View:
    """A view over the checker's own graph of the case (the named nodes only)."""
    root = made_ref[-1][1]
    order = topological_order(root)
    names = {id(node): name for name, node in made_ref}
    index = {id(node): i for i, node in enumerate(order)}
    return View(nodes=[learner.get(id(n)) for n in order], values=order,
                slots=[tuple(index[id(p)] for p in n._prev) for n in order],
                names=[names.get(id(n), f"#{i + 1}") for i, n in enumerate(order)],
                ops=[n._op for n in order])


def _learner_view(graph: LearnerGraph, rebuilt: Rebuilt, names: dict[int, str]) -> View:
    def name(i: int) -> str:
        node = graph.nodes[i]
        if id(node) in names:
            return names[id(node)]
        label = getattr(node, "label", "")
        if isinstance(label, str) and label:
            return label
        op = graph.op[i] or rebuilt.values[i]._op
        data = _fmt(graph.data[i])
        return f"node#{i + 1}(`{op}`, {data})" if op else f"leaf#{i + 1}({data})"

    return View(nodes=graph.nodes, values=rebuilt.values, slots=rebuilt.slots,
                names=[name(i) for i in range(len(graph.nodes))],
                ops=[graph.op[i] or rebuilt.values[i]._op for i in range(len(graph.nodes))])


def _read_grads(view: View) -> None:
    view.yours = [None if node is None else _number(getattr(node, "grad", None), f"{view.names[i]}.grad")
                  for i, node in enumerate(view.nodes)]


@dataclass
class _Built:
    made: list[tuple[str, Any]]
    view: View
    graph: LearnerGraph | None     # the learner's graph, where the view is over it
    rebuilt: Rebuilt | None


class _Recorder:
    """Wraps each op node's `_backward` (micrograd's closures) to see the order and the gradient
    each one ran with; `probe` runs one original backward alone."""

    def __init__(self, view: View, wrap: bool = True) -> None:
        self.view = view
        self.calls: list[tuple[int, float | None]] = []
        self.originals: dict[int, Callable[[], Any]] = {}
        for i, node in enumerate(view.nodes):
            if node is None or not view.slots[i]:
                continue
            original = getattr(node, "_backward", None)
            if not callable(original):
                continue
            if wrap:
                try:
                    node._backward = self._wrap(i, node, original)
                except (AttributeError, TypeError):
                    continue
            self.originals[i] = original

    def _wrap(self, i: int, node: Any, original: Callable[[], Any]) -> Callable[[], Any]:
        def recorded() -> Any:
            try:
                grad = float(node.grad)
            except Exception:
                grad = None
            self.calls.append((i, grad))
            return original()

        return recorded

    def restore(self) -> None:
        for i, original in self.originals.items():
            with contextlib.suppress(AttributeError, TypeError):
                self.view.nodes[i]._backward = original

    def order_problem(self) -> str | None:
        """Words for a backward that ran a node's backward before its gradient was complete,
        twice, or never (for a node that has a gradient to pass on)."""
        view = self.view
        seen: dict[int, int] = {}
        for i, grad in self.calls:
            seen[i] = seen.get(i, 0) + 1
            final = view.yours[i]
            if grad is not None and final is not None and not _agrees(grad, final):
                return (f"your backward ran the backward of {view.names[i]} (`{view.ops[i]}`) while "
                        f"{view.names[i]}.grad was {_fmt(grad)}, before all of its gradient had arrived (it "
                        f"ended at {_fmt(final)}): run each node's backward only after every node that "
                        "uses it has run its own, i.e. in reverse topological order (sort the graph first, "
                        "each node after its children, then walk that list backwards)")
        for i, count in seen.items():
            if count > 1:
                return (f"your backward ran the backward of {view.names[i]} (`{view.ops[i]}`) {count} times: "
                        "visit each node once, in reverse topological order")
        if self.originals:
            for i in self.originals:
                if i not in seen and view.reference[i] != 0:
                    return (f"your backward never ran the backward of {view.names[i]} (`{view.ops[i]}`): "
                            "visit every node of the graph, in reverse topological order")
        return None

    def probe(self, i: int, grad: float) -> dict[int, float] | None:
        original = self.originals.get(i)
        if original is None:
            return None
        view = self.view
        node = view.nodes[i]
        kids = sorted(set(view.slots[i]))
        saved = {k: view.nodes[k].grad for k in (i, *kids)}
        try:
            for k in kids:
                view.nodes[k].grad = 0.0
            node.grad = grad
            with recursion_guard():
                original()
            return {k: float(view.nodes[k].grad) for k in kids}
        except (Exception, SystemExit):
            return None
        finally:
            for k, g in saved.items():
                with contextlib.suppress(Exception):
                    view.nodes[k].grad = g


def _build_learner(cls: type, case: Case, made_ref: list[tuple[str, Value]], access: GraphAccess) -> _Built:
    """The case built with the learner's class, and its view: the learner's whole graph where it
    can be read and rebuilt (access.readable), else the checker's named nodes (a case whose graph
    cannot be read is listed in access.unreadable)."""
    with recursion_guard():
        made = case.build(cls)
    learner_by_ref = {id(r): node for (_, r), (_, node) in zip(made_ref, made)}
    if access.readable:
        try:
            return _learner_built(case, made)
        except Exception as error:  # whatever reading your graph raised: compare the checker's nodes
            access.unreadable.append(f"{case.name}: {error}")
    return _Built(made, _reference_view(case, made_ref, learner_by_ref), None, None)


def _learner_built(case: Case, made: list[tuple[str, Any]]) -> _Built:
    """The view over the learner's own graph of the case; a ValueError where it cannot stand for
    the case (a value no rule gives, or a node the case made missing from it)."""
    names = {id(node): name for name, node in made}
    graph = read_graph(made[-1][1], max_nodes=100_000)
    rebuilt = rebuild(graph, who="check_engine")
    if rebuilt.forward:
        i, yours, right = rebuilt.forward[0]
        raise ValueError(f"node #{i + 1} ({graph.op[i] or 'no op string'}) is {_fmt(yours)} where "
                         f"its rule gives {_fmt(right)}")
    if rebuilt.undetermined:
        raise ValueError(next(iter(rebuilt.undetermined.values())))
    present = {id(node) for node in graph.nodes}
    missing = [name for name, node in made if id(node) not in present]
    if missing:  # e.g. an op that keeps copies of its inputs as children
        raise ValueError(f"the node {missing[0]} the case made is not in your graph (do your ops keep "
                         "copies of their inputs as children?)")
    return _Built(made, _learner_view(graph, rebuilt, names), graph, rebuilt)


def _forward_problem(built: _Built, made_ref: list[tuple[str, Value]], case: Case) -> str | None:
    for (name, node), (_, ref) in zip(built.made, made_ref):
        try:
            data = float(node.data)
        except Exception:
            return f"{name}.data is not a number: {type(getattr(node, 'data', None)).__name__}"
        if not _agrees(data, ref.data):
            op = ref._op or "?"
            method = case.method if name == "out" and case.method else METHODS.get(
                ref._rule.name if ref._rule else "", op)
            return (f"forward: {name}.data should be {_fmt(ref.data)}; yours is {_fmt(data)} "
                    f"(the `{op}` op: your `{method}`)")
    return None


def _reference_gradients(view: View) -> list[float]:
    """autograd_lite's gradient of the view's root for every node of the view (a ValueError where
    a derivative on the way is undefined)."""
    grads = gradients(view.values[-1])
    return [float(grads.get(v, 0.0)) for v in view.values]


def _build_failure(cls: type, case: Case, error: Exception) -> CaseResult:
    """A case whose building raised: a skip, unless the op a large-input case is about raised."""
    if case.kind == "large" and callable(getattr(cls, case.method, None)) and case.x is not None:
        try:  # did the constructor raise, or the op itself?
            with recursion_guard():
                cls(case.x)
        except Exception:
            return CaseResult(case.name, "skip", f"building the case raised {_summary(error)}")
        if case.method == "exp" and isinstance(error, OverflowError):
            return CaseResult(case.name, "note", f"your exp raised {_summary(error)}, as Python's "
                              "math.exp does; autograd_lite (like PyTorch) gives inf")
        return CaseResult(case.name, "error", f"your {case.method} raised {_summary(error)}: it must "
                          f"work at large inputs (math.tanh does; tanh(±1000) = ±1)")
    return CaseResult(case.name, "skip", f"building the case raised {_summary(error)}")


def _run_backward(case: Case, built: _Built, recorder: _Recorder) -> CaseResult | None:
    """Run the learner's backward() on the case; a result where it raised."""
    try:
        with recursion_guard():
            built.made[-1][1].backward()
    except RecursionError:
        if case.kind == "chain":
            return CaseResult(case.name, "limit", f"your backward raised RecursionError on a chain of "
                              f"{CHAIN_LENGTH:,} nodes: a recursive backward walk (a recursive topological "
                              "sort, a build_topo that calls itself, or recursion over paths) goes one "
                              "Python frame deeper per node, and Python stops at about 1,000. Fix: sort "
                              "with an explicit stack (a while loop over a list) instead")
        return CaseResult(case.name, "error", "your backward raised RecursionError on a small graph")
    except (Exception, SystemExit) as error:
        return CaseResult(case.name, "error", f"your backward raised {_summary(error)}", view=built.view)
    finally:
        recorder.restore()
    return None


def _run_case(cls: type, case: Case, access: GraphAccess) -> CaseResult:  # noqa: PLR0911
    missing = [m for m in case.needs if not callable(getattr(cls, m, None))]
    if missing:
        return CaseResult(case.name, "skip", f"your class has no {missing[0]}()")
    with enable_grad():
        made_ref = case.build(Value)
    try:
        built = _build_learner(cls, case, made_ref, access)
    except RecursionError as error:
        return CaseResult(case.name, "error", f"building the graph raised {_summary(error)}")
    except Exception as error:
        return _build_failure(cls, case, error)
    view = built.view
    try:
        view.reference = _reference_gradients(view)
    except ValueError as error:  # the reference itself is undefined here (not expected)
        return CaseResult(case.name, "skip", f"no reference: {_summary(error)}")
    problem = _forward_problem(built, made_ref, case)
    if problem is not None:
        if case.kind == "large" and "nan" in problem:  # tanh(±1000) must be ±1, not NaN
            return CaseResult(case.name, "error", f"NaN at a large input: {problem}", view=view)
        return CaseResult(case.name, "fail", problem, view=view)
    recorder = _Recorder(view)
    raised = _run_backward(case, built, recorder)
    if raised is not None:
        return raised
    try:
        _read_grads(view)
    except TypeError as error:
        return CaseResult(case.name, "error", str(error), view=view)
    if case.kind in ("twice", "zeroed"):
        return _second_backward(case, built, view)
    if built.rebuilt is not None and built.rebuilt.alternatives:
        _settle(view, built.graph, built.rebuilt, _case_truth(built, made_ref))
    return _judge(case, built, recorder)


def _case_truth(built: _Built, made_ref: list[tuple[str, Value]]) -> Callable[[list[float]], bool]:
    """Whether a reference over the learner's graph gives the case's own nodes the gradients the
    checker's graph of the case gives them (the case knows what it built, the graph may not)."""
    truth = gradients(made_ref[-1][1])
    where = {id(node): i for i, node in enumerate(built.view.nodes)}
    pairs = [(where[id(node)], float(truth.get(ref, 0.0)))
             for (_, node), (_, ref) in zip(built.made, made_ref) if id(node) in where]
    return lambda reference: all(_agrees(reference[i], g) for i, g in pairs)


def _judge(case: Case, built: _Built, recorder: _Recorder) -> CaseResult:
    """The case's verdict from the gradients read after one backward()."""
    view = built.view
    wrong = view.wrong()
    error_size = view.max_error()
    if case.kind == "relu0":
        a = next(i for i, node in enumerate(view.nodes) if node is built.made[0][1])
        yours = view.yours[a]
        same = _agrees(yours, view.reference[a]) if yours is not None else False
        return CaseResult(case.name, "note", f"relu'(0) is a convention: autograd_lite takes 0 (as micrograd "
                          f"and PyTorch); yours gives {_fmt(yours) if yours is not None else '?'}"
                          f"{'' if same else ' (fine, if you mean it)'}", error_size, view)
    if not wrong:
        return CaseResult(case.name, "pass", "", error_size, view)
    if case.kind == "large" and any(y is not None and math.isnan(y) for y in view.yours):
        return CaseResult(case.name, "error", f"your gradient is NaN at a large input: "
                          f"{locate(view, case)}", error_size, view)
    order = recorder.order_problem() if recorder.originals else None
    if order is not None:
        return CaseResult(case.name, "fail", order, error_size, view)
    # Running one op alone needs your graph's own structure (its children are what it feeds).
    local_ok = _local_checker(built) if built.graph is not None else None
    probe = recorder.probe if recorder.originals and built.graph is not None else None
    return CaseResult(case.name, "fail", locate(view, case, probe, local_ok), error_size, view)


def _local_checker(built: _Built) -> Callable[[int], bool | None] | None:
    graph = built.graph
    if graph is None or not any(x is not None for x in graph.local):
        return None
    view = built.view

    def local_ok(i: int) -> bool | None:
        local = graph.local[i]
        if local is None:
            return None
        partials = _partials(view.values[i])
        if partials is None:
            return None
        return _locals_agree(partials, view.slots[i], local, graph.children[i])

    return local_ok


def _zero(view: View) -> None:
    for node in view.nodes:
        if node is not None:
            node.grad = 0


def _second_backward(case: Case, built: _Built, view: View) -> CaseResult:
    first = list(view.yours)
    root = built.made[-1][1]
    try:
        if case.kind == "zeroed":
            _zero(view)
        with recursion_guard():
            root.backward()
        _read_grads(view)
    except (Exception, SystemExit) as error:
        return CaseResult(case.name, "error", f"the second backward() raised {_summary(error)}", view=view)
    second = view.yours
    if case.kind == "zeroed":
        differ = [i for i, (a, b) in enumerate(zip(first, second)) if a is not None and not _agrees(b, a)]
        error_size = max((_error(second[i], first[i]) for i in differ), default=0.0)
        if not differ:
            return CaseResult(case.name, "pass", "after .grad = 0 on every node, backward() gives the same "
                              "gradients again", 0.0, view)
        i = differ[0]
        return CaseResult(case.name, "fail", f"after .grad = 0 on every node, a second backward() gave "
                          f"{view.names[i]}.grad = {_fmt(second[i])}, the first gave {_fmt(first[i])}: your "
                          "backward keeps state between calls (a topological order or a visited set kept on "
                          "the node?)", error_size, view)
    return CaseResult(case.name, "note", _twice_fact(built, first, second), None, view)


def _twice_fact(built: _Built, first: list[float | None], second: list[float | None]) -> str:
    """backward() twice with no zeroing, as a fact: what happened to x.grad and to the rest."""
    names = dict(built.made)
    where = {id(node): i for i, node in enumerate(built.view.nodes)}
    x, y = where.get(id(names["x"])), where.get(id(names["y"]))
    if x is None or first[x] is None or second[x] is None:
        return "backward() twice: x.grad could not be read"
    x1, x2 = first[x], second[x]
    both = [(a, b) for a, b in zip(first, second) if a is not None and b is not None]
    if _agrees(x2, 2 * x1) and len(both) == len(first) and all(_agrees(b, 2 * a) for a, b in both):
        fact = "accumulates: every gradient doubled (as autograd_lite and PyTorch do)"
    elif len(both) == len(first) and all(_agrees(b, a) for a, b in both):
        fact = "resets: every gradient is the same as after the first call"
    elif _agrees(x2, 3 * x1) and y is not None and first[y] is not None:
        fact = (f"interior gradients reused (micrograd's way): the root's grad is set to 1 again but y keeps "
                f"its {_fmt(first[y])} and adds as much again, so x gets twice that on top of what it had")
    else:
        fact = "none of: doubled, unchanged, micrograd's interior reuse"
    return (f"backward() twice with no zeroing: x.grad {_fmt(x1)} → {_fmt(x2)}: {fact}; zero every .grad "
            "before each backward()")


@dataclass
class GraphAccess:
    """Whether check_engine compares every node of the learner's graphs (readable), in words, and
    the cases where that graph could not be rebuilt (only the checker's nodes compared there)."""

    readable: bool
    words: str
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.unreadable:
            return self.words
        return (f"{self.words}; in {len(self.unreadable)} case(s) only the nodes the checker made are "
                f"compared, as your graph could not be rebuilt ({self.unreadable[0]})")


def _graph_access(cls: type) -> GraphAccess:
    try:
        with recursion_guard():
            a = cls(1.5)
            b = a * 2.0
        children, _, local, op = _children_of(b)
    except (Exception, SystemExit) as error:
        return GraphAccess(False, f"your graph's own nodes are not compared ({_summary(error)})")
    if not children:
        return GraphAccess(False, "your graph's own nodes are not compared (no _prev or _children to read)")
    if local is None and op is None:
        return GraphAccess(False, "your graph's own nodes are not compared (they have no _op string, so "
                           "nothing tells their ops apart)")
    how = "_children and _local_grads" if local is not None else "_prev and _op"
    return GraphAccess(True, f"every node of your graphs is compared, read through {how}")


def check_engine(cls: type, strict: bool = False) -> EngineReport:
    """Check a micrograd-shaped Value class: build small graphs with it, run its backward() and
    compare every gradient with autograd_lite's. A case that cannot be built (no tanh, no
    Value ** Value) is skipped; a wrong gradient fails and names the op; a RecursionError on the
    2,000-node chain is "limit" (a failure only when `strict`); anything else the learner's code
    raises (SystemExit too, not KeyboardInterrupt) is an "error" case, and the battery goes on."""
    if not isinstance(cls, type):
        raise TypeError(f"check_engine: expected a class (your Value), got {type(cls).__name__}")
    report = EngineReport(f"check_engine({cls.__name__})", strict=strict)
    access = _graph_access(cls)
    for case in CASES:
        try:
            report.cases.append(_run_case(cls, case, access))
        except SystemExit as error:
            report.cases.append(CaseResult(case.name, "error", f"your code raised {_summary(error)} "
                                           "(sys.exit?): a check cannot pass where the code exits"))
        except Exception as error:  # the learner's objects broke an assumption of the checker's
            report.cases.append(CaseResult(case.name, "error", f"checking this case raised "
                                           f"{_summary(error)}: your engine does something the checker "
                                           "cannot follow here"))
    if all(case.status == "skip" for case in report.cases):
        first = report.cases[0].message if report.cases else ""
        report.cases.append(CaseResult("any case at all", "error", f"no case could be built with your class, "
                                       f"so nothing was checked (the first: {first})"))
    report.graph_access = access.summary()
    return report



# ---------------------------------------------------------------------------
# check_graph: a graph the learner has built and backpropagated


def check_graph(root: Any, ops: Mapping[str, Hook] | None = None, *,
                max_nodes: int = MAX_NODES) -> EngineReport:
    """Check the gradients of a graph built in the learner's own engine, after `root.backward()`.

    The graph is read through micrograd's attributes (`data`, `grad`, `_prev`, `_op` with
    micrograd's op strings `+ * **k ReLU tanh exp`, or any rule's name or symbol; `_prev` may
    be a set: then `a + a` has one child and means 2a) or microgpt's (`_children`,
    `_local_grads`), iteratively, up to `max_nodes` nodes, and rebuilt in autograd_lite. A node
    without an op string gets the first rule of RULE_ORDER (add sub mul div pow neg exp log
    tanh sigmoid relu softplus sin cos sqrt abs, then `**`, whose exponent is read off the stored
    local derivative) whose forward reproduces its value from its children's; where several do
    (relu, abs and neg at 0), the first whose partials match the stored ones. Stored local
    derivatives are checked against the rule's partials; a node no rule fits keeps its stored
    numbers (said in the report). `ops` maps an op string of yours to a rule's name
    (`{"sig": "sigmoid"}`) or to a function of autograd_lite Values (`{"sq": lambda x: x * x}`);
    an op string nothing maps is a ValueError naming this hook. A cycle is a ValueError.

    Returns an EngineReport whose "gradients" case names the first wrong node walking back
    from the root (its label or op, its position) and the op under it.
    """
    if ops is not None and not isinstance(ops, Mapping):
        raise TypeError(f"check_graph: ops= must be a dict from op string to a rule name or a function, "
                        f"got {type(ops).__name__}")
    graph = read_graph(root, max_nodes)
    rebuilt = rebuild(graph, ops)
    view = _learner_view(graph, rebuilt, {})
    count = len(graph.nodes)
    report = EngineReport(f"check_graph({type(root).__name__}, {count:,} nodes)")
    if graph.via == "_children":
        how = "_children and _local_grads (microgpt's way)"
    else:
        how = "_prev and _op" if any(op is not None for op in graph.op) else "_prev"
    report.graph_access = f"read {count:,} nodes through {how}"
    report.cases += _rule_cases(graph, rebuilt, view)
    report.cases += _gradient_cases(graph, rebuilt, view)
    return report


def _unjudged(view: View, graph: LearnerGraph, rebuilt: Rebuilt) -> None:
    """Leave out the gradients below a node whose derivative its values hide (they depend on it)."""
    stack = [k for i in rebuilt.undetermined for k in graph.children[i]]
    while stack:
        k = stack.pop()
        if view.yours[k] is not None:
            view.yours[k] = None
            stack.extend(graph.children[k])


def _rule_cases(graph: LearnerGraph, rebuilt: Rebuilt, view: View) -> list[CaseResult]:
    """The notes on how nodes were read, the forward values and (microgpt's) stored derivatives."""
    cases = []
    if rebuilt.undetermined:
        first = next(iter(rebuilt.undetermined.values()))
        more = len(rebuilt.undetermined) - 1
        more_words = f" (and {more} more)" if more else ""
        cases.append(CaseResult("unknown derivatives", "note", f"{first}{more_words}: "
                                "the gradients below it are not judged; make the number a node (Value(c)) or "
                                "write the exponent into the op string (micrograd's f'**{k}')"))
    if rebuilt.notes:
        cases.append(CaseResult("rules", "note", "; ".join(rebuilt.notes[:3]) + (
            f"; and {len(rebuilt.notes) - 3} more" if len(rebuilt.notes) > 3 else "")))
    if rebuilt.forward:
        i, yours, right = rebuilt.forward[0]
        cases.append(CaseResult(
            "forward values", "fail",
            f"{len(rebuilt.forward)} node(s) hold a value their op does not give; the first, "
            f"{_position(view, i)}, holds {_fmt(yours)} where `{view.ops[i]}` of {_inputs(view, i)} "
            f"gives {_fmt(right)}",
            max(_error(y, r) for _, y, r in rebuilt.forward), view))
    else:
        cases.append(CaseResult("forward values", "pass", "", 0.0))
    if graph.via == "_children":
        if rebuilt.local:
            i, slot, yours, right = rebuilt.local[0]
            cases.append(CaseResult(
                "local derivatives", "fail",
                f"{len(rebuilt.local)} stored local derivative(s) differ from the rule's; the first: "
                f"{_position(view, i)} stores {_fmt(yours)} for its input {slot + 1}, the `{view.ops[i]}` "
                f"rule gives {_fmt(right)}",
                max(_error(y, r) for _, _, y, r in rebuilt.local), view))
        else:
            cases.append(CaseResult("local derivatives", "pass", "", 0.0))
    return cases


def _gradient_cases(graph: LearnerGraph, rebuilt: Rebuilt, view: View) -> list[CaseResult]:
    """Every node's .grad against the reference; where one is wrong, the first walking back."""
    count = len(graph.nodes)
    try:
        view.reference = _reference_gradients(view)
    except ValueError as error:
        return [CaseResult("gradients", "error", f"no reference: {_summary(error)}", view=view)]
    _read_grads(view)
    _unjudged(view, graph, rebuilt)
    outcome, words = _settle(view, graph, rebuilt)
    if outcome == "undecided":
        return [CaseResult("gradients", "note", words, None, view)]
    wrong = view.wrong()
    if not wrong:
        read = [CaseResult("readings", "note", words)] if words else []
        agree = CaseResult("gradients", "pass", f"all {count:,} gradients agree", view.max_error(), view)
        return [*read, agree]
    if all(y == 0 for y in view.yours if y is not None):
        message = f"every .grad is 0: call {view.names[-1]}.backward() before check_graph"
    else:
        local_ok = None
        if graph.via == "_children":
            def local_ok(i: int) -> bool | None:
                if graph.local[i] is None:
                    return None
                return not any(j == i for j, _, _, _ in rebuilt.local)
        prober = _Recorder(view, wrap=False)
        message = (f"{len(wrong):,} of {count:,} gradients differ; walking back from the root, the first "
                   f"wrong one is {_position(view, max(wrong))}: "
                   + locate(view, None, prober.probe if prober.originals else None, local_ok,
                            after=", unless a .grad was changed after backward()"))
        if outcome == "none":
            message += " (some nodes can be read more than one way; under none do your gradients agree)"
    return [CaseResult("gradients", "fail", message, view.max_error(), view)]


def _position(view: View, i: int) -> str:
    return f"{view.names[i]} (node #{i + 1} of {len(view.nodes):,}, inputs first)"


def _inputs(view: View, i: int) -> str:
    return "(" + ", ".join(_fmt(view.values[k].data) for k in view.slots[i]) + ")"


# ---------------------------------------------------------------------------
# check_layer: a NumPy layer's backward (CS231n's conventions)

LAYER_TOLERANCE = {"exact": 1e-7, "finite differences": 1e-5}
"""A layer's gradient is ok when its largest relative error is at most this, per reference."""

MAX_ELEMENTS = 20_000
"""check_layer refuses inputs with more elements than this (a Value per element)."""

STEPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


@dataclass
class InputCheck:
    """One differentiated input of a layer: your gradient against the reference."""

    index: int
    name: str
    shape: tuple[int, ...]
    error: float                          # largest elementwise relative error (inf: no comparison)
    worst: tuple[int, ...] | None = None  # where it is
    verdict: str = "ok"                   # "ok", "wrong", or words for a shape or count mismatch
    yours: Any = field(default=None, repr=False)
    reference: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "shape": list(self.shape),
                "max_error": _json_number(self.error),
                "worst_index": None if self.worst is None else [int(i) for i in self.worst],
                "verdict": self.verdict}


@dataclass
class LayerReport:
    """check_layer's outcome: `.ok`, `.errors` (one per differentiated input), `.reference`
    ("exact" or "finite differences"), `.inputs`, `str`, `.to_dict()`, `.assert_ok()`."""

    layer: str
    reference: str
    inputs: list[InputCheck]
    tolerance: float
    reason: str = ""  # why the reference is finite differences

    @property
    def ok(self) -> bool:
        return all(check.verdict == "ok" for check in self.inputs)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def errors(self) -> list[float]:
        return [check.error for check in self.inputs]

    def summary(self) -> str:
        verdict = "OK" if self.ok else "NOT OK"
        why = f": {self.reason}" if self.reason else ""
        return (f"check_layer({self.layer}): {verdict} (reference: {self.reference}{why}; "
                f"ok at relative error <= {self.tolerance:g})")

    def __str__(self) -> str:
        rows = [("input", "shape", "max rel err", "worst index", "verdict")]
        for c in self.inputs:
            rows.append((c.name, str(c.shape), "" if not math.isfinite(c.error) else f"{c.error:.1e}",
                         "" if c.worst is None else str(tuple(int(i) for i in c.worst)), c.verdict))
        return self.summary() + "\n\n" + _table(rows)

    def explanation(self) -> str:
        lines = [self.summary()]
        lines += [f"- {c.name}: {c.verdict}" + ("" if not math.isfinite(c.error) else
                                                  f" (max relative error {c.error:.2e} at {c.worst})")
                  for c in self.inputs if c.verdict != "ok"]
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError with the explanation unless every gradient is ok."""
        if not self.ok:
            raise AssertionError(self.explanation())

    def to_dict(self) -> dict[str, Any]:
        """Plain data that json.dumps(..., allow_nan=False) accepts."""
        return {"layer": self.layer, "ok": self.ok, "reference": self.reference, "reason": self.reason,
                "tolerance": self.tolerance, "inputs": [c.to_dict() for c in self.inputs]}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(str(c.shape))}</td>"
            f"<td>{'' if not math.isfinite(c.error) else f'{c.error:.1e}'}</td>"
            f"<td>{html.escape(str(c.worst) if c.worst is not None else '')}</td>"
            f"<td>{html.escape(c.verdict)}</td></tr>" for c in self.inputs)
        return (f"<div><b>{html.escape(self.summary())}</b><table><tr><th>input</th><th>shape</th>"
                f"<th>max rel err</th><th>worst index</th><th>verdict</th></tr>{rows}</table></div>")


def _parameter_names(function: Callable[..., Any], n: int) -> list[str]:
    import inspect

    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"input {i}" for i in range(n)]


def _copy(np: Any, x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def _split(result: Any, who: str) -> tuple[Any, Any]:
    """(out, grads) of a forward that returns both (backward=None)."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"{who}: with backward=None, forward must return (out, grads), got "
                        f"{type(result).__name__}")
    return result


def check_layer(forward: Callable[..., Any], backward: Callable[..., Any] | None, *inputs: Any,
                dout: Any = None, wrt: Sequence[int | str] | None = None, seed: int = 0,
                max_elements: int = MAX_ELEMENTS) -> LayerReport:
    """Check a NumPy layer's backward, CS231n style, against an exact reference.

    `forward(*inputs)` returns `out` or `(out, cache)`; `backward(dout, cache)` returns the
    gradients of the differentiated inputs in order (one array when there is one); with no
    cache returned, `cache` is the tuple of inputs. `backward=None`: forward itself returns
    `(loss, grads)`, as CS231n's softmax_loss(x, y) does. `wrt` picks the inputs to
    differentiate, by position or parameter name (default: every float array; integer arrays
    such as labels are constants). `dout` defaults to a seeded random array of out's shape
    (1.0 for a scalar loss). The reference runs `forward` itself on object arrays of autograd_lite
    Values and backpropagates sum(out * dout): exact. If forward cannot run on them, or its output
    holds no Values (np.asarray(x, dtype=float) turns Values into floats), the reference is
    central differences with a step sweep instead, and `.reference` says so. Needs NumPy.
    """
    import numpy as np

    who = "check_layer"
    if not callable(forward) or (backward is not None and not callable(backward)):
        raise TypeError(f"{who}: forward (and backward, unless None) must be functions")
    layer = getattr(forward, "__name__", type(forward).__name__)
    names = _parameter_names(forward, len(inputs))
    chosen = _chosen_inputs(np, inputs, names, wrt, who)
    size = sum(np.size(inputs[i]) for i in chosen)
    if size > max_elements:
        raise ValueError(f"{who}: the differentiated inputs have {size:,} elements, more than "
                         f"max_elements={max_elements:,} (one Value each); check a smaller batch")
    grads, dout, pair = _your_gradients(np, forward, backward, inputs, dout, seed, who)
    yours = _as_gradient_list(np, grads, chosen, len(inputs))
    reference, kind, reason = _exact_reference(np, forward, inputs, chosen, dout, pair)
    if reference is None:
        reference = _finite_differences(np, forward, inputs, chosen, dout, pair)
        kind = "finite differences"
    tolerance = LAYER_TOLERANCE[kind]
    checks = [_compare(np, i, names[i], np.shape(inputs[i]), yours, position, reference[position], tolerance)
              for position, i in enumerate(chosen)]
    return LayerReport(layer, kind, checks, tolerance, reason)


def _your_gradients(np: Any, forward: Callable[..., Any], backward: Callable[..., Any] | None, inputs: tuple,
                    dout: Any, seed: int, who: str) -> tuple[Any, Any, bool]:
    """(your gradients as returned, dout as an array, whether forward returns a pair): forward
    run on copies of the inputs, then your backward (or forward's own grads)."""
    result = forward(*[_copy(np, x) for x in inputs])
    if backward is None:
        out, grads = _split(result, who)
        if dout is not None:
            raise ValueError(f"{who}: dout= goes with a backward function; with backward=None, forward's "
                             "grads are those of its scalar loss")
        if np.ndim(out) != 0:
            raise ValueError(f"{who}: with backward=None, forward must return a scalar loss, got shape "
                             f"{np.shape(out)}")
        pair = True
    else:
        pair = isinstance(result, tuple) and len(result) == 2
        out, cache = result if pair else (result, tuple(_copy(np, x) for x in inputs))
    out_floats = np.asarray(out, dtype=float)
    if dout is None:
        dout = 1.0 if out_floats.ndim == 0 else np.random.default_rng(seed).standard_normal(out_floats.shape)
    dout = np.asarray(dout, dtype=float)
    if dout.shape != out_floats.shape:
        raise ValueError(f"{who}: dout has shape {dout.shape}, forward's output {out_floats.shape}")
    if backward is not None:
        grads = backward(dout.copy() if dout.ndim else float(dout), cache)
    return grads, dout, pair


def _chosen_inputs(np: Any, inputs: tuple, names: list[str], wrt: Any, who: str) -> list[int]:
    if wrt is None:
        chosen = [i for i, x in enumerate(inputs)
                  if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)]
        if not chosen:
            raise ValueError(f"{who}: no float array among the inputs to differentiate; pass wrt=")
        return chosen
    chosen = []
    for given in wrt if isinstance(wrt, (list, tuple)) else [wrt]:
        if isinstance(given, str):
            if given not in names:
                raise ValueError(f"{who}: wrt names {given!r}, not a parameter of forward "
                                 f"({', '.join(names)})")
            given = names.index(given)  # noqa: PLW2901 - a name stands for its position
        if isinstance(given, bool) or not isinstance(given, int) or not 0 <= given < len(inputs):
            raise ValueError(f"{who}: wrt must hold input positions 0..{len(inputs) - 1} or names, "
                             f"got {given!r}")
        chosen.append(given)
    return chosen


def _as_gradient_list(np: Any, grads: Any, chosen: list[int], n_inputs: int) -> list[Any] | str:
    """Your gradients, one per chosen input; or words for a count that does not fit."""
    if isinstance(grads, (tuple, list)):
        listed = list(grads)
    else:
        listed = [grads]
    if len(listed) == len(chosen):
        return listed
    if len(listed) == n_inputs:
        return [listed[i] for i in chosen]
    return f"backward returned {len(listed)} gradient(s) for {len(chosen)} differentiated input(s)"


def _value_array(np: Any, x: Any) -> Any:
    floats = np.asarray(x, dtype=float)
    values = np.empty(floats.shape, dtype=object)
    for index in np.ndindex(floats.shape):
        values[index] = Value(float(floats[index]))
    return values


def _exact_reference(np: Any, forward: Callable[..., Any], inputs: tuple, chosen: list[int], dout: Any,
                     pair: bool) -> tuple[list[Any] | None, str, str]:
    """The gradients of sum(forward(...) * dout) from autograd_lite, forward run on Values."""
    leaves = {i: _value_array(np, inputs[i]) for i in chosen}
    # copies: a forward that writes into its input (x[x < 0] = 0) must not replace our leaves
    arguments = [leaves[i].copy() if i in leaves else _copy(np, x) for i, x in enumerate(inputs)]
    try:
        with enable_grad(), recursion_guard():
            result = forward(*arguments)
        out = result[0] if pair else result
        out = np.asarray(out, dtype=object)
    except Exception as error:
        return None, "", f"forward cannot run on arrays of Values ({_summary(error)})"
    if out.shape != np.shape(dout):
        return None, "", f"on arrays of Values forward's output has shape {out.shape}, not {np.shape(dout)}"
    total = None
    for element, weight in zip(out.flat, np.asarray(dout).flat):
        if isinstance(element, Value):
            term = element * float(weight)
            total = term if total is None else total + term
    if total is None:
        return None, "", ("forward's output holds no Values (it converts to float, e.g. "
                          "np.asarray(x, dtype=float))")
    try:
        grads = gradients(total)
    except ValueError as error:
        return None, "", f"the exact gradient is undefined here ({_summary(error)})"
    reference = []
    for i in chosen:
        leaf = leaves[i]
        values = np.empty(leaf.shape, dtype=float)
        for index in np.ndindex(leaf.shape):
            values[index] = float(grads.get(leaf[index], 0.0))
        reference.append(values)
    return reference, "exact", ""


def _finite_differences(np: Any, forward: Callable[..., Any], inputs: tuple, chosen: list[int], dout: Any,
                        pair: bool) -> list[Any]:
    """Central differences of sum(forward(...) * dout), with the step that is most stable: the
    one whose estimate changes least when the step is divided by ten."""
    floats = [np.array(x, dtype=float) if i in chosen else x for i, x in enumerate(inputs)]

    def objective(arguments: list[Any]) -> float:
        result = forward(*[_copy(np, a) for a in arguments])
        out = result[0] if pair else result
        return float(np.sum(np.asarray(out, dtype=float) * dout))

    reference = []
    for i in chosen:
        estimates = []
        for step in STEPS:
            grad = np.zeros_like(floats[i])
            for index in np.ndindex(grad.shape):
                h = step * max(1.0, abs(floats[i][index]))
                arguments = list(floats)
                up, down = floats[i].copy(), floats[i].copy()
                up[index] += h
                down[index] -= h
                arguments[i] = up
                hi = objective(arguments)
                arguments[i] = down
                grad[index] = (hi - objective(arguments)) / (2 * h)
            estimates.append(grad)
        changes = [float(np.max(np.abs(a - b), initial=0.0)) for a, b in itertools.pairwise(estimates)]
        reference.append(estimates[int(np.argmin(changes))])
    return reference


def _compare(np: Any, i: int, name: str, shape: tuple, yours: list[Any] | str, position: int, reference: Any,
             tolerance: float) -> InputCheck:
    if isinstance(yours, str):
        return InputCheck(i, name, tuple(shape), math.inf, None, yours, None, reference)
    try:
        mine = np.asarray(yours[position], dtype=float)
    except (TypeError, ValueError):
        return InputCheck(i, name, tuple(shape), math.inf, None,
                          f"your gradient for {name} is not an array of numbers "
                          f"({type(yours[position]).__name__})")
    if mine.shape != reference.shape:
        return InputCheck(i, name, tuple(shape), math.inf, None,
                          f"your gradient for {name} has shape {mine.shape}; {name} has shape "
                          f"{reference.shape}",
                          mine, reference)
    if mine.size == 0:
        return InputCheck(i, name, tuple(shape), 0.0, None, "ok", mine, reference)
    with np.errstate(invalid="ignore"):
        relative = np.abs(mine - reference) / np.maximum(1e-8, np.abs(mine) + np.abs(reference))
    relative = np.where(np.isnan(relative), np.inf, relative)
    worst = np.unravel_index(int(np.argmax(relative)), relative.shape)
    error = float(relative[worst])
    verdict = "ok" if error <= tolerance else (
        f"wrong: at {tuple(int(k) for k in worst)} yours is {mine[worst]:.6g}, the reference "
        f"{reference[worst]:.6g}")
    return InputCheck(i, name, tuple(shape), error, tuple(int(k) for k in worst), verdict, mine, reference)
