"""`autograd_lite.show(v)`: "this is the Value to look at".

On the site's playground page the Value passed to `show` is the one drawn (rather than the
last name bound to a Value); in a Jupyter kernel `show` displays its graph; in a plain script
it does nothing. Whoever wants the Values shown (the playground's runner) sets a hook with
`capture`. Imports engine only (the notebook display lazily, in a kernel).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .engine import Value

__all__ = ["capture", "show"]

_hooks: list[Callable[[Value], None]] = []


def show(v: Value) -> None:
    """Mark v as the Value to show: the playground draws it, a Jupyter kernel displays its
    graph (`viz.draw_dot`), a plain script ignores it. Both draw ∂v/∂node on every node (the
    pure walk, `engine.gradients`: whether or not backward() ran, and no `.grad` changes).
    A non-Value is a TypeError."""
    if not isinstance(v, Value):
        raise TypeError(f"show: expected a Value, got {type(v).__name__}")
    if _hooks:
        _hooks[-1](v)
        return
    if _in_kernel():
        from .engine import gradients
        from .notebook import display
        from .viz import draw_dot

        display(draw_dot(v, grads=gradients(v)))


@contextmanager
def capture(hook: Callable[[Value], None]) -> Iterator[None]:
    """Within the block, `show(v)` calls hook(v) instead of displaying anything."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


def _in_kernel() -> bool:
    # Only modules already imported are looked at: a script never imports IPython for this.
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None
