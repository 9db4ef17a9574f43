"""Benchmark W6 computes the same step on every engine: the gpt demo's model on the lean
engine (microgpt's design, its own code) and on autograd_lite (eager with its ops, eager
with microgpt's code, the tape of the one-hot graph). No timing is asserted."""

from __future__ import annotations

import pytest

workloads = pytest.importorskip("benchmarks.workloads", reason="run from the repository root")


def test_w6_variants_agree_with_the_lean_engine() -> None:
    lean = workloads.run_w6(workloads.load_engine("lean"), positions=4, repeats=1)
    mine = workloads.run_w6(workloads.load_engine("autograd_lite"), positions=4, repeats=1)
    assert lean["document"] == mine["document"] and len(lean["document"]) == 3
    reference = lean["variants"]["microgpt_code"]
    assert set(mine["variants"]) == {"own_ops", "microgpt_code", "tape"}
    for variant in mine["variants"].values():
        for key in ("loss", "grad_sum", "grad_abs_sum"):
            assert variant[key] == pytest.approx(reference[key], rel=1e-9)
    # the tape replays the demo's --fast graph: the eager graph's numbers, and so the lookups'
    assert mine["variants"]["tape"]["loss"] == mine["variants"]["own_ops"]["loss"]
    assert 0 < mine["variants"]["own_ops"]["bytes_per_node"] < reference["bytes_per_node"]


def test_w6_refuses_a_length_no_name_has() -> None:
    with pytest.raises(ValueError, match="no name of 15 letters"):
        workloads.run_w6(workloads.load_engine("lean"), positions=16, repeats=1)
