"""The cost_of_gradients demo times every method the same way (its table's promise)."""

from __future__ import annotations

import gc
import runpy
import sys

import autograd_lite


def test_both_halves_of_reverse_mode_are_timed_with_the_collector_paused(monkeypatch, tmp_path):
    # The text says the collector is paused for every method alike; a reverse pass timed with it
    # running would bias the backward/forward ratio. Every walk the demo makes must see it paused.
    seen = []
    real = autograd_lite.gradients

    def recording(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(autograd_lite, "gradients", recording)  # the demo imports it from here
    monkeypatch.setattr(sys, "argv", ["cost_of_gradients", "--quick"])
    monkeypatch.chdir(tmp_path)
    runpy.run_module("autograd_lite.demos.cost_of_gradients", run_name="__main__")
    assert seen and not any(seen), f"{seen.count(True)} of {len(seen)} walks ran with the collector on"
    assert gc.isenabled()
