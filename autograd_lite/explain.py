"""The chain rule in words: `explain(root)` writes each step of the backward walk with its numbers.

Reverse mode (the default) follows `engine.gradients` itself, through its
`on_step` hook, so the steps come in the order `backward()` takes them and the
partials are the ones it multiplied; the walk is the pure one, so no `.grad`
changes. `mode="forward"` tells the same story forwards: in topological order,
each node's tangent ṫ = Σ ∂node/∂input · ṫ_input, seeded at `wrt` (eq. (14)'s
chain rule, read from the other end). The local partials come from the rule
table through `engine.local_derivatives`: this module writes no derivative.

Nodes are named by `names` (e.g. `MLP.note_names()`: then z^l_j's gradient is
called δ^l_j, as in eq. (14)), else their label, else their expression
(a long or repeated one becomes v<i>, spelled out in its own step; an
unlabelled root is "root", or C for a network's cost).

Imports `engine`, `ops` (and `viz.checked_order`, which imports nothing optional).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .engine import Value, gradients, local_derivatives
from .ops import BUILTIN_OPS
from .viz import checked_order

__all__ = ["explain"]

MAX_NAME = 24  # characters of an expression used as a node's name; longer ones become v<i>
_Z_NAME = re.compile(r"^z\^(\d+)_(\S+)")  # the note's z^l_j, whose gradient is δ^l_j (eq. 14)
_SIMPLE = re.compile(r"[\w^#.]+")  # a name that needs no parentheses after ∂
# A node's expression is its rule's tape template (`Rule.code`: Python, which mostly reads as
# the math), except where the template is an implementation detail of the tape:
_READABLE = {"pow": "{0}**{1}", "pow_const": "{0}**{c}", "rpow_const": "{c}**{0}", "relu": "relu({0})"}
_CALL = re.compile(r"\w+\(.*\)")  # a template that is one function call needs no parentheses inside


def explain(root: Value, *, wrt: Value | None = None, mode: str = "reverse", digits: int = 4,
            max_nodes: int = 200, names: Mapping[Value, str] | None = None) -> str:
    """A text telling the chain rule step by step on root's graph, with its numbers.

    Reverse: one block per backward step, each input's line
    `∂root/∂input += ∂root/∂node · ∂node/∂input = g × d = result (now total)`, then
    every gradient. Forward (`wrt=x, mode="forward"`): each node's tangent
    ṫ = Σ ∂node/∂input · ṫ_input, then every ∂node/∂x. Numbers to `digits`
    significant digits; a graph of more than `max_nodes` values is a ValueError.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain: expected a Value, got {type(root).__name__}")
    if mode not in ("reverse", "forward"):
        raise ValueError(f"explain: mode must be 'reverse' or 'forward', got {mode!r}")
    if type(digits) is not int or not 1 <= digits <= 17:
        raise ValueError(f"explain: digits must be an int from 1 to 17, got {digits!r}")
    names = _checked_names(names)
    if type(max_nodes) is not int:
        raise TypeError(f"explain: max_nodes must be a whole number, got {max_nodes!r:.40}")
    if max_nodes < 1:
        raise ValueError(f"explain: max_nodes must be at least 1, got {max_nodes}")
    order = checked_order(root, max_nodes, "explain")
    story = _Story(order, names, digits)
    if mode == "forward":
        if not isinstance(wrt, Value) or wrt not in story.name:
            raise ValueError("explain: mode='forward' needs wrt=, a Value of root's graph to seed "
                             f"the tangent at, got {wrt!r:.40}")
        return story.forward(wrt)
    if wrt is not None:
        raise ValueError("explain: wrt= seeds forward mode; reverse mode differentiates root")
    return story.reverse()


def _checked_names(names: Any) -> Mapping[Value, str]:
    """`names` as given if it maps Values to strings (None: no names); else a TypeError."""
    if names is None:
        return {}
    if not isinstance(names, Mapping):
        raise TypeError("explain: names must be a mapping from Values to strings, got "
                        f"{type(names).__name__}")
    for node, name in names.items():
        if not isinstance(node, Value):
            raise TypeError(f"explain: names has a key {node!r:.40} that is not a Value")
        if not isinstance(name, str):
            raise TypeError(f"explain: names gives {node.label or repr(node)} the name {name!r:.40} "
                            f"({type(name).__name__}); names must be strings")
    return names


class _Story:
    """The names and number format of one explanation."""

    def __init__(self, order: list[Value], names: Mapping[Value, str], digits: int) -> None:
        self.order, self.digits = order, digits
        self.root = order[-1]
        self.name: dict[Value, str] = {}
        self.spelled: dict[Value, str] = {}  # an expression too long for a name, shown in its step
        # The root has no parent to read its expression inside: an unlabelled one is "root",
        # or C for a network's cost (names from nn.note_names, which name z^l_j).
        network = any(_Z_NAME.match(name) for name in names.values())
        taken: dict[str, int] = {}
        for i, node in enumerate(order):
            name = names.get(node) or node.label
            if not name:
                text = self._expression(node)
                name = ("C" if network else "root") if node is self.root else text
                if len(name) > MAX_NAME or name in taken:  # long, or a repeat: v<i>, spelled in its step
                    name = f"v{i}"
                if name != text:
                    self.spelled[node] = text
            taken[name] = taken.get(name, 0) + 1
            self.name[node] = name if taken[name] == 1 else f"{name}#{taken[name]}"  # never two alike

    def _expression(self, node: Value) -> str:
        if node._rule is None:
            return self.number(node.data)
        rule = node._rule
        if rule.name not in BUILTIN_OPS:  # a define_op op: its template calls op_<name>
            return f"{rule.name}({', '.join(self.short(p) for p in node._prev)})"
        template = _READABLE.get(rule.name) or rule.template(len(node._prev))
        operand = self.short if _CALL.fullmatch(template) else self._operand
        c = self.number(node._arg) if rule.const else None
        return template.format(*(operand(p) for p in node._prev), c=c)

    def _operand(self, node: Value) -> str:
        name = self.short(node)
        return f"({name})" if " " in name or name.startswith("-") else name

    def number(self, x: Any) -> str:
        x = float(x)
        return f"{x:.{self.digits}g}" if math.isfinite(x) else str(x)

    def _head(self, step: int, node: Value) -> str:
        spelled = f" = {self.spelled[node]}" if node in self.spelled else ""
        return (f"step {step}: {self.name[node]}{spelled}   [{node._rule.name}, "
                f"value {self.number(node.data)}]")

    def short(self, node: Value) -> str:
        return self.name[node].split(" = ")[0]  # "z^3_0 = a^3_0" is named by its first part

    def ref(self, node: Value) -> str:
        """The short name, in parentheses if it is an expression: ∂o/∂(x * w)."""
        name = self.short(node)
        return name if _SIMPLE.fullmatch(name) else f"({name})"

    def _delta(self, node: Value) -> str | None:
        """δ^l_j for the note's z^l_j (eq. 14), else None."""
        z = _Z_NAME.match(self.short(node))
        return f"δ^{z.group(1)}_{z.group(2)}" if z else None

    def _gradient(self, node: Value, *, lhs: bool = False) -> str:
        """∂root/∂node in words: δ^l_j for a z node (with its definition on a left-hand side)."""
        text = f"∂{self.ref(self.root)}/∂{self.ref(node)}"
        delta = self._delta(node)
        if delta is None:
            return text
        return f"{delta} ({text})" if lhs else delta

    def reverse(self) -> str:
        root = self.root
        r = self.ref(root)
        lines = [f"Backward from {r} ({len(self.order)} values), in the order backward() takes the "
                 f"nodes; it starts from ∂{r}/∂{r} = 1."]
        totals: dict[Value, float] = {root: 1.0}
        step = 0

        def on_step(node: Value, local: tuple, grads: dict) -> None:
            nonlocal step
            step += 1
            g = grads[node]
            n = self.ref(node)
            head = f"{self._head(step, node)}   {self._gradient(node, lhs=True)} = {self.number(g)}"
            lines.extend(["", head])
            for parent, d in zip(node._prev, local):
                term = d * g  # the walk's own product and sum, in its order
                totals[parent] = totals[parent] + term if parent in totals else term
                lines.append(f"  {self._gradient(parent, lhs=True)} += {self._gradient(node)} · "
                             f"∂{n}/∂{self.ref(parent)} = {self.number(g)} × {self.number(d)} = "
                             f"{self.number(term)} (now {self.number(totals[parent])})")

        grads = gradients(root, on_step=on_step)
        lines += ["", f"Every gradient ∂{r}/∂node:"]
        lines += self._table(grads, f"∂{r}/∂node")
        return "\n".join(lines)

    def forward(self, wrt: Value) -> str:
        x = self.ref(wrt)
        lines = [f"Forward mode from {x} ({len(self.order)} values), in topological order: each node's "
                 f"tangent ṫ = ∂node/∂{x} = Σ ∂node/∂input · ṫ(input), seeded ṫ({x}) = 1 and 0 at "
                 "every other leaf."]
        tangent: dict[Value, float] = {}
        step = 0
        for node in self.order:
            if node is wrt or node._rule is None:
                tangent[node] = 1.0 if node is wrt else 0.0
                continue
            step += 1
            lines += ["", self._head(step, node)]
            parents, n = node._prev, self.short(node)
            nref = self.ref(node)
            if not any(tangent[p] for p in parents):
                tangent[node] = 0.0
                lines.append(f"  ṫ({n}) = 0 (no input depends on {x})")
                continue
            try:
                local = local_derivatives(node)
            except (ZeroDivisionError, OverflowError, ValueError) as error:
                inputs = ", ".join(repr(p.data) for p in parents)
                raise ValueError(f"explain: the derivative of {node._rule.name} is not finite at "
                                 f"({inputs}): {error}") from None
            total = 0.0
            for parent, d in zip(parents, local):
                total += float(d) * tangent[parent] if tangent[parent] else 0.0
            tangent[node] = total
            symbols = " + ".join(f"∂{nref}/∂{self.ref(p)} · ṫ({self.short(p)})" for p in parents)
            numbers = " + ".join(f"{self.number(d)} × {self.number(tangent[p])}"
                                 for p, d in zip(parents, local))
            lines.append(f"  ṫ({n}) = {symbols} = {numbers} = {self.number(total)}")
        lines += ["", f"Every tangent ∂node/∂{x}:"]
        lines += self._table(tangent, f"∂node/∂{x}")
        return "\n".join(lines)

    def _table(self, numbers: Mapping[Value, float], title: str) -> list[str]:
        width = max(len("node"), *(len(self.name[n]) for n in self.order))
        rows = [f"  {'node':<{width}}  {'value':>12}  {title:>12}"]
        for node in reversed(self.order):
            rows.append(f"  {self.name[node]:<{width}}  {self.number(node.data):>12}  "
                        f"{self.number(numbers.get(node, 0.0)):>12}")
        return rows
