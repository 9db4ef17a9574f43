# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # In what sense is backpropagation a fast algorithm?
#
# Gradient descent (eqs. 6–9 of the seed note) needs ∂C/∂w for *every* weight
# and bias. Three ways to get that gradient for a network with n parameters:
#
# 1. **finite differences**: C(w + ε e_j) − C(w), divided by ε, for each j:
#    n + 1 forward passes, each touching all n parameters — about n² work, and
#    only an approximation;
# 2. **forward mode** (`jvp`): one pass carries a tangent beside each value and
#    gives one directional derivative ∂C/∂w · e_j exact; n passes for the
#    whole gradient — still about n²;
# 3. **reverse mode** (backpropagation, BP1–BP4, eqs. 20–23): one forward pass,
#    one backward pass, and every ∂C/∂w at once — about n.
#
# All three read the same rule table. The demo times them on sigmoid networks
# 4-h-h-2 (quadratic cost, eq. 5, one sample) whose parameter count n grows
# from about 10 to about 10,000, counts the rule evaluations each makes,
# checks that the three gradients agree, and fits the slope of each curve on a
# log-log plot. Finite differences and forward mode stop at a size where one
# more would take minutes; their slope already shows why. Every number printed
# is measured in this run. Run with `--quick` for a small run.

# %%
import math
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # a script writes a PNG file; a notebook shows the plot inline
import matplotlib.pyplot as plt

from autograd_lite import Value, gradients, jvp, no_grad, sigmoid
from autograd_lite.demos._common import in_kernel, quick_mode
from autograd_lite.engine import collector_paused
from autograd_lite.ops import RULES

QUICK = quick_mode()
# hidden widths h: every method runs on the first list, reverse mode also on the second
BOTH = [1, 2, 4] if QUICK else [1, 2, 4, 8, 16, 32, 48]
REVERSE_ONLY = [8] if QUICK else [64, 96]
X, Y = [0.5, -0.3, 0.8, 0.1], [0.0, 1.0]
EPS = 1e-7  # forward differences: truncation ~ EPS·C'' and rounding ~ 1e-16/EPS, both ~1e-9 here
started = time.perf_counter()


def shape(h: int) -> list[int]:
    return [len(X), h, h, len(Y)]


def count_parameters(sizes: list[int]) -> int:
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))


def cost_function(sizes: list[int]):
    """C(p) = ½‖y − a^L‖² (eq. 5) for a flat parameter list p, layer by layer: for each
    neuron its bias, then its weights (eqs. 1–2). Runs on Values, Duals or floats alike."""

    def cost(*p):
        a, k = X, 0
        for layer in range(len(sizes) - 1):
            nxt = []
            for _ in range(sizes[layer + 1]):
                z = p[k]
                k += 1
                for ak in a:
                    z = z + p[k] * ak
                    k += 1
                nxt.append(sigmoid(z))
            a = nxt
        c = 0.0
        for aj, yj in zip(a, Y):
            c = c + (aj - yj) ** 2
        return c * 0.5

    return cost


# %% [markdown]
# ## Counting rule evaluations
#
# Every op of every method goes through its `Rule` in `ops.RULES`: `forward`
# for a value, `partials` for a local derivative. For the count (a separate,
# untimed run) each rule's two functions are wrapped by a counter.

# %%
@contextmanager
def counted_rules():
    """Count calls of every rule's forward and partials; restore the table afterwards."""
    calls = {"forward": 0, "partials": 0}
    saved = {name: (rule.forward, rule.partials) for name, rule in RULES.items()}

    def counting(function, kind):
        def wrapper(*args):
            calls[kind] += 1
            return function(*args)
        return wrapper

    for rule in RULES.values():  # Rule is frozen: these two fields are swapped in place, then back
        object.__setattr__(rule, "forward", counting(rule.forward, "forward"))
        object.__setattr__(rule, "partials", counting(rule.partials, "partials"))
    try:
        yield calls
    finally:
        for name, (forward, partials) in saved.items():
            object.__setattr__(RULES[name], "forward", forward)
            object.__setattr__(RULES[name], "partials", partials)


def finite_differences(cost, p):
    """n + 1 forward passes of the engine (no graph recorded): forward differences."""
    with no_grad():
        base = cost(*[Value(x) for x in p]).data
        grad = []
        for j in range(len(p)):
            q = [Value(x) for x in p]
            q[j] = Value(p[j] + EPS)
            grad.append((cost(*q).data - base) / EPS)
    return grad


def forward_mode(cost, p):
    """n jvps, tangent e_j each: one exact column of the gradient per pass."""
    n = len(p)
    return [jvp(cost, p, [1.0 if k == j else 0.0 for k in range(n)])[1] for j in range(n)]


def reverse_mode(cost, p):
    """One forward pass recording the graph, one backward walk: (gradient, t_forward, t_backward).

    Both halves are timed with the collector paused, as every method is in `best_time`."""
    leaves = [Value(x) for x in p]
    with collector_paused():
        t0 = time.perf_counter()
        out = cost(*leaves)
        t1 = time.perf_counter()
        walk = gradients(out)
        t2 = time.perf_counter()
    return [walk[leaf] for leaf in leaves], t1 - t0, t2 - t1


def best_time(run, budget: float = 0.3, most: int = 7):
    """The fastest of several runs (at least one; more while they fit in `budget` seconds)."""
    times, result, spent = [], None, 0.0
    while not times or (spent < budget and len(times) < most):
        with collector_paused():  # the same for every method: no collector pauses in the timing
            t0 = time.perf_counter()
            result = run()
            times.append(time.perf_counter() - t0)
        spent += times[-1]
    return min(times), result


def best_halves(cost, p, budget: float = 1.0, most: int = 15):
    """reverse_mode repeated as `best_time` repeats a method: the fastest forward pass and the
    fastest backward walk, each the best of the same runs (at least five: a ratio of two short
    times needs more runs than one long time to shed a busy machine's noise)."""
    runs, spent = [], 0.0
    while len(runs) < 5 or (spent < budget and len(runs) < most):
        runs.append(reverse_mode(cost, p))
        spent += runs[-1][1] + runs[-1][2]
    return runs[0][0], min(t for _, t, _ in runs), min(t for _, _, t in runs)


# %% [markdown]
# ## The run

# %%
rows = []
for h in BOTH + REVERSE_ONLY:
    sizes = shape(h)
    n = count_parameters(sizes)
    cost = cost_function(sizes)
    rng = random.Random(h)
    p = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    row = {"h": h, "n": n}
    grad_reverse, row["t_forward_pass"], row["t_backward_pass"] = best_halves(cost, p)
    row["t_reverse"] = row["t_forward_pass"] + row["t_backward_pass"]
    with counted_rules() as calls:
        reverse_mode(cost, p)
    row["c_reverse"] = calls["forward"] + calls["partials"]
    row["ops"] = calls["forward"]  # rule evaluations of one forward pass
    if h in BOTH:
        row["t_fd"], grad_fd = best_time(lambda cost=cost, p=p: finite_differences(cost, p))
        row["t_forward"], grad_forward = best_time(lambda cost=cost, p=p: forward_mode(cost, p))
        with counted_rules() as calls:
            finite_differences(cost, p)
        row["c_fd"] = calls["forward"] + calls["partials"]
        with counted_rules() as calls:
            forward_mode(cost, p)
        row["c_forward"] = calls["forward"] + calls["partials"]
        scale = max(abs(g) for g in grad_reverse)
        row["fd_error"] = max(abs(a - b) for a, b in zip(grad_fd, grad_reverse)) / scale
        row["forward_error"] = max(abs(a - b) for a, b in zip(grad_forward, grad_reverse)) / max(1.0, scale)
        assert row["fd_error"] < 1e-6, f"finite differences off by {row['fd_error']:.1e} (relative)"
        assert row["forward_error"] < 1e-12, f"forward and reverse differ by {row['forward_error']:.1e}"
    rows.append(row)
    print(f"h = {h:3d}: n = {n:6,d} parameters measured ({time.perf_counter() - started:.1f} s so far)")


# %% [markdown]
# ## The table
#
# Times are the fastest of a few runs, with CPython's cyclic collector paused
# for every method alike. "evals" counts rule evaluations (forward + partials).
# The error columns compare with reverse mode: relative to the largest
# gradient entry for finite differences (an approximation), absolute for
# forward mode (exact: only rounding differs).

# %%
def seconds(t: float | None) -> str:
    if t is None:
        return "-"
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


header = (f"{'h':>3} {'n':>7} {'ops/pass':>9} | {'finite diff.':>12} {'evals':>11} | "
          f"{'forward':>10} {'evals':>11} | {'reverse':>10} {'evals':>8} | {'bwd/fwd':>7} | "
          f"{'fd err':>7} {'fwd err':>7}")
print(header)
print("-" * len(header))
def cell(r: dict, key: str, form: str) -> str:
    return format(r[key], form) if key in r else "-"


for r in rows:
    print(f"{r['h']:>3} {r['n']:>7,} {r['ops']:>9,} | {seconds(r.get('t_fd')):>12} "
          f"{cell(r, 'c_fd', ','):>11} | {seconds(r.get('t_forward')):>10} {cell(r, 'c_forward', ','):>11} | "
          f"{seconds(r['t_reverse']):>10} "
          f"{r['c_reverse']:>8,} | {r['t_backward_pass'] / r['t_forward_pass']:>7.2f} | "
          f"{cell(r, 'fd_error', '.0e'):>7} {cell(r, 'forward_error', '.0e'):>7}")

# %% [markdown]
# ## Slopes on the log-log plot
#
# If time ∝ n^k, the points lie on a line of slope k in log-log coordinates.
# Each slope is a least-squares fit over the sizes with n ≥ 100 (below that,
# Python's fixed costs per call dominate). The ratio backward/forward pass is
# the time of the backward walk over the time of the forward pass that built
# the graph, the median over all sizes.

# %%
def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log t against log n."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def fit(key: str) -> float:
    points = [(r["n"], r[key]) for r in rows if key in r and r["n"] >= 100]
    if len(points) < 2:  # the quick run has few sizes: fit them all
        points = [(r["n"], r[key]) for r in rows if key in r]
    return slope(points)


METHODS = {"finite differences": "fd", "forward mode": "forward", "reverse mode": "reverse"}
slopes = {name: fit(f"t_{key}") for name, key in METHODS.items()}
count_slopes = {name: fit(f"c_{key}") for name, key in METHODS.items()}
ratios = [r["t_backward_pass"] / r["t_forward_pass"] for r in rows]
count_ratios = [(r["c_reverse"] - r["ops"]) / r["ops"] for r in rows]
largest = max((r for r in rows if "t_fd" in r), key=lambda r: r["n"])
for name, k in slopes.items():
    print(f"slope of {name}: time ~ n^{k:.2f}, rule evaluations ~ n^{count_slopes[name]:.2f}")
print(f"backward pass / forward pass: {statistics.median(ratios):.2f} in time (median; from "
      f"{min(ratios):.2f} to {max(ratios):.2f}), {statistics.median(count_ratios):.2f} in rule evaluations")
print(f"at n = {largest['n']:,}: finite differences took {largest['t_fd'] / largest['t_reverse']:,.0f}x and "
      f"forward mode {largest['t_forward'] / largest['t_reverse']:,.0f}x the time of reverse mode")
print("the three gradients agree: finite differences to "
      f"{max(r['fd_error'] for r in rows if 'fd_error' in r):.0e} (relative), forward = reverse to "
      f"{max(r['forward_error'] for r in rows if 'forward_error' in r):.0e}")

# %% [markdown]
# ## The plot

# %%
fig, ax = plt.subplots(figsize=(7, 4.8))
for key, name, marker in (("t_fd", "finite differences", "s"), ("t_forward", "forward mode", "^"),
                          ("t_reverse", "reverse mode (backprop)", "o")):
    points = [(r["n"], r[key]) for r in rows if key in r]
    label = f"{name}: slope {slopes[name.split(' (')[0]]:.2f}"
    ax.loglog([n for n, _ in points], [t for _, t in points], marker=marker, label=label)
ax.set_xlabel("parameters n")
ax.set_ylabel("time for the whole gradient ∂C/∂w (s)")
ax.set_title(f"Cost of the gradient, sigmoid MLPs 4-h-h-2 (backward/forward pass: "
             f"{statistics.median(ratios):.2f})", fontsize=10)
ax.grid(True, which="both", alpha=0.3)
ax.legend(loc="upper left", fontsize=9)
fig.tight_layout()
if in_kernel():
    plt.show()
else:
    out_dir = Path("demo_output")
    out_dir.mkdir(exist_ok=True)
    png = out_dir / "cost_of_gradients.png"
    fig.savefig(png, dpi=100)
    plt.close(fig)
    assert png.stat().st_size > 0
    print(f"wrote {png}")
print(f"done in {time.perf_counter() - started:.1f} s")
