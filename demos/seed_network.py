# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The seed note's network: autodiff and BP1–BP4, number for number
#
# A small fully-connected sigmoid network with the quadratic cost of eq. (5),
# C_x = ½ Σ_j (y_j − a^L_j)². We use the worked example of Matt Mazur's
# *A Step by Step Backpropagation Example* (2015): 2 inputs, 2 hidden neurons,
# 2 outputs, σ = sigmoid in both layers, his weights and one sample
# x = (0.05, 0.10), y = (0.01, 0.99). His published numbers are checked below,
# so this demo is anchored to an independent source as well as to the equations.
#
# The point of the note: after `C_x.backward()`, the `.grad` of the node that
# holds z^l_j *is* the error δ^l_j ≡ ∂C_x/∂z^l_j (eq. 14), and the `.grad` of
# b^l_j and w^l_{jk} are BP3 and BP4 (eqs. 22–23). Nothing else is computed:
# reverse-mode autodiff and BP1–BP4 are the same computation.
#
# **Index mapping.** The note numbers layers from 1, and layer 1 is the input
# (a^1 = x). `autograd_lite` lists only the layers that have weights, from 0:
#
# | note | code |
# |------|------|
# | layer l (l = 2 … L) | `model.layers[l - 2]` |
# | w^l_{jk}, from neuron k of layer l−1 to neuron j of layer l | `model.layers[l - 2].neurons[j].w[k]` |
# | b^l_j | `model.layers[l - 2].neurons[j].b` |
# | z^l_j, a^l_j of the last forward pass (eqs. 2–3) | `model.layers[l - 2].z[j]`, `.a[j]` |
# | δ^l_j (eq. 14) | `model.layers[l - 2].z[j].grad` |
#
# Here L = 3: `model.layers[0]` is the hidden layer (l = 2), `model.layers[1]`
# the output layer (l = 3). Neurons j and k are counted from 0 here, as in the
# code and in the drawings (the formulas do not care where counting starts), so
# Mazur's w1…w8 are w^2_{00}, w^2_{01}, w^2_{10}, w^2_{11}, w^3_{00}, w^3_{01},
# w^3_{10}, w^3_{11}.

# %%
from autograd_lite.closed_form import compare
from autograd_lite.nn import MLP

model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)

# Mazur's parameters, written as the note's w^l and b^l (row j = neuron j of layer l).
weights = {2: [[0.15, 0.20], [0.25, 0.30]], 3: [[0.40, 0.45], [0.50, 0.55]]}
biases = {2: [0.35, 0.35], 3: [0.60, 0.60]}
for l in (2, 3):
    for j, neuron in enumerate(model.layers[l - 2].neurons):
        neuron.b.data = biases[l][j]
        for k, w in enumerate(neuron.w):
            w.data = weights[l][j][k]

x, y = [0.05, 0.10], [0.01, 0.99]


def heading(title: str) -> None:
    print(f"\n{title}\n{'=' * len(title)}")


heading("The network: Mazur's 2-2-2 example, sigmoid layers, quadratic cost (eq. 5)")
print(model)
print(f"sample x = {x}, target y = {y}")

# %% [markdown]
# ## Autodiff and BP1–BP4 side by side
#
# `compare(model, x, y)` runs the model twice on the same weights:
#
# * **autodiff**: a forward pass building the graph of C_x (eqs. 2, 3, 5),
#   zeroed gradients, `C_x.backward()`, then δ^l_j read off as `z.grad`;
# * **closed form** (`autograd_lite.closed_form`, plain floats, no graph):
#   BP1 (eq. 20) for the output layer, BP2 (eq. 21) downwards, then BP3 and BP4
#   (eqs. 22–23) for the parameter gradients.

# %%
heading("delta = z.grad (autodiff) vs BP1/BP2 (eqs. 20-21)")
report = compare(model, x, y)
print(report)
assert report.agree(1e-12) and report.max_abs_diff <= 1e-12, "autodiff and BP1-BP4 disagree"
exactly = "to the last bit" if report.max_abs_diff == 0 else f"largest |diff| {report.max_abs_diff:.1e}"
print(f"\nautodiff and BP1-BP4 agree to 1e-12 (here: {exactly})")

# %% [markdown]
# In a notebook, the same sample drawn through the network: layers as
# clusters, the note's names, and δ^l_j = z.grad on every z node beside its
# BP1/BP2 value (a comment in the script, which shows no pictures).

# %% active="ipynb"
# from autograd_lite.viz import draw_network
#
# draw_network(model, x, y)

# %% [markdown]
# Every parameter gradient, in the note's notation: the autodiff `.grad`
# beside BP3, ∂C/∂b^l_j = δ^l_j (eq. 22), and BP4, ∂C/∂w^l_{jk} = a^{l−1}_k δ^l_j
# (eq. 23), with a^1 = x.

# %%
heading("dC/db and dC/dw: autodiff .grad vs BP3/BP4 (eqs. 22-23)")
print(f"{'parameter':<10}{'code':<28}{'value':>8}{'autodiff .grad':>20}{'BP3 / BP4':>20}")
for l in (2, 3):
    layer = model.layers[l - 2]
    closed = report.layers[l - 2]
    for j, neuron in enumerate(layer.neurons):
        for k, w in enumerate(neuron.w):
            print(f"{f'w^{l}_{j}{k}':<10}{f'layers[{l - 2}].neurons[{j}].w[{k}]':<28}"
                  f"{w.data:8.2f}{w.grad:20.12f}{closed.grad_w_closed[j][k]:20.12f}")
        print(f"{f'b^{l}_{j}':<10}{f'layers[{l - 2}].neurons[{j}].b':<28}"
              f"{neuron.b.data:8.2f}{neuron.b.grad:20.12f}{closed.grad_b_closed[j]:20.12f}")

# %% [markdown]
# Mazur's published numbers (to the 9 digits he prints): the outputs
# a^3 = (0.75136507, 0.772928465), the cost C_x = 0.298371109, and the
# gradients ∂C/∂w5 = ∂C/∂w^3_{11} = 0.082167041 and ∂C/∂w1 = ∂C/∂w^2_{11} = 0.000438568.

# %%
a_out = [a.data for a in model.layers[1].a]
cost_before = report.cost_autodiff
published = [
    ("a^3_0", a_out[0], 0.75136507),
    ("a^3_1", a_out[1], 0.772928465),
    ("C_x", cost_before, 0.298371109),
    ("dC/dw^3_00 (w5)", model.layers[1].neurons[0].w[0].grad, 0.082167041),
    ("dC/dw^2_00 (w1)", model.layers[0].neurons[0].w[0].grad, 0.000438568),
]
heading("Against Mazur's published numbers")
for name, ours, his in published:
    print(f"{name:<16} here {ours:.12f}   Mazur {his:.9f}")
    assert abs(ours - his) < 1e-8
print("matches Mazur's worked example")

# %% [markdown]
# ## One step of gradient descent (eqs. 6–7)
#
# With a single training sample, C = C_x (eq. 4 with n = 1), so the gradients
# just computed are ∂C/∂w and ∂C/∂b. One step with learning rate η = 0.5
# (Mazur's): w^l_{jk} → w^l_{jk} − η ∂C/∂w^l_{jk} (eq. 6) and
# b^l_j → b^l_j − η ∂C/∂b^l_j (eq. 7), every parameter at once, all gradients
# taken at the old parameters. For a small enough η the cost must go down.

# %%
eta = 0.5
names = [f"{kind}^{l}_{j}{k}" for l in (2, 3) for j in range(2)
         for kind, k in (("w", "0"), ("w", "1"), ("b", ""))]
before = [p.data for p in model.parameters()]  # per neuron: w[0], w[1], b (micrograd's order)
for p in model.parameters():
    p.data -= eta * p.grad  # eqs. (6)-(7)
cost_after = model.sample_cost(x, y).data

heading(f"One gradient-descent step, eqs. (6)-(7), η = {eta}")
print(f"{'parameter':<10}{'before':>8}{'- η · ∂C/∂p':>16}{'after':>16}")
for name, old, p in zip(names, before, model.parameters()):
    print(f"{name:<10}{old:8.2f}{-eta * p.grad:+16.9f}{p.data:16.9f}")
print()
print(f"cost C before the step: {cost_before:.9f}")
print(f"cost C after the step:  {cost_after:.9f}   (change {cost_after - cost_before:+.9f})")
assert cost_after < cost_before
print("one step of eqs. (6)-(7) lowered the cost")

# %% [markdown]
# Mazur updates the weights the same way (he leaves the biases alone) and
# publishes the new weights w1…w8; ours agree to every digit he prints:

# %%
mazur_new = [0.149780716, 0.19956143, 0.24975114, 0.29950229,   # w1..w4 = w^2_00, w^2_01, w^2_10, w^2_11
             0.35891648, 0.408666186, 0.511301270, 0.561370121]  # w5..w8 = w^3_00, w^3_01, w^3_10, w^3_11
ours_new = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
for i, (ours, his) in enumerate(zip(ours_new, mazur_new), start=1):
    assert abs(ours - his) < 1e-8, (i, ours, his)
print("new weights w1..w8 match Mazur's:", ", ".join(f"{w:.9f}" for w in ours_new))

# %% [markdown]
# ## In a notebook: the network under your fingers
#
# Sliders for the two inputs and for w^3_00 (Mazur's w5, after the step
# above): each move runs the sample through the network again and redraws
# every δ beside BP1/BP2. Moving the weight slider sets that weight of the
# model. (A comment in the script.)

# %% active="ipynb"
# from autograd_lite.notebook import explore_network
#
# explore_network(model, x, y, weight=(1, 0, 0))
