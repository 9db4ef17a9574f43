"""The softmax family on lists of Values: logsumexp, log_softmax, softmax, softmax_cross_entropy.

All four stand on one variadic rule of the table, `logsumexp` (ops.py), whose
forward takes the max shift itself and whose partials are the softmax:

    log_softmax(x)_i = x_i - logsumexp(x)
    softmax(x)_i     = exp(log_softmax(x)_i)          (x_i - logsumexp(x) <= 0: no overflow)
    softmax_cross_entropy(x, t) = logsumexp(x) - x_t  (= -log softmax(x)_t)
    softmax_cross_entropy(x, y) = Σ_j y_j (logsumexp(x) - x_j)   (y: probabilities, e.g. one-hot)

so the graph holds no number taken from the data (no `max(v.data)` frozen in
as a constant): it is a pure function of its leaves, a tape replays it exactly
when new data moves the largest logit, and every output differentiates to any
order through the same rule. Why one rule and not a softmax rule: a node has
one output, so a softmax op would be n nodes of n inputs each (n² edges);
logsumexp is one node of n inputs, and the rest is the table's `-` and `exp`.

Precision: nothing overflows for any finite logits, but x_i - logsumexp(x) subtracts two
floats of the logits' size, so log_softmax and the cross-entropy carry an absolute error
of a few ulps of max|x_i| (about 2.2e-16 * max|x_i|), and softmax the same relative error:
about 1e-8 for logits near 1e8, all precision gone from about 1e15 (ties at 1e16 give
softmax [1, 1] and cross-entropy 0 for log 2, where PyTorch, which subtracts the max
logit as a number first, gives log 2). A network's logits are far smaller; making these
exact at huge logits would need a rule per output (n nodes of n inputs for a list).

Lists of numbers give lists of floats (as `autograd_lite.exp(2.0)` gives a float).
Bools count as numbers (1.0, 0.0), as in `Value(True)`, except as an int class index
(`target=True` is refused: class 1 written as True is likely a slip). Sets and dicts are
refused: they have no order to say which logit is which.
Imports `engine` and `ops` only.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence, Set
from typing import Any

from . import ops
from .engine import Value, apply

__all__ = ["log_softmax", "logsumexp", "softmax", "softmax_cross_entropy"]

_LOGSUMEXP = ops.RULES["logsumexp"]


def _inputs(values: Any, who: str) -> tuple[list[Any], bool]:
    """The values as a list, and whether any is a Value; a clear error for anything else."""
    # An unordered container (a set, a dict's keys) has no "logit i": refused with the rest.
    if isinstance(values, (Value, numbers.Real, str, bytes, Set, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{who}: expected a list of Values or numbers, got {type(values).__name__} "
                        f"({values!r:.40})")
    xs = list(values)
    if not xs:
        raise ValueError(f"{who}: expected at least one value, got an empty list")
    graph = False
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            graph = True
        elif not isinstance(x, numbers.Real):
            raise TypeError(f"{who}: element {i} is {type(x).__name__} ({x!r:.40}), not a Value or a number")
    return xs, graph


def _logsumexp(xs: list[Any], graph: bool) -> Any:
    if graph:
        return apply(_LOGSUMEXP, *xs)
    return ops.evaluate(_LOGSUMEXP, tuple(float(x) for x in xs))


def logsumexp(values: Sequence[Any]) -> Any:
    """log Σ_i exp(x_i), without overflow for any finite x (the max shift happens inside the op)."""
    return _logsumexp(*_inputs(values, "logsumexp"))


def log_softmax(values: Sequence[Any]) -> list[Any]:
    """[x_i - logsumexp(x)]: the log-probabilities of the logits x. No overflow; absolute error
    a few ulps of max|x_i| (lost from |x| ~ 1e15: see the module docstring)."""
    xs, graph = _inputs(values, "log_softmax")
    total = _logsumexp(xs, graph)
    return [x - total for x in xs]


def softmax(values: Sequence[Any]) -> list[Any]:
    """[exp(x_i - logsumexp(x))]: probabilities that sum to 1. No overflow; relative error
    a few ulps of max|x_i| (lost from |x| ~ 1e15: see the module docstring)."""
    xs, graph = _inputs(values, "softmax")
    total = _logsumexp(xs, graph)
    if graph:
        return [(x - total).exp() for x in xs]  # x - total is a Value: total is
    return [ops.exp(x - total) for x in xs]


def softmax_cross_entropy(logits: Sequence[Any], target: int | Sequence[Any]) -> Any:
    """-log softmax(logits)[target] = logsumexp(logits) - logits[target], for an int class index.

    No overflow; absolute error a few ulps of max|logit| (see the module docstring).

    A list `target` (one number or Value per logit: class probabilities, a one-hot row)
    gives -Σ_j y_j log softmax(logits)_j = Σ_j y_j (logsumexp(logits) - logits_j): with
    the target's entries as leaves, a tape replays it for any target (an int index would
    pick a logit while the graph is built, and a replay would keep that pick).
    """
    xs, graph = _inputs(logits, "softmax_cross_entropy")
    if isinstance(target, (list, tuple)):
        ys = _probabilities(target, len(xs))
        total = _logsumexp(xs, graph or any(isinstance(y, Value) for y in ys))
        return sum(y * (total - x) for x, y in zip(xs, ys))
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"softmax_cross_entropy: target must be an int class index (or a list of "
                        f"probabilities), got {type(target).__name__} ({target!r:.40})")
    if not 0 <= target < len(xs):
        raise IndexError(f"softmax_cross_entropy: target {int(target)} is out of range for "
                         f"{len(xs)} logits (0 to {len(xs) - 1})")
    return _logsumexp(xs, graph) - xs[int(target)]


def _probabilities(target: Sequence[Any], n: int) -> list[Any]:
    """A list target checked: n entries, each a number or a Value."""
    if len(target) != n:
        raise ValueError(f"softmax_cross_entropy: the target has {len(target)} entries for {n} logits")
    for j, y in enumerate(target):
        if not isinstance(y, (Value, numbers.Real)):  # bools are numbers here, as in Value(True)
            raise TypeError(f"softmax_cross_entropy: target entry {j} is {type(y).__name__} "
                            f"({y!r:.40}), not a number or a Value")
    return list(target)
