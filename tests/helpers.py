"""Independent truths shared by the tests: central finite differences and a closeness check."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def central_differences(f: Callable[..., float], xs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """[(f(x + h e_i) - f(x - h e_i)) / 2h for each i], h scaled to |x_i|."""
    grads = []
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i], down[i] = x + h, x - h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def close(actual: float, reference: float, tol: float) -> bool:
    """|actual - reference| <= tol * max(1, |reference|): the project's meaning of 'to tol'."""
    return abs(actual - reference) <= tol * max(1.0, abs(reference))
