# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Higher-order derivatives: differentiating the derivative
#
# Backpropagation (BP1–BP4, eqs. 20–23 of the seed note) gives first
# derivatives. `autograd_lite` can go further: with `create_graph=True` the
# backward walk evaluates each op's partials on Values instead of floats, so
# the gradient it returns is itself a graph, and can be differentiated again.
# `grad(f)` is the function x ↦ f′(x); `grad(grad(f))` is f″, and so on.
# `hessian(f)` returns the matrix of second derivatives of a function of
# several variables.
#
# Two uses: tanh, the activation σ of the `neuron` demo, and its first three
# derivatives against their closed forms (σ′ is what BP1–BP2 need, eqs. 20–21);
# then Newton's method, which needs the Hessian, on the Rosenbrock function.
# Run with `--quick` for fewer plot points and one Newton start instead of three.

# %%
import math
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write PNG files; no window
import matplotlib.pyplot as plt

from autograd_lite import grad, hessian, tanh, value_and_grad
from autograd_lite.demos._common import quick_mode, save_figure

QUICK = quick_mode()
N_PLOT = 41 if QUICK else 301
started = time.perf_counter()

# %% [markdown]
# ## tanh and its derivatives, by nesting `grad`
#
# With t = tanh x:
#
# | derivative | closed form |
# |---|---|
# | tanh′ x | 1 − t² |
# | tanh″ x | −2t (1 − t²) |
# | tanh‴ x | −2 (1 − t²)(1 − 3t²) |

# %%
d1 = grad(tanh)
d2 = grad(d1)
d3 = grad(d2)


def closed_forms(x: float) -> tuple[float, float, float, float]:
    t = math.tanh(x)
    return t, 1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)


points = [-3.0, -1.5, -0.5, 0.0, 0.25, 1.0, 2.0, 3.0]
rows = [("tanh x", tanh, "t"), ("tanh' x = grad(tanh)", d1, "1 - t²"),
        ("tanh'' x = grad(grad(tanh))", d2, "-2t(1 - t²)"),
        ("tanh''' x = grad(grad(grad(tanh)))", d3, "-2(1 - t²)(1 - 3t²)")]
print(f"checked at x = {points}")
print(f"{'autograd_lite':<36}{'closed form':<22}{'max |error|':>12}")
for order, (name, function, formula) in enumerate(rows):
    error = max(abs(function(x) - closed_forms(x)[order]) for x in points)
    print(f"{name:<36}{formula:<22}{error:>12.1e}")
    assert error < 1e-12, f"{name} disagrees with its closed form"

# %% [markdown]
# At a single point the three derivatives are three numbers; over a range they
# are curves. tanh′ peaks at 0 where tanh is steepest, tanh″ is 0 there and has
# its extremes where tanh‴ crosses zero (1 − 3t² = 0, t = ±1/√3).

# %%
out_dir = Path("demo_output")
out_dir.mkdir(exist_ok=True)

xs = [-3 + 6 * i / (N_PLOT - 1) for i in range(N_PLOT)]
fig, ax = plt.subplots(figsize=(7, 4.5))
for order, (name, function, _) in enumerate(rows):
    curve = [function(x) for x in xs]
    assert max(abs(c - closed_forms(x)[order]) for c, x in zip(curve, xs)) < 1e-12
    ax.plot(xs, curve, label=name)
ax.axhline(0.0, color="k", linewidth=0.5)
ax.set_xlabel("x")
ax.set_title(f"tanh and its derivatives by nested grad ({N_PLOT} points)")
ax.legend(loc="lower left", fontsize=8)
ax.grid(True, alpha=0.3)
fig.tight_layout()
png = out_dir / "tanh_derivatives.png"
save_figure(fig, png)
assert png.stat().st_size > 0
print(f"wrote {png}")

# %% [markdown]
# ## Newton's method with the Hessian
#
# Rosenbrock's function f(x, y) = (1 − x)² + 100 (y − x²)² has its minimum
# f = 0 at (1, 1), at the bottom of a long curved valley where gradient descent
# (eqs. 6–7) crawls. Newton's method uses the curvature too: it solves
# H · step = −∇f for the step, with H the 2×2 Hessian from `hessian(f)` and
# ∇f from `value_and_grad(f, 0)` and `grad(f, 1)`.
#
# First, the autodiff derivatives against the hand-derived ones at one point:
# ∇f = (−2(1 − x) − 400x(y − x²), 200(y − x²)),
# H = [[2 − 400(y − x²) + 800x², −400x], [−400x, 200]].

# %%
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


f_and_dfdx = value_and_grad(rosenbrock, 0)
dfdy = grad(rosenbrock, 1)
H = hessian(rosenbrock)

x0, y0 = -1.2, 1.0
gradient_by_hand = [-2 * (1 - x0) - 400 * x0 * (y0 - x0**2), 200 * (y0 - x0**2)]
hessian_by_hand = [[2 - 400 * (y0 - x0**2) + 800 * x0**2, -400 * x0], [-400 * x0, 200.0]]
gradient_autodiff = [f_and_dfdx(x0, y0)[1], dfdy(x0, y0)]

def show(numbers) -> str:
    return "[" + ", ".join(show(n) if isinstance(n, list) else f"{n:.10g}" for n in numbers) + "]"


print(f"at ({x0}, {y0}): grad f  = {show(gradient_autodiff)}   by hand {show(gradient_by_hand)}")
print(f"               hessian = {show(H(x0, y0))}   by hand {show(hessian_by_hand)}")
assert all(abs(a - b) < 1e-9 for a, b in zip(gradient_autodiff, gradient_by_hand))
assert all(abs(a - b) < 1e-9 for ra, rb in zip(H(x0, y0), hessian_by_hand) for a, b in zip(ra, rb))


# %% [markdown]
# The Newton iteration; the 2×2 system H · step = −∇f is solved by Cramer's rule.

# %%
def newton(x: float, y: float, max_steps: int = 50, tol: float = 1e-10) -> tuple[float, float, int]:
    print(f"{'k':>3}  {'x':>18}  {'y':>18}  {'f(x, y)':>11}  {'|grad f|':>9}")
    for k in range(max_steps + 1):
        f, fx = f_and_dfdx(x, y)
        fy = dfdy(x, y)
        norm = math.hypot(fx, fy)
        print(f"{k:>3}  {x:>18.12f}  {y:>18.12f}  {f:>11.3e}  {norm:>9.2e}")
        if norm < tol:
            return x, y, k
        (a, b), (c, d) = H(x, y)
        det = a * d - b * c
        dx = (-fx * d + fy * b) / det  # Cramer: [a b; c d] [dx dy]^T = [-fx -fy]^T
        dy = (-fy * a + fx * c) / det
        x, y = x + dx, y + dy
    raise AssertionError(f"Newton did not converge in {max_steps} steps")


starts = [(-1.2, 1.0)] if QUICK else [(-1.2, 1.0), (2.0, -1.0), (0.0, 3.0)]
for start in starts:
    print(f"\nNewton from {start}:")
    x_end, y_end, steps = newton(*start)
    assert abs(x_end - 1) < 1e-9 and abs(y_end - 1) < 1e-9, (x_end, y_end)
    print(f"-> the minimum (1, 1) in {steps} Newton steps")

# %% [markdown]
# Pure Newton is not a descent method: far from the minimum f can jump up (the
# step overshoots across the curved valley). Near the minimum the number of
# correct digits roughly doubles each step: the quadratic convergence that the
# second derivatives buy.

# %%
print(f"\nruntime: {time.perf_counter() - started:.2f} s")
