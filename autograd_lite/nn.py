"""Fully-connected networks built from Values: micrograd's API, the seed note's quantities.

`MLP(nin, nouts)` is micrograd's network (relu hidden layers, linear output,
`random.uniform(-1, 1)` weights, zero biases, the same parameter order), so a
script seeded like micrograd's demo gets the same numbers. Beyond micrograd,
each layer keeps the nodes of its last forward pass, `layer.z` and `layer.a`
(eqs. 2-3), so after a freshly zeroed `cost.backward()` on one sample
`layer.z[j].grad` *is* the error delta^l_j of eq. (14).

Index mapping to the note: `model.layers[0]` is the note's layer 2 (the input
x is layer 1); w^l_{jk} is `model.layers[l-2].neurons[j].w[k]`, b^l_j is
`model.layers[l-2].neurons[j].b`, neurons j and k counted from 0 as in the code.

Costs live in one registry, `COSTS`, shared by `loss`, training, `compare`
and the drawings. Imports `engine` and `softmax` only (tqdm lazily, in `train`).
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import operator
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import Value, _as_float, collector_paused, no_grad
from .softmax import softmax_cross_entropy

__all__ = [
    "ACTIVATIONS", "COSTS", "MLP", "SGD", "Adam", "Cost", "Layer", "Module", "Neuron", "Trainer",
    "accuracy", "loss", "train",
]

Sample = Sequence[float | Value]
Target = float | Sequence[float]

# σ of eqs. (1)/(3) by name; "linear" returns z itself, so a is z. methodcaller, not the unbound
# Value.tanh: z's own method runs, so forward mode's Dual (a Value subclass) keeps its tangent.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": lambda z: z,
    "relu": operator.methodcaller("relu"),
    "tanh": operator.methodcaller("tanh"),
    "sigmoid": operator.methodcaller("sigmoid"),
}


def _activation(name: str) -> Callable[[Value], Value]:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


class Module:
    """Anything with parameters: `parameters()` and `zero_grad()` as in micrograd."""

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """One neuron: a = σ(Σ_k w_k x_k + b), eqs. (1)-(2).

    `Neuron(nin, nonlin=True)` is micrograd's (relu); `activation=` names σ.
    Weights come from `rng` (the global `random` module by default, as in
    micrograd) by `init`: "uniform" U(-1, 1) (micrograd's), "xavier"
    U(±sqrt(6/(nin+nout))), "he" N(0, 2/nin). Biases start at 0.
    """

    def __init__(self, nin: int, nonlin: bool = True, *, activation: str | None = None,
                 rng: random.Random | None = None, init: str = "uniform", nout: int = 1) -> None:
        self.activation = activation if activation is not None else ("relu" if nonlin else "linear")
        self._sigma = _activation(self.activation)
        self.w = [Value(x) for x in _initial_weights(nin, nout, init, rng)]
        self.b = Value(0.0)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: is the activation anything but linear?"""
        return self.activation != "linear"

    def weighted_input(self, x: Sample) -> Value:
        """z = Σ_k w_k x_k + b (eq. 2), summed in micrograd's order (b first)."""
        return sum((wi * xi for wi, xi in zip(self.w, x)), self.b)

    def __call__(self, x: Sample) -> Value:
        return self._sigma(self.weighted_input(x))

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "linear": "Linear"}.get(self.activation, self.activation.capitalize())
        return f"{kind}Neuron({len(self.w)})"


def _initial_weights(nin: int, nout: int, init: str, rng: random.Random | None) -> list[float]:
    source = rng if rng is not None else random
    if init == "uniform":
        return [source.uniform(-1, 1) for _ in range(nin)]
    if init == "xavier":
        bound = math.sqrt(6.0 / (nin + nout))
        return [source.uniform(-bound, bound) for _ in range(nin)]
    if init == "he":
        return [source.gauss(0.0, math.sqrt(2.0 / nin)) for _ in range(nin)]
    raise ValueError(f"unknown init {init!r}; choose from uniform, xavier, he")


class Layer(Module):
    """A fully-connected layer. After each call, `.z` and `.a` hold that pass's nodes (eqs. 2-3)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, nout=nout, **kwargs) for _ in range(nout)]
        self.z: list[Value] = []
        self.a: list[Value] = []

    def forward(self, x: Sample) -> list[Value]:
        """The layer's activations as a list, whatever its width."""
        self.z = [n.weighted_input(x) for n in self.neurons]
        self.a = [n._sigma(z) for n, z in zip(self.neurons, self.z)]
        return self.a

    def __call__(self, x: Sample) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out  # micrograd's convention

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({len(self.neurons[0].w)} -> {len(self.neurons)}, {self.activation})"


def _index(*indices: int) -> str:
    return "".join(str(i) for i in indices) if all(i < 10 for i in indices) else ",".join(map(str, indices))


class MLP(Module):
    """A multi-layer perceptron: `MLP(nin, nouts)` is micrograd's (relu hidden, linear output).

    `activation` is σ of the hidden layers, `output_activation` of the last;
    `seed` makes a private `random.Random` (otherwise the global `random`, as
    micrograd); `init` as in `Neuron`. `cost` (a key of `COSTS`, or None) is the
    model's own cost: what `loss`, `train`, `compare` and `draw_network` use when
    they are given `cost=None` (None: quadratic). `MLP.from_nielsen` sets it.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", *, seed: int | None = None,
                 init: str = "uniform", cost: str | None = None) -> None:
        if not nouts or any(type(n) is not int or n < 1 for n in [nin, *nouts]):
            raise ValueError(f"MLP needs positive layer sizes, got nin={nin!r}, nouts={nouts!r}")
        _activation(activation), _activation(output_activation)
        if cost is not None and not isinstance(cost, str):
            raise TypeError(f"MLP: cost must be a cost name (str) or None, got {type(cost).__name__} "
                            f"{cost!r:.60}")
        if cost is not None:
            _fitting_cost(cost, output_activation, nouts[-1])
        self.cost = cost
        rng = random.Random(seed) if seed is not None else None
        sizes = [nin, *nouts]
        self.nin, self.nouts, self.hidden_activation = nin, list(nouts), activation
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=rng, init=init,
                  activation=output_activation if i == len(nouts) - 1 else activation)
            for i in range(len(nouts))
        ]

    @property
    def activations(self) -> list[str]:
        """σ of each weight layer, in order (as closed_form.backprop takes them)."""
        return [layer.activation for layer in self.layers]

    def forward(self, x: Sample) -> list[Value]:
        """The output layer's activations as a list (hidden layers of width 1 work)."""
        if len(x) != self.nin:
            raise ValueError(f"MLP expects {self.nin} inputs, got {len(x)}")
        out: Sample = x
        for layer in self.layers:
            out = layer.forward(out)
        return list(out)

    def __call__(self, x: Sample) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def note_names(self, inputs: Sample = ()) -> dict[Value, str]:
        """The note's names of this model's nodes: w^l_jk, b^l_j, and z^l_j, a^l_j of the last
        pass (x_k = a^1_k for the given input Values), for drawings and `explain`. Read from
        `layer.z`/`layer.a`, which every pass keeps anyway: naming costs the training loop nothing."""
        names: dict[Value, str] = {xk: f"x_{k} = a^1_{k}" for k, xk in enumerate(inputs)
                                   if isinstance(xk, Value)}
        for index, layer in enumerate(self.layers):
            l_note = index + 2  # model.layers[0] is the note's layer 2: the input is layer 1
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    names[w] = f"w^{l_note}_{_index(j, k)}"
                names[neuron.b] = f"b^{l_note}_{j}"
            for j, (z, a) in enumerate(zip(layer.z, layer.a)):
                names[z] = f"z^{l_note}_{j}" if a is not z else f"z^{l_note}_{j} = a^{l_note}_{j}"
                if a is not z:
                    names[a] = f"a^{l_note}_{j}"
        return names

    def weights_and_biases(self) -> tuple[list[list[list[float]]], list[list[float]]]:
        """The parameters as plain floats, weights[l][j][k] and biases[l][j] (closed_form's layout)."""
        weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in self.layers]
        biases = [[n.b.data for n in layer.neurons] for layer in self.layers]
        return weights, biases

    def resolve_cost(self, cost: str | None = None) -> str:
        """The name of the cost to use: `cost` if given, else the model's own, else "quadratic"."""
        return _cost_name(cost if cost is not None else self.cost or "quadratic")

    def sample_cost(self, x: Sample, y: Target, cost: str | None = None) -> Value:
        """C_x for one sample (e.g. eq. 5), leaving this pass's nodes in each layer's .z/.a.
        `cost=None` is the model's cost (`resolve_cost`)."""
        last = self.layers[-1]
        rule = _fitting_cost(self.resolve_cost(cost), last.activation, len(last.neurons))
        outputs = self.forward(x)
        return rule.per_sample(outputs, _targets(y, len(outputs)), last)

    # -- JSON save/load: exact floats, validated, nothing executed -------------
    def save(self, path: str | Path) -> None:
        """Write the architecture and parameters as JSON (floats round-trip exactly)."""
        document = {
            "format": "autograd_lite.MLP", "version": 1,
            "nin": self.nin, "nouts": self.nouts, "activations": self.activations, "cost": self.cost,
            "parameters": [p.data for p in self.parameters()],
        }
        Path(path).write_text(json.dumps(document, allow_nan=False), encoding="utf-8")

    def load(self, path: str | Path) -> None:
        """Read parameters saved by `save` into this model, after checking the file fits it.

        The file is the truth about the cost too: `model.cost` becomes the saved one,
        None included (a file saved from a model without a cost). Only a file with no
        "cost" key at all (written before costs were saved) leaves `model.cost` as it is.
        """
        where = f"MLP.load({str(path)!r})"
        document = _read_json(path, where)
        if not isinstance(document, dict) or document.get("format") != "autograd_lite.MLP":
            raise ValueError(f"{where}: not an autograd_lite MLP file (no 'format': 'autograd_lite.MLP')")
        if type(document.get("version")) is not int or document["version"] != 1:
            raise ValueError(f"{where}: unsupported version {document.get('version')!r}")
        expected = {"nin": self.nin, "nouts": self.nouts, "activations": self.activations}
        for key, value in expected.items():
            if document.get(key) != value:
                raise ValueError(f"{where}: the file has {key}={document.get(key)!r}, this model {value!r}")
        values = document.get("parameters")
        params = self.parameters()
        if not isinstance(values, list) or len(values) != len(params):
            count = len(values) if isinstance(values, list) else type(values).__name__
            raise ValueError(f"{where}: expected {len(params)} parameters, found {count}")
        floats = [_finite_number(v, f"{where}: parameter {i}") for i, v in enumerate(values)]
        saved_cost = document.get("cost")  # absent from files written before costs were saved
        if saved_cost is not None:
            try:
                _fitting_cost(saved_cost, self.layers[-1].activation, self.nouts[-1])
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where}: {error}") from None
        for p, number in zip(params, floats):
            p.data = number
        if "cost" in document:
            self.cost = saved_cost

    # -- Nielsen's network.py / network2.py ------------------------------------
    @classmethod
    def from_nielsen(cls, source: str | Path | Mapping[str, Any] | object) -> MLP:
        """A sigmoid MLP with exactly the weights of one of Nielsen's networks.

        `source` is the path of a JSON file written by `network2.Network.save`
        ({"sizes", "weights", "biases", "cost"}, biases as (n, 1) columns), a dict of
        that shape, or an object with `.sizes`, `.weights`, `.biases` (NumPy arrays,
        as `network.Network` has; its `.cost` class if it has one, else quadratic,
        which is what network.py uses). Nielsen's w^l is our `layers[l-2]`, row j
        holding neuron j's weights, the same layout. `model.cost` becomes
        "quadratic" or "cross_entropy". A malformed source is a ValueError; nothing
        in it is executed.
        """
        where, document = _nielsen_document(source)
        sizes, weights, biases, cost = _check_nielsen(document, where)
        # seed=0: the initial weights, overwritten below, must not consume the global `random`
        model = cls(sizes[0], sizes[1:], "sigmoid", "sigmoid", seed=0, cost=cost)
        for layer, rows, column in zip(model.layers, weights, biases):
            for neuron, row, (bias,) in zip(layer.neurons, rows, column):
                neuron.b.data = bias
                for w, value in zip(neuron.w, row):
                    w.data = value
        return model

    def to_nielsen(self, path: str | Path) -> None:
        """Write `network2.Network.save`'s JSON: sizes, weights, biases as (n, 1) columns, and
        the cost as "QuadraticCost"/"CrossEntropyCost". Nielsen's code has sigmoid layers and
        those two costs only: any other activation or cost is a ValueError naming it."""
        others = [f"layers[{i}] is {a!r}" for i, a in enumerate(self.activations) if a != "sigmoid"]
        if others:
            raise ValueError(f"to_nielsen: Nielsen's networks are sigmoid in every layer; "
                             f"this model's {', '.join(others)}")
        cost = self.resolve_cost()
        names = {ours: his for his, ours in NIELSEN_COSTS.items()}
        if cost not in names:
            raise ValueError(f"to_nielsen: network2 knows the costs {', '.join(NIELSEN_COSTS)} only; "
                             f"this model's cost is {cost!r}")
        weights, biases = self.weights_and_biases()
        document = {"sizes": [self.nin, *self.nouts], "weights": weights,
                    "biases": [[[b] for b in layer] for layer in biases], "cost": names[cost]}
        Path(path).write_text(json.dumps(document, allow_nan=False), encoding="utf-8")

    def __repr__(self) -> str:
        hidden = self.layers[0].activation if len(self.layers) > 1 else self.hidden_activation
        return (f"MLP({self.nin}, {self.nouts}, activation={hidden!r}, "
                f"output_activation={self.layers[-1].activation!r}) "
                f"with {len(self.parameters())} parameters")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _read_json(path: str | Path, where: str) -> Any:
    """The JSON document in the file `path`, parsed and nothing else (no code runs, NaN and
    Infinity refused); a file that cannot be read or parsed is a ValueError beginning with `where`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except RecursionError:  # json recurses once per '[' or '{': 100,000 of them exhaust the stack
        raise ValueError(f"{where}: not a readable JSON file: nested too deeply") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{where}: not a readable JSON file: {error}") from None


def _finite_number(value: Any, what: str) -> float:
    """`value` as a finite float, or a ValueError that begins with `what`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # bool is not a number here
        raise ValueError(f"{what} is {value!r:.40}, not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):  # json reads 1e400 as inf without asking parse_constant
        raise ValueError(f"{what} is {str(value)[:40]}, not a finite number")
    return number


# Nielsen's cost classes (network2.py) by the name `network2.save` writes, and ours.
NIELSEN_COSTS = {"QuadraticCost": "quadratic", "CrossEntropyCost": "cross_entropy"}


def _nielsen_document(source: Any) -> tuple[str, dict[str, Any]]:
    """(a name for error messages, {"sizes", "weights", "biases", "cost"}) from any accepted source."""
    if isinstance(source, (str, Path)):
        where = f"MLP.from_nielsen({str(source)!r})"
        document = _read_json(source, where)
        if not isinstance(document, dict):
            raise ValueError(f"{where}: expected a JSON object with sizes, weights, biases and cost")
        return where, document
    if isinstance(source, Mapping):
        document = dict(source)
        where = "MLP.from_nielsen(dict)"
    elif all(hasattr(source, name) for name in ("sizes", "weights", "biases")):
        cost = getattr(source, "cost", None)  # network2: a class; network.py has none (quadratic)
        document = {"sizes": source.sizes, "weights": source.weights, "biases": source.biases,
                    "cost": "QuadraticCost" if cost is None else getattr(cost, "__name__", cost)}
        where = f"MLP.from_nielsen({type(source).__name__})"
    else:
        raise TypeError(f"MLP.from_nielsen takes a path, a dict or a Network with .sizes, .weights and "
                        f".biases, got {type(source).__name__}")
    # NumPy arrays (his weights and biases) as nested lists; nn itself never imports NumPy.
    for key in ("sizes", "weights", "biases"):
        value = document.get(key)
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            document[key] = [m.tolist() if hasattr(m, "tolist") else m for m in value]
    return where, document


def _check_nielsen(document: dict[str, Any], where: str) -> tuple[list[int], list[Any], list[Any], str]:
    """Sizes, weights[l][j][k], biases[l][j][0] (floats) and our cost name, all checked."""
    sizes = document.get("sizes")
    if (not isinstance(sizes, list) or len(sizes) < 2
            or any(type(n) is not int or n < 1 for n in sizes)):
        raise ValueError(f"{where}: sizes must list at least two positive layer sizes, got {sizes!r:.80}")
    cost = document.get("cost")
    if not isinstance(cost, str) or cost not in NIELSEN_COSTS:
        raise ValueError(f"{where}: unknown cost {cost!r:.40}; known: {', '.join(NIELSEN_COSTS)}")
    layers = {}
    for key, columns in (("weights", None), ("biases", 1)):
        value = document.get(key)
        if not isinstance(value, list) or len(value) != len(sizes) - 1:
            found = len(value) if isinstance(value, list) else type(value).__name__
            raise ValueError(f"{where}: {key} must be a list of {len(sizes) - 1} layers, found {found}")
        layers[key] = [_nielsen_matrix(m, sizes[l + 1], columns or sizes[l], f"{where}: {key}[{l}]")
                       for l, m in enumerate(value)]
    return sizes, layers["weights"], layers["biases"], NIELSEN_COSTS[cost]


def _nielsen_matrix(value: Any, rows: int, columns: int, what: str) -> list[list[float]]:
    """A rows x columns list of lists of finite floats, or a ValueError giving both shapes."""
    if not isinstance(value, list) or len(value) != rows:
        found = f"{len(value)} rows" if isinstance(value, list) else f"a {type(value).__name__}"
        raise ValueError(f"{what} must have shape ({rows}, {columns}), found {found}")
    for j, row in enumerate(value):
        if not isinstance(row, list) or len(row) != columns:
            found = f"{len(row)} entries" if isinstance(row, list) else f"{row!r:.40}"
            raise ValueError(f"{what} must have shape ({rows}, {columns}), but row {j} is {found}")
    return [[_finite_number(v, f"{what}[{j}][{k}]") for k, v in enumerate(row)]
            for j, row in enumerate(value)]


# ---------------------------------------------------------------------------
# Costs: one registry for training, compare() and drawings.

@dataclass(frozen=True)
class Cost:
    """A per-sample cost C_x(a^L, y); `needs` names the output activation it assumes, if any,
    and `outputs` the number of output neurons it takes, if fixed."""

    per_sample: Callable[[list[Value], list[float], Layer], Value]
    description: str
    needs: str | None = None
    outputs: int | None = None


def _quadratic(outputs: list[Value], y: list[float], last: Layer) -> Value:
    # eq. (5): C_x = ½ Σ_j (y_j - a^L_j)^2
    return 0.5 * sum((yj - aj) ** 2 for aj, yj in zip(outputs, y))


def _cross_entropy(outputs: list[Value], y: list[float], last: Layer) -> Value:
    # Nielsen's C_x = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], with a = σ(z):
    # ln a = -softplus(-z), ln(1 - a) = -softplus(z), finite for any z (softplus is one
    # op of the table, stable, so the graph has no branch on the data). Its
    # graph starts at z, so δ^L_j = z.grad = a_j - y_j exactly (BP1 for this cost).
    return sum(yj * (-zj).softplus() + (1.0 - yj) * zj.softplus() for zj, yj in zip(last.z, y))


def _softmax_cross_entropy(outputs: list[Value], y: list[float], last: Layer) -> Value:
    # C_x = -Σ_j y_j log softmax(z)_j = Σ_j y_j (logsumexp(z) - z_j), from the logits;
    # logsumexp is one op of the table that shifts by max z inside its forward (no
    # overflow), so the graph takes no constant from the data and a tape replays it.
    return softmax_cross_entropy(outputs, y)  # a Value even when y = 0


def _hinge(outputs: list[Value], y: list[float], last: Layer) -> Value:
    # micrograd's demo: max(0, 1 - y a) for one output (Cost.outputs) and y in {-1, +1}
    return (1 + -y[0] * outputs[0]).relu()


COSTS: dict[str, Cost] = {
    "quadratic": Cost(_quadratic, "½‖y − a^L‖² (eq. 5)"),
    "cross_entropy": Cost(_cross_entropy, "−Σ y ln a + (1−y) ln(1−a), sigmoid outputs", "sigmoid"),
    "softmax_cross_entropy": Cost(_softmax_cross_entropy, "−Σ y log softmax(z), from logits", "linear"),
    "hinge": Cost(_hinge, "max(0, 1 − y·a), micrograd's demo, y = ±1", outputs=1),
}


def _cost_name(cost: str) -> str:
    if not isinstance(cost, str) or cost not in COSTS:  # isinstance first: a list is unhashable
        raise ValueError(f"unknown cost {cost!r}; choose from {', '.join(COSTS)}")
    return cost


def _fitting_cost(cost: str, output_activation: str, n_outputs: int) -> Cost:
    """The registry entry of `cost`, after checking it suits the output layer: its
    activation (Cost.needs) and its number of neurons (Cost.outputs)."""
    rule = COSTS[_cost_name(cost)]
    if rule.needs is not None and output_activation != rule.needs:
        raise ValueError(f"the {cost} cost needs output_activation={rule.needs!r}; "
                         f"this model's output layer is {output_activation!r}")
    if rule.outputs is not None and n_outputs != rule.outputs:
        raise ValueError(f"the {cost} cost needs {rule.outputs} output neuron(s); "
                         f"this model's output layer has {n_outputs}")
    return rule


def _targets(y: Target, n_outputs: int) -> list[Any]:
    """The target as a list: floats, or Values where given (the tape makes targets leaves)."""
    single = isinstance(y, (numbers.Real, Value))
    targets = [v if isinstance(v, Value) else float(v) for v in ([y] if single else y)]
    if len(targets) != n_outputs:
        raise ValueError(f"the target has {len(targets)} values, the model {n_outputs} outputs")
    return targets


def loss(model: MLP, xs: Sequence[Sample], ys: Sequence[Target], cost: str | None = None,
         l2: float = 0.0, l1: float = 0.0) -> Value:
    """C = (1/n) Σ_x C_x (eq. 4), plus `l2 * Σ p²` (micrograd's form) and `l1 * Σ |p|` over every
    parameter, each term only if its rate is not 0. `cost=None` is the model's cost, else quadratic."""
    if len(xs) != len(ys) or not xs:
        raise ValueError(f"loss needs as many targets as samples (and some), got {len(xs)} and {len(ys)}")
    total = sum(model.sample_cost(x, y, cost) for x, y in zip(xs, ys)) * (1.0 / len(xs))
    if l2:
        total = total + l2 * sum(p * p for p in model.parameters())
    if l1:  # d|p|/dp = sign(p), 0 at p = 0 (the rule table's choice for abs)
        total = total + l1 * sum(abs(p) for p in model.parameters())
    return total


def accuracy(model: MLP, xs: Sequence[Sample], ys: Sequence[Target]) -> float:
    """Fraction classified right: the sign of one output against y = ±1 (or a 0/1 target
    with a sigmoid output), else the argmax of the outputs against the argmax of y."""
    with no_grad():
        return _fraction_right(model, ([o.data for o in model.forward(x)] for x in xs), xs, ys)


def _fraction_right(model: MLP, outputs: Iterable[list[float]], xs: Sequence[Sample],
                    ys: Sequence[Target]) -> float:
    if not xs or len(xs) != len(ys):
        raise ValueError(f"accuracy needs as many targets as samples (and some), got {len(xs)} and {len(ys)}")
    right = 0
    threshold = 0.5 if model.layers[-1].activation == "sigmoid" else 0.0
    for out, y in zip(outputs, ys):
        if len(out) == 1:
            target = float(y if isinstance(y, numbers.Real) else y[0])
            right += (out[0] > threshold) == (target > threshold)
        else:
            right += out.index(max(out)) == list(y).index(max(y))
    return right / len(ys)


class _TapedOutputs:
    """The model's outputs for many samples, each replayed by one forward-only Tape of one
    sample's pass (train's `tape=True` evaluation): the same numbers as `model.forward`,
    bit for bit, without building a Value per op."""

    def __init__(self, model: MLP) -> None:
        from .tape import Tape

        self.inputs = [Value(0.0) for _ in range(model.nin)]
        with collector_paused():
            self.outputs = model.forward(self.inputs)
            self.tape = Tape(sum(self.outputs[1:], self.outputs[0]), keep=self.outputs, backward=False)

    def __call__(self, xs: Sequence[Sample]) -> Iterator[list[float]]:
        inputs, outputs, forward = self.inputs, self.outputs, self.tape.forward
        for x in xs:
            if len(x) != len(inputs):
                raise ValueError(f"accuracy: a sample has {len(x)} inputs, the model takes {len(inputs)}")
            for leaf, v in zip(inputs, x):
                leaf.data = _input_number(v, "accuracy")
            forward()
            yield [o.data for o in outputs]


def _input_number(v: Any, who: str) -> float:
    """A sample's input written into a taped leaf: refused as the eager pass refuses it (a
    string is a TypeError naming it, never float("1")); a Value gives its data, as eagerly."""
    return v.data if isinstance(v, Value) else _as_float(v, who)


def _taped_accuracy(outputs: _TapedOutputs, model: MLP, xs: Sequence[Sample], ys: Sequence[Target]) -> float:
    return _fraction_right(model, outputs(xs), xs, ys)


# ---------------------------------------------------------------------------
# Optimisers and the mini-batch training helper (eqs. 6-9).

class SGD:
    """w → w − η ∂C/∂w (eqs. 6-7), with optional momentum: v → μv + ∂C/∂w, w → w − ηv."""

    def __init__(self, params: Sequence[Value], lr: float = 0.1, momentum: float = 0.0) -> None:
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            g = p.grad
            if self.momentum:
                g = self._velocity[i] = self.momentum * self._velocity[i] + g
            p.data -= self.lr * g

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0


class Adam(SGD):
    """Adam (Kingma & Ba 2015) with bias correction."""

    def __init__(self, params: Sequence[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(params, lr)
        self.betas, self.eps, self.t = betas, eps, 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        for i, p in enumerate(self.params):
            g = p.grad
            self._m[i] = b1 * self._m[i] + (1 - b1) * g
            self._v[i] = b2 * self._v[i] + (1 - b2) * g * g
            m_hat = self._m[i] / (1 - b1**self.t)
            v_hat = self._v[i] / (1 - b2**self.t)
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


def _batches(n: int, size: int, rng: random.Random) -> Iterator[list[int]]:
    order = list(range(n))
    rng.shuffle(order)
    for start in range(0, n, size):
        yield order[start:start + size]


class _TapedBatches:
    """Batch losses replayed from one Tape per batch size (train's `tape=True`).

    The batch's inputs and targets are leaves of the recorded graph; each step
    overwrites their `.data` and replays, so no Value is built after the first
    batch of each size. Bit-identical to building the graph eagerly. At most
    `MAX_TAPES` are kept, the least recently used dropped first: rates changed
    freely (a slider) would otherwise keep a whole graph per value ever used."""

    MAX_TAPES = 8  # a full and a shorter last batch, at a few rates

    def __init__(self, model: MLP, cost: str, l2: float, l1: float = 0.0) -> None:
        self.model, self.cost, self.l2, self.l1 = model, cost, l2, l1
        self.tapes: dict[tuple[int, float, float], tuple[Any, list[list[Value]], list[list[Value]]]] = {}

    def run(self, xs: list[Sample], ys: list[Target]) -> float:
        """Replay forward and backward for this batch; adds into the parameters' grads."""
        from .tape import Tape

        n_out = len(self.model.layers[-1].neurons)
        # The rates are constants of the recorded graph: a new rate is a new tape.
        key = (len(xs), self.l2, self.l1)
        if key not in self.tapes:
            x_leaves = [[Value(_input_number(v, "train")) for v in x] for x in xs]
            y_leaves = [[Value(t) for t in _targets(y, n_out)] for y in ys]
            root = loss(self.model, x_leaves, y_leaves, self.cost, self.l2, self.l1)
            self.tapes[key] = (Tape(root), x_leaves, y_leaves)
            while len(self.tapes) > self.MAX_TAPES:
                del self.tapes[next(iter(self.tapes))]  # dicts keep order: the least recently used
        tape, x_leaves, y_leaves = self.tapes.pop(key)
        self.tapes[key] = (tape, x_leaves, y_leaves)  # now the most recently used
        for leaves, x in zip(x_leaves, xs):
            for leaf, v in zip(leaves, x):
                leaf.data = _input_number(v, "train")
        for leaves, y in zip(y_leaves, ys):
            for leaf, t in zip(leaves, _targets(y, n_out)):
                leaf.data = t
        return tape.run()


class Trainer:
    """Mini-batch gradient descent one batch at a time: the steps of `train`, for a loop
    you drive yourself (the playground, a lesson that stops between batches).

    Each epoch shuffles the samples with `random.Random(seed)` (one generator for
    the whole run, as `train`) and cuts them into batches of `batch_size` (the
    last one shorter); `step()` takes the next batch: zero the grads, C = (1/m)
    Σ_x C_x + the regularisation terms (eq. 4, `loss`), backward, one optimiser
    step (eqs. 8-9). `train(..., epochs=E)` is E epochs of these steps, bit for
    bit. `lr` (through `optimizer.lr`), `l1` and `l2` may be changed between
    steps. `tape=True` replays each batch from a Tape recorded once per batch
    size and rates: the same numbers, bit for bit. `.steps` counts the steps,
    `.epochs` the finished epochs, `.last_batch` holds the indices of the last
    batch trained on.
    """

    def __init__(self, model: MLP, xs: Sequence[Sample], ys: Sequence[Target], *, cost: str | None = None,
                 batch_size: int = 10, lr: float = 0.1, optimizer: SGD | None = None, l1: float = 0.0,
                 l2: float = 0.0, seed: int = 0, tape: bool = False) -> None:
        if len(xs) != len(ys) or not xs:
            raise ValueError(f"Trainer needs as many targets as samples (and some), got {len(xs)} "
                             f"and {len(ys)}")
        if type(batch_size) is not int or batch_size < 1:
            raise ValueError(f"Trainer: batch_size must be a positive int, got {batch_size!r}")
        self.model, self.xs, self.ys = model, list(xs), list(ys)
        self.cost = model.resolve_cost(cost)  # None: the model's cost, else quadratic
        self.batch_size, self.l1, self.l2 = batch_size, l1, l2
        self.optimizer = optimizer if optimizer is not None else SGD(model.parameters(), lr=lr)
        self._taped = _TapedBatches(model, self.cost, l2, l1) if tape else None
        self._rng = random.Random(seed)
        self._pending: list[list[int]] = []
        self.steps = 0
        self.epochs = 0
        self.last_batch: list[int] = []

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.xs) // self.batch_size)

    def step(self) -> float:
        """One batch step; returns that batch's loss before the update (with its regularisation)."""
        if not self._pending:  # a new epoch: shuffle now, as train's loop does at each epoch's start
            self._pending = list(_batches(len(self.xs), self.batch_size, self._rng))[::-1]
        batch = self._pending.pop()
        xs, ys = [self.xs[i] for i in batch], [self.ys[i] for i in batch]
        with collector_paused():
            self.optimizer.zero_grad()
            if self._taped is not None:
                self._taped.l1, self._taped.l2 = self.l1, self.l2
                value = self._taped.run(xs, ys)
            else:
                batch_loss = loss(self.model, xs, ys, self.cost, self.l2, self.l1)
                batch_loss.backward()
                value = batch_loss.data
            self.optimizer.step()
        self.steps += 1
        self.last_batch = batch
        if not self._pending:
            self.epochs += 1
        return value

    def run(self, steps: int) -> list[float]:
        """`steps` batch steps; their losses."""
        if type(steps) is not int or steps < 0:
            raise ValueError(f"Trainer.run: steps must be a whole number >= 0, got {steps!r}")
        return [self.step() for _ in range(steps)]


def train(model: MLP, xs: Sequence[Sample], ys: Sequence[Target], *, cost: str | None = None,
          epochs: int = 10, batch_size: int = 10, lr: float = 0.1, optimizer: SGD | None = None,
          l2: float = 0.0, l1: float = 0.0, seed: int = 0, progress: bool = False, tape: bool = False,
          validation: tuple[Sequence[Sample], Sequence[Target]] | None = None) -> list[dict[str, float]]:
    """Mini-batch gradient descent: for each batch of m samples, C = (1/m) Σ_x C_x and one
    step w → w − η ∂C/∂w, which is eqs. (8)-(9) with n = m.

    Each step is `Trainer.step` (so `l1` and `l2` as in `loss`). Returns one record
    per epoch: the mean training loss over its batches, the
    training accuracy and, with `validation=(xs, ys)`, the validation accuracy.
    `progress=True` shows a tqdm bar when tqdm is installed. `tape=True`
    replays each batch from a recorded Tape (see autograd_lite.tape), and the
    accuracy passes from a forward-only one: the same numbers, bit for bit,
    several times faster. The cyclic garbage collector is
    paused during each step (the graph has no cycles) and restored after.
    """
    trainer = Trainer(model, xs, ys, cost=cost, batch_size=batch_size, lr=lr, optimizer=optimizer,
                      l1=l1, l2=l2, seed=seed, tape=tape)
    epoch_range: Any = range(epochs)
    if progress:
        try:
            from tqdm.auto import tqdm

            epoch_range = tqdm(epoch_range, desc="epochs")
        except ImportError:
            pass
    history = []
    measure = accuracy
    if tape:  # the accuracy passes replayed too: Tape.forward(), one sample at a time
        measure = functools.partial(_taped_accuracy, _TapedOutputs(model))
    for epoch in epoch_range:
        losses = trainer.run(trainer.batches_per_epoch)
        record = {"epoch": epoch + 1, "loss": sum(losses) / len(losses), "accuracy": measure(model, xs, ys)}
        if validation is not None:
            record["validation_accuracy"] = measure(model, *validation)
        history.append(record)
    return history
