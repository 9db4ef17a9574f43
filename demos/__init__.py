"""Runnable demos (jupytext "percent" scripts): `autograd-lite demo NAME`.

`quick_mode()` and `fast_mode()` are public here, so that a demo whose notebook the site
serves reads `from autograd_lite.demos import quick_mode`, not an import of a private module.
"""

from ._common import fast_mode, quick_mode

__all__ = ["fast_mode", "quick_mode"]
