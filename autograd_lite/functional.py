"""Derivatives as functions, in the style of HIPS autograd: grad, value_and_grad, hessian,
jvp, jacobian, hvp.

Side-effect free: nothing here writes `.grad`. Works inside `no_grad()` too
(the function is evaluated with recording on: a derivative needs its graph). Reverse mode is
built on `engine.gradients` with `create_graph=True`, which evaluates the rule table's partials
on Values, so a derivative is itself a graph and `grad(grad(grad(f)))` is the third
derivative. Forward mode (`jvp`) runs f once on `dual.Dual` numbers, which carry a tangent
beside each value and keep no graph. Imports `engine` and `dual` only.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .dual import Dual, check_constant
from .engine import Value, enable_grad, gradients

__all__ = ["grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad"]


def _output(f: Callable[..., Any], args: tuple, who: str) -> Value | float:
    with enable_grad():  # inside no_grad too: an unrecorded graph would give derivative 0
        out = f(*args)
    if isinstance(out, Value):
        return out
    if isinstance(out, numbers.Real):
        return float(out)  # a constant function: its gradient is 0
    raise TypeError(f"{who}: f must return a Value or a number, got {type(out).__name__}")


def _check_argnum(argnum: int, args: tuple, who: str) -> None:
    if not -len(args) <= argnum < len(args):
        raise ValueError(f"{who}: argnum {argnum} is out of range for {len(args)} arguments")


def value_and_grad(f: Callable[..., Any], argnum: int = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning (f(*args), ∂f/∂args[argnum]).

    Numbers in give floats out; if any argument is a Value, both are Values
    (graphs), so the result can be differentiated again.
    """

    def value_and_derivative(*args: Any) -> tuple[Any, Any]:
        _check_argnum(argnum, args, "grad")
        keep_graph = any(isinstance(a, Value) for a in args)
        inputs = tuple(a if isinstance(a, Value) else Value(a) for a in args)
        out = _output(f, inputs, "grad")
        target = inputs[argnum]
        if isinstance(out, float):
            derivative: Any = Value(0.0) if keep_graph else 0.0
            return (Value(out) if keep_graph else out), derivative
        derivative = gradients(out, create_graph=keep_graph, who="grad").get(target, 0.0)
        if keep_graph:
            derivative = derivative if isinstance(derivative, Value) else Value(derivative)
            return out, derivative
        return out.data, float(derivative)

    value_and_derivative.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_derivative


def grad(f: Callable[..., Any], argnum: int = 0) -> Callable[..., Any]:
    """The function ∂f/∂x_argnum: a float for numbers, a Value (a graph) if any input is a Value."""
    both = value_and_grad(f, argnum)

    def derivative(*args: Any) -> Any:
        return both(*args)[1]

    derivative.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return derivative


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[float]]]:
    """The function returning the matrix of second derivatives ∂²f/∂x_i∂x_j as floats."""

    def second_derivatives(*args: float) -> list[list[float]]:
        inputs = tuple(Value(a) for a in args)
        out = _output(f, inputs, "hessian")
        n = len(inputs)
        if isinstance(out, float):
            return [[0.0] * n for _ in range(n)]
        first = gradients(out, create_graph=True, who="hessian")
        rows = []
        for x_i in inputs:
            d_i = first.get(x_i, 0.0)
            second = gradients(d_i) if isinstance(d_i, Value) else {}
            rows.append([float(second.get(x_j, 0.0)) for x_j in inputs])
        return rows

    second_derivatives.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return second_derivatives


# ---------------------------------------------------------------------------
# Forward mode, and the matrices built from either mode


def _refuse_value(what: str) -> TypeError:
    who = what.split(maxsplit=1)[0]
    return TypeError(f"{what}: got a Value, but {who} returns floats, so its graph would be cut "
                     "(the derivative of the result would read 0): pass numbers, or use grad or "
                     "hessian, which return graphs for Values, to differentiate a derivative")


def _as_list(xs: Any, what: str) -> list[float]:
    """A bare number as a one-element list; a sequence as a list of floats. A Value is refused."""
    if isinstance(xs, Value):
        raise _refuse_value(what)
    if isinstance(xs, numbers.Real):
        return [float(xs)]
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{what}: expected a number or a sequence of numbers, got {type(xs).__name__}")
    out = []
    for x in xs:
        if isinstance(x, Value):
            raise _refuse_value(what)
        if not isinstance(x, numbers.Real):
            raise TypeError(f"{what}: expected numbers, got {type(x).__name__} ({x!r:.40})")
        out.append(float(x))
    return out


def _outputs(result: Any, who: str) -> tuple[list[Any], bool]:
    """f's result as a list of outputs, and whether f returned a list (vector-valued f)."""
    vector = isinstance(result, (list, tuple))
    outs = list(result) if vector else [result]
    for out in outs:
        if not isinstance(out, (Value, numbers.Real)):
            raise TypeError(f"{who}: f must return a number or a list of numbers, got {type(out).__name__}")
    return outs, vector


def jvp(f: Callable[..., Any], primals: Any, tangents: Any) -> tuple[Any, Any]:
    """(f(*primals), J·tangents): the directional derivative, by forward mode.

    One pass of f on Duals: each op evaluates its rule's forward and, for the
    tangent, the same rule's partials, ṫ_out = Σ_i ∂out/∂in_i · ṫ_i. No graph is
    built and nothing walks backwards. A bare number is accepted for a one-argument
    f. Returns floats (lists of floats for a vector-valued f), so Value arguments, whose
    graph would be cut, are refused: grad and hessian differentiate through derivatives.
    """
    xs, ts = _as_list(primals, "jvp primals"), _as_list(tangents, "jvp tangents")
    if len(xs) != len(ts):
        raise ValueError(f"jvp: {len(xs)} primals but {len(ts)} tangents; give one tangent per primal")
    with enable_grad():  # inside no_grad too: a plain node made from a Dual must keep its parents,
        result = f(*(Dual(x, t) for x, t in zip(xs, ts)))  # so check_constant can see the drop
    outs, vector = _outputs(result, "jvp")
    for out in outs:
        if isinstance(out, Value) and not isinstance(out, Dual):
            check_constant(out, "jvp")
    values = [float(out.data if isinstance(out, Value) else out) for out in outs]
    derivatives = [out.tangent if isinstance(out, Dual) else 0.0 for out in outs]  # a constant: 0
    return (values, derivatives) if vector else (values[0], derivatives[0])


def jacobian(f: Callable[..., Any], mode: str = "reverse") -> Callable[..., list[list[float]]]:
    """The function returning ∂f_i/∂x_j as rows (m outputs x n inputs; one row for a scalar f).

    mode="forward" builds it column by column from n jvps; mode="reverse" row by
    row from m backward walks. Both read the same rules and agree to rounding.
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', got {mode!r}")

    def by_forward_mode(*args: float) -> list[list[float]]:
        xs = _as_list(list(args), "jacobian")
        columns = [jvp(f, xs, [1.0 if k == j else 0.0 for k in range(len(xs))])[1] for j in range(len(xs))]
        columns = [c if isinstance(c, list) else [c] for c in columns]
        m = len(columns[0]) if columns else len(_outputs(f(), "jacobian")[0])
        return [[columns[j][i] for j in range(len(xs))] for i in range(m)]

    def by_reverse_mode(*args: float) -> list[list[float]]:
        inputs = [Value(x) for x in _as_list(list(args), "jacobian")]
        with enable_grad():
            outs, _ = _outputs(f(*inputs), "jacobian")
        rows = []
        for out in outs:
            walk = gradients(out) if isinstance(out, Value) else {}
            rows.append([float(walk.get(x, 0.0)) for x in inputs])
        return rows

    function = by_forward_mode if mode == "forward" else by_reverse_mode
    function.__name__ = f"jacobian_{getattr(f, '__name__', 'f')}"
    return function


def hvp(f: Callable[..., Any], primals: Any, v: Any) -> list[float]:
    """H·v, the Hessian of a scalar f at primals times v, without forming H.

    Reverse-over-reverse: the gradient g is built as a graph (create_graph), then
    one more backward walk of the scalar g·v gives ∇(g·v) = H v. (Forward-over-
    reverse would need Duals whose numbers are Values; Dual carries floats.)
    """
    xs, vs = _as_list(primals, "hvp primals"), _as_list(v, "hvp v")
    if len(xs) != len(vs):
        raise ValueError(f"hvp: {len(xs)} primals but {len(vs)} entries in v; give one per primal")
    inputs = [Value(x) for x in xs]
    out = _output(f, tuple(inputs), "hvp")
    if isinstance(out, float):
        return [0.0] * len(xs)
    first = gradients(out, create_graph=True, who="hvp")
    with enable_grad():
        g_dot_v = sum((first[x] * vi for x, vi in zip(inputs, vs) if x in first and vi != 0.0), Value(0.0))
    second = gradients(g_dot_v)
    return [float(second.get(x, 0.0)) for x in inputs]
