# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # One neuron, backpropagated by hand and by autograd_lite
#
# The neuron of eq. (1)-(2) in the seed note, with tanh as σ:
# z = w1·x1 + w2·x2 + b, a = σ(z). After `a.backward()` every node holds
# ∂a/∂node in `.grad`. The gradient at z is the neuron's error δ (eq. 14),
# and the weight and bias gradients are a^{l-1}_k·δ and δ (eqs. 15-16).
# Every number is checked against central finite differences.

# %%
import math

from autograd_lite import Value

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1*w1"
x2w2 = x2 * w2
x2w2.label = "x2*w2"
z = x1w1 + x2w2 + b
z.label = "z"
a = z.tanh()
a.label = "a = tanh(z)"
a.backward()


# %%
def neuron(x1: float, x2: float, w1: float, w2: float, b: float) -> float:
    """The same neuron on plain floats: a = tanh(w1 x1 + w2 x2 + b)."""
    return math.tanh(w1 * x1 + w2 * x2 + b)


def central_difference(leaf: Value, eps: float = 1e-6) -> float:
    """(a(leaf + eps) - a(leaf - eps)) / 2 eps, the independent check of leaf.grad."""
    leaves = (x1, x2, w1, w2, b)
    up = [v.data + (eps if v is leaf else 0.0) for v in leaves]
    down = [v.data - (eps if v is leaf else 0.0) for v in leaves]
    return (neuron(*up) - neuron(*down)) / (2 * eps)


print(f"{'node':<12}{'data':>12}{'grad':>12}{'finite diff':>14}")
for node in (a, z, x1w1, x2w2, x1, w1, x2, w2, b):
    check = f"{central_difference(node):14.6f}" if not node._prev else ""
    print(f"{node.label:<12}{node.data:12.6f}{node.grad:12.6f}{check}")

# %% [markdown]
# δ = ∂a/∂z = 1 − tanh²(z) (eq. 14); ∂a/∂w1 = x1·δ (eq. 15); ∂a/∂b = δ (eq. 16):

# %%
delta = 1 - a.data**2
print(f"delta = 1 - a^2 = {delta:.6f}   z.grad = {z.grad:.6f}")
print(f"x1 * delta      = {x1.data * delta:.6f}   w1.grad = {w1.grad:.6f}")
assert abs(z.grad - delta) < 1e-12 and abs(w1.grad - x1.data * delta) < 1e-12
print("autodiff = chain rule by hand = finite differences")

# %% [markdown]
# ## In a notebook: backward step by step, and a neuron that follows sliders
#
# Opened as a notebook (`autograd-lite demo neuron --notebook`, with
# `pip install -e ".[notebook]"`, or in the browser on the project's site), the
# next cells draw the graph and show the backward pass as a player: one frame
# per step, in reverse topological order, with a slider, previous/next, play
# and the ← → keys. (In the script they are comments: a script shows no pictures.)

# %% active="ipynb"
# from autograd_lite.notebook import explore, show_backprop
# from autograd_lite.viz import draw_dot
#
# draw_dot(a, edge_labels=True)

# %% active="ipynb"
# show_backprop(a)

# %% [markdown]
# One slider per number: moving w1 rebuilds the neuron, runs backward and
# redraws every data and grad. Watch δ = z's grad shrink as |z| grows (the
# tanh saturates), and x1's grad follow w1 (eq. 15 with the roles swapped).

# %% active="ipynb"
# explore(lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(),
#         x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432)
