# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # The playground: watch a network learn, and see every neuron's δ
#
# TensorFlow Playground shows a network learning a 2-D data set: the decision
# boundary moves, the loss falls. It shows no gradient. `autograd_lite`'s
# playground trains the same kind of network on the same data sets, and on every
# neuron it also writes δ = ∂C/∂z for one sample (BP1 for the output, eq. 20;
# BP2 for the hidden layers, eq. 21), and on every edge ∂C/∂w = a_k δ_j (BP4,
# eq. 23). The equations are numbered as in `docs/backprop.md`.
#
# The object, `Playground`, trains and draws without any widget, so this notebook
# first drives it from Python; the last cell shows it as a widget with play,
# pause, step and reset buttons. Run as a script, `--quick` trains a few steps.

# %%
from pathlib import Path

from autograd_lite.closed_form import backprop
from autograd_lite.demos import quick_mode
from autograd_lite.playground import Playground

QUICK = quick_mode()
ROUNDS, STEPS = (3, 20) if QUICK else (8, 50)

pg = Playground(dataset="xor", hidden=[4, 4], activation="tanh", learning_rate=0.1, seed=0)
print(pg.options)
print(f"{len(pg.data.train)} training points, {len(pg.data.test)} test points; "
      f"features {pg.features}; the network {pg.model}")

# %% [markdown]
# ## Training, from Python
#
# `pg.step(n)` takes n steps of mini-batch gradient descent (eqs. 8–9: the mean
# gradient over a batch of 10 points, then w → w − η ∂C/∂w). The steps replay a
# tape recorded once (autograd_lite.tape), which gives the same numbers as
# building the graph every step, bit for bit. `pg.loss` is the pair (training
# loss, test loss), each the mean of ½(y − a)² over its points (eqs. 4–5).

# %%
print(f"step {pg.steps:4d}: training loss {pg.loss[0]:.4f}, test loss {pg.loss[1]:.4f}")
for _ in range(ROUNDS):
    pg.step(STEPS)
    print(f"step {pg.steps:4d} (epoch {pg.epoch:3d}): training loss {pg.loss[0]:.4f}, "
          f"test loss {pg.loss[1]:.4f}")

# %% [markdown]
# ## δ for one sample, by autodiff and by BP1–BP2
#
# The playground's δ come from autodiff: the sample's cost C_x is built as a
# graph and walked backwards, and δ^l_j is the gradient that reaches z^l_j. The
# closed-form equations compute the same numbers on plain floats, with no graph:
# BP1 gives δ for the output layer, BP2 passes it back layer by layer.
# The sample is the last one trained on (set `pg.sample` to pick another).

# %%
i = pg.current_sample
x, y = pg.data.inputs("train", pg.features)[i], pg.data.targets("train")[i]
weights, biases = pg.model.weights_and_biases()
closed = backprop(weights, biases, x, [y], activation=pg.model.activations, cost="quadratic")
print(f"sample {i}: x = ({x[0]:.3f}, {x[1]:.3f}), y = {y:+.0f}")
for l, (autodiff, bp) in enumerate(zip(pg.deltas, closed.delta)):
    which = "BP1 (eq. 20)" if l == len(pg.deltas) - 1 else "BP2 (eq. 21)"
    print(f"layer {l + 2}:")
    for j, (d, c) in enumerate(zip(autodiff, bp)):
        print(f"  δ_{j}  autodiff {d:+.15e}   {which} {c:+.15e}")
largest = max(abs(d - c) for a, b in zip(pg.deltas, closed.delta) for d, c in zip(a, b))
assert largest <= 1e-12
print(f"pg.deltas equal BP1/BP2 to 1e-12 (largest difference {largest:.1e}); "
      f"the widget's live check says {pg.check:.1e} over δ and ∂C/∂w")

# %% [markdown]
# ## ∂C/∂w on the edges: BP4
#
# Each edge of the drawing carries its weight and ∂C_x/∂w^l_jk = a^{l−1}_k δ^l_j
# (BP4, eq. 23) for the same sample: the activation at the edge's start times
# the δ at its end. Without the regularisation term: with L1 or L2 switched on,
# the step also adds rate · sign(w) or 2 · rate · w.

# %%
shown = pg.weight_gradients
print("layer 2, neuron 0: ∂C/∂w shown", [f"{g:+.6f}" for g in shown[0][0]])
print("                   BP4         ", [f"{g:+.6f}" for g in closed.grad_w[0][0]])

# %% [markdown]
# ## The same training as a script
#
# `pg.code` is the Python of what the playground did, written with the public API
# (`datasets.make`, `nn.MLP`, `nn.Trainer`): copy it into a file and it trains the
# same network to the same weights, bit for bit. Here it runs in a fresh namespace.

# %%
print(pg.code)
namespace: dict = {}
exec(pg.code, namespace)  # the playground's own generated text
same = [p.data for p in namespace["model"].parameters()] == [p.data for p in pg.model.parameters()]
assert same
print("the script's weights are the playground's, bit for bit")

# %% [markdown]
# ## The picture
#
# `pg.svg` is the whole drawing as SVG text: the features, each neuron with a small
# heat map of its activation over the plane and its δ, the edges (blue positive,
# orange negative, wider for bigger weights) with ∂C/∂w, the output over the plane
# with the points (test points ringed in black, the sample of δ in red), and the
# loss curve. Hover a neuron or an edge for its exact values.

# %%
out_dir = Path("demo_output")
out_dir.mkdir(exist_ok=True)
(out_dir / "playground.svg").write_text(pg.svg, encoding="utf-8")
print(f"wrote {out_dir / 'playground.svg'}")

# %% [markdown]
# ## Play
#
# In a notebook, `playground(...)` shows the same object as a widget: press play
# and it trains frame after frame (a timer in the browser sends each tick, so a
# pause is seen at once, also in JupyterLite, which has no threads), change the
# data set, the features, the layers (add and remove them, and neurons, with the
# buttons), the activation, the learning rate or the regularisation; "backprop this
# sample" opens the step-by-step player on the sample's graph; "copy this code"
# shows the script. The widget drives like the object: `widget.step(10)`,
# `widget.loss`, `widget.svg`.

# %% active="ipynb"
# from autograd_lite.notebook import playground
#
# widget = playground(dataset="moons", hidden=[8, 8], activation="tanh", learning_rate=0.03, noise=0.1)
# widget
