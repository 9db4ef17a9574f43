"""The playground: a network you train and watch, with every neuron's δ, in the notebook.

TensorFlow Playground's options and pictures (data sets, features, 0-6 hidden
layers of 1-8 neurons, activation, learning rate, L1/L2, heat maps on every
neuron, the output over the plane, the loss curve) plus what backprop makes
visible: on every neuron its δ = ∂C_x/∂z (BP1/BP2, eqs. 20-21) for one sample,
on every edge ∂C_x/∂w = a_k δ_j (BP4, eq. 23, without the regularisation term),
a live check of autodiff against the closed-form BP1-BP4, the step player on
that sample's graph, and the Python that reproduces the training, bit for bit.

Two parts:
- `Playground(**options)`: trains and draws, no ipywidgets needed (tests and
  scripts drive it): `.step(n)`, `.reset()`, `.loss`, `.epoch`, `.model`,
  `.deltas`, `.svg`, `.code`, `.options`. Training is `nn.Trainer` with
  `tape=True`: one Tape per batch shape, bit-identical to eager training.
- `playground(**options)`: the same object inside an ipywidgets widget,
  `playground_widget.PlaygroundWidget` (that module, and ipywidgets with it, is
  imported only then); play is driven by an `ipywidgets.Play` timer in the
  front end, never by a thread (Pyodide has none).

Imports datasets, nn, engine, ops, closed_form and playground_svg; the step
player (notebook), viz and playground_widget lazily, when asked for.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from . import closed_form, datasets, nn, ops
from . import playground_svg as draw
from .engine import Value, gradients, scope, topological_order

__all__ = ["ACTIVATIONS", "DEFAULTS", "MAX_LAYERS", "MAX_NEURONS", "Playground", "check_options",
           "playground", "script"]

MAX_LAYERS = 6
MAX_NEURONS = 8
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZATIONS = (None, "l1", "l2")
# "backprop this sample" steps through graphs up to the player's own limit; above it (the default
# network's graph has 302 Values) it draws the graph by layer scopes: a 302-Value player is 50 s
# of dot and ~100 MB of HTML, or ~23 MB without dot, built while the kernel waits.
PLAYER_NODES = 200
# Networks offered instead when the graph is too big for the player, the first that fits: [4, 4]
# (106 Values with two features: 70 frames, ~3 s and ~12 MB with dot) before bigger ones, as
# [6, 6]'s 192 Values take ~15 s and ~40 MB.
SMALLER_NETWORKS = ([4, 4], [8], [4], [2], [])
GRID = 50           # the output's heat map: GRID x GRID cells over [-6, 6]²
NEURON_GRID = 25    # each neuron's heat map: every other cell of the output's grid
INIT = "xavier"     # U(±sqrt(6/(nin+nout))): inputs reach ±6, so U(-1, 1) would saturate tanh

DEFAULTS: dict[str, Any] = {
    "dataset": "circles",
    "points": 200,
    "noise": 0.0,
    "test_fraction": 0.5,
    "batch_size": 10,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "activation": "tanh",
    "learning_rate": 0.03,
    "regularization": None,
    "regularization_rate": 0.0,
    "seed": 0,
}
# Options that change what is trained on or the network's shape: changing one starts over.
RESTARTING = ("dataset", "points", "noise", "test_fraction", "batch_size", "features", "hidden",
              "activation", "seed")


def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"playground: {name} must be a finite number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
        raise ValueError(f"playground: {name} must be in {interval}, got {value!r}")
    return float(value)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"playground: {name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def check_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options, checked and normalised (fresh lists); a bad one is a ValueError naming it."""
    unknown = [key for key in options if key not in DEFAULTS]
    if unknown:
        raise ValueError(f"playground: unknown option {unknown[0]!r}; the options are {', '.join(DEFAULTS)}")
    o = {**DEFAULTS, **options}
    if not isinstance(o["dataset"], str) or o["dataset"] not in datasets.DATASETS:
        raise ValueError(f"playground: unknown data set {o['dataset']!r}; choose from "
                         f"{', '.join(datasets.DATASETS)}")
    o["points"] = _whole("points", o["points"], 4, 10_000)
    o["noise"] = _number("noise", o["noise"], 0.0, 0.5)
    o["test_fraction"] = _number("test_fraction", o["test_fraction"], 0.0, 0.9)
    o["batch_size"] = _whole("batch_size", o["batch_size"], 1, 10_000)
    features = o["features"]
    if isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise ValueError(f"playground: features must be a non-empty list of feature names, got {features!r}")
    for name in features:
        if not isinstance(name, str) or name not in datasets.FEATURES:
            raise ValueError(f"playground: unknown feature {name!r}; choose from "
                             f"{', '.join(datasets.FEATURES)}")
    if len(set(features)) != len(features):
        raise ValueError(f"playground: a feature is listed twice in {list(features)!r}")
    o["features"] = [name for name in datasets.FEATURES if name in features]  # the playground's order
    hidden = o["hidden"]
    if isinstance(hidden, str) or not isinstance(hidden, Sequence):
        raise ValueError(f"playground: hidden must be a list of layer sizes, got {hidden!r}")
    if len(hidden) > MAX_LAYERS:
        raise ValueError(f"playground: hidden has {len(hidden)} layers; at most {MAX_LAYERS}")
    for size in hidden:
        if type(size) is not int or not 1 <= size <= MAX_NEURONS:
            raise ValueError(f"playground: a hidden layer has 1 to {MAX_NEURONS} neurons, got {size!r} "
                             f"in hidden={list(hidden)!r}")
    o["hidden"] = list(hidden)
    if not isinstance(o["activation"], str) or o["activation"] not in ACTIVATIONS:
        raise ValueError(f"playground: unknown activation {o['activation']!r}; choose from "
                         f"{', '.join(ACTIVATIONS)}")
    o["learning_rate"] = _number("learning_rate", o["learning_rate"], 0.0, 10.0, low_open=True)
    if o["regularization"] not in REGULARIZATIONS:
        raise ValueError(f"playground: unknown regularization {o['regularization']!r}; "
                         "choose from None, 'l1', 'l2'")
    o["regularization_rate"] = _number("regularization_rate", o["regularization_rate"], 0.0, 10.0)
    if type(o["seed"]) is not int:
        raise ValueError(f"playground: seed must be an int, got {o['seed']!r}")
    return o


# ---------------------------------------------------------------------------
# The network on plain floats, for heat maps and losses: one generated function per shape


@functools.lru_cache(maxsize=16)
def _evaluator(sizes: tuple[int, ...], activations: tuple[str, ...]) -> Callable[..., list[tuple]]:
    """A function (points, parameters) -> per point, every neuron's activation, layer after
    layer, the output last. Written as straight-line Python with the sums in the eager
    order (b + w0·x0 + w1·x1 + ..., eq. 2) and the rule table's forward functions, so it
    gives the numbers `model(x)` gives, bit for bit, at a fraction of the cost."""
    nin = sizes[0]
    names = [f"w{i}" for i in range(sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1)))]
    lines = ["def evaluate(P, W):", f"    {', '.join(names)}{',' if len(names) == 1 else ''} = W",
             "    out = []", "    append = out.append",
             f"    for {', '.join(f'a0_{k}' for k in range(nin))}{',' if nin == 1 else ''} in P:"]
    position, every = 0, []
    for layer in range(1, len(sizes)):
        f = activations[layer - 1]
        for j in range(sizes[layer]):
            weights = names[position:position + sizes[layer - 1]]
            bias = names[position + sizes[layer - 1]]
            position += sizes[layer - 1] + 1
            z = " + ".join([bias, *(f"{w} * a{layer - 1}_{k}" for k, w in enumerate(weights))])
            lines.append(f"        a{layer}_{j} = {z if f == 'linear' else f'{f}({z})'}")
            every.append(f"a{layer}_{j}")
    lines += [f"        append(({', '.join(every)},))", "    return out"]
    namespace = {name: ops.RULES[name].forward for name in ("tanh", "relu", "sigmoid")}
    exec(compile("\n".join(lines), "<autograd_lite playground: evaluate>", "exec"), namespace)  # our own text
    return namespace["evaluate"]


def _quadratic_mean(outputs: list[float], targets: list[float]) -> float:
    """(1/n) Σ ½ (y - a)² (eqs. 4-5) with nn.loss's operations in nn.loss's order."""
    power = ops.RULES["pow_const"].forward
    total = 0.0
    for a, y in zip(outputs, targets):
        total += 0.5 * (0.0 + power(y - a, 2.0))
    return total * (1.0 / len(outputs))


class Playground:
    """A network training on a 2-D data set, drawn with its δ and ∂C/∂w; no widgets needed.

    Keyword options (see `DEFAULTS`): dataset ("circles", "xor", "gaussians",
    "spiral", "moons", "plane"), points, noise (0-0.5), test_fraction, batch_size,
    features (of "x1" "x2" "x1^2" "x2^2" "x1*x2" "sin(x1)" "sin(x2)"), hidden (0-6
    layers of 1-8 neurons), activation (tanh, relu, sigmoid, linear),
    learning_rate, regularization (None, "l1", "l2"), regularization_rate, seed.
    The output neuron is tanh for the classification sets (labels ±1) and linear
    for "plane"; the cost is the quadratic one, ½(y - a)² (eq. 5).
    """

    def __init__(self, **options: Any) -> None:
        self._options = check_options(options)
        self._sample: int | None = None
        self._start()

    @property
    def sample(self) -> int | None:
        """The training point to show δ and ∂C/∂w for (an index into them), or None: the last
        one trained on. Setting it redraws."""
        return self._sample

    @sample.setter
    def sample(self, index: int | None) -> None:
        if index is not None and (type(index) is not int or not 0 <= index < len(self._train_x)):
            raise ValueError(f"playground: sample must be an index of the {len(self._train_x)} "
                             f"training points or None, got {index!r}")
        self._sample = index
        self._changed()

    # -- options -----------------------------------------------------------
    @property
    def options(self) -> dict[str, Any]:
        """The current options (a copy): `Playground(**pg.options)` starts the same playground.

        As checked and normalised: `features` in the playground's own order ("x1", "x2",
        "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"), so features=["x2", "x1"] reads
        back as ["x1", "x2"] (the same network: inputs in that order); numbers as floats."""
        return {key: list(value) if isinstance(value, list) else value
                for key, value in self._options.items()}

    def set(self, **changes: Any) -> None:
        """Change options. Learning rate and regularisation take effect at the next step;
        any other change starts over (new data or network: step 0)."""
        options = check_options({**self._options, **changes})
        restart = any(options[key] != self._options[key] for key in RESTARTING)
        self._options = options
        if restart:
            self._sample = None
            self._start()
        else:
            self._configure_trainer()
            self._changed()

    # -- training ----------------------------------------------------------
    def _start(self) -> None:
        o = self._options
        self.data = datasets.make(o["dataset"], o["points"], o["noise"], o["test_fraction"], o["seed"])
        self.features = list(o["features"])
        self._train_x = self.data.inputs("train", self.features)
        self._train_y = self.data.targets("train")
        self._test_x = self.data.inputs("test", self.features)
        self._test_y = self.data.targets("test")
        self.model = nn.MLP(len(self.features), [*o["hidden"], 1], activation=o["activation"],
                            output_activation=_output_activation(o["dataset"]), seed=o["seed"], init=INIT,
                            cost="quadratic")
        self.trainer = nn.Trainer(self.model, self._train_x, self._train_y, cost="quadratic",
                                  batch_size=o["batch_size"], lr=o["learning_rate"], seed=o["seed"],
                                  tape=True)
        self._configure_trainer()
        self.segments: list[list[Any]] = []  # [steps, learning_rate, regularization, rate], for `code`
        self.history: list[tuple[int, float, float]] = []  # (steps, training loss, test loss)
        self._changed()
        self.history.append((0, *self.loss))

    def _configure_trainer(self) -> None:
        o = self._options
        self.trainer.optimizer.lr = o["learning_rate"]
        self.trainer.l1, self.trainer.l2 = _penalties(o["regularization"], o["regularization_rate"])

    def step(self, n: int = 1) -> None:
        """n batch steps of gradient descent (eqs. 8-9), replayed from the tape."""
        if type(n) is not int or n < 0:
            raise ValueError(f"playground: step takes a whole number of steps >= 0, got {n!r}")
        if n == 0:
            return
        self.trainer.run(n)
        o = self._options
        setting = [o["learning_rate"], *_in_force(o["regularization"], o["regularization_rate"])]
        if self.segments and self.segments[-1][1:] == setting:
            self.segments[-1][0] += n
        else:
            self.segments.append([n, *setting])
        self._changed()
        self.history.append((self.steps, *self.loss))

    def reset(self) -> None:
        """Back to step 0: the same data and the initial weights, bit for bit."""
        self._sample = None
        self._start()

    @property
    def steps(self) -> int:
        return self.trainer.steps

    @property
    def epoch(self) -> int:
        """Finished passes over the training points."""
        return self.trainer.epochs

    def _changed(self) -> None:
        self._cache: dict[str, Any] = {}

    # -- what is drawn -----------------------------------------------------
    def _parameters(self) -> list[float]:
        return [p.data for p in self.model.parameters()]

    def _evaluate(self, points: list[list[float]]) -> list[tuple]:
        sizes = (len(self.features), *self._options["hidden"], 1)
        return _evaluator(sizes, tuple(self.model.activations))(points, self._parameters())

    @property
    def loss(self) -> tuple[float, float]:
        """(training loss, test loss): the mean of ½(y - a)² (eqs. 4-5), without regularisation
        (the test loss is nan when no point is held out)."""
        if "loss" not in self._cache:
            train = _quadratic_mean([o[-1] for o in self._evaluate(self._train_x)], self._train_y)
            test = (_quadratic_mean([o[-1] for o in self._evaluate(self._test_x)], self._test_y)
                    if self._test_x else math.nan)
            self._cache["loss"] = (train, test)
        return self._cache["loss"]

    @property
    def current_sample(self) -> int:
        """The index (into the training points) of the sample δ and ∂C/∂w are shown for:
        `pg.sample` if set, else the last one trained on (the first before any step)."""
        if self._sample is not None:
            return self._sample
        return self.trainer.last_batch[-1] if self.trainer.last_batch else 0

    def sample_graph(self) -> Value:
        """C_x of the current sample as a graph of Values, each layer in a scope ("layer2", ...,
        the note's numbering), its z and a nodes left in the model's layers."""
        i = self.current_sample
        out: list[Any] = list(self._train_x[i])  # numbers, as training feeds them: no input nodes
        for index, layer in enumerate(self.model.layers):
            with scope(f"layer{index + 2}"):
                out = layer.forward(out)
        with scope("cost"):  # eq. (5), built by nn's quadratic cost: the graph model.sample_cost makes
            return nn.COSTS["quadratic"].per_sample(out, [self._train_y[i]], self.model.layers[-1])

    def _backprop(self) -> dict[str, Any]:
        """Autodiff on the current sample's graph, and the closed form beside it."""
        if "backprop" in self._cache:
            return self._cache["backprop"]
        i = self.current_sample
        x, y = self._train_x[i], self._train_y[i]
        root = self.model.sample_cost(x, y, "quadratic")
        grads = gradients(root)  # the pure walk: no .grad written
        layers = self.model.layers
        deltas = [[grads[z] for z in layer.z] for layer in layers]
        activations = [list(x), *([a.data for a in layer.a] for layer in layers[:-1])]
        bp4 = [[[a_k * d_j for a_k in activations[l]] for d_j in deltas[l]] for l in range(len(layers))]
        autodiff_w = [[[grads[w] for w in n.w] for n in layer.neurons] for layer in layers]
        weights, biases = self.model.weights_and_biases()
        try:
            closed = closed_form.backprop(weights, biases, x, [y], activation=self.model.activations,
                                          cost="quadratic")
        except (ArithmeticError, ValueError):
            # training diverged (an infinite weight, or a cost past the float range: OverflowError
            # from the closed form's (y - a)²): nothing to compare, shown as nan, never raised
            difference = math.nan
        else:
            pairs = [(d, c) for mine, theirs in ((deltas, closed.delta), (autodiff_w, closed.grad_w))
                     for d, c in zip(_flat(mine), _flat(theirs), strict=True)]
            difference = max(abs(d - c) for d, c in pairs)
        found = {"deltas": deltas, "bp4": bp4, "autodiff_w": autodiff_w, "cost": root.data, "x": x, "y": y,
                 "output": layers[-1].a[0].data, "difference": difference}
        self._cache["backprop"] = found
        return found

    @property
    def deltas(self) -> list[list[float]]:
        """δ^l_j = ∂C_x/∂z^l_j for the current sample (eq. 14), one list per layer of weights
        (hidden layers, then the output), by autodiff: full precision."""
        return [list(layer) for layer in self._backprop()["deltas"]]

    @property
    def weight_gradients(self) -> list[list[list[float]]]:
        """What the edges show: ∂C_x/∂w^l_jk = a^{l-1}_k δ^l_j (BP4, eq. 23) for the current
        sample, from the δ above, without the regularisation term."""
        return [[list(row) for row in layer] for layer in self._backprop()["bp4"]]

    @property
    def check(self) -> float:
        """The largest |autodiff - closed form| over every δ (BP1/BP2) and ∂C/∂w (BP4) of the
        current sample: the live check of autodiff against BP1-BP4."""
        return self._backprop()["difference"]

    def _grids(self) -> list[tuple]:
        if "grid" not in self._cache:
            self._cache["grid"] = self._evaluate(_grid_inputs(tuple(self.features)))
        return self._cache["grid"]

    @property
    def svg(self) -> str:
        """The whole drawing as SVG text: features, neurons with their heat maps and δ, edges
        with w and ∂C/∂w, the output's heat map with the points, the loss curve."""
        if "svg" not in self._cache:
            self._cache["svg"] = draw.playground_svg(self._picture())
        return self._cache["svg"]

    def _picture(self) -> draw.Picture:
        grids = self._grids()
        n_neurons = sum(len(layer.neurons) for layer in self.model.layers)
        maps = [[row[k] for row in grids] for k in range(n_neurons)]  # per neuron, over the 50 x 50 grid
        backprop = self._backprop()
        weights, biases = self.model.weights_and_biases()
        tested = set(self.data.test)
        points = [(point, label, i in tested)
                  for i, (point, label) in enumerate(zip(self.data.points, self.data.labels))]
        return draw.Picture(
            features=self.features, feature_maps=[_feature_map(name) for name in self.features],
            sizes=[len(self.features), *self._options["hidden"], 1], weights=weights, biases=biases,
            neuron_maps=maps, grid=GRID, neuron_grid=NEURON_GRID, deltas=backprop["deltas"],
            weight_gradients=backprop["bp4"], points=points, sample=self.data.train[self.current_sample],
            history=self.history, loss=self.loss, steps=self.steps, epoch=self.epoch,
            difference=backprop["difference"])

    # -- the step player and the script ---------------------------------------
    def backprop_player(self, max_nodes: int = PLAYER_NODES) -> Any:
        """The step-by-step player (`notebook.show_backprop`) on the current sample's graph, up
        to `max_nodes` Values (the player's own 200). A bigger graph is show_backprop's
        ValueError: draw it by its layer scopes (`scope_drawing`), step through a smaller
        network (`smaller_network()`), or pass a bigger max_nodes and wait: the default
        network's 302 Values (198 frames) take ~50 s of `dot` and ~100 MB of HTML."""
        from .notebook import show_backprop

        return show_backprop(self.sample_graph(), max_nodes=max_nodes)

    def scope_drawing(self) -> Any:
        """The current sample's graph drawn by its scopes, one box per layer ("layer2", ...,
        "cost") with its node count, and the edges between them (`viz.draw_dot(collapse=1)`)."""
        from . import viz

        return viz.draw_dot(self.sample_graph(), collapse=1)

    def graph_size(self) -> int:
        """The number of Values in the current sample's graph (the step player's limit is on it)."""
        return len(topological_order(self.sample_graph()))

    def smaller_network(self, max_nodes: int = PLAYER_NODES) -> list[int] | None:
        """The first of `SMALLER_NETWORKS` whose sample graph, with these features, has at most
        `max_nodes` Values: hidden layers to step through (None if none fits)."""
        for hidden in SMALLER_NETWORKS:
            if Playground(**{**self._options, "hidden": hidden}).graph_size() <= max_nodes:
                return list(hidden)
        return None

    @property
    def code(self) -> str:
        """Python that reproduces this playground's training with the public nn API: run under
        CPython, its model has `pg.model`'s weights, bit for bit."""
        return script(self._options, self.segments)


def _flat(nested: Any) -> list[float]:
    if isinstance(nested, (list, tuple)):
        return [v for item in nested for v in _flat(item)]
    return [nested]


@functools.lru_cache(maxsize=8)
def _grid_inputs(features: tuple[str, ...]) -> list[list[float]]:
    """The features of the centres of the GRID x GRID cells over [-6, 6]², row by row from the top."""
    r, n = datasets.RADIUS, GRID
    centres = [-r + (i + 0.5) * 2 * r / n for i in range(n)]
    return [datasets.featurize((x1, x2), features) for x2 in reversed(centres) for x1 in centres]


@functools.lru_cache(maxsize=8)
def _feature_map(name: str) -> list[float]:
    """A feature over the grid, scaled to [-1, 1] for its heat map."""
    values = [row[0] for row in _grid_inputs((name,))]
    top = max(abs(v) for v in values) or 1.0
    return [v / top for v in values]


def _output_activation(dataset: str) -> str:
    """The output neuron: tanh for the classification sets (labels ±1), linear for regression."""
    return "linear" if dataset in datasets.REGRESSION else "tanh"


def _in_force(regularization: str | None, rate: float) -> tuple[str | None, float]:
    """(regularization, rate) as they act: none at all when either says none (L2 at rate 0
    trains as no regularisation, so it is no new stretch of `code`)."""
    return (None, 0.0) if regularization is None or rate == 0.0 else (regularization, rate)


def _penalties(regularization: str | None, rate: float) -> tuple[float, float]:
    """(l1, l2): the trainer's penalty rates for a regularization option and its rate."""
    regularization, rate = _in_force(regularization, rate)
    return (rate if regularization == "l1" else 0.0, rate if regularization == "l2" else 0.0)


def script(options: dict[str, Any], segments: Sequence[Sequence[Any]]) -> str:
    """The training of a playground as a Python script on the public API (datasets, nn)."""
    o = check_options(options)
    output = _output_activation(o["dataset"])
    lines = [
        "# The playground's training, as a script: run it with CPython and its model has the",
        "# playground's weights, bit for bit.",
        "from autograd_lite import datasets, nn",
        "",
        f"data = datasets.make({o['dataset']!r}, points={o['points']!r}, noise={o['noise']!r}, "
        f"test_fraction={o['test_fraction']!r}, seed={o['seed']!r})",
        f"features = {o['features']!r}",
        'xs, ys = data.inputs("train", features), data.targets("train")',
        f"model = nn.MLP(len(features), {[*o['hidden'], 1]!r}, activation={o['activation']!r}, "
        f"output_activation={output!r},",
        f"               seed={o['seed']!r}, init={INIT!r}, cost=\"quadratic\")",
        f"trainer = nn.Trainer(model, xs, ys, batch_size={o['batch_size']!r}, lr={o['learning_rate']!r}, "
        f"seed={o['seed']!r}, tape=True)",
    ]
    if not segments:
        lines.append("# (no step trained yet)")
    for steps, lr, regularization, rate in segments:
        l1, l2 = _penalties(regularization, rate)
        lines += [f"trainer.optimizer.lr = {lr!r}",
                  f"trainer.l1, trainer.l2 = {l1!r}, {l2!r}",
                  f"trainer.run({steps!r})  # batch steps of gradient descent, eqs. (8)-(9)"]
    lines += [
        'print(f"{trainer.steps} steps, epoch {trainer.epochs}, training loss "',
        '      f"{nn.loss(model, xs, ys).data:.6f}")',
    ]
    return "\n".join(lines) + "\n"


def playground(**options: Any) -> Any:
    """The playground as a widget (needs ipywidgets): `pg = playground(dataset="moons",
    hidden=[8, 8])`, then `pg` as a cell's last line shows it. The widget drives like a
    `Playground` (`pg.step(10)`, `pg.loss`, `pg.svg`, ...); options as for `Playground`.
    The widget is `playground_widget.PlaygroundWidget`, imported only here."""
    from .playground_widget import PlaygroundWidget

    return PlaygroundWidget(Playground(**options))
