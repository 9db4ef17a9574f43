"""Closed-form backpropagation: BP1-BP4 (eqs. 20-27) on plain Python floats.

What this module owns: an *independent oracle* for the gradients of a fully
connected network. The forward pass (eqs. 2-3), the output error (BP1,
eq. 20), the backward recursion (BP2, eq. 21) and the parameter gradients
(BP3-BP4, eqs. 22-23) are written straight from the equations of the seed
note (Nielsen's notation, retold in ``docs/backprop.md``), loop by loop,
with no graph and no ``Value``. It also owns the two small registries the
equations need: activations (sigma and sigma') and costs (C_x and grad_a C_x).

What it must not import: ``autograd_lite.engine``, ``autograd_lite.ops`` or
anything else of the package, and no third-party library (numpy included).
It is a check on the engine, so it shares no code with it: standard library
only. The one exception is `compare(..., matrix=True)`, which imports the
other oracle, ``matrix_form`` (NumPy, also independent of the engine), when
called, to show its column beside this one; BP1-BP4 here never use it.

Indexing. The note numbers layers from 1 (the input, a^1 = x). Here lists are
indexed by *weight layer* from 0, so index ``l`` is the note's layer ``l + 2``:

    weights[l][j][k]   w_{jk}: from neuron k of the previous layer to neuron j
    biases[l][j]       b_j
    z[l][j], a[l][j]   weighted input (eq. 2) and activation (eq. 3)
    delta[l][j]        the error delta_j = dC_x/dz_j (eq. 14)

The input ``x`` is not part of ``a``; ``a[-1]`` is the output a^L.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "Activation",
    "Backprop",
    "BatchBackprop",
    "Comparison",
    "Cost",
    "LayerComparison",
    "backprop",
    "backprop_batch",
    "compare",
]

Vector = list[float]
Matrix = list[list[float]]


# --------------------------------------------------------------------------
# Activations: sigma of eqs. (1)/(3) and sigma' of BP1/BP2 (eqs. 20-21)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """sigma and its derivative sigma', both as functions of z."""

    value: Callable[[float], float]        # a = sigma(z), eq. (3)
    derivative: Callable[[float], float]   # sigma'(z), used by eqs. (20)-(21)


def _sigmoid(z: float) -> float:
    # Numerically stable: two branches, so exp never sees a large positive argument.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_prime(z: float) -> float:
    s = _sigmoid(z)
    return s * (1.0 - s)                    # sigma'(z) = sigma(z) (1 - sigma(z))


def _tanh_prime(z: float) -> float:
    t = math.tanh(z)
    return 1.0 - t * t                      # tanh'(z) = 1 - tanh(z)^2


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(lambda z: z, lambda z: 1.0),
    # relu'(0) = 0: the kink takes the left slope, as micrograd and PyTorch do.
    "relu": Activation(lambda z: z if z > 0 else 0.0, lambda z: 1.0 if z > 0 else 0.0),
    "tanh": Activation(math.tanh, _tanh_prime),
    "sigmoid": Activation(_sigmoid, _sigmoid_prime),
}


# --------------------------------------------------------------------------
# Costs: C_x (eq. 5 and friends) and grad_a C_x, the first factor of BP1
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Cost:
    """One cost of one sample, C_x(a^L, y), and its gradient with respect to a^L.

    ``output`` names the output activation the cost requires (None: any);
    ``n_outputs`` the number of output neurons it requires (None: any).
    ``sigmoid_value``/``sigmoid_delta``, when given, are used instead of
    ``value``/BP1 when the output activation is the sigmoid: they take
    (z^L, a^L, y) and are the same numbers, computed stably.
    """

    value: Callable[[Vector, Vector], float]
    grad_a: Callable[[Vector, Vector], Vector]
    output: str | None = None
    n_outputs: int | None = None
    sigmoid_value: Callable[[Vector, Vector, Vector], float] | None = None
    sigmoid_delta: Callable[[Vector, Vector, Vector], Vector] | None = None


def _quadratic(a: Vector, y: Vector) -> float:
    # eq. (5): C_x = 1/2 ||y - a^L||^2
    return 0.5 * sum((yj - aj) ** 2 for aj, yj in zip(a, y))


def _quadratic_grad(a: Vector, y: Vector) -> Vector:
    # d/da_j of eq. (5): a^L_j - y_j  (the factor in eq. 17)
    return [aj - yj for aj, yj in zip(a, y)]


def _check_open_unit(a: Vector) -> None:
    for j, aj in enumerate(a):
        if not 0.0 < aj < 1.0:
            raise ValueError(
                f"cost 'cross_entropy' needs every output in (0, 1) (use a sigmoid "
                f"output); got a^L[{j}] = {aj!r}"
            )


def _cross_entropy(a: Vector, y: Vector) -> float:
    # Nielsen's cross-entropy: C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]
    _check_open_unit(a)
    return -sum(yj * math.log(aj) + (1.0 - yj) * math.log(1.0 - aj) for aj, yj in zip(a, y))


def _cross_entropy_grad(a: Vector, y: Vector) -> Vector:
    # dC_x/da_j = (a_j - y_j) / (a_j (1 - a_j))
    _check_open_unit(a)
    return [(aj - yj) / (aj * (1.0 - aj)) for aj, yj in zip(a, y)]


def _softplus(t: float) -> float:
    # ln(1 + e^t), without overflow for large t
    return max(t, 0.0) + math.log1p(math.exp(-abs(t)))


def _cross_entropy_sigmoid(z: Vector, a: Vector, y: Vector) -> float:
    # Same C_x, from the logits: -ln sigma(z) = softplus(-z), -ln(1 - sigma(z)) = softplus(z).
    return sum(yj * _softplus(-zj) + (1.0 - yj) * _softplus(zj) for zj, yj in zip(z, y))


def _cross_entropy_sigmoid_delta(z: Vector, a: Vector, y: Vector) -> Vector:
    # eq. (20) with sigma'(z) = a (1 - a): the factor a (1 - a) cancels, delta^L_j = a_j - y_j exactly.
    return [aj - yj for aj, yj in zip(a, y)]


def _softmax_cross_entropy(z: Vector, y: Vector) -> float:
    # C_x = -sum_j y_j log softmax(z)_j, where, shifting by m = max(z) so exp never overflows,
    # log softmax(z)_j = (z_j - m) - log sum_k exp(z_k - m)
    m = max(z)
    log_norm = math.log(sum(math.exp(zk - m) for zk in z))
    return -sum(yj * ((zj - m) - log_norm) for zj, yj in zip(z, y))


def _softmax_cross_entropy_grad(z: Vector, y: Vector) -> Vector:
    # dC_x/dz_j = (sum_k y_k) softmax(z)_j - y_j, i.e. softmax(z)_j - y_j when y sums to 1
    m = max(z)
    e = [math.exp(zj - m) for zj in z]       # max-shifted, so every e_j <= 1
    total = sum(e)
    y_sum = sum(y)
    return [y_sum * ej / total - yj for ej, yj in zip(e, y)]


def _hinge(a: Vector, y: Vector) -> float:
    # micrograd's demo: C_x = max(0, 1 - y a) for one output, y in {-1, +1}
    return max(0.0, 1.0 - y[0] * a[0])


def _hinge_grad(a: Vector, y: Vector) -> Vector:
    # dC_x/da = -y where the margin is violated, else 0 (at the kink 1 - y a = 0: 0, like relu'(0))
    return [-y[0] if 1.0 - y[0] * a[0] > 0 else 0.0]


COSTS: dict[str, Cost] = {
    "quadratic": Cost(_quadratic, _quadratic_grad),
    "cross_entropy": Cost(
        _cross_entropy, _cross_entropy_grad,
        sigmoid_value=_cross_entropy_sigmoid, sigmoid_delta=_cross_entropy_sigmoid_delta,
    ),
    # Takes logits: a linear output, so a^L = z^L and BP1 gives delta^L = softmax(z) - y.
    "softmax_cross_entropy": Cost(_softmax_cross_entropy, _softmax_cross_entropy_grad, output="linear"),
    "hinge": Cost(_hinge, _hinge_grad, n_outputs=1),
}


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

@dataclass
class Backprop:
    """Everything BP1-BP4 produce for one sample; lists indexed by weight layer."""

    z: list[Vector]         # z[l][j], eq. (2)
    a: list[Vector]         # a[l][j], eq. (3); a[-1] is the output a^L (x is not included)
    delta: list[Vector]     # delta[l][j] = dC_x/dz_j, eqs. (14), (20)-(21)
    grad_w: list[Matrix]    # grad_w[l][j][k] = dC_x/dw_jk = a^{l-1}_k delta_j, eq. (23)
    grad_b: list[Vector]    # grad_b[l][j] = dC_x/db_j = delta_j, eq. (22)
    cost: float             # C_x


@dataclass
class BatchBackprop:
    """Gradients and cost averaged over n samples, eqs. (4), (8)-(9)."""

    grad_w: list[Matrix]    # (1/n) sum_x dC_x/dw
    grad_b: list[Vector]    # (1/n) sum_x dC_x/db
    cost: float             # C = (1/n) sum_x C_x, eq. (4)
    n: int


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _items(value: Any, what: str) -> list[Any]:
    """``value`` as a list, or TypeError if it is not a sequence."""
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__len__"):
        raise TypeError(f"{what} must be a sequence, got {type(value).__name__} {value!r}")
    return list(value)


def _number(value: Any, what: str) -> float:
    """``value`` as a float, or TypeError if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def _vector(value: Any, what: str) -> Vector:
    items = _items(value, what)
    if not items:
        raise ValueError(f"{what} is empty; it needs at least one entry")
    return [_number(v, f"{what}[{i}]") for i, v in enumerate(items)]


def _check_network(
    weights: Any, biases: Any, x: Any, y: Any
) -> tuple[list[Matrix], list[Vector], Vector, Vector]:
    """Check shapes and types; return the network as fresh lists of floats."""
    w_layers = _items(weights, "weights")
    b_layers = _items(biases, "biases")
    if not w_layers:
        raise ValueError("weights is empty; the network needs at least one weight layer")
    if len(w_layers) != len(b_layers):
        raise ValueError(
            f"weights has {len(w_layers)} layers but biases has {len(b_layers)}; "
            f"they need one bias vector per weight layer"
        )
    xv = _vector(x, "x")
    w: list[Matrix] = []
    b: list[Vector] = []
    width, previous = len(xv), "x"          # the previous layer's size and name
    for l, (wl, bl) in enumerate(zip(w_layers, b_layers)):
        rows = _items(wl, f"weights[{l}]")
        bias = _vector(bl, f"biases[{l}]")
        if not rows:
            raise ValueError(f"weights[{l}] is empty; a layer needs at least one neuron")
        if len(rows) != len(bias):
            raise ValueError(
                f"weights[{l}] has {len(rows)} rows (neurons) but biases[{l}] has {len(bias)} entries"
            )
        matrix = []
        for j, row in enumerate(rows):
            r = _vector(row, f"weights[{l}][{j}]")
            if len(r) != width:
                raise ValueError(
                    f"weights[{l}][{j}] has {len(r)} entries but the previous layer "
                    f"({previous}) has {width} neurons"
                )
            matrix.append(r)
        w.append(matrix)
        b.append(bias)
        width, previous = len(rows), f"weights[{l}]"
    yv = _vector(y, "y")
    if len(yv) != width:
        raise ValueError(f"y has {len(yv)} entries but the output layer has {width} neurons")
    return w, b, xv, yv


def _check_activations(activation: Any, n_layers: int) -> list[str]:
    """One known activation name per weight layer."""
    names = [activation] * n_layers if isinstance(activation, str) else _items(activation, "activation")
    if len(names) != n_layers:
        raise ValueError(
            f"activation list has {len(names)} names but the network has {n_layers} weight layers"
        )
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"an activation name must be a str, got {type(name).__name__} {name!r}")
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(ACTIVATIONS))}")
    return names


def _check_cost(cost: Any, output_activation: str, n_outputs: int) -> Cost:
    if not isinstance(cost, str):
        raise TypeError(f"cost must be a name (str), got {type(cost).__name__} {cost!r}")
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; known: {', '.join(sorted(COSTS))}")
    c = COSTS[cost]
    if c.output is not None and output_activation != c.output:
        raise ValueError(
            f"cost {cost!r} needs the output activation {c.output!r}, got {output_activation!r}"
        )
    if c.n_outputs is not None and n_outputs != c.n_outputs:
        raise ValueError(f"cost {cost!r} needs {c.n_outputs} output neuron(s), got {n_outputs}")
    return c


# --------------------------------------------------------------------------
# BP1-BP4
# --------------------------------------------------------------------------

def backprop(
    weights: Sequence[Sequence[Sequence[float]]],
    biases: Sequence[Sequence[float]],
    x: Sequence[float],
    y: Sequence[float],
    activation: str | Sequence[str] = "sigmoid",
    cost: str = "quadratic",
) -> Backprop:
    """The gradient of C_x for one sample (x, y) by BP1-BP4.

    ``activation`` is one name for every layer or a list with one name per
    weight layer (known: linear, relu, sigmoid, tanh). ``cost`` is a key of
    ``COSTS`` (quadratic, cross_entropy, softmax_cross_entropy, hinge).
    """
    w, b, xv, yv = _check_network(weights, biases, x, y)
    names = _check_activations(activation, len(w))
    c = _check_cost(cost, names[-1], len(yv))
    sigma = [ACTIVATIONS[name] for name in names]
    n = len(w)                               # weight layers; index n - 1 is the output layer L

    # Forward pass: a^1 = x, then eqs. (2)-(3) layer by layer.
    z: list[Vector] = []
    a: list[Vector] = []
    a_prev = xv
    for l in range(n):
        # eq. (2): z_j = sum_k w_jk a^{l-1}_k + b_j
        zl = [sum(w[l][j][k] * a_prev[k] for k in range(len(a_prev))) + b[l][j]
              for j in range(len(b[l]))]
        if not all(map(math.isfinite, zl)):  # an inf/NaN input, or an overflow: 1e200 * 1e200 = inf
            raise ValueError(f"backprop: the weighted input z of weights[{l}] (eq. 2) is not finite "
                             f"(NaN or infinity): an input is not finite, or the arithmetic overflowed")
        # eq. (3): a = sigma(z)
        al = [sigma[l].value(zj) for zj in zl]
        z.append(zl)
        a.append(al)
        a_prev = al
    z_out, a_out = z[-1], a[-1]

    # The cost of this sample, C_x (eq. 5 for the quadratic cost).
    if names[-1] == "sigmoid" and c.sigmoid_value is not None:
        cost_value = c.sigmoid_value(z_out, a_out, yv)
    else:
        cost_value = c.value(a_out, yv)

    delta: list[Vector] = [[] for _ in range(n)]
    # BP1, eq. (20): delta^L_j = dC/da^L_j * sigma'(z^L_j)
    if names[-1] == "sigmoid" and c.sigmoid_delta is not None:
        delta[-1] = c.sigmoid_delta(z_out, a_out, yv)     # same number, computed stably
    else:
        grad_a = c.grad_a(a_out, yv)
        delta[-1] = [grad_a[j] * sigma[-1].derivative(z_out[j]) for j in range(len(z_out))]

    # BP2, eq. (21): delta^l_j = sum_k w^{l+1}_kj delta^{l+1}_k * sigma'(z^l_j), from L-1 down
    for l in range(n - 2, -1, -1):
        delta[l] = [
            sum(w[l + 1][k][j] * delta[l + 1][k] for k in range(len(delta[l + 1])))
            * sigma[l].derivative(z[l][j])
            for j in range(len(z[l]))
        ]

    # BP3, eq. (22): dC/db^l_j = delta^l_j
    grad_b = [list(dl) for dl in delta]
    # BP4, eq. (23): dC/dw^l_jk = a^{l-1}_k delta^l_j  (a^{l-1} is x for the first layer)
    inputs = [xv, *a[:-1]]
    grad_w = [
        [[inputs[l][k] * delta[l][j] for k in range(len(inputs[l]))] for j in range(len(delta[l]))]
        for l in range(n)
    ]
    return Backprop(z=z, a=a, delta=delta, grad_w=grad_w, grad_b=grad_b, cost=cost_value)


def backprop_batch(
    weights: Sequence[Sequence[Sequence[float]]],
    biases: Sequence[Sequence[float]],
    xs: Sequence[Sequence[float]],
    ys: Sequence[Sequence[float]],
    activation: str | Sequence[str] = "sigmoid",
    cost: str = "quadratic",
) -> BatchBackprop:
    """The gradient of C = (1/n) sum_x C_x (eq. 4): the mean of the per-sample gradients (eqs. 8-9)."""
    samples = _items(xs, "xs")
    targets = _items(ys, "ys")
    if not samples:
        raise ValueError("xs is empty; a batch needs at least one sample")
    if len(samples) != len(targets):
        raise ValueError(f"xs has {len(samples)} samples but ys has {len(targets)} targets")

    grad_w: list[Matrix] = []
    grad_b: list[Vector] = []
    total_cost = 0.0
    for i, (xi, yi) in enumerate(zip(samples, targets)):
        try:
            r = backprop(weights, biases, xi, yi, activation=activation, cost=cost)
        except (TypeError, ValueError) as err:
            raise type(err)(f"sample {i} (xs[{i}], ys[{i}]): {err}") from err
        if i == 0:                            # start the sums from the first sample
            grad_w, grad_b = r.grad_w, r.grad_b
        else:                                 # sum_x dC_x/dw and sum_x dC_x/db
            for l in range(len(grad_w)):
                for j in range(len(grad_w[l])):
                    grad_b[l][j] += r.grad_b[l][j]
                    for k in range(len(grad_w[l][j])):
                        grad_w[l][j][k] += r.grad_w[l][j][k]
        total_cost += r.cost

    n = len(samples)
    # eqs. (8)-(9): the gradient of C is (1/n) times the sum of the per-sample gradients; eq. (4) for C.
    grad_w = [[[g / n for g in row] for row in layer] for layer in grad_w]
    grad_b = [[g / n for g in layer] for layer in grad_b]
    return BatchBackprop(grad_w=grad_w, grad_b=grad_b, cost=total_cost / n, n=n)


# --------------------------------------------------------------------------
# compare: autodiff and BP1-BP4 side by side
# --------------------------------------------------------------------------

@dataclass
class LayerComparison:
    """One weight layer: autodiff's numbers beside the closed form's."""

    index: int                  # weight layer (0 = the note's layer 2)
    activation: str
    delta_autodiff: Vector      # z[j].grad after C_x.backward()
    delta_closed: Vector        # BP1 (eq. 20) for the last layer, BP2 (eq. 21) otherwise
    grad_b_autodiff: Vector     # b_j.grad
    grad_b_closed: Vector       # BP3, eq. (22)
    grad_w_autodiff: Matrix     # w_jk.grad
    grad_w_closed: Matrix       # BP4, eq. (23)
    # With compare(matrix=True): the matrix form, eqs. (24)-(27), on the same sample; else None.
    delta_matrix: Vector | None = None
    grad_b_matrix: Vector | None = None
    grad_w_matrix: Matrix | None = None

    def columns(self) -> list[tuple[str, Vector, Vector, Vector]]:
        """(name, delta, dC/db, dC/dw flattened) for autodiff, then the matrix form if present."""
        found = [("autodiff", self.delta_autodiff, self.grad_b_autodiff, _flat(self.grad_w_autodiff))]
        if (self.delta_matrix is not None and self.grad_b_matrix is not None
                and self.grad_w_matrix is not None):
            found.append(("matrix", self.delta_matrix, self.grad_b_matrix, _flat(self.grad_w_matrix)))
        return found

    def differences(self) -> dict[str, tuple[float, float]]:
        """{quantity: (largest |other - closed|, largest relative difference)}, where the
        others are autodiff and, with compare(matrix=True), the matrix form."""
        closed = (self.delta_closed, self.grad_b_closed, _flat(self.grad_w_closed))
        found = {}
        for i, name in enumerate(("delta", "dC/db", "dC/dw")):
            each = [_largest_differences(column[i + 1], closed[i]) for column in self.columns()]
            found[name] = (max(d[0] for d in each), max(d[1] for d in each))
        return found


def _flat(matrix: Matrix) -> Vector:
    return [g for row in matrix for g in row]


def _largest_differences(autodiff: Vector, closed: Vector) -> tuple[float, float]:
    absolute = [abs(p - q) for p, q in zip(autodiff, closed, strict=True)]
    relative = [d / max(abs(q), 1e-300) if d else 0.0 for d, q in zip(absolute, closed)]
    return max(absolute), max(relative)


@dataclass
class Comparison:
    """The report of `compare`: per layer, autodiff vs BP1-BP4 (and the matrix form); `str()` is a table."""

    cost_name: str
    cost_autodiff: float
    cost_closed: float
    layers: list[LayerComparison]
    cost_matrix: float | None = None    # with compare(matrix=True)

    @property
    def max_abs_diff(self) -> float:
        return max(d[0] for layer in self.layers for d in layer.differences().values())

    @property
    def max_rel_diff(self) -> float:
        return max(d[1] for layer in self.layers for d in layer.differences().values())

    def agree(self, tol: float = 1e-12) -> bool:
        """Every entry within tol * max(1, |closed form|)."""
        for layer in self.layers:
            closed = [*layer.delta_closed, *layer.grad_b_closed, *_flat(layer.grad_w_closed)]
            for _, delta, grad_b, grad_w in layer.columns():  # autodiff, and the matrix form if shown
                if any(abs(p - q) > tol * max(1.0, abs(q))
                       for p, q in zip([*delta, *grad_b, *grad_w], closed, strict=True)):
                    return False
        return True

    def __str__(self) -> str:
        n_layers = len(self.layers)
        matrix = f", matrix form = {self.cost_matrix:.12g}" if self.cost_matrix is not None else ""
        lines = [
            f"cost {self.cost_name}: C_x autodiff = {self.cost_autodiff:.12g}, "
            f"closed form = {self.cost_closed:.12g}{matrix}",
        ]
        for layer in self.layers:
            l_note = layer.index + 2
            last = layer.index == n_layers - 1
            which = "BP1 (eq. 20)" if last else "BP2 (eq. 21)"
            columns = [layer.delta_autodiff, layer.delta_closed]
            titles = ["delta: z.grad", "delta: " + which]
            if layer.delta_matrix is not None:
                columns.append(layer.delta_matrix)
                titles.append("delta: matrix " + ("(eq. 24)" if last else "(eq. 25)"))
            lines += [
                "",
                f"layer l = {l_note} ({layer.activation}), model.layers[{layer.index}]",
                f"  {'j':>3}" + "".join(f"  {t:>22}" for t in titles) + f"  {'|diff|':>9}",
            ]
            for j, row in enumerate(zip(*columns)):
                diff = max(abs(v - row[1]) for v in row)   # the largest distance from BP1/BP2
                lines.append(f"  {j:>3}" + "".join(f"  {v:>22.15e}" for v in row) + f"  {diff:>9.1e}")
            diffs = layer.differences()
            bp3, bp4 = ("BP3 (eqs. 22, 26)", "BP4 (eqs. 23, 27)") if len(columns) > 2 else \
                ("BP3 (eq. 22)", "BP4 (eq. 23)")
            lines.append(f"  dC/db vs {bp3}: max |diff| {diffs['dC/db'][0]:.1e}   "
                         f"dC/dw vs {bp4}: max |diff| {diffs['dC/dw'][0]:.1e}")
        lines += ["", f"largest |diff| {self.max_abs_diff:.1e}, largest relative {self.max_rel_diff:.1e}"]
        return "\n".join(lines)


def compare(model: Any, x: Sequence[float], y: Any, cost: str | None = None, *,
            matrix: bool = False) -> Comparison:
    """Run `model` (an `nn.MLP`) through autodiff and through BP1-BP4 on the same weights.

    The model is used only through its methods (`weights_and_biases`,
    `activations`, `resolve_cost`, `zero_grad`, `sample_cost`, `layers`), so this
    module still imports nothing of the engine. The autodiff side: a fresh
    forward pass, zeroed parameter grads, `C_x.backward()`, then delta =
    `layer.z[j].grad`. `cost=None` is the model's cost, else quadratic.
    `matrix=True` adds a third column: the matrix form, eqs. (24)-(27), from
    `autograd_lite.matrix_form` (needs NumPy).
    """
    cost = model.resolve_cost(cost)
    weights, biases = model.weights_and_biases()
    closed = backprop(weights, biases, x, y, activation=model.activations, cost=cost)
    by_matrix = None
    if matrix:
        try:
            from .matrix_form import backprop_matrix  # the other oracle; NumPy only when asked for
        except ModuleNotFoundError as error:
            if error.name != "numpy":
                raise
            raise ModuleNotFoundError("compare(matrix=True) needs NumPy: pip install numpy "
                                      "(or the 'demos' extra)", name="numpy") from None
        by_matrix = backprop_matrix(weights, biases, x, y, model.activations, cost)
    model.zero_grad()
    c_x = model.sample_cost(x, y, cost)
    c_x.backward()
    layers = [
        LayerComparison(
            index=l,
            activation=layer.activation,
            delta_autodiff=[z.grad for z in layer.z],
            delta_closed=closed.delta[l],
            grad_b_autodiff=[n.b.grad for n in layer.neurons],
            grad_b_closed=closed.grad_b[l],
            grad_w_autodiff=[[w.grad for w in n.w] for n in layer.neurons],
            grad_w_closed=closed.grad_w[l],
            delta_matrix=None if by_matrix is None else by_matrix.delta[l][:, 0].tolist(),
            grad_b_matrix=None if by_matrix is None else by_matrix.grad_b[l].tolist(),
            grad_w_matrix=None if by_matrix is None else by_matrix.grad_w[l].tolist(),
        )
        for l, layer in enumerate(model.layers)
    ]
    return Comparison(cost, c_x.data, closed.cost, layers, None if by_matrix is None else by_matrix.cost)
