"""Helpers shared by the demos: quick mode (small and fast, for tests) and fast mode (the tape)."""

from __future__ import annotations

import os
import sys


def quick_mode() -> bool:
    """True under `--quick` or AUTOGRAD_LITE_QUICK=1 (safe inside Jupyter, whose argv differs)."""
    return "--quick" in sys.argv[1:] or os.environ.get("AUTOGRAD_LITE_QUICK") == "1"


def fast_mode() -> bool:
    """True under `--fast` or AUTOGRAD_LITE_FAST=1: train by replaying a Tape."""
    return "--fast" in sys.argv[1:] or os.environ.get("AUTOGRAD_LITE_FAST") == "1"
