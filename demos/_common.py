"""Helpers shared by the demos: quick mode."""

from __future__ import annotations

import os
import sys


def quick_mode() -> bool:
    """True under `--quick` or AUTOGRAD_LITE_QUICK=1 (safe inside Jupyter, whose argv differs)."""
    return "--quick" in sys.argv[1:] or os.environ.get("AUTOGRAD_LITE_QUICK") == "1"
