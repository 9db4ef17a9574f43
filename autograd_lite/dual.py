"""Forward mode's number: a value with its tangent, both computed from the rule table.

A `Dual` carries `data` and `tangent` = d data / d t along one direction t.
Each operation evaluates its `Rule` once: `forward` for the value and, when
an input's tangent is not zero, `partials` on floats for the tangent,
ṫ_out = Σ_i ∂out/∂in_i · ṫ_i (the chain rule taken forwards). No derivative
is written here, and no graph is kept: a Dual has no parents, so nothing is
left to walk backwards.

`Dual` subclasses `engine.Value` so that code written for Values takes it
unchanged: `autograd_lite.tanh(d)` and `d.tanh()` reach the same rule,
`Value(2.0) * d` gives a Dual (Python asks a subclass's reflected method
first), `engine.apply` hands user ops made with `define_op` to
`Dual.apply_rule`. A plain Value met by a Dual is a constant (tangent 0).

Imports `ops` and `engine` only.
"""

from __future__ import annotations

from typing import Any

from . import ops
from .engine import Value, _as_float, check_arity, topological_order
from .ops import RULES, Rule

__all__ = ["Dual", "check_constant"]

_new = object.__new__


def _partials(rule: Rule, xs: tuple, out: float, c: float | None) -> tuple:
    """The rule's local partials on floats; a non-finite one is a ValueError naming the op."""
    try:
        return rule.partials(*xs, out, c) if rule.const else rule.partials(*xs, out)
    except (ZeroDivisionError, OverflowError, ValueError) as error:
        inputs = ", ".join(repr(x) for x in xs)
        raise ValueError(f"jvp: the derivative of {rule.name} is not finite at ({inputs}): {error}") from None


def _dual(data: float, tangent: float) -> Dual:
    out = _new(Dual)
    out.data = data
    out.tangent = tangent
    return out


# _evaluate, with _two and _one its unrolled cases (they run once per op of every jvp):
# ops.evaluate gives the value, with the forward pass's own domain errors.
def _evaluate(rule: Rule, inputs: tuple[Dual, ...], c: float | None) -> Dual:
    """One op in forward mode: the rule's value, and its tangent from the rule's partials."""
    if len(inputs) == 2 and c is None:
        return _two(rule, *inputs)
    xs = tuple(d.data for d in inputs)
    out = ops.evaluate(rule, xs, c)
    if not any(d.tangent for d in inputs):  # a constant so far: no partials needed
        return _dual(out, 0.0)
    tangent = 0.0
    for partial, d in zip(_partials(rule, xs, out, c), inputs):
        if d.tangent:  # skip 0 · ∂ (so an infinite partial on a constant input stays harmless)
            tangent += float(partial) * d.tangent
    return _dual(out, tangent)


def _two(rule: Rule, a: Dual, b: Dual) -> Dual:
    xs = (a.data, b.data)
    out = ops.evaluate(rule, xs)
    ta, tb = a.tangent, b.tangent
    if not (ta or tb):
        return _dual(out, 0.0)
    da, db = _partials(rule, xs, out, None)
    if not tb:  # skip 0 · ∂ (so an infinite partial on a constant input stays harmless)
        return _dual(out, da * ta)
    return _dual(out, db * tb if not ta else da * ta + db * tb)


def _one(rule: Rule, d: Dual, c: float | None) -> Dual:
    xs = (d.data,)
    out = ops.evaluate(rule, xs, c)
    t = d.tangent
    if not t:
        return _dual(out, 0.0)
    (partial,) = _partials(rule, xs, out, c)
    return _dual(out, partial * t)


def _constant(x: Any, rule_name: str) -> float:
    """The number c of a constant operand: a float, a number, or a plain Value's data."""
    if type(x) is float:
        return x
    return _operand(x, rule_name).data


def _operand(x: Any, rule_name: str) -> Dual:
    """A Dual as it is; a plain Value or a number as a constant (tangent 0)."""
    if isinstance(x, Dual):
        return x
    if isinstance(x, Value):
        check_constant(x, rule_name)
        return _dual(x.data, 0.0)
    return _dual(_as_float(x, rule_name), 0.0)


def check_constant(x: Value, who: str) -> None:
    """Refuse a plain Value computed from a Dual: its tangent was dropped on the way.

    That happens when an op is called through the class, `Value.tanh(d)`, which
    builds a plain node; `d.tanh()` and `autograd_lite.tanh(d)` dispatch to the
    Dual. A leaf Value (a weight, a constant) is a constant, as it should be.
    """
    if x._rule is not None and any(isinstance(node, Dual) for node in topological_order(x)):
        raise TypeError(f"{who}: a plain Value computed from forward mode's Dual (an op called as "
                        "Value.tanh(x) drops the tangent); call x.tanh() or autograd_lite.tanh(x)")


class Dual(Value):
    """A number and its tangent (forward mode). Made by `functional.jvp`; no parents, no grad."""

    __slots__ = ("tangent",)
    # A Dual keeps no graph: its parent slots are constants of the class, not per-node fields.
    _a = _b = _rule = _arg = None
    grad = 0.0
    _label_slot = Value._label  # Value's slot, filled only when code labels a Dual (ops skip the store)
    _label = ""  # what Value.scope reads: a Dual is in no scope (it keeps no graph to draw)

    def __init__(self, data: Any, tangent: Any = 0.0) -> None:
        self.data = _as_float(data, "Dual")
        self.tangent = _as_float(tangent, "Dual")

    @property
    def label(self) -> str:
        """"" unless set: micrograd-style code labels nodes (`n.label = "n"`) as it builds them."""
        try:
            return Dual._label_slot.__get__(self, Dual)
        except AttributeError:
            return ""

    @label.setter
    def label(self, text: str) -> None:
        Dual._label_slot.__set__(self, text)

    def backward(self, *args: Any, **kwargs: Any) -> None:
        """Refused: a Dual has no graph; its derivative is already in `.tangent`."""
        raise TypeError("backward: a Dual (forward mode's number) keeps no graph to walk back; its "
                        "derivative along the seeded direction is its .tangent (jvp returns it)")

    def __repr__(self) -> str:
        return f"Dual(data={self.data}, tangent={self.tangent})"

    @staticmethod
    def apply_rule(rule: Rule, inputs: tuple, c: float | None = None) -> Dual:
        """Evaluate any rule (a define_op op too) on Duals, Values and numbers: engine.apply's hook."""
        check_arity(rule, len(inputs))
        return _evaluate(rule, tuple(_operand(x, rule.name) for x in inputs), c)


# The same operator -> rule mapping as Value's methods in engine (a test checks that
# each method here reaches the rule Value's method of the same name reaches):
# another Dual is an input of the two-input rule; anything else is the constant c.
_BINARY = {
    "__add__": ("add", "add_const"), "__sub__": ("sub", "sub_const"), "__mul__": ("mul", "mul_const"),
    "__truediv__": ("div", "div_const"), "__pow__": ("pow", "pow_const"),
    # reflected: the left operand is a number or a plain Value, i.e. a constant
    "__radd__": (None, "add_const"), "__rsub__": (None, "rsub_const"), "__rmul__": (None, "mul_const"),
    "__rtruediv__": (None, "rdiv_const"), "__rpow__": (None, "rpow_const"),
}
_UNARY = {"__neg__": "neg", "__abs__": "abs", **{name: name for name in (
    "exp", "log", "tanh", "sigmoid", "softplus", "relu", "sin", "cos", "sqrt", "abs")}}


def _binary_method(method: str, two_inputs: str | None, with_constant: str) -> Any:
    pair, single = (RULES[two_inputs] if two_inputs else None), RULES[with_constant]

    def operation(self: Dual, other: Any) -> Dual:
        if pair is not None and isinstance(other, Dual):
            return _evaluate(pair, (self, other), None)
        return _one(single, self, _constant(other, single.name))

    operation.__name__ = operation.__qualname__ = method
    return operation


def _unary_method(method: str, rule_name: str) -> Any:
    rule = RULES[rule_name]

    def operation(self: Dual) -> Dual:
        return _one(rule, self, None)

    operation.__name__ = operation.__qualname__ = method
    return operation


for _method, (_pair, _single) in _BINARY.items():
    setattr(Dual, _method, _binary_method(_method, _pair, _single))
for _method, _rule_name in _UNARY.items():
    setattr(Dual, _method, _unary_method(_method, _rule_name))
