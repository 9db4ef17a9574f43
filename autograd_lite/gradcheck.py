"""Gradient checking: the engine (or your own gradient) against central finite differences.

`gradcheck` and `gradgradcheck` follow PyTorch's semantics: an entry passes
when |analytical − numerical| ≤ atol + rtol·|numerical|; they return True or
raise `GradcheckError` naming the worst entry. `check_grad` is for a gradient
written by hand (your own BP1–BP4, a NumPy formula): it returns a report.

The finite differences treat `f` as a black box on floats; that is what makes
them an independent check. Imports `engine` and `functional`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .engine import Value, enable_grad, gradients
from .functional import hessian

__all__ = ["GradcheckError", "GradientReport", "check_grad", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """A gradient disagrees with finite differences (the message names the entry)."""


def _floats(inputs: Sequence[float], who: str) -> list[float]:
    values = list(inputs)
    if not values:
        raise ValueError(f"{who}: needs at least one input")
    for i, x in enumerate(values):
        if isinstance(x, Value) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise TypeError(f"{who}: input {i} must be a finite float, got {x!r}")
    return [float(x) for x in values]


def _call(f: Callable[..., Any], leaves: Sequence[Value], who: str) -> Value:
    """f on the leaves, recorded (inside no_grad too: an unrecorded graph has gradient 0)."""
    with enable_grad():
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"{who}: f must return a Value, got {type(out).__name__}")
    return out


def _evaluate(f: Callable[..., Any], xs: Sequence[float], who: str) -> Value:
    return _call(f, [Value(x) for x in xs], who)


def _first_derivatives(f: Callable[..., Any], xs: Sequence[float], who: str) -> list[float]:
    """The engine's gradient of f at xs (eager backward, floats)."""
    leaves = [Value(x) for x in xs]
    grads = gradients(_call(f, leaves, who))
    return [float(grads.get(leaf, 0.0)) for leaf in leaves]


def _central_differences(g: Callable[[list[float]], Any], xs: list[float], eps: float) -> list[Any]:
    """[(g(x + eps e_i) − g(x − eps e_i)) / 2eps for each i]; g may return a float or a list."""
    columns = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += eps
        down[i] -= eps
        hi, lo = g(up), g(down)
        if isinstance(hi, list):
            columns.append([(h - low) / (2 * eps) for h, low in zip(hi, lo)])
        else:
            columns.append((hi - lo) / (2 * eps))
    return columns


def _within(analytical: float, numerical: float, atol: float, rtol: float) -> bool:
    return abs(analytical - numerical) <= atol + rtol * abs(numerical)


def _verdict(entries: list[tuple[str, float, float]], atol: float, rtol: float, who: str,
             raise_exception: bool) -> bool:
    """entries: (where, analytical, numerical). True, or the worst failure raised/False."""
    failures = [(abs(a - n) / (atol + rtol * abs(n)), where, a, n)
                for where, a, n in entries if not _within(a, n, atol, rtol)]
    if not failures:
        return True
    if not raise_exception:
        return False
    _, where, a, n = max(failures)
    raise GradcheckError(
        f"{who}: {where}: analytical {a:.10g} vs numerical {n:.10g} "
        f"(|diff| {abs(a - n):.3g} > atol + rtol·|numerical| = {atol + rtol * abs(n):.3g}); "
        f"{len(failures)} of {len(entries)} entries disagree"
    )


def gradcheck(f: Callable[..., Value], inputs: Sequence[float], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check the engine's gradient of `f` (Values in, one Value out) at `inputs` (floats)."""
    xs = _floats(inputs, "gradcheck")
    analytical = _first_derivatives(f, xs, "gradcheck")
    numerical = _central_differences(lambda ys: _evaluate(f, ys, "gradcheck").data, xs, eps)
    entries = [(f"input {i}", a, n) for i, (a, n) in enumerate(zip(analytical, numerical))]
    return _verdict(entries, atol, rtol, "gradcheck", raise_exception)


def gradgradcheck(f: Callable[..., Value], inputs: Sequence[float], *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: the gradient of the gradient graph (create_graph) against
    central differences of the engine's first derivative. It catches a rule whose partial has
    the right value but a wrong graph (e.g. computed from `.data`, cut off from the inputs)."""
    xs = _floats(inputs, "gradgradcheck")
    _evaluate(f, xs, "gradgradcheck")  # f must return a Value
    analytical = hessian(f)(*xs)  # the gradient of the create_graph gradient
    # column j of the numerical Hessian: d/dx_j of the whole first-derivative vector
    numerical = _central_differences(lambda ys: _first_derivatives(f, ys, "gradgradcheck"), xs, eps)
    entries = [(f"d2f/dx{i}dx{j}", analytical[i][j], numerical[j][i])
               for i in range(len(xs)) for j in range(len(xs))]
    return _verdict(entries, atol, rtol, "gradgradcheck", raise_exception)


# ---------------------------------------------------------------------------
# check_grad: a hand-written gradient against the engine and finite differences


@dataclass
class GradientReport:
    """Your gradient beside autograd_lite's and the finite differences, entry by entry."""

    inputs: list[float]
    yours: list[float]
    autodiff: list[float]
    numerical: list[float]
    atol: float
    rtol: float
    mismatches: list[int] = field(default_factory=list)  # indices where yours disagrees

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        header = f"{'i':>4}  {'input':>12}  {'yours':>14}  {'autodiff':>14}  {'finite diff':>14}  verdict"
        lines = [header, "-" * len(header)]
        for i, (x, y, a, n) in enumerate(zip(self.inputs, self.yours, self.autodiff, self.numerical)):
            verdict = "WRONG" if i in self.mismatches else "ok"
            lines.append(f"{i:>4}  {x:>12.6g}  {y:>14.8g}  {a:>14.8g}  {n:>14.8g}  {verdict}")
        summary = ("all entries agree" if self.ok else
                   f"{len(self.mismatches)} of {len(self.inputs)} entries disagree: {self.mismatches}")
        return "\n".join([*lines, summary])


def check_grad(f: Callable[..., Value], grad_fn: Callable[..., Sequence[float]], inputs: Sequence[float],
               *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> GradientReport:
    """Compare `grad_fn(*floats)` (your gradient) with the engine's gradient of `f(*Values)`
    and with central differences; an entry is wrong when it misses the autodiff value by more
    than atol + rtol·|autodiff|. Works on a network's whole parameter vector."""
    xs = _floats(inputs, "check_grad")
    yours = [float(g) for g in grad_fn(*xs)]
    if len(yours) != len(xs):
        raise ValueError(f"check_grad: grad_fn returned {len(yours)} values for {len(xs)} inputs")
    autodiff = _first_derivatives(f, xs, "check_grad")
    numerical = _central_differences(lambda ys: _evaluate(f, ys, "check_grad").data, xs, eps)
    mismatches = [i for i, (y, a) in enumerate(zip(yours, autodiff)) if not _within(y, a, atol, rtol)]
    return GradientReport(xs, yours, autodiff, numerical, atol, rtol, mismatches)
