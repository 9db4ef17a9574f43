"""Regenerate the pictures the README shows: `python docs/make_pictures.py [neuron network cost gpt]`
(all four by default; all but cost need Graphviz's dot).

- docs/neuron.svg: micrograd's tanh neuron after backward, with local derivatives on the edges;
- docs/network.svg: one sample through a 2-3-2 sigmoid network, each z labelled with its
  delta (eq. 14) beside the closed-form BP1/BP2 value (eqs. 20-21);
- docs/cost_of_gradients.png: the plot of the full `cost_of_gradients` demo (about two minutes);
- docs/gpt_step.svg: one training step of the `gpt` demo's model (its first name, the initial
  weights), drawn by scopes to depth 3, as the demo draws it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.viz import draw_dot, draw_network

HERE = Path(__file__).resolve().parent


def neuron_picture() -> None:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    a = z.tanh()
    a.label = "a"
    a.backward()
    draw_dot(a, edge_labels=True).render(HERE / "neuron", format="svg", cleanup=True)


def network_picture() -> None:
    model = MLP(2, [3, 2], activation="sigmoid", output_activation="sigmoid", seed=1)
    draw_network(model, [0.05, 0.10], [0.01, 0.99]).render(HERE / "network", format="svg", cleanup=True)


def cost_picture() -> None:
    # The demo writes demo_output/ under its working directory: run it in a scratch one.
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "autograd_lite", "demo", "cost_of_gradients"], cwd=scratch,
                       check=True)
        shutil.copy(Path(scratch) / "demo_output" / "cost_of_gradients.png", HERE / "cost_of_gradients.png")


def gpt_picture() -> None:
    import random

    from autograd_lite.demos import _gpt_model as gpt

    words = gpt.load_names(seed=42)  # the demo's data, model and seeds
    vocabulary = gpt.Vocabulary(words)
    config = gpt.Config(vocab=len(vocabulary))
    params = gpt.parameters(Value, config, random.Random(1337))
    loss = gpt.loss(params, config, gpt.autograd_lite_kit(), *gpt.pairs(vocabulary.encode(words[0])))
    loss.backward()
    draw_dot(loss, collapse=3).render(HERE / "gpt_step", format="svg", cleanup=True)


PICTURES = {"neuron": (neuron_picture, "neuron.svg"), "network": (network_picture, "network.svg"),
            "cost": (cost_picture, "cost_of_gradients.png"), "gpt": (gpt_picture, "gpt_step.svg")}

if __name__ == "__main__":
    for name in sys.argv[1:] or PICTURES:
        make, file = PICTURES[name]
        make()
        print("wrote", HERE / file)
