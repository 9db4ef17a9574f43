# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # One network, one mini-batch, three ways: the scalar graph, BP1–BP4, the matrix form
#
# The same gradient, computed three times (the equations are in
# `docs/backprop.md`):
#
# 1. **the scalar graph** (`autograd_lite.nn`): every multiply and add of
#    eq. (2) is a `Value` node; `C.backward()` applies the chain rule node by
#    node, and δ^l_j is the `.grad` of the node holding z^l_j (eq. 14);
# 2. **per neuron** (`autograd_lite.closed_form`): BP1–BP4, eqs. (20)–(23),
#    loop by loop on plain floats, one sample at a time, averaged by eqs. (8)–(9);
# 3. **the matrix form** (`autograd_lite.matrix_form`): eqs. (24)–(27) in NumPy,
#    with the m samples of the mini-batch as the m columns of one matrix —
#    Nielsen's "fully matrix-based" approach, and what every framework does.
#
# They agree to 1e-12. Then the cost of each for an epoch of digits, and the
# same for a network written in the JSON format of Nielsen's `network2.py`.
# Run with `--quick` for a small run.

# %%
import copy
import json
import random
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from autograd_lite.closed_form import backprop, backprop_batch, compare
from autograd_lite.demos._common import quick_mode
from autograd_lite.engine import collector_paused
from autograd_lite.matrix_form import backprop_matrix
from autograd_lite.nn import MLP, SGD, loss

QUICK = quick_mode()
TOL = 1e-12

# %% [markdown]
# ## One network, one mini-batch of m = 4 samples
#
# A 3-4-2 sigmoid network with the quadratic cost of eq. (5). X holds the
# samples as columns, shape (3, 4); Y the targets, shape (2, 4).

# %%
model = MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", seed=3)
rng = random.Random(3)
for p in model.parameters():
    p.data = rng.uniform(-1.5, 1.5)   # non-zero biases too
xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(4)]
ys = [[rng.random() for _ in range(2)] for _ in range(4)]
X, Y = np.array(xs).T, np.array(ys).T
weights, biases = model.weights_and_biases()

# 1. the scalar graph: δ per sample from z.grad, then the batch gradient from C = (1/m) Σ C_x
deltas_graph = []
for x, y in zip(xs, ys):
    model.zero_grad()
    model.sample_cost(x, y).backward()
    deltas_graph.append([[z.grad for z in layer.z] for layer in model.layers])
model.zero_grad()
batch_cost = loss(model, xs, ys)      # eq. (4)
batch_cost.backward()
grad_w_graph = [[[w.grad for w in n.w] for n in layer.neurons] for layer in model.layers]

# 2. per neuron: BP1-BP4 sample by sample, and their mean (eqs. 8-9)
per_sample = [backprop(weights, biases, x, y) for x, y in zip(xs, ys)]
per_neuron = backprop_batch(weights, biases, xs, ys)

# 3. the matrix form: one call for the whole batch
matrix = backprop_matrix(weights, biases, X, Y)
print(f"the mini-batch cost C (eq. 4): graph {batch_cost.data:.15f}, per neuron "
      f"{per_neuron.cost:.15f}, matrix {matrix.cost:.15f}")

# %% [markdown]
# ### δ of the output layer, sample by sample
#
# Column i of `matrix.delta[-1]` is sample i's δ^L (eq. 24); the graph's is the
# `.grad` of each output z node after that sample's `C_x.backward()`; the
# closed form's is BP1 (eq. 20).

# %%
print(f"{'sample':>6} {'j':>2} {'z.grad (graph)':>22} {'BP1, eq. (20)':>22} {'matrix, eq. (24)':>22}")
largest = 0.0
for i in range(X.shape[1]):
    for j in range(Y.shape[0]):
        row = [deltas_graph[i][-1][j], per_sample[i].delta[-1][j], matrix.delta[-1][j, i]]
        largest = max(largest, max(row) - min(row))
        print(f"{i:>6} {j:>2} " + " ".join(f"{v:>22.15e}" for v in row))
for l in range(len(weights) - 1):  # hidden layers too (BP2, eqs. 21 and 25)
    for i in range(X.shape[1]):
        for j, d in enumerate(per_sample[i].delta[l]):
            largest = max(largest, abs(deltas_graph[i][l][j] - d), abs(matrix.delta[l][j, i] - d))
print(f"largest difference of any δ in any layer: {largest:.1e}")

# %% [markdown]
# ### ∂C/∂w of the whole batch
#
# The graph's `w.grad` after `C.backward()`; the mean of BP4 (eq. 23) over the
# samples; and the matrix form's δ^l (A^{l−1})ᵀ / m — eq. (27), whose matrix
# product sums over the samples in one go.

# %%
layer_index = 1
print(f"dC/dw for model.layers[{layer_index}] (the note's w^3), rows j, columns k:")
for name, grad in (("graph .grad", grad_w_graph[layer_index]),
                   ("per neuron, mean of BP4", per_neuron.grad_w[layer_index]),
                   ("matrix, eq. (27) / m", matrix.grad_w[layer_index].tolist())):
    print(f"  {name:<24}" + "   ".join(" ".join(f"{v:+.12f}" for v in row) for row in grad))
worst = max(abs(a - b) for source in (grad_w_graph, matrix.grad_w)
            for l in range(len(weights))
            for row_a, row_b in zip(np.asarray(source[l]).tolist(), per_neuron.grad_w[l])
            for a, b in zip(row_a, row_b))
print(f"largest difference of any dC/dw from the per-neuron mean: {worst:.1e}")
assert largest <= TOL and worst <= TOL

# %% [markdown]
# `compare(model, x, y, matrix=True)` prints the three side by side for one
# sample, layer by layer:

# %%
report = compare(model, xs[0], ys[0], matrix=True)
print(report)
assert report.agree(TOL)

# %% [markdown]
# ## The price of each: one epoch of digits
#
# scikit-learn's 8×8 digits (bundled, no download), a 64-32-10 sigmoid network,
# Nielsen's cross-entropy cost, mini-batches of 10 and η = 1: one epoch of
# mini-batch gradient descent (eqs. 8–9), the same batches in the same order,
# three ways. All three end with the same weights.

# %%
digits = load_digits()
n_train = 100 if QUICK else 1000
pixels = (digits.data[:n_train] / 16.0).tolist()
onehot = [[1.0 if j == t else 0.0 for j in range(10)] for t in digits.target[:n_train]]
BATCH, ETA = 10, 1.0


def batches(n: int, seed: int = 0) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i:i + BATCH] for i in range(0, n, BATCH)]


# Each method is a pair (step, weights): `step(batch)` is one mini-batch of gradient descent
# from the network's weights, `weights()` the weight matrices reached, as NumPy arrays.

def by_graph(net: MLP) -> tuple:
    """Build the graph of each batch's C, backward, one SGD step (the collector paused, as nn.train)."""
    net = copy.deepcopy(net)
    sgd = SGD(net.parameters(), lr=ETA)

    def step(batch: list[int]) -> None:
        with collector_paused():
            sgd.zero_grad()
            loss(net, [pixels[i] for i in batch], [onehot[i] for i in batch]).backward()
            sgd.step()
    return step, lambda: [np.array(w) for w in net.weights_and_biases()[0]]


def by_neuron(net: MLP) -> tuple:
    """backprop_batch (BP1-BP4 per sample, plain floats), then eqs. (8)-(9) by hand."""
    w, b = net.weights_and_biases()
    activations, cost = net.activations, net.resolve_cost()

    def step(batch: list[int]) -> None:
        g = backprop_batch(w, b, [pixels[i] for i in batch], [onehot[i] for i in batch], activations, cost)
        for l in range(len(w)):
            for j in range(len(w[l])):
                b[l][j] -= ETA * g.grad_b[l][j]
                for k in range(len(w[l][j])):
                    w[l][j][k] -= ETA * g.grad_w[l][j][k]
    return step, lambda: [np.array(wl) for wl in w]


def by_matrix(net: MLP) -> tuple:
    """backprop_matrix on each batch's columns, then eqs. (8)-(9) on whole arrays."""
    samples, targets = np.array(pixels).T, np.array(onehot).T   # one column per sample
    w, b = (list(map(np.array, part)) for part in net.weights_and_biases())
    activations, cost = net.activations, net.resolve_cost()

    def step(batch: list[int]) -> None:
        g = backprop_matrix(w, b, samples[:, batch], targets[:, batch], activations, cost)
        for l in range(len(w)):
            w[l] -= ETA * g.grad_w[l]
            b[l] -= ETA * g.grad_b[l]
    return step, lambda: w


def timed_epoch(method, net: MLP) -> tuple[float, list]:
    """The same protocol for all three: one untimed warm-up mini-batch on a throwaway copy
    (first-call costs: caches, NumPy's BLAS threads), then one epoch from the model's
    weights, timed once. Setting up (copying the weights) is outside the clock."""
    order = batches(len(pixels))
    method(net)[0](order[0])
    step, weights = method(net)
    started = time.perf_counter()
    for batch in order:
        step(batch)
    return time.perf_counter() - started, weights()


def three_ways(net: MLP, title: str) -> dict[str, float]:
    n_steps = len(batches(len(pixels)))
    print(f"{title}: {len(pixels)} samples, batches of {BATCH} ({n_steps} steps), "
          f"{net.nin}-{'-'.join(map(str, net.nouts))} sigmoid, cost {net.resolve_cost()}")
    results = {"scalar graph (nn: Values, backward)": timed_epoch(by_graph, net),
               "per neuron (closed_form: BP1-BP4)": timed_epoch(by_neuron, net),
               "matrix form (matrix_form: NumPy)": timed_epoch(by_matrix, net)}
    fastest = min(seconds for seconds, _ in results.values())
    print(f"  {'method':<38}{'epoch':>10}{'per step':>12}{'x matrix':>10}")
    for name, (seconds, _) in results.items():
        print(f"  {name:<38}{seconds:>9.3f}s{seconds / n_steps * 1e3:>10.2f}ms{seconds / fastest:>9.0f}x")
    print("  (each: one epoch timed once, after one untimed warm-up mini-batch)")
    final = [w for _, w in results.values()]
    drift = max(float(np.max(np.abs(a - c))) for other in final[:2] for a, c in zip(other, final[2]))
    print(f"  after the epoch, the largest weight difference from the matrix form: {drift:.1e}")
    assert drift < 1e-9, drift
    return {name: seconds for name, (seconds, _) in results.items()}


digits_model = MLP(64, [32, 10], activation="sigmoid", output_activation="sigmoid", init="xavier",
                   seed=0, cost="cross_entropy")
timings = three_ways(digits_model, "a digits epoch")

# %% [markdown]
# Why so different, for the same arithmetic? The scalar graph makes two Python
# objects per multiply-add of eq. (2), and visits each of them again in
# `backward()`: every multiply costs an interpreter dispatch, an allocation and
# a dictionary update, about a microsecond. Per neuron, BP1–BP4 skip the graph
# but still loop in Python, one float at a time. The matrix form hands each
# layer to one compiled matrix product (BLAS): thousands of multiply-adds per
# Python call, in contiguous memory, with SIMD, and the batch dimension makes a
# matrix–vector product a matrix–matrix one. That is why frameworks compute on
# tensors: the scalar graph is for *seeing* backpropagation, the tensors for
# doing it at scale — and they compute the same numbers.

# %% [markdown]
# ## A network from Nielsen's `network2.py`
#
# `network2.Network.save(filename)` writes JSON: `sizes`, `weights` (one
# (n_l, n_{l−1}) matrix per layer, his w^l, the same layout as ours), `biases`
# as (n_l, 1) columns and the cost class's name. We write such a file here the
# way his code would (his default initialisation: weights N(0, 1/n_in), biases
# N(0, 1)) and read it with `MLP.from_nielsen`: a sigmoid MLP with exactly those
# weights, whose `model.cost` is his cost, used wherever `cost=None`.

# %%
rng_np = np.random.default_rng(0)
sizes = [64, 30, 10]
document = {
    "sizes": sizes,
    "weights": [(rng_np.standard_normal((n, m)) / np.sqrt(m)).tolist() for m, n in pairwise(sizes)],
    "biases": [rng_np.standard_normal((n, 1)).tolist() for n in sizes[1:]],
    "cost": "CrossEntropyCost",
}
with tempfile.TemporaryDirectory() as folder:   # removed afterwards, even on an error
    path = Path(folder) / "network2.json"
    path.write_text(json.dumps(document))
    nielsen = MLP.from_nielsen(path)
    print(f"read {path.name}: {nielsen}, model.cost = {nielsen.cost!r}")
    nielsen.to_nielsen(Path(folder) / "back.json")   # and back to his format
    back = json.loads((Path(folder) / "back.json").read_text())
print("to_nielsen writes:", {k: (v if k in ("sizes", "cost") else f"{len(v)} layers")
                             for k, v in back.items()})

report = compare(nielsen, pixels[0], onehot[0], matrix=True)   # cost=None: his CrossEntropyCost
print(f"one sample, three ways: cost {report.cost_name}, largest |diff| {report.max_abs_diff:.1e}")
assert report.agree(TOL)
nielsen_timings = three_ways(nielsen, "the Nielsen network, a digits epoch")

# %%
graph, neuron, mat = timings.values()
print(f"digits epoch ({len(pixels)} samples): scalar graph {graph:.2f} s, per neuron {neuron:.2f} s, "
      f"matrix form {mat * 1e3:.1f} ms: the matrix form is {graph / mat:.0f}x faster than the graph, "
      f"{neuron / mat:.0f}x faster than BP1-BP4 per neuron")
