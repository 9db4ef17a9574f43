"""The rule table: every operation of autograd_lite, defined once, as data.

A `Rule` holds an op's forward value on plain floats and its local partial
derivatives (one per input, in terms of the inputs and the output). Every
consumer reads the same record: eager backward evaluates the partials on
floats, `backward(create_graph=True)` evaluates them on `Value`s (so the
gradient is itself a graph), drawings use `symbol` and the partials as edge
labels, the tape uses `code`. Adding an op means adding one entry here.

This module imports nothing of the package (the engine imports it). Partials
reach named functions (`cos`, `log`, ...) through the dispatchers at the
bottom, which compute on floats and call the same-named method on anything
else (a `Value`), so one rule serves floats and graphs alike.

Numeric policy, the same for every op:
- overflow gives IEEE +-inf, as PyTorch does (Python's `math.exp` would raise);
- a point outside an op's domain raises `ValueError` naming the op and the
  value (never a bare "math domain error", never a complex number);
  division by zero raises `ZeroDivisionError` naming the op and the values;
- a derivative that is infinite where it is evaluated (sqrt at 0) makes the
  backward walk raise a `ValueError` naming the op (see engine.gradients).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LOCAL_GRADS",
    "RULES",
    "Rule",
    "cos",
    "domain_error",
    "evaluate",
    "exp",
    "format_number",
    "log",
    "register",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "tanh",
]


@dataclass(frozen=True, eq=False)
class Rule:
    """One operation: how to compute it and how to differentiate it.

    forward(x1, ..., xn[, c]) -> float      on plain floats
    partials(x1, ..., xn, out[, c]) -> tuple of n local derivatives
        written with arithmetic and this module's named functions only, so it
        works on floats (eager backward) and on Values (higher order).
    `const` rules take one non-differentiable number `c` (the 3 of x**3, the
    0.5 of x + 0.5): it is an argument of the node, not a parent.
    A variadic rule (`arity` None) takes any number n >= 1 of inputs; its
    partials return one local derivative per input, and its `code` writes
    `{*}` where the inputs go (`logsumexp({*})`).
    """

    name: str                       # unique key, and the method name where there is one
    arity: int | None               # number of differentiable inputs (parents); None: any n >= 1
    forward: Callable[..., float]
    partials: Callable[..., tuple]
    symbol: str                     # op text for drawings and micrograd's `_op`; may use {c}
    code: str                       # tape template: {0}, {1} inputs ({*}: all of them), {c} the constant
    const: bool = False
    # For tests only: an interval per input (then one for c) to sample from,
    # and the points where the derivative is a convention (kinks).
    sample: tuple[tuple[float, float], ...] = ()
    kinks: tuple[float, ...] = ()

    @property
    def variadic(self) -> bool:
        """True for a rule that takes any number of inputs (arity None)."""
        return self.arity is None

    def template(self, n: int) -> str:
        """The code template for a node of n inputs: `{*}` spelled out as `{0}, {1}, ...`."""
        return self.code.replace("{*}", ", ".join(f"{{{i}}}" for i in range(n)))

    def display(self, c: float | None = None) -> str:
        """The op text of a node, e.g. '**2' for x**2 (micrograd's `_op`)."""
        return self.symbol.format(c=format_number(c)) if self.const else self.symbol

    def __deepcopy__(self, memo: dict) -> Rule:  # rules are shared, never copied
        return self

    def __copy__(self) -> Rule:
        return self

    def __repr__(self) -> str:
        return f"Rule({self.name!r})"


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add a rule to the table; a name can be registered once."""
    if rule.name in RULES:
        raise ValueError(f"an op named {rule.name!r} is already defined")
    RULES[rule.name] = rule
    return rule


def format_number(c: Any) -> str:
    """Short text for a constant: 2.0 -> '2', 0.5 -> '0.5' (as micrograd shows '**2')."""
    if isinstance(c, float) and c.is_integer() and abs(c) < 1e16:
        return str(int(c))
    return repr(c)


def evaluate(rule: Rule, args: tuple, c: float | None = None) -> float:
    """rule.forward on floats, with the module's error policy applied."""
    try:
        return rule.forward(*args, c) if rule.const else rule.forward(*args)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise domain_error(rule, args, c, error) from None


class UndefinedError(ValueError):
    """Raised by a forward function outside its domain; the message names the value."""


class DivisionByZeroError(ZeroDivisionError):
    """Raised by a forward function that would divide by zero; the message names the values."""


def domain_error(rule: Rule, args: tuple, c: float | None, error: Exception) -> Exception:
    """The error to raise for `error` met in rule.forward: it names the op and the values."""
    if isinstance(error, (UndefinedError, DivisionByZeroError)):
        return type(error).__bases__[0](f"{rule.name}: {error}")
    where = ", ".join(repr(a) for a in args) + ("" if c is None else f"; c={c!r}")
    kind = ZeroDivisionError if isinstance(error, ZeroDivisionError) else ValueError
    return kind(f"{rule.name}: undefined at ({where}): {error}")


# --------------------------------------------------------------------------
# Forward functions that need more than one Python operator: each applies the
# policy above itself.

def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # IEEE, as PyTorch: exp(1000) = inf
        return math.inf


def _log(x: float) -> float:
    if not x > 0:
        raise UndefinedError(f"undefined for x <= 0, got x={x!r}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise UndefinedError(f"undefined for x < 0, got x={x!r}")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: exp(-x) for x >= 0, exp(x) otherwise.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): exp never overflows.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _logsumexp(*xs: float) -> float:
    # log Σ exp(x_i) = m + log Σ exp(x_i - m) with m = max x_i, inside the forward: every
    # exp is at most 1 (no overflow for huge logits) and the sum is at least 1 (no log 0).
    # The shift is part of the op, not a constant in the graph, so a replay recomputes it.
    m = max(xs)
    if math.isinf(m):  # some x is +inf: +inf; every x is -inf: log 0 = -inf
        return m
    return m + math.log(math.fsum([math.exp(x - m) for x in xs]))


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise DivisionByZeroError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _power(a: float, b: float) -> float:
    """a ** b on the reals: no complex results, IEEE inf on overflow."""
    if a == 0 and b < 0:
        raise UndefinedError(f"0 cannot be raised to a negative power, got {a!r} ** {b!r}")
    if a < 0 and not float(b).is_integer():
        raise UndefinedError(f"a negative base needs an integer exponent, got {a!r} ** {b!r}")
    try:
        return a ** b
    except OverflowError:
        odd = float(b).is_integer() and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf


def _power_value_exponent(a: float, b: float) -> float:
    # d/db a**b = a**b log a exists only for a > 0 (a = 0 is allowed: the partial is taken as 0).
    if a < 0:
        raise UndefinedError(f"a negative base needs a constant exponent, got {a!r} ** {b!r}")
    return _power(a, b)


def _constant_power(c: float, x: float) -> float:
    if c < 0:
        raise UndefinedError(f"a negative base needs a constant exponent, got {c!r} ** {x!r}")
    return _power(c, x)


# --------------------------------------------------------------------------
# Named functions for partials (and the public API): floats in, float out;
# a Value in, a node out (by calling its method of the same name).

def _dispatcher(name: str) -> Callable[[Any], Any]:
    def function(x: Any) -> Any:
        if type(x) is float:
            return evaluate(RULES[name], (x,))
        if isinstance(x, numbers.Real):
            return evaluate(RULES[name], (float(x),))
        method = getattr(type(x), name, None)
        if method is None:
            raise TypeError(f"{name}: expected a Value or a real number, got {type(x).__name__}")
        return method(x)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x): a float for a number, a graph node for a Value."
    return function


exp = _dispatcher("exp")
log = _dispatcher("log")
tanh = _dispatcher("tanh")
sigmoid = _dispatcher("sigmoid")
softplus = _dispatcher("softplus")
relu = _dispatcher("relu")
sin = _dispatcher("sin")
cos = _dispatcher("cos")
sqrt = _dispatcher("sqrt")


# Piecewise helpers for partials. A branch on the data (`1.0 if x > 0 else 0.0`)
# cannot be traced by the tape, so rules call these instead: floats and Values
# give the number (a step is flat: its own derivative is 0), anything else (the
# tape's symbols) is asked for its method of the same name, which writes code.

def _piecewise(name: str, on_float: Callable[[float], Any], on_node: Callable[[Any], Any]) -> Callable:
    def function(x: Any) -> Any:
        if type(x) is float:
            return on_float(x)
        if isinstance(x, numbers.Real):
            return on_float(float(x))
        if isinstance(getattr(x, "data", None), float):  # a Value
            return on_node(x)
        return getattr(type(x), name)(x)

    function.__name__ = function.__qualname__ = name
    return function


def _step(x: float) -> float:
    # relu'(0) = 0, as micrograd and PyTorch choose.
    return 1.0 if x > 0 else 0.0


def _sign(x: float) -> float:
    # abs'(0) = 0, as PyTorch chooses (sign(0) = 0).
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _log_or_zero(a: float) -> float:
    # d/db a**b = a**b log a; at a = 0 the power is flat (0) for b > 0: take 0.
    return math.log(a) if a > 0 else 0.0


step = _piecewise("step", _step, lambda v: _step(v.data))
sign = _piecewise("sign", _sign, lambda v: _sign(v.data))
log_or_zero = _piecewise("log_or_zero", _log_or_zero, lambda v: v.log() if v.data > 0 else 0.0)


# --------------------------------------------------------------------------
# The table. Partials prefer `out` where it is cheaper (exp, tanh, sigmoid)
# and return plain constants where they are constant, so create_graph graphs
# and tapes stay small.

_X = ((-3.0, 3.0),)
_POSITIVE = ((0.05, 5.0),)
_XY = ((-3.0, 3.0), (-3.0, 3.0))

# d(a+b)/da = 1, d(a+b)/db = 1
register(Rule("add", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0),
              "+", "{0} + {1}", sample=_XY))
# d(a-b)/da = 1, d(a-b)/db = -1
register(Rule("sub", 2, lambda a, b: a - b, lambda a, b, out: (1.0, -1.0),
              "-", "{0} - {1}", sample=_XY))
# d(ab)/da = b, d(ab)/db = a
register(Rule("mul", 2, lambda a, b: a * b, lambda a, b, out: (b, a),
              "*", "{0} * {1}", sample=_XY))
# d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b
register(Rule("div", 2, _divide, lambda a, b, out: (1.0 / b, -out / b),
              "/", "{0} / {1}", sample=((-3.0, 3.0), (0.2, 3.0))))
# d(a^b)/da = b a^(b-1) (0 when b = 0, even at a = 0), d(a^b)/db = a^b log a   (a > 0)
register(Rule("pow", 2, _power_value_exponent,
              lambda a, b, out: (b * a ** (b - 1.0) if b > 0 or b < 0 else 0.0, out * log_or_zero(a)),
              "**", "pow({0}, {1})", sample=((0.2, 3.0), (-2.0, 2.0))))

# One input and a constant c (a number operand is an argument, not a node).
# d(x+c)/dx = 1
register(Rule("add_const", 1, lambda x, c: x + c, lambda x, out, c: (1.0,),
              "+", "{0} + {c}", const=True, sample=_XY))
# d(x-c)/dx = 1
register(Rule("sub_const", 1, lambda x, c: x - c, lambda x, out, c: (1.0,),
              "-", "{0} - {c}", const=True, sample=_XY))
# d(c-x)/dx = -1
register(Rule("rsub_const", 1, lambda x, c: c - x, lambda x, out, c: (-1.0,),
              "-", "{c} - {0}", const=True, sample=_XY))
# d(cx)/dx = c
register(Rule("mul_const", 1, lambda x, c: x * c, lambda x, out, c: (c,),
              "*", "{0} * {c}", const=True, sample=_XY))
# d(x/c)/dx = 1/c
register(Rule("div_const", 1, _divide, lambda x, out, c: (1.0 / c,),
              "/", "{0} / {c}", const=True, sample=((-3.0, 3.0), (0.2, 3.0))))
# d(c/x)/dx = -c/x^2 = -out/x
register(Rule("rdiv_const", 1, lambda x, c: _divide(c, x), lambda x, out, c: (-out / x,),
              "/", "{c} / {0}", const=True, sample=((0.2, 3.0), (-3.0, 3.0))))
# d(x^c)/dx = c x^(c-1) (0 when c = 0, even at x = 0)
register(Rule("pow_const", 1, _power, lambda x, out, c: (c * x ** (c - 1.0) if c != 0 else 0.0,),
              "**{c}", "pow({0}, {c})", const=True, sample=((0.2, 3.0), (-3.0, 3.0))))
# d(c^x)/dx = c^x log c
register(Rule("rpow_const", 1, lambda x, c: _constant_power(c, x),
              lambda x, out, c: (out * log_or_zero(c),),
              "{c}**", "rpow({0}, {c})", const=True, sample=((-2.0, 2.0), (0.2, 3.0))))

# One input.
# d(-x)/dx = -1
register(Rule("neg", 1, lambda x: -x, lambda x, out: (-1.0,), "neg", "-{0}", sample=_X))
# d exp(x)/dx = exp(x) = out
register(Rule("exp", 1, _exp, lambda x, out: (out,), "exp", "exp({0})", sample=_X))
# d log(x)/dx = 1/x
register(Rule("log", 1, _log, lambda x, out: (1.0 / x,), "log", "log({0})", sample=_POSITIVE))
# d tanh(x)/dx = 1 - tanh(x)^2
register(Rule("tanh", 1, math.tanh, lambda x, out: (1.0 - out * out,),
              "tanh", "tanh({0})", sample=_X))
# d sigmoid(x)/dx = sigmoid(x) (1 - sigmoid(x))
register(Rule("sigmoid", 1, _sigmoid, lambda x, out: (out * (1.0 - out),),
              "sigmoid", "sigmoid({0})", sample=_X))
# d softplus(x)/dx = sigmoid(x)
register(Rule("softplus", 1, _softplus, lambda x, out: (sigmoid(x),),
              "softplus", "softplus({0})", sample=_X))
# d relu(x)/dx = 1 for x > 0, else 0 (0 at the kink)
register(Rule("relu", 1, lambda x: x if x > 0 else 0.0, lambda x, out: (step(x),),
              "ReLU", "({0} if {0} > 0 else 0.0)", sample=_X, kinks=(0.0,)))
# d sin(x)/dx = cos(x)
register(Rule("sin", 1, math.sin, lambda x, out: (cos(x),), "sin", "sin({0})", sample=_X))
# d cos(x)/dx = -sin(x)
register(Rule("cos", 1, math.cos, lambda x, out: (-sin(x),), "cos", "cos({0})", sample=_X))
# d sqrt(x)/dx = 1 / (2 sqrt(x)) = 0.5 / out   (infinite at 0: see engine.gradients)
register(Rule("sqrt", 1, _sqrt, lambda x, out: (0.5 / out,), "sqrt", "sqrt({0})",
              sample=_POSITIVE))
# d|x|/dx = sign(x) (0 at the kink)
register(Rule("abs", 1, abs, lambda x, out: (sign(x),), "abs", "abs({0})",
              sample=_X, kinks=(0.0,)))

# Any number of inputs.
# d logsumexp(x)/dx_i = exp(x_i) / Σ_j exp(x_j) = exp(x_i - out) = softmax(x)_i
# (x_i - out <= 0: no overflow; written with exp and -, so it differentiates again)
register(Rule("logsumexp", None, _logsumexp, lambda *xs: tuple(exp(x - xs[-1]) for x in xs[:-1]),
              "logsumexp", "logsumexp({*})", sample=((-3.0, 3.0),) * 3))

BUILTIN_OPS = frozenset(RULES)  # define_op may add more, never replace these

# The functions that `code` templates call, by name (the tape's namespace).
CODE_FUNCTIONS: dict[str, Any] = {
    "exp": _exp, "log": _log, "tanh": math.tanh, "sigmoid": _sigmoid, "softplus": _softplus, "sin": math.sin,
    "cos": math.cos, "sqrt": _sqrt, "abs": abs, "pow": _power, "relu": RULES["relu"].forward,
    "rpow": RULES["rpow_const"].forward, "step": _step, "sign": _sign, "log_or_zero": _log_or_zero,
    "logsumexp": _logsumexp, "inf": math.inf, "nan": math.nan,
}


# A node made as Value(data, children, local_grads), microgpt's way of adding an op: its
# local derivatives are numbers fixed when it was built (kept in the node's `_arg`), and it
# has no forward function. Eager backward and drawings read those numbers; nothing can
# evaluate them again (no replay, no create_graph, no forward mode), so it is not in RULES
# (the table's tests, the tape and define_op see only real rules).

def _no_forward(*xs: float) -> float:
    raise TypeError("local grads: a node made as Value(data, children, local_grads) has no forward "
                    "function to evaluate; define the op with define_op")


# d out/dx_i = the number stored for input i
LOCAL_GRADS = Rule("local_grads", None, _no_forward, lambda *xs: xs[-1], "local grads", "local_grads({*})")
