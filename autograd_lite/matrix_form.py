"""Backpropagation in matrix form: eqs. (24)-(27) over a whole mini-batch, in NumPy.

What this module owns: BP1-BP4 written for whole layers and whole batches,
as every textbook and framework computes them. The m samples of a batch are
the columns of one matrix (Nielsen's "fully matrix-based" approach), so the
forward pass (eq. 3) and BP2 (eq. 25) are matrix products, ⊙ is NumPy's
elementwise ``*``, and BP4 summed over the batch (eq. 27 with eqs. 8-9) is
one product delta @ A_prev.T. See docs/backprop.md.

What it must not import: anything of the package (not the engine, not
``closed_form``): like ``closed_form`` it is an independent oracle, and its
activations and costs are written here again, in NumPy. NumPy is imported
here only; the rest of autograd_lite needs the standard library alone.

Indexing, as in ``closed_form``: index ``l`` is the note's layer ``l + 2``;
``weights[l]`` has shape (n_l, n_{l-1}), ``biases[l]`` (n_l,) or (n_l, 1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ACTIVATIONS", "COSTS", "MatrixBackprop", "backprop_matrix"]

Array = np.ndarray


# --------------------------------------------------------------------------
# Activations: σ and σ' elementwise on (n_l, m) matrices
# --------------------------------------------------------------------------

def _sigmoid(z: Array) -> Array:
    # Stable for any z: exp only ever sees -|z|.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_prime(z: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 - s)                     # σ'(z) = σ(z) (1 - σ(z))


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "linear": (lambda z: z, np.ones_like),
    # relu'(0) = 0, as micrograd and PyTorch.
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: (z > 0).astype(float)),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": (_sigmoid, _sigmoid_prime),
}


# --------------------------------------------------------------------------
# Costs: per-sample C_x as a row of m values, and δ^L (BP1, eq. 24)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Cost:
    """C_x for each column, and BP1 (eq. 24) given (z^L, a^L, Y, σ'(z^L)).

    `sigmoid_value`/`sigmoid_delta`, when given, replace them for a sigmoid
    output layer: the same numbers, computed stably from z.
    """

    value: Callable[[Array, Array, Array], Array]            # (Z, A, Y) -> (m,)
    delta: Callable[[Array, Array, Array, Array], Array]     # (Z, A, Y, σ'(Z)) -> (n_L, m)
    output: str | None = None        # the output activation it requires
    n_outputs: int | None = None     # the number of outputs it requires
    sigmoid_value: Callable[[Array, Array, Array], Array] | None = None
    sigmoid_delta: Callable[[Array, Array, Array, Array], Array] | None = None


def _softplus(t: Array) -> Array:
    return np.logaddexp(0.0, t)              # ln(1 + e^t) without overflow


def _open_unit(a: Array) -> Array:
    if not np.all((a > 0.0) & (a < 1.0)):
        raise ValueError(f"{_WHERE}: cost 'cross_entropy' needs every output in (0, 1); use a sigmoid output")
    return a


def _cross_entropy_value(z: Array, a: Array, y: Array) -> Array:
    # Nielsen's C_x = -Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)], per column
    a = _open_unit(a)
    return -np.sum(y * np.log(a) + (1.0 - y) * np.log(1.0 - a), axis=0)


def _cross_entropy_delta(z: Array, a: Array, y: Array, prime: Array) -> Array:
    # eq. (24) with ∂C_x/∂a_j = (a_j - y_j) / (a_j (1 - a_j))
    a = _open_unit(a)
    return (a - y) / (a * (1.0 - a)) * prime


def _softmax_value(z: Array, a: Array, y: Array) -> Array:
    shift = z.max(axis=0)                    # per column, so exp never overflows
    log_norm = np.log(np.exp(z - shift).sum(axis=0))
    return -np.sum(y * (z - shift - log_norm), axis=0)


def _softmax_delta(z: Array, a: Array, y: Array, prime: Array) -> Array:
    e = np.exp(z - z.max(axis=0))
    return y.sum(axis=0) * e / e.sum(axis=0) - y     # softmax(z) - y when y sums to 1


COSTS: dict[str, _Cost] = {
    # eq. (5): C_x = ½ ||y - a^L||²; ∇_a C = a^L - y (eq. 17)
    "quadratic": _Cost(lambda z, a, y: 0.5 * np.sum((y - a) ** 2, axis=0),
                       lambda z, a, y, prime: (a - y) * prime),
    "cross_entropy": _Cost(
        _cross_entropy_value, _cross_entropy_delta,
        # -ln σ(z) = softplus(-z), -ln(1 - σ(z)) = softplus(z): finite for any z
        sigmoid_value=lambda z, a, y: np.sum(y * _softplus(-z) + (1.0 - y) * _softplus(z), axis=0),
        # σ'(z) = a(1 - a) cancels in eq. (24): δ^L = a - y exactly
        sigmoid_delta=lambda z, a, y, prime: a - y,
    ),
    # from logits: a^L = z^L and δ^L = softmax(z) - y
    "softmax_cross_entropy": _Cost(_softmax_value, _softmax_delta, output="linear"),
    # micrograd's max(0, 1 - y a); at the kink the slope is 0, as relu'(0)
    "hinge": _Cost(lambda z, a, y: np.maximum(0.0, 1.0 - y * a).sum(axis=0),
                   lambda z, a, y, prime: np.where(1.0 - y * a > 0, -y, 0.0) * prime, n_outputs=1),
}


# --------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------

@dataclass
class MatrixBackprop:
    """BP1-BP4 over a batch of m samples; lists indexed by weight layer."""

    z: list[Array]        # z[l], (n_l, m): column i is sample i's z (eq. 2)
    a: list[Array]        # a[l], (n_l, m), eq. (3); a[-1] is the output (X not included)
    delta: list[Array]    # delta[l], (n_l, m): per-sample errors, eqs. (24)-(25)
    grad_w: list[Array]   # grad_w[l], (n_l, n_{l-1}): mean over samples of eq. (27), eq. (8)
    grad_b: list[Array]   # grad_b[l], (n_l,): mean over samples of eq. (26), eq. (9)
    cost: float           # C = (1/m) Σ_x C_x, eq. (4)
    m: int                # the number of samples


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

_WHERE = "backprop_matrix"   # every error message starts with the function's name

# NumPy's dtype kinds that are not real numbers, as a user would call them
_NOT_REAL = {"b": "bools", "c": "complex numbers", "U": "strings", "S": "bytes", "O": "mixed objects",
             "M": "dates", "m": "time spans", "V": "records"}


def _array(value: Any, what: str) -> Array:
    """`value` as a float array, or a TypeError/ValueError naming it.

    Like closed_form, only real numbers: bools and strings ("1.5") are refused,
    not converted (so a dtype other than int or float is a TypeError), and
    ragged nesting is a ValueError about the shape.
    """
    try:
        array = np.asarray(value)
    except ValueError as error:  # NumPy >= 1.24 refuses rows of different lengths
        raise ValueError(f"{_WHERE}: {what} is ragged (its rows differ in length), "
                         f"not a matrix: {error}") from None
    if array.dtype.kind == "O" and any(isinstance(v, (list, tuple, np.ndarray)) for v in array.flat):
        raise ValueError(f"{_WHERE}: {what} is ragged (its rows differ in length), not a matrix")
    kind = array.dtype.kind
    if kind in "iuf" and not isinstance(value, np.ndarray) and any(
            isinstance(v, (bool, np.bool_)) for v in np.asarray(value, dtype=object).flat):
        kind = "b"   # NumPy makes [1.0, True] a float array; closed_form refuses that bool, so do we
    if kind not in "iuf":
        found = _NOT_REAL.get(kind, f"dtype {array.dtype}")
        raise TypeError(f"{_WHERE}: {what} must hold real numbers only (int or float), "
                        f"got {found}: {value!r:.60}")
    array = array.astype(float)
    if array.size and not np.all(np.isfinite(array)):
        raise ValueError(f"{_WHERE}: {what} has a non-finite entry (NaN or infinity)")
    return array


def _columns(value: Any, what: str, rows: int, where: str) -> tuple[Array, tuple[int, ...]]:
    """A (rows, m) matrix, and the shape the caller gave (quoted in errors); a 1-D vector is one sample."""
    array = _array(value, what)
    given = array.shape
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"{_WHERE}: {what} must be 1-D (one sample) or 2-D (one column per sample), "
                         f"got shape {given}")
    if array.shape[1] == 0:
        raise ValueError(f"{_WHERE}: {what} has shape {given}: m = 0 samples; a batch needs at least one")
    if array.shape[0] != rows:
        hint = f"; a 1-D {what} is one sample: pass m samples as shape ({rows}, m)" if len(given) == 1 else ""
        raise ValueError(f"{_WHERE}: {what} has shape {given} but {where} has {rows} neurons: "
                         f"expected ({rows}, m){hint}")
    return array, given


def _sequence(value: Any, what: str, of: str) -> None:
    """A TypeError naming `what` unless `value` is a sequence (a list, a tuple, an array)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{_WHERE}: {what} must be a sequence of {of}, "
                        f"got {type(value).__name__} {value!r:.60}")


def _network(weights: Any, biases: Any) -> tuple[list[Array], list[Array]]:
    _sequence(weights, "weights", "(n_l, n_(l-1)) matrices, one per layer")
    _sequence(biases, "biases", "vectors, one per layer")
    if len(weights) == 0:
        raise ValueError(f"{_WHERE}: weights is empty; the network needs at least one weight layer")
    if len(weights) != len(biases):
        raise ValueError(f"{_WHERE}: weights has {len(weights)} layers but biases has {len(biases)}; "
                         f"they need one bias vector per weight layer")
    w_layers, b_layers = [], []
    for l, (wl, bl) in enumerate(zip(weights, biases)):
        w = _array(wl, f"weights[{l}]")
        b = _array(bl, f"biases[{l}]")
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(f"{_WHERE}: weights[{l}] must be a non-empty (n_l, n_(l-1)) matrix, "
                             f"got shape {w.shape}")
        if l and w.shape[1] != w_layers[-1].shape[0]:
            raise ValueError(f"{_WHERE}: weights[{l}] has shape {w.shape} but weights[{l - 1}] has shape "
                             f"{w_layers[-1].shape}: layer {l} needs {w_layers[-1].shape[0]} columns")
        if b.shape not in ((w.shape[0],), (w.shape[0], 1)):
            raise ValueError(f"{_WHERE}: biases[{l}] has shape {b.shape} but weights[{l}] has shape "
                             f"{w.shape}: expected ({w.shape[0]},) or ({w.shape[0]}, 1)")
        w_layers.append(w)
        b_layers.append(b.reshape(-1, 1))   # a column, broadcast over the m samples
    return w_layers, b_layers


def _activation_names(activation: str | Sequence[str], n_layers: int) -> list[str]:
    if isinstance(activation, str):
        names = [activation] * n_layers
    else:
        _sequence(activation, "activation", "names, one per weight layer (or one name)")
        names = list(activation)
    if len(names) != n_layers:
        raise ValueError(f"{_WHERE}: activation list has {len(names)} names but the network has "
                         f"{n_layers} weight layers")
    for l, name in enumerate(names):
        if not isinstance(name, str):
            raise TypeError(f"{_WHERE}: activation[{l}] must be a name (str), "
                            f"got {type(name).__name__} {name!r:.60}")
        if name not in ACTIVATIONS:
            raise ValueError(f"{_WHERE}: unknown activation {name!r}; "
                             f"known: {', '.join(sorted(ACTIVATIONS))}")
    return names


def _cost(cost: str, output: str, n_outputs: int) -> _Cost:
    if not isinstance(cost, str):
        raise TypeError(f"{_WHERE}: cost must be a name (str), got {type(cost).__name__} {cost!r:.60}")
    if cost not in COSTS:
        raise ValueError(f"{_WHERE}: unknown cost {cost!r}; known: {', '.join(sorted(COSTS))}")
    rule = COSTS[cost]
    if rule.output is not None and output != rule.output:
        raise ValueError(f"{_WHERE}: cost {cost!r} needs the output activation {rule.output!r}, "
                         f"got {output!r}")
    if rule.n_outputs is not None and n_outputs != rule.n_outputs:
        raise ValueError(f"{_WHERE}: cost {cost!r} needs {rule.n_outputs} output neuron(s), got {n_outputs}")
    return rule


# --------------------------------------------------------------------------
# BP1-BP4 in matrix form
# --------------------------------------------------------------------------

def backprop_matrix(
    weights: Sequence[Any],
    biases: Sequence[Any],
    X: Any,  # noqa: N803 - the matrix of samples, capital as in the textbooks
    Y: Any,  # noqa: N803
    activation: str | Sequence[str] = "sigmoid",
    cost: str = "quadratic",
) -> MatrixBackprop:
    """The gradient of C = (1/m) Σ_x C_x over the m columns of X, by eqs. (24)-(27).

    `X` is (n_in, m) and `Y` (n_out, m), one column per sample; 1-D means one
    sample (so the m targets of a one-output network are shape (1, m), not
    (m,)). Entries are ints or floats: bools and strings are refused, as in
    closed_form; so is any overflow to NaN or infinity on the way.
    `activation` is one name or one per weight layer (linear, relu, sigmoid,
    tanh); `cost` as in closed_form (quadratic, cross_entropy,
    softmax_cross_entropy, hinge).
    """
    w, b = _network(weights, biases)
    names = _activation_names(activation, len(w))
    rule = _cost(cost, names[-1], w[-1].shape[0])
    x, x_shape = _columns(X, "X", w[0].shape[1], "the input of weights[0]")
    y, y_shape = _columns(Y, "Y", w[-1].shape[0], "the output layer")
    if y.shape[1] != x.shape[1]:
        raise ValueError(f"{_WHERE}: X has shape {x_shape} but Y has shape {y_shape}: they need the same "
                         f"m (columns), got {x.shape[1]} and {y.shape[1]}")
    m = x.shape[1]

    # Finite inputs can still overflow float64 (1e200 * 1e200 = inf, inf - inf = NaN), and an
    # activation would turn that into a finite but wrong number (σ(NaN) poisons nothing visibly):
    # NumPy's warnings are silenced here because every step below is checked and refused instead.
    with np.errstate(over="ignore", invalid="ignore"):
        # Forward, eq. (3) for all m samples at once: Z^l = w^l A^{l-1} + b^l (b broadcast over columns).
        z: list[Array] = []
        a: list[Array] = []
        previous = x
        for l, (wl, bl, name) in enumerate(zip(w, b, names)):
            zl = wl @ previous + bl
            _finite(zl, f"the weighted input z of weights[{l}] (eq. 2)")
            previous = ACTIVATIONS[name][0](zl)
            z.append(zl)
            a.append(previous)
        primes = [ACTIVATIONS[name][1](zl) for name, zl in zip(names, z)]

        value, bp1 = rule.value, rule.delta
        if names[-1] == "sigmoid" and rule.sigmoid_value is not None and rule.sigmoid_delta is not None:
            value, bp1 = rule.sigmoid_value, rule.sigmoid_delta
        per_sample = value(z[-1], a[-1], y)                  # C_x of each sample, a row of m
        delta_out = bp1(z[-1], a[-1], y, primes[-1])         # BP1, eq. (24): ∇_a C ⊙ σ'(z^L)

        delta: list[Array] = [delta_out]
        for l in range(len(w) - 2, -1, -1):
            # BP2, eq. (25): δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ'(z^l), every column at once
            delta.insert(0, (w[l + 1].T @ delta[0]) * primes[l])

        inputs = [x, *a[:-1]]
        # BP4, eq. (27): δ^l (a^{l-1})ᵀ per sample; the product of the (n_l, m) and (m, n_{l-1})
        # matrices sums it over the samples, and / m takes the mean, eq. (8).
        grad_w = [d @ prev.T / m for d, prev in zip(delta, inputs)]
        # BP3, eq. (26): ∂C/∂b^l = δ^l per sample; the mean over columns, eq. (9).
        grad_b = [d.sum(axis=1) / m for d in delta]
        cost_value = per_sample.sum() / m
    _finite(cost_value, f"the {cost} cost C (eq. 4)")
    for l, (gw, gb) in enumerate(zip(grad_w, grad_b)):
        _finite(gw, f"the gradient of weights[{l}] (eq. 27)")
        _finite(gb, f"the gradient of biases[{l}] (eq. 26)")
    return MatrixBackprop(z=z, a=a, delta=delta, grad_w=grad_w, grad_b=grad_b,
                          cost=float(cost_value), m=m)


def _finite(values: Any, what: str) -> None:
    """A ValueError if an intermediate result left float64's range, though every input was finite."""
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{_WHERE}: {what} is not finite (NaN or infinity): float64 "
                         f"overflowed although every input is finite; scale the weights or inputs down")
