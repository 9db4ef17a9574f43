"""Derivatives as functions, in the style of HIPS autograd: grad, value_and_grad, hessian.

Side-effect free: nothing here writes `.grad`. Works inside `no_grad()` too
(the function is evaluated with recording on: a derivative needs its graph). Built on `engine.gradients`
with `create_graph=True`, which evaluates the rule table's partials on Values,
so a derivative is itself a graph and `grad(grad(grad(f)))` is the third
derivative. Imports `engine` only.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

from .engine import Value, enable_grad, gradients

__all__ = ["grad", "hessian", "value_and_grad"]


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
        derivative = gradients(out, create_graph=keep_graph).get(target, 0.0)
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
        first = gradients(out, create_graph=True)
        rows = []
        for x_i in inputs:
            d_i = first.get(x_i, 0.0)
            second = gradients(d_i) if isinstance(d_i, Value) else {}
            rows.append([float(second.get(x_j, 0.0)) for x_j in inputs])
        return rows

    second_derivatives.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return second_derivatives
