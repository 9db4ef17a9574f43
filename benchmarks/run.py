"""Benchmark autograd_lite against micrograd (and torch scalars); print a markdown table.

    python -m benchmarks.run            # full: W2 up to 1e6 links, W4 1e5 triples (~10-15 min)
    python -m benchmarks.run --quick    # W2 to 1e5 links, W4 2e4 triples, W5 200 samples, fewer rounds
    python -m benchmarks.run --json results.json
    python -m benchmarks.run --only w6      # one workload (W3 runs only if named)

Every (engine, workload) runs in a fresh subprocess of `workloads.py`; within
each round the engines take turns (autograd_lite, micrograd, torch, then the
next workload), so a slow stretch of the machine hits every engine alike.
The table shows medians over all rounds and the ratios other / autograd_lite
(above 1: autograd_lite is faster, or smaller). Installs nothing; an engine
that is not importable is left out with a note. Progress goes to stderr, the
table to stdout.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKLOADS = HERE / "workloads.py"
ENGINES = ("autograd_lite", "micrograd", "torch")
LEAN = "lean"  # benchmarks/lean_engine.py, microgpt's design: W6 only, always available
BASE = "autograd_lite"
TOLERANCE = 1e-9  # relative, for the loss and value checks between engines
HELPER_TOLERANCE = 1e-12  # relative: nn.train's shuffled batch sums the same terms in another order
ONLY_BASE = (BASE,)


@dataclass(frozen=True)
class Task:
    """One timed task: a workload at one size, `repeats` samples per process, run by
    `engines` (None: all of them)."""

    workload: str
    size: int | None
    repeats: int
    rounds: int
    engines: tuple[str, ...] | None = None

    def runs(self, engine: str) -> bool:
        if self.engines is None:
            return engine != LEAN
        return engine in self.engines

    @property
    def key(self) -> str:
        return self.workload if self.size is None else f"{self.workload}:{self.size}"


@dataclass(frozen=True)
class Plan:
    """What to run: timed tasks, W3's chain length, rounds."""

    rounds: int
    tasks: tuple[Task, ...]
    w3_links: int = 50_000  # 100,000 ops
    notes: list[str] = field(default_factory=list)


def make_plan(quick: bool, rounds: int | None) -> Plan:
    """The full plan, or the --quick one (smaller W2, W4 and W5, fewer rounds and repeats)."""
    if quick:
        r = rounds or 3
        few = min(r, 2)
        w2 = ((100, 50), (1_000, 10), (10_000, 3), (100_000, 1))
        return Plan(r, (Task("w1", None, 3, r), Task("w1_helper", None, 3, r, ONLY_BASE),
                        Task("w1_tape", None, 6, few, ONLY_BASE),
                        *(Task("w2", n, k, r) for n, k in w2),
                        Task("w4", 20_000, 1, few), Task("w5", 200, 1, few, ONLY_BASE),
                        Task("w6", 9, 2, few, (BASE, LEAN))))
    r = rounds or 5
    few = min(r, 3)
    w2 = ((100, 200), (1_000, 50), (10_000, 10), (100_000, 3), (1_000_000, 1))
    # The 1e6 chain costs ~10 s (autograd_lite) to ~40 s (torch) a sample: 3 rounds.
    # W4 at 1e5 triples costs ~10-20 s a sample in micrograd and torch, W5 ~5-10 s an
    # eager epoch, W1's tape ~4 s of recording a process: 3 rounds.
    return Plan(r, (Task("w1", None, 6, r), Task("w1_helper", None, 6, r, ONLY_BASE),
                    Task("w1_tape", None, 20, few, ONLY_BASE),
                    *(Task("w2", n, k, few if n >= 1_000_000 else r) for n, k in w2),
                    Task("w4", 100_000, 2, few), Task("w5", 500, 2, few, ONLY_BASE),
                    Task("w6", 9, 5, r, (BASE, LEAN))))


# ---------------------------------------------------------------------------
# Running.

def available_engines(wanted: list[str]) -> tuple[list[str], list[str]]:
    """(engines to run, notes on those left out)."""
    engines, notes = [], []
    for name in wanted:
        if importlib.util.find_spec(name) is None:
            hint = " (pip install micrograd==0.1.0)" if name == "micrograd" else ""
            notes.append(f"{name} is not importable: left out{hint}.")
        else:
            engines.append(name)
    return engines, notes


def run_one(engine: str, workload: str, size: int | None, repeats: int) -> dict:
    """Run workloads.py once in its own interpreter and parse its JSON."""
    command = [sys.executable, str(WORKLOADS), "--engine", engine, "--workload", workload,
               "--repeats", str(repeats)]
    if size is not None:
        command += ["--size", str(size)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        print(f"  ! {engine} {workload} {size}: exit {done.returncode}: {tail[0]}", file=sys.stderr)
        return {"engine": engine, "workload": workload, "size": size, "samples": [],
                "error": f"crashed (exit {done.returncode})"}
    return json.loads(done.stdout)


def run_plan(plan: Plan, engines: list[str]) -> tuple[dict[str, dict[str, list[dict]]], dict[str, dict]]:
    """Timed tasks round by round, engines alternating; then W3 once per engine.

    Returns ({task key: {engine: [result per round]}}, {engine: W3 result}).
    A cell that failed (RecursionError, crash) is not run again in later rounds.
    """
    timed: dict[str, dict[str, list[dict]]] = {t.key: {e: [] for e in [*engines, LEAN]} for t in plan.tasks}
    for round_no in range(1, plan.rounds + 1):
        for task in plan.tasks:
            if round_no > task.rounds:
                continue
            for engine in [*engines, LEAN]:
                if not task.runs(engine):
                    continue
                runs = timed[task.key][engine]
                if runs and runs[-1].get("error"):
                    continue
                result = run_one(engine, task.workload, task.size, task.repeats)
                result["round"] = round_no
                runs.append(result)
                shown = result.get("error") or format_seconds(median(result["samples"]))
                print(f"[round {round_no}/{plan.rounds}] {task.key:<10} {engine:<14} {shown}",
                      file=sys.stderr)
    memory = {}
    for engine in engines if plan.w3_links else ():
        memory[engine] = run_one(engine, "w3", plan.w3_links, 1)
        print(f"[w3] {engine} done", file=sys.stderr)
    return timed, memory


# ---------------------------------------------------------------------------
# Summaries.

def short_size(n: int) -> str:
    """1000 -> '1e3'."""
    return f"{n:.0e}".replace("e+0", "e").replace("e+", "e")


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def format_seconds(seconds: float) -> str:
    """3 significant digits in s, ms or µs."""
    if seconds >= 1.0:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def format_ratio(other: float | None, base: float | None) -> str:
    if other is None or base is None or base == 0:
        return "-"
    return f"{other / base:.2f}x" if other / base < 10 else f"{other / base:.1f}x"


def relative_difference(a: float, b: float) -> float:
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def pooled(runs: list[dict], key: str = "samples") -> tuple[float | None, str | None]:
    """(median over every sample of every round, or None; the error text if it failed)."""
    errors = [r["error"] for r in runs if r.get("error")]
    samples = [s for r in runs for s in r.get(key, [])]
    if errors:
        return None, f"fails ({errors[0]})" if not errors[0].startswith("crashed") else errors[0]
    return (median(samples), None) if samples else (None, "not run")


def row_specs(task: Task) -> list[tuple[str, str, str | None]]:
    """A task's table rows: (label, samples key, key of the task whose times the engines
    that do not run this one are compared with, e.g. the helpers' rows with W1's loop)."""
    if task.workload == "w1":
        return [("W1 moons training step (MLP 2-16-16-1, 100 points), plain loop", "samples", None)]
    if task.workload == "w1_helper":
        return [("W1 step by `nn.train(..., epochs=1, batch_size=100)`: a call (step + accuracy pass)",
                 "train_samples", "w1"),
                ("W1 step by train's step (`nn.loss`, backward, `SGD.step`, collector paused)",
                 "samples", "w1")]
    if task.workload == "w1_tape":
        return [("W1 step replayed by `Tape` (recording not counted)", "samples", "w1")]
    if task.workload == "w2":
        return [(f"W2 chain of {short_size(task.size)} links, build + backward", "samples", None)]
    if task.workload == "w4":
        return [(f"W4 balanced sum of relu(a*b + c), {short_size(task.size)} triples, build + backward",
                 "samples", None)]
    if task.workload == "w5":
        what = f"W5 digits epoch ({task.size} samples, batches of 10)"
        return [(f"{what}, eager (train's step)", "eager_samples", None),
                (f"{what}, `Tape` replay (recording not counted)", "samples", None)]
    raise ValueError(f"no rows for {task.workload}")


def timing_rows(plan: Plan, engines: list[str], timed: dict) -> list[list[str]]:
    """Table rows of the timed tasks: a cell per engine, then a ratio per other engine.

    An engine that does not run a task shows, in italics, its time on the task the
    row is compared with (W1's plain loop for the helper and tape rows), or "-".
    """
    rows = []
    for task in plan.tasks:
        if task.workload == "w6":
            continue  # its own table (gpt_rows): the engine it is compared with is not a column here
        for label, key, baseline in row_specs(task):
            medians: dict[str, tuple[float | None, str | None]] = {}
            cells = []
            for e in engines:
                if task.runs(e):
                    medians[e] = pooled(timed[task.key][e], key)
                    m, err = medians[e]
                    cells.append(format_seconds(m) if m is not None else str(err))
                elif baseline is not None and baseline in timed and timed[baseline][e]:
                    medians[e] = pooled(timed[baseline][e])
                    m, err = medians[e]
                    cells.append(f"*{format_seconds(m)}*" if m is not None else str(err))
                else:
                    medians[e] = (None, None)
                    cells.append("-")
            ratios = [format_ratio(medians[e][0], medians[BASE][0]) for e in engines if e != BASE]
            rows.append([label, *cells, *ratios])
    return rows


def split_rows(plan: Plan, engines: list[str], timed: dict) -> list[list[str]]:
    """W2 and W4 rows of the build and backward medians, per engine."""
    rows = []
    for task in plan.tasks:
        if task.workload not in ("w1", "w2", "w4"):
            continue
        cells = []
        for e in engines:
            runs = timed[task.key][e]
            if not runs or any(r.get("error") for r in runs):
                cells.append("-")
                continue
            build = median([s for r in runs for s in r["build"]])
            backward = median([s for r in runs for s in r["backward"]])
            cells.append(f"{format_seconds(build)} / {format_seconds(backward)}")
        if task.workload == "w1":
            rows.append(["W1 moons step, plain loop (build; zero_grad + backward + SGD)", *cells])
            continue
        name = "chain of" if task.workload == "w2" else "balanced sum of"
        unit = "links" if task.workload == "w2" else "triples"
        rows.append([f"{task.workload.upper()} {name} {short_size(task.size)} {unit}", *cells])
    return rows


def tape_rows(plan: Plan, timed: dict) -> list[list[str]]:
    """autograd_lite eager against its tape: W1 (the plain loop) and W5 (train's step)."""
    rows = []
    for task in plan.tasks:
        if task.workload == "w1_tape":
            eager_runs, name = timed.get("w1", {}).get(BASE, []), "W1 moons step (eager: the plain loop)"
            eager_key = "samples"
        elif task.workload == "w5":
            eager_runs, name = timed[task.key][BASE], f"W5 digits epoch, {task.size} samples"
            eager_key = "eager_samples"
        else:
            continue
        runs = [r for r in timed[task.key][BASE] if not r.get("error")]
        eager, _ = pooled(eager_runs, eager_key)
        tape, err = pooled(timed[task.key][BASE])
        if not runs or tape is None:
            rows.append([name, "-", str(err), "-", "-", "-", "-", "-"])
            continue
        record = median([r["record_seconds"] for r in runs])
        compile_ = median([r["compile_seconds"] for r in runs])
        forward, _ = pooled(runs, "forward_samples") if "forward_samples" in runs[0] else (None, None)
        rows.append([name, format_seconds(eager) if eager is not None else "-", format_seconds(tape),
                     format_ratio(eager, tape), f"{format_seconds(record)} ({format_seconds(compile_)})",
                     format_ratio(compile_, eager),
                     f"{format_seconds(forward)} ({format_ratio(forward, tape)})" if forward else "-",
                     f"{runs[0]['nodes']:,}"])
    return rows


GPT_VARIANTS = (  # (engine, variant key of workloads.run_w6, row label)
    (LEAN, "microgpt_code", "lean engine (microgpt's design), microgpt's code"),
    (BASE, "own_ops", "autograd_lite eager, the demo's code (its softmax ops, scopes)"),
    (BASE, "microgpt_code", "autograd_lite eager, microgpt's code unchanged"),
    (BASE, "tape", "autograd_lite `Tape` replay of the demo's `--fast` graph (one-hot leaves)"),
)


def _gpt_runs(timed: dict, task: Task) -> dict[str, list[dict]]:
    return {e: [r for r in timed[task.key][e] if not r.get("error")] for e in (BASE, LEAN)}


def gpt_rows(plan: Plan, timed: dict) -> list[list[str]]:
    """W6: one microgpt training step, engine by engine: nodes, build / backward / step,
    lean / this, bytes per node after build and this / lean."""
    rows = []
    for task in plan.tasks:
        if task.workload != "w6":
            continue
        runs = _gpt_runs(timed, task)
        if not runs[BASE] or not runs[LEAN]:
            rows.append([f"W6 ({task.size} positions): not run", *["-"] * 9])
            continue
        lean_step = pooled([r["variants"]["microgpt_code"] for r in runs[LEAN]])[0]
        lean_paused = pooled([r["variants"]["microgpt_code"] for r in runs[LEAN]], "paused_samples")[0]
        lean_bytes = runs[LEAN][0]["variants"]["microgpt_code"]["bytes_per_node"]
        for engine, key, label in GPT_VARIANTS:
            variants = [r["variants"][key] for r in runs[engine]]
            build, backward, step = (pooled(variants, k)[0] for k in ("build", "backward", "samples"))
            first = variants[0]
            if key == "tape":
                recorded = median([v["record_seconds"] for v in variants])
                build_cell = f"(recorded once: {format_seconds(recorded)})"
                memory = ["-", "-"]
                paused = ["-", "-"]
            else:
                build_cell = format_seconds(build)
                per_node = first["bytes_per_node"]
                memory = [f"{per_node:.0f} B", f"{per_node / lean_bytes:.2f}"]
                quiet = [pooled(variants, f"paused_{k}")[0] for k in ("build", "backward", "samples")]
                paused = [" / ".join(format_seconds(t) for t in quiet), format_ratio(lean_paused, quiet[2])]
            rows.append([label, f"{first['nodes']:,}", build_cell, format_seconds(backward),
                         format_seconds(step), format_ratio(lean_step, step), *paused, *memory])
    return rows


def memory_rows(plan: Plan, engines: list[str], memory: dict) -> list[list[str]]:
    """Table rows of W3: bytes per op and per Value object, after build and after backward."""
    rows = []
    graphs = (("chain", f"chain of {plan.w3_links:,} links"), ("moons_step", "W1 step graph"))
    for graph, name in graphs:
        for when, bytes_key in (("after build", "bytes_build"), ("after backward", "bytes_backward")):
            for per, count_key in (("op", "ops"), ("Value", "values")):
                numbers: dict[str, float | None] = {}
                for e in engines:
                    g = memory.get(e, {}).get(graph)
                    numbers[e] = g[bytes_key] / g[count_key] if g else None
                cells = [f"{n:,.0f} B" if n is not None else "n/a" for n in numbers.values()]
                ratios = [format_ratio(numbers[e], numbers[BASE]) for e in engines if e != BASE]
                rows.append([f"W3 {name}: bytes per {per}, {when}", *cells, *ratios])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def check_lines(engines: list[str], timed: dict, memory: dict) -> tuple[list[str], bool]:
    """Lines on agreement between engines (W1 losses, W2 results) and whether all agree."""
    lines, ok = [], True
    others = [e for e in engines if e != BASE]
    w1 = timed.get("w1", {})  # absent under --only
    base_w1 = [r for r in w1.get(BASE, []) if not r.get("error")]
    for engine in others:
        runs = [r for r in w1.get(engine, []) if not r.get("error")]
        diffs = [relative_difference(a, b) for mine, theirs in zip(base_w1, runs)
                 for a, b in zip(mine["losses"], theirs["losses"])]
        if diffs:
            steps = len(runs[0]["losses"]) - 1
            agree = max(diffs) <= TOLERANCE
            ok &= agree
            lines.append(f"W1 losses, {engine} vs {BASE} (initial loss and after each of {steps} "
                         f"SGD steps, every round): max relative difference {max(diffs):.1e} "
                         f"({'agree' if agree else 'DISAGREE'} to {TOLERANCE:g}).")
    if base_w1:
        lines.append(f"W1 data: {base_w1[0]['data']}; {base_w1[0]['parameters']} parameters; "
                     f"initial loss {base_w1[0]['losses'][0]!r}.")
    for engine in others:
        worst = 0.0
        for key, per_engine in timed.items():
            if not key.startswith("w2"):
                continue
            for mine, theirs in zip(per_engine[BASE], per_engine[engine]):
                if mine.get("error") or theirs.get("error"):
                    continue
                worst = max(worst, relative_difference(mine["root"], theirs["root"]),
                            relative_difference(mine["leaf_grad"], theirs["leaf_grad"]))
        agree = worst <= TOLERANCE
        ok &= agree
        lines.append(f"W2 chain end value and leaf gradient, {engine} vs {BASE} (where both ran): "
                     f"max relative difference {worst:.1e}.")
    for engine in engines:
        chain, step = memory.get(engine, {}).get("chain"), memory.get(engine, {}).get("moons_step")
        if chain:
            note = (" (its recursive backward overflows on the chain: its _backward closures were "
                    "run in an iterative topological order)") if chain["iterative_backward"] else ""
            lines.append(f"W3 {engine}: chain {chain['ops']:,} ops / {chain['values']:,} Values, "
                         f"W1 step graph {step['ops']:,} ops / {step['values']:,} Values{note}.")
    return lines, ok


def _same(checks: list[dict], tolerance: float | None = None) -> tuple[str, bool]:
    """Summarise `_compare` results of workloads.py: (text, passed). Without a tolerance
    only bit-identical passes."""
    if not checks:
        return "not run", False
    worst = max(c["max_relative_difference"] for c in checks)
    if all(c["identical"] for c in checks):
        return "bit-identical", True
    passed = tolerance is not None and worst <= tolerance
    bound = f" ({'within' if passed else 'NOT within'} {tolerance:g})" if tolerance is not None else ""
    return f"not bit-identical: max relative difference {worst:.1e}{bound}", passed


def tool_check_lines(plan: Plan, engines: list[str], timed: dict) -> tuple[list[str], bool]:
    """Lines on the helper, tape, W4 and W5 checks, and whether they pass."""
    lines, ok = [], True
    for task in plan.tasks:
        runs = [r for r in timed[task.key][BASE] if not r.get("error")]
        if task.workload == "w1_helper" and runs:
            steps = runs[0]["check_step"]["compared"]
            text, passed = _same([r["check_step"] for r in runs], HELPER_TOLERANCE)
            ok &= passed
            lines.append(f"W1 by train's step (`nn.loss` etc.) vs W1's plain loop, losses at {steps} steps "
                         f"(every round): {text}.")
            text, passed = _same([r["check_train"] for r in runs], HELPER_TOLERANCE)
            ok &= passed
            lines.append(f"W1 by `nn.train` vs W1's plain loop, losses at {steps} steps (every round): "
                         f"{text} (train shuffles the 100 points into its batch, so the hinge terms are "
                         "summed in another order).")
            same_start = all(r["same_initial_weights"] for r in runs)
            ok &= same_start
            lines.append("W1 helpers' model `nn.MLP(2, [16, 16, 1], seed=1337)`: initial weights "
                         f"{'equal' if same_start else 'DIFFER FROM'} W1's; the points stay floats "
                         "(W1 maps them to leaf Values), so its graph has constant-operand ops there.")
        elif task.workload == "w6":
            both = _gpt_runs(timed, task)
            if not both[BASE] or not both[LEAN]:
                continue
            reference = both[LEAN][0]["variants"]["microgpt_code"]
            worst = max(relative_difference(r["variants"][key][k], reference[k])
                        for engine, key, _ in GPT_VARIANTS for r in both[engine]
                        for k in ("loss", "grad_sum", "grad_abs_sum"))
            agree = worst <= TOLERANCE
            ok &= agree
            first = both[BASE][0]
            lines.append(f"W6 one microgpt training step: the gpt demo's model (`demos/_gpt_model.py`, "
                         f"width 16, 4 heads, {first['parameters']:,} parameters, weights from "
                         f"random.Random(1337)) on the name {first['document']!r} ({first['positions']} "
                         f"positions) for every engine and variant; loss and the sums of all parameter "
                         f"gradients against the lean engine's, every round: max relative difference "
                         f"{worst:.1e} ({'agree' if agree else 'DISAGREE'} to {TOLERANCE:g}).")
        elif task.workload == "w1_tape" and runs:
            check = runs[0]["check"]
            losses, passed_l = _same([r["check"]["losses"] for r in runs])
            grads, passed_g = _same([r["check"]["gradients"] for r in runs])
            forward, passed_f = _same([r["check"]["forward"] for r in runs])
            forward_eager, passed_e = _same([r["check"]["forward_eager"] for r in runs])
            untouched = all(r["check"]["forward_leaves_grads"] for r in runs)
            ok &= passed_l and passed_g and passed_f and passed_e and untouched
            lines.append(f"W1 `tape.forward()` on the trained parameters (every round) vs `tape.run()`: "
                         f"{forward}; vs the loss built eagerly: {forward_eager}; "
                         "forward() left every `.grad` "
                         f"{'as it was' if untouched else 'CHANGED'}.")
            n_params = check["gradients"]["compared"] // check["steps"]
            lines.append(f"W1 tape vs eager autograd_lite (W1's loop in the same process), {check['steps']} "
                         f"SGD steps, every round: losses {losses}; all {n_params} parameter gradients "
                         f"at every step {grads}.")
        elif task.workload == "w5":
            if not runs:
                failed = timed[task.key][BASE]
                lines.append(f"W5: {failed[0].get('error') if failed else 'not run'}.")
                continue
            r0 = runs[0]
            params, passed_p = _same([r["check_parameters"] for r in runs])
            losses, passed_l = _same([r["check_losses"] for r in runs])
            ok &= passed_p and passed_l
            short = (f"the last short batch of {r0['short_batch']} done eagerly by both"
                     if r0["short_batch"] else "no short batch")
            lines.append(f"W5 data: {r0['data']}, one-hot targets; {r0['batches']} batches of 10 in order "
                         f"(no shuffle), {short}; MLP(64, [32, 10]) sigmoid, seed 0, {r0['parameters']:,} "
                         f"parameters; quadratic cost; SGD lr 3.0. Tape vs eager after each epoch (every "
                         f"repeat): parameters {params}; batch losses {losses}.")
        elif task.workload == "w4":
            got = {e: next((r for r in timed[task.key][e] if not r.get("error")), None) for e in engines}
            base = got[BASE]
            if base is None:
                continue
            for e in engines:
                if e == BASE or got[e] is None:
                    continue
                worst = max(relative_difference(base["root"], got[e]["root"]),
                            relative_difference(base["a_grad_sum"], got[e]["a_grad_sum"]))
                agree = worst <= TOLERANCE
                ok &= agree
                lines.append(f"W4 {short_size(task.size)} triples, {e} vs {BASE}: root value and the sum "
                             f"of the a_i gradients, max relative difference {worst:.1e} "
                             f"({'agree' if agree else 'DISAGREE'} to {TOLERANCE:g}).")
            counts = "; ".join(f"{e} {g['values']:,} Values ({g['ops']:,} ops)" if "values" in g
                               else f"{e} not counted (C++ nodes)" for e, g in got.items() if g)
            lines.append(f"W4 {short_size(task.size)} triples, depth {base['depth']} (leaf to root), "
                         f"what each engine made: {counts}.")
    return lines, ok


def machine() -> dict[str, Any]:
    """Platform, Python, CPUs, load, and the repository's commit."""
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(HERE), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit = ""
    return {"platform": platform.platform(), "python": f"{platform.python_implementation()} "
            f"{platform.python_version()}", "cpu": cpu, "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "commit": commit or "unknown", "date": datetime.datetime.now().isoformat(timespec="seconds")}


def versions(timed: dict, memory: dict) -> dict[str, str]:
    found = {}
    for result in [*memory.values(), *(r for cell in timed.values() for rs in cell.values() for r in rs)]:
        if "version" in result:
            found.setdefault(result["engine"], result["version"])
    return found


def report(plan: Plan, engines: list[str], timed: dict, memory: dict,
           before: dict, after: dict) -> tuple[str, bool]:
    """The markdown report: table, checks, notes, machine."""
    ver = versions(timed, memory)
    header = ["workload", *(f"{e} {ver.get(e, '')}".strip() for e in engines),
              *(f"{e} / {BASE}" for e in engines if e != BASE)]
    rows = timing_rows(plan, engines, timed) + (memory_rows(plan, engines, memory) if memory else [])
    checks, ok = check_lines(engines, timed, memory)
    more_checks, more_ok = tool_check_lines(plan, engines, timed)
    checks, ok = checks + more_checks, ok and more_ok
    counts = ", ".join(f"{t.key}: {t.rounds}x{t.repeats}" for t in plan.tasks)
    notes = [
        f"Times are medians over rounds x repeats per process ({counts}; W1 and its variants time "
        "consecutive steps after a warm-up step); every engine in its own process, engines "
        "alternating within each round; the cyclic garbage collector on, as users run it (the "
        "library pauses it inside its own bulk work: backward, train's step, the tape's run).",
        "Ratios are other / autograd_lite: above 1, autograd_lite is faster (or smaller). In the "
        "rows of W1 by the helpers and by the tape, which only autograd_lite runs, the other engines' "
        "cells (in italics) are their W1 plain-loop times, and the ratios are taken against those.",
        "W4 and W5 build their inputs as leaves inside the timed region; W5's eager epoch is train's "
        "per-batch step, its tape epoch writes each batch into the recorded graph's input and target "
        "leaves (`.data =`) and calls `run()`; micrograd has no sigmoid, so W5 is autograd_lite only.",
        "W2's 1e2 row is an extra, the one chain here that micrograd's recursive topological "
        "sort survives (it overflows past about 500 links at the default recursion limit).",
        "W1 is the demo's loop: inputs mapped to Value, forward, hinge loss + 1e-4 L2, zero_grad, "
        "backward, SGD; identical data and weights in every engine. torch: every scalar is a 0-d "
        "float64 tensor with requires_grad, as Value is.",
        "W3 counts what each engine allocates: micrograd makes a constant leaf Value for every "
        "number operand, autograd_lite stores it as an argument of the op node; tracemalloc "
        "cannot see torch's C++ allocations.",
        *plan.notes,
    ]
    m = before
    load = f"load average {m['load_average'][0]:.2f} -> {after['load_average'][0]:.2f}" \
        if m["load_average"] else ""
    split = markdown_table(["build / backward", *engines], split_rows(plan, engines, timed))
    tape = markdown_table(["autograd_lite", "eager", "tape `run()`", "eager / tape",
                           "recording once: build + `Tape(root)` (`Tape(root)`)", "`Tape(root)` / eager",
                           "`forward()` (/ `run()`)", "tape nodes"],
                          tape_rows(plan, timed))
    gpt = markdown_table(["W6: one microgpt training step", "nodes", "build (forward)", "backward", "step",
                          f"{LEAN} / this (step)", "collector paused: build / backward / step",
                          f"{LEAN} / this (paused)", "bytes per node after build", f"this / {LEAN} (bytes)"],
                         gpt_rows(plan, timed))
    moved = f" (at the end: {after['commit']})" if after["commit"] != m["commit"] else ""
    lines = [markdown_table(header, rows), "", *(f"- {n}" for n in checks + notes), "",
             split, "", tape, "", gpt, "",
             f"Machine: {m['platform']}, {m['python']}, {m['cpu']}, {m['cpu_count']} CPUs, "
             f"{load}; commit {m['commit']}{moved}; {m['date']}."]
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    """Run the plan and print the report; exit 1 if the engines disagree numerically."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="W2 to 1e5 links, W4 2e4 triples, W5 200 samples, fewer rounds")
    parser.add_argument("--rounds", type=int, help="rounds of A/B alternation (default 5, quick 3)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES),
                        help="engines to run (autograd_lite always runs)")
    parser.add_argument("--json", metavar="PATH", help="also write every raw result to PATH")
    parser.add_argument("--only", nargs="+", metavar="WORKLOAD",
                        choices=("w1", "w1_helper", "w1_tape", "w2", "w3", "w4", "w5", "w6"),
                        help="run only these workloads of the plan (e.g. --only w6)")
    args = parser.parse_args(argv)

    plan = make_plan(args.quick, args.rounds)
    if args.only:
        plan = Plan(plan.rounds, tuple(t for t in plan.tasks if t.workload in args.only),
                    plan.w3_links if "w3" in args.only else 0, plan.notes)
    engines, notes = available_engines([BASE, *(e for e in args.engines if e != BASE)])
    plan.notes.extend(notes)
    if BASE not in engines:
        print(f"{BASE} is not importable: pip install -e . first", file=sys.stderr)
        return 2
    before = machine()
    timed, memory = run_plan(plan, engines)
    after = machine()
    text, ok = report(plan, engines, timed, memory, before, after)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"machine": before, "machine_after": after, "plan": asdict(plan), "engines": engines,
             "timed": timed, "memory": memory, "report": text}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
