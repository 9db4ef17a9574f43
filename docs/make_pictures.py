"""Regenerate the pictures the README shows: `python docs/make_pictures.py` (needs Graphviz's dot).

- docs/neuron.svg: micrograd's tanh neuron after backward, with local derivatives on the edges;
- docs/network.svg: one sample through a 2-3-2 sigmoid network, each z labelled with its
  delta (eq. 14) beside the closed-form BP1/BP2 value (eqs. 20-21).
"""

from __future__ import annotations

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


if __name__ == "__main__":
    neuron_picture()
    network_picture()
    print("wrote", HERE / "neuron.svg", "and", HERE / "network.svg")
