"""Helpers shared by the demos: quick mode (small and fast, for tests), fast mode (the tape),
and where pictures go: files when run as a script, files and the notebook when run in a kernel.
A drawing is written as .svg where Graphviz's dot is installed, else as .html (drawn in the
browser): `save_drawing`."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any


def quick_mode() -> bool:
    """True under `--quick` or AUTOGRAD_LITE_QUICK=1 (safe inside Jupyter, whose argv differs)."""
    return "--quick" in sys.argv[1:] or os.environ.get("AUTOGRAD_LITE_QUICK") == "1"


def fast_mode() -> bool:
    """True under `--fast` or AUTOGRAD_LITE_FAST=1: train by replaying a Tape."""
    return "--fast" in sys.argv[1:] or os.environ.get("AUTOGRAD_LITE_FAST") == "1"


def in_kernel() -> bool:
    """True when running in a Jupyter kernel (the demo opened as a notebook), not as a script.

    Looks only at modules already imported: a script never imports IPython for this.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def show(obj: Any) -> None:
    """Display obj (a graph, a player, a widget) in the notebook; as a script, nothing."""
    if in_kernel():
        from autograd_lite.notebook import display

        display(obj)


def save_figure(fig: Any, path: Path) -> None:
    """Write a matplotlib figure to path (as scripts always did), show that PNG inline in a
    kernel, and close the figure. (The file is shown, not the figure: the demos select
    matplotlib's Agg backend, under which a kernel has no inline display of figures.)"""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=100)
    plt.close(fig)
    if in_kernel():
        from autograd_lite.notebook import display_png

        display_png(path)


def save_drawing(drawing: Any, path: Path) -> tuple[Path, str]:
    """Write a drawing (draw_dot's or draw_network's result) to path as SVG when Graphviz's dot
    is installed and works; else to path with .html (one self-contained page drawing it in the browser).
    Returns the path written and "" or, for the .html, words saying why (for the demo's line)."""
    from autograd_lite.render import GraphvizFailedWarning
    from autograd_lite.viz import GraphvizFailedError, dot_available, save_html

    why = "Graphviz's dot is not installed"
    if dot_available():
        try:
            path.write_bytes(drawing.pipe(format="svg"))
            return path, ""
        except GraphvizFailedError as error:
            why = f"Graphviz's dot failed ({error.reason})"
    with warnings.catch_warnings():  # the demo's own line says why: no second one from save_html
        warnings.simplefilter("ignore", GraphvizFailedWarning)
        page = save_html(drawing, path.with_suffix(".html"), title=path.stem)
    return page, f" ({why}: an HTML page that draws it in the browser)"
