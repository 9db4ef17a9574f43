# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # micrograd's moons demo, on autograd_lite
#
# Andrej Karpathy's `demo.ipynb` from micrograd, line for line: 100 points of
# scikit-learn's two moons, labels y ∈ {−1, +1}, `MLP(2, [16, 16, 1])` (relu
# hidden layers, linear output, weights U(−1, 1) from the global `random`),
# the SVM "max-margin" hinge loss plus L2 regularisation, and 100 steps of
# full-batch gradient descent (eqs. 6–7) with a decaying learning rate.
#
# `autograd_lite.nn.MLP` draws its weights in micrograd's order from the same
# global `random`, and the loss is built in the same order, so with the same
# seeds the first loss is micrograd's to the last bit (micrograd 0.1.0 prints
# `step 0 loss 0.8958441028683222, accuracy 50.0%`). The backward pass adds up
# the gradient contributions in a different order than micrograd's, so the
# gradients, and the later losses, agree with micrograd's to about 15
# significant digits, not bit for bit (floating-point addition is not associative).
#
# Run with `--quick` for a small smoke run (20 points, 5 steps).

# %%
import copy
import random
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write PNG files; no window
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from autograd_lite import Value, no_grad
from autograd_lite.demos._common import fast_mode, quick_mode, save_figure
from autograd_lite.nn import MLP, loss
from autograd_lite.tape import Tape

QUICK = quick_mode()
FAST = fast_mode()  # --fast: replay one recorded Tape instead of rebuilding the graph each step
N_SAMPLES, N_STEPS = (20, 5) if QUICK else (100, 100)
started = time.perf_counter()

# %% [markdown]
# ## Data and model, seeded exactly as micrograd's notebook

# %%
np.random.seed(1337)
random.seed(1337)
X, y = make_moons(n_samples=N_SAMPLES, noise=0.1)
y = y * 2 - 1  # make y be -1 or 1

model = MLP(2, [16, 16, 1])  # 2-layer neural network, drawing from the global `random`
print(model)
print(f"{len(X)} points, {N_STEPS} steps{' (quick mode)' if QUICK else ''}")

xs = [[float(a) for a in row] for row in X]
ys = [int(t) for t in y]


# %% [markdown]
# ## The loss
#
# For one sample the hinge loss is max(0, 1 − y·score) (`(1 + -y*score).relu()`);
# the data loss is their mean over the n samples (eq. 4), and micrograd adds
# α Σ p² over all parameters with α = 1e-4. Written out as in the notebook, so
# that the accuracy comes from the same forward pass:

# %%
def total_loss_and_accuracy() -> tuple[Value, float, list[Value]]:
    inputs = [list(map(Value, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))  # eq. (4): C = (1/n) Σ_x C_x
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(ys, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy), scores


# `autograd_lite.nn.loss` with cost="hinge" and l2=1e-4 builds the very same number:
first, _, _ = total_loss_and_accuracy()
library = loss(model, xs, ys, cost="hinge", l2=1e-4)
assert library.data == first.data, (library.data, first.data)
print(f"initial loss {first.data!r} (nn.loss(model, X, y, cost='hinge', l2=1e-4) gives the same)")

# %% [markdown]
# ## Training: 100 full-batch steps of eqs. (6)–(7)
#
# `total_loss.backward()` fills every `p.grad` with ∂C/∂p; then
# p → p − η ∂C/∂p, with η decaying linearly from 1.0 to 0.1. Accuracy is
# measured on the forward pass of each step, before its update (as micrograd).

# %%
eager_twin = copy.deepcopy(model) if FAST else None  # to time the eager loop for comparison
history = []
train_started = time.perf_counter()
if FAST:
    # The graph of the loss has the same shape every step: record it once (timed:
    # it is part of training) and replay it (autograd_lite.tape). Each replay
    # re-reads the parameters' data and gives bit-identical losses and gradients
    # to the eager loop below; keep=scores updates the scores' .data too.
    recorded, _, scores = total_loss_and_accuracy()
    tape = Tape(recorded, keep=scores)
    print(f"tape: {tape.nodes} nodes recorded in {tape.compile_seconds:.2f} s")
for k in range(N_STEPS):
    if FAST:
        model.zero_grad()
        tape.run()  # forward and backward replayed
        total_loss = recorded  # tape.run() updated its .data, and the scores'
        acc = sum((yi > 0) == (s.data > 0) for yi, s in zip(ys, scores)) / len(ys)  # before the update
    else:
        # forward
        total_loss, acc, _ = total_loss_and_accuracy()

        # backward
        model.zero_grad()
        total_loss.backward()

    # update (sgd), eqs. (6)-(7)
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad

    history.append((k, total_loss.data, acc))
    if k % 10 == 0 or k == N_STEPS - 1:
        print(f"step {k:3d} loss {total_loss.data!r}, accuracy {acc * 100}%")
train_seconds = time.perf_counter() - train_started
if FAST:
    started = time.perf_counter()
    steps = 3
    for _ in range(steps):  # the eager loop on a copy of the untrained model, for comparison
        inputs = [list(map(Value, row)) for row in xs]
        eager_loss = loss(eager_twin, inputs, ys, cost="hinge", l2=1e-4)
        eager_twin.zero_grad()
        eager_loss.backward()
    eager_per_step = (time.perf_counter() - started) / steps
    print(f"tape: {train_seconds / N_STEPS * 1000:.1f} ms per step, eager {eager_per_step * 1000:.1f} ms: "
          f"{eager_per_step / (train_seconds / N_STEPS):.1f}x faster")

final_step, final_loss, final_accuracy = history[-1]
if FAST:  # the forward pass alone, replayed: the scores of the trained model
    tape.forward()
    final_train_accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(ys, scores)) / len(ys)
else:
    final_train_accuracy = sum(
        (yi > 0) == (model(list(row)).data > 0) for row, yi in zip(xs, ys)
    ) / len(ys)
print(f"after training: training accuracy {final_train_accuracy * 100:.1f}%")
if not QUICK:
    assert final_accuracy == 1.0 and final_train_accuracy == 1.0, "micrograd's demo reaches 100%"
    # micrograd 0.1.0's own run of its notebook prints these two losses:
    assert history[0][1] == 0.8958441028683222
    assert abs(history[-1][1] - 0.010978370135492719) < 1e-12
    print("micrograd 0.1.0's losses: step 0 0.8958441028683222 (same bits), "
          "step 99 0.010978370135492719 (same to 1e-12)")

# %% [markdown]
# ## Pictures: the decision boundary and the loss curve
#
# The score of the trained network on a grid of points (no graph needed:
# `no_grad()`); the boundary is where the score changes sign. Both PNGs go to
# `demo_output/` under the current directory.

# %%
out_dir = Path("demo_output")
out_dir.mkdir(exist_ok=True)

h = 0.25 if QUICK else 0.05
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
with no_grad():
    scores = np.array([model([float(a), float(b)]).data for a, b in zip(xx.ravel(), yy.ravel())])
Z = scores.reshape(xx.shape)

fig, ax = plt.subplots(figsize=(6, 5))
ax.contourf(xx, yy, Z > 0, cmap=plt.cm.Spectral, alpha=0.8)
ax.contour(xx, yy, Z, levels=[0.0], colors="k", linewidths=1)
ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral, edgecolors="k")
ax.set_xlim(xx.min(), xx.max())
ax.set_ylim(yy.min(), yy.max())
ax.set_title(f"MLP(2, [16, 16, 1]) after {N_STEPS} steps: accuracy {final_train_accuracy * 100:.0f}%")
fig.tight_layout()
boundary_png = out_dir / "moons_decision_boundary.png"
save_figure(fig, boundary_png)

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot([k for k, _, _ in history], [c for _, c, _ in history], marker="." if QUICK else None)
ax.set_xlabel("step k")
ax.set_ylabel("loss (hinge + L2)")
ax.set_yscale("log")
ax.set_title("moons: full-batch gradient descent, eqs. (6)-(7)")
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout()
loss_png = out_dir / "moons_loss.png"
save_figure(fig, loss_png)
print(f"wrote {boundary_png} and {loss_png}")

# %%
print(f"final loss {final_loss:.6f} at step {final_step}, "
      f"accuracy {final_accuracy * 100:.0f}% (after the last update: {final_train_accuracy * 100:.0f}%)")
print(f"runtime: training {train_seconds:.1f} s, whole demo {time.perf_counter() - started:.1f} s")
