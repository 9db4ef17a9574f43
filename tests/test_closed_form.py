"""Tests for autograd_lite.closed_form (BP1-BP4 on plain floats).

Each test compares against a truth that does not come from closed_form:
central finite differences of a forward pass written anew in this file,
PyTorch float64 autograd on the same network, and the published numbers of
Matt Mazur's "A Step by Step Backpropagation Example".
"""

from __future__ import annotations

import ast
import copy
import itertools
import math
import random
import zlib
from pathlib import Path

import pytest

from autograd_lite import closed_form
from autograd_lite.closed_form import ACTIVATIONS, COSTS, backprop, backprop_batch

from .helpers import imports_of, is_standard_library

# --------------------------------------------------------------------------
# An independent forward pass and independent costs (naive, literal formulas)
# --------------------------------------------------------------------------

REF_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: max(0.0, z),
    "tanh": math.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
}

REF_COSTS = {  # (a^L, z^L, y) -> C_x
    "quadratic": lambda a, z, y: 0.5 * sum((yj - aj) ** 2 for aj, yj in zip(a, y)),
    "cross_entropy": lambda a, z, y: -sum(
        yj * math.log(aj) + (1 - yj) * math.log(1 - aj) for aj, yj in zip(a, y)
    ),
    "softmax_cross_entropy": lambda a, z, y: -sum(
        yj * math.log(math.exp(zj) / sum(math.exp(t) for t in z)) for zj, yj in zip(z, y)
    ),
    "hinge": lambda a, z, y: max(0.0, 1.0 - y[0] * a[0]),
}


def ref_forward(weights, biases, x, acts):
    """z and a of every layer, eqs. (2)-(3), straight loops."""
    zs, as_ = [], []
    a = list(x)
    for w, b, act in zip(weights, biases, acts):
        z = [sum(wjk * ak for wjk, ak in zip(row, a)) + bj for row, bj in zip(w, b)]
        a = [REF_ACTIVATIONS[act](zj) for zj in z]
        zs.append(z)
        as_.append(a)
    return zs, as_


def ref_cost(weights, biases, x, y, acts, cost):
    zs, as_ = ref_forward(weights, biases, x, acts)
    return REF_COSTS[cost](as_[-1], zs[-1], y)


def close(got, ref, tol):
    return abs(got - ref) <= tol * max(1.0, abs(ref))


# --------------------------------------------------------------------------
# Random small networks
# --------------------------------------------------------------------------

def output_activations(cost):
    required = COSTS[cost].output
    return [required] if required else sorted(ACTIVATIONS)


def make_case(seed, sizes, acts, cost):
    """A random network on `sizes` (inputs first) with a target suited to `cost`.

    Resamples until no relu input and no hinge margin sits within 1e-3 of its
    kink (finite differences are meaningless there) and, for cross-entropy,
    every output lies in (0.02, 0.98).
    """
    rng = random.Random(seed)
    if cost == "hinge":
        sizes = (*sizes[:-1], 1)
    for _ in range(10_000):
        weights = [[[rng.uniform(-1, 1) / math.sqrt(n_in) for _ in range(n_in)] for _ in range(n_out)]
                   for n_in, n_out in itertools.pairwise(sizes)]
        biases = [[rng.uniform(-0.5, 0.5) for _ in range(n_out)] for n_out in sizes[1:]]
        x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
        n_out = sizes[-1]
        if cost == "cross_entropy":
            y = [rng.uniform(0, 1) for _ in range(n_out)]
        elif cost == "softmax_cross_entropy":
            p = [rng.uniform(0.1, 1) for _ in range(n_out)]
            y = [pj / sum(p) for pj in p]
        elif cost == "hinge":
            y = [rng.choice([-1.0, 1.0])]
        else:
            y = [rng.uniform(-1, 1) for _ in range(n_out)]
        zs, as_ = ref_forward(weights, biases, x, acts)
        if any(abs(zj) < 1e-3 for z, act in zip(zs, acts) if act == "relu" for zj in z):
            continue
        if cost == "hinge" and abs(1 - y[0] * as_[-1][0]) < 1e-3:
            continue
        if cost == "cross_entropy" and not all(0.02 < aj < 0.98 for aj in as_[-1]):
            continue
        return weights, biases, x, y
    raise AssertionError("no admissible random network found")  # pragma: no cover


def cases():
    """Every cost x every admissible output activation x every hidden activation x sizes."""
    hidden = sorted(ACTIVATIONS)
    out = []
    for cost in sorted(COSTS):
        for o in output_activations(cost):
            out.append(pytest.param(cost, (3, 2), [o], id=f"{cost}-{o}-3x2"))
            for i, h in enumerate(hidden):
                h2 = hidden[(i + 1) % len(hidden)]      # mix activations across layers
                out.append(pytest.param(cost, (2, 3, 2), [h, o], id=f"{cost}-{h}-{o}-2x3x2"))
                out.append(pytest.param(cost, (3, 4, 3, 2), [h, h2, o],
                                        id=f"{cost}-{h}-{h2}-{o}-3x4x3x2"))
    return out


def seed_of(cost, sizes, acts):
    """A seed fixed by the case (crc32, not hash(): that changes per process)."""
    return zlib.crc32(f"{cost}{sizes}{acts}".encode())


# --------------------------------------------------------------------------
# Registries and the module's own rules
# --------------------------------------------------------------------------

def test_reference_tables_cover_the_registries():
    # A new activation or cost must bring its independent reference here.
    assert set(REF_ACTIVATIONS) == set(ACTIVATIONS)
    assert set(REF_COSTS) == set(COSTS)
    assert set(TORCH_COSTS) == set(COSTS)


def test_closed_form_imports_only_the_standard_library():
    """BP1-BP4 use the standard library only; compare(matrix=True) alone may import the
    other oracle, matrix_form (which imports nothing of the package either)."""
    tree = ast.parse(Path(closed_form.__file__).read_text())
    assert ast.get_docstring(tree)
    compare_fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "compare")
    inside_compare = {id(n) for n in ast.walk(compare_fn)}
    for node, level, module in imports_of(tree):
        if level and id(node) in inside_compare:
            assert module == "matrix_form", "compare may import matrix_form only"
        else:
            assert level == 0, "closed_form must not import from the package"
            assert is_standard_library(module), module


# --------------------------------------------------------------------------
# Oracle 1: central finite differences of an independent forward pass
# --------------------------------------------------------------------------

@pytest.mark.parametrize(("cost", "sizes", "acts"), cases())
def test_gradients_match_central_differences(cost, sizes, acts):
    weights, biases, x, y = make_case(seed_of(cost, sizes, acts), sizes, acts, cost)
    r = backprop(weights, biases, x, y, activation=acts, cost=cost)

    zs, as_ = ref_forward(weights, biases, x, acts)
    assert all(close(g, e, 1e-12) for gl, el in zip(r.z, zs) for g, e in zip(gl, el))
    assert all(close(g, e, 1e-12) for gl, el in zip(r.a, as_) for g, e in zip(gl, el))
    assert close(r.cost, ref_cost(weights, biases, x, y, acts, cost), 1e-12)

    h = 1e-5
    for params, grads, name in ((weights, r.grad_w, "w"), (biases, r.grad_b, "b")):
        for index, analytic in _flat(grads):
            costs = []
            for step in (h, -h):
                ws, bs = copy.deepcopy(weights), copy.deepcopy(biases)
                _set(ws if name == "w" else bs, index, _get(params, index) + step)
                costs.append(ref_cost(ws, bs, x, y, acts, cost))
            numeric = (costs[0] - costs[1]) / (2 * h)
            assert close(analytic, numeric, 1e-6), (name, index, analytic, numeric)


def _flat(nested, prefix=()):
    for i, item in enumerate(nested):
        if isinstance(item, list):
            yield from _flat(item, (*prefix, i))
        else:
            yield (*prefix, i), item


def _get(nested, index):
    for i in index:
        nested = nested[i]
    return nested


def _set(nested, index, value):
    _get(nested, index[:-1])[index[-1]] = value


# --------------------------------------------------------------------------
# Oracle 2: PyTorch float64 autograd on the same network
# --------------------------------------------------------------------------

TORCH_ACTIVATIONS = {
    "linear": lambda t: t,
    "relu": lambda t: t.relu(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
}

TORCH_COSTS = {  # (a^L, z^L, y) -> C_x, as tensors
    "quadratic": lambda a, z, y: 0.5 * ((y - a) ** 2).sum(),
    "cross_entropy": lambda a, z, y: -(y * a.log() + (1 - y) * (1 - a).log()).sum(),
    "softmax_cross_entropy": lambda a, z, y: -(y * z.log_softmax(0)).sum(),
    "hinge": lambda a, z, y: (1 - y * a).relu().sum(),
}


@pytest.mark.parametrize(("cost", "sizes", "acts"), cases())
def test_everything_matches_torch_float64(cost, sizes, acts):
    torch = pytest.importorskip("torch")
    weights, biases, x, y = make_case(seed_of(cost, sizes, acts) + 1, sizes, acts, cost)
    r = backprop(weights, biases, x, y, activation=acts, cost=cost)

    f64 = torch.float64
    ws = [torch.tensor(w, dtype=f64, requires_grad=True) for w in weights]
    bs = [torch.tensor(b, dtype=f64, requires_grad=True) for b in biases]
    a = torch.tensor(x, dtype=f64)
    zs, as_ = [], []
    for w, b, act in zip(ws, bs, acts):
        z = w @ a + b                                   # eq. (2)
        z.retain_grad()                                 # delta = dC/dz, eq. (14)
        a = TORCH_ACTIVATIONS[act](z)                   # eq. (3)
        zs.append(z)
        as_.append(a)
    c = TORCH_COSTS[cost](as_[-1], zs[-1], torch.tensor(y, dtype=f64))
    c.backward()

    def same(mine, theirs):
        flat = theirs.detach().reshape(-1).tolist()
        mine_flat = [v for _, v in _flat(mine)] if isinstance(mine, list) else [mine]
        assert len(mine_flat) == len(flat)
        for m, t in zip(mine_flat, flat):
            assert abs(m - t) <= 1e-12 * max(1.0, abs(t)), (m, t)

    same(r.cost, c)
    for l in range(len(weights)):
        same(r.z[l], zs[l])
        same(r.a[l], as_[l])
        same(r.delta[l], zs[l].grad)
        same(r.grad_b[l], bs[l].grad)
        same(r.grad_w[l], ws[l].grad)


# --------------------------------------------------------------------------
# Oracle 3: a published worked example
# --------------------------------------------------------------------------

# Matt Mazur, "A Step by Step Backpropagation Example" (2015): a 2-2-2 sigmoid
# network, cost 1/2 sum (target - out)^2 = eq. (5), learning rate 0.5.
# w1..w4: inputs -> hidden (w1: i1->h1, w2: i2->h1, w3: i1->h2, w4: i2->h2);
# w5..w8: hidden -> outputs (w5: h1->o1, w6: h2->o1, w7: h1->o2, w8: h2->o2).
# His biases are shared per layer (b1 = .35, b2 = .60) and never updated, so
# equal per-neuron biases give the same forward pass and weight gradients.
MAZUR_WEIGHTS = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
MAZUR_BIASES = [[0.35, 0.35], [0.60, 0.60]]
MAZUR_X, MAZUR_Y, MAZUR_ETA = [0.05, 0.10], [0.01, 0.99], 0.5

MAZUR_UPDATED = {  # (layer, j, k): weight after one step, as published
    (1, 0, 0): "0.35891648",    # w5
    (1, 0, 1): "0.408666186",   # w6
    (1, 1, 0): "0.511301270",   # w7
    (1, 1, 1): "0.561370121",   # w8
    (0, 0, 0): "0.149780716",   # w1
    (0, 0, 1): "0.19956143",    # w2
    (0, 1, 0): "0.24975114",    # w3
    (0, 1, 1): "0.29950229",    # w4
}


def to_published(value, published):
    """`value` rounded to as many decimals as the published string has."""
    return f"{value:.{len(published.split('.')[1])}f}"


def test_mazur_step_by_step_example():
    r = backprop(MAZUR_WEIGHTS, MAZUR_BIASES, MAZUR_X, MAZUR_Y)     # sigmoid, quadratic
    assert to_published(r.cost, "0.298371109") == "0.298371109"     # E_total
    # Forward pass: out_h1, out_h2, out_o1, out_o2.
    assert to_published(r.a[0][0], "0.593269992") == "0.593269992"
    assert to_published(r.a[0][1], "0.596884378") == "0.596884378"
    assert to_published(r.a[1][0], "0.75136507") == "0.75136507"
    assert to_published(r.a[1][1], "0.772928465") == "0.772928465"
    # Intermediate gradients: dE/dw5 and dE/dw1.
    assert to_published(r.grad_w[1][0][0], "0.082167041") == "0.082167041"
    assert to_published(r.grad_w[0][0][0], "0.000438568") == "0.000438568"
    # One gradient-descent step, eq. (6), with eta = 0.5.
    for (l, j, k), published in MAZUR_UPDATED.items():
        updated = MAZUR_WEIGHTS[l][j][k] - MAZUR_ETA * r.grad_w[l][j][k]
        assert to_published(updated, published) == published, (l, j, k)


# --------------------------------------------------------------------------
# Special cases of the costs
# --------------------------------------------------------------------------

def test_cross_entropy_sigmoid_shortcut_equals_generic_bp1():
    weights, biases, x, y = make_case(7, (3, 4, 2), ["tanh", "sigmoid"], "cross_entropy")
    r = backprop(weights, biases, x, y, activation=["tanh", "sigmoid"], cost="cross_entropy")
    grad_a = COSTS["cross_entropy"].grad_a(r.a[-1], y)
    generic = [g * ACTIVATIONS["sigmoid"].derivative(z) for g, z in zip(grad_a, r.z[-1])]
    assert all(close(s, g, 1e-12) for s, g in zip(r.delta[-1], generic))
    assert r.delta[-1] == [aj - yj for aj, yj in zip(r.a[-1], y)]


def test_cross_entropy_with_saturated_sigmoid_stays_finite():
    # z = 50: sigma(z) rounds to 1.0, where ln(1 - a) would fail; the logit form does not.
    r = backprop([[[1.0]]], [[49.0]], [1.0], [0.5], cost="cross_entropy")
    assert r.a[-1] == [1.0]
    softplus_minus_50 = math.log1p(math.exp(-50.0))          # ln(1 + e^-50)
    assert close(r.cost, 0.5 * softplus_minus_50 + 0.5 * (50.0 + softplus_minus_50), 1e-15)
    assert r.delta[-1] == [0.5]


def test_softmax_cross_entropy_is_max_shifted():
    r = backprop([[[0.0], [0.0]]], [[1000.0, 999.0]], [1.0], [0.0, 1.0],
                 activation="linear", cost="softmax_cross_entropy")
    e = math.e
    assert close(r.cost, math.log(e + 1.0), 1e-15)           # logsumexp(1, 0) - 0
    assert close(r.delta[-1][0], e / (1 + e), 1e-15)
    assert close(r.delta[-1][1], 1 / (1 + e) - 1.0, 1e-15)


@pytest.mark.parametrize(("y", "z", "grad"), [(1.0, 0.5, -1.0), (-1.0, 0.5, 1.0), (1.0, 1.5, 0.0),
                                               (-1.0, -2.0, 0.0), (1.0, 1.0, 0.0)])
def test_hinge_gradient_and_kink(y, z, grad):
    r = backprop([[[0.0]]], [[z]], [1.0], [y], activation="linear", cost="hinge")
    assert r.cost == max(0.0, 1 - y * z)
    assert r.delta[-1] == [grad]           # at the kink (1 - y a = 0) the slope is 0, like relu'(0)


def test_relu_prime_at_zero_is_zero():
    r = backprop([[[1.0]], [[2.0]]], [[0.0], [0.0]], [0.0], [1.0], activation=["relu", "linear"])
    assert r.z[0] == [0.0]
    assert r.delta[0] == [0.0]


def test_shapes_and_inputs_untouched():
    weights, biases, x, y = make_case(3, (3, 5, 4, 2), ["sigmoid"] * 3, "quadratic")
    before = copy.deepcopy((weights, biases, x, y))
    r = backprop(weights, biases, x, y)
    assert (weights, biases, x, y) == before
    assert [len(v) for v in r.z] == [len(v) for v in r.a] == [len(v) for v in r.delta] == [5, 4, 2]
    assert [len(v) for v in r.grad_b] == [5, 4, 2]
    assert [(len(m), len(m[0])) for m in r.grad_w] == [(5, 3), (4, 5), (2, 4)]
    assert r.grad_b == r.delta                                    # BP3
    assert r.grad_w[0][1][2] == x[2] * r.delta[0][1]              # BP4, first layer uses x
    assert r.grad_w[2][1][3] == r.a[1][3] * r.delta[2][1]         # BP4


def test_accepts_tuples_and_numpy():
    np = pytest.importorskip("numpy")
    weights, biases, x, y = make_case(5, (2, 3, 2), ["tanh", "sigmoid"], "quadratic")
    ref = backprop(weights, biases, x, y, activation=("tanh", "sigmoid"))
    as_np = backprop([np.array(w) for w in weights], [np.array(b) for b in biases],
                     np.array(x), tuple(y), activation=["tanh", "sigmoid"])
    assert as_np.grad_w == ref.grad_w and as_np.cost == ref.cost


# --------------------------------------------------------------------------
# Mini-batches: eqs. (4), (8)-(9)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("cost", sorted(COSTS))
def test_batch_is_the_mean_of_the_samples(cost):
    acts = ["tanh", output_activations(cost)[-1]]
    weights, biases, _, _ = make_case(11, (3, 4, 2), acts, cost)
    samples = [make_case(100 + i, (3, 4, 2), acts, cost)[2:] for i in range(5)]
    # The samples come from different networks, so re-check cross-entropy's domain on this one.
    if cost == "cross_entropy":
        samples = [(x, y) for x, y in samples
                   if all(0 < aj < 1 for aj in ref_forward(weights, biases, x, acts)[1][-1])]
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    batch = backprop_batch(weights, biases, xs, ys, activation=acts, cost=cost)
    singles = [backprop(weights, biases, x, y, activation=acts, cost=cost) for x, y in samples]
    n = len(samples)
    assert batch.n == n
    assert close(batch.cost, sum(s.cost for s in singles) / n, 1e-14)
    for l in range(2):
        for j, row in enumerate(batch.grad_w[l]):
            assert close(batch.grad_b[l][j], sum(s.grad_b[l][j] for s in singles) / n, 1e-14)
            for k, g in enumerate(row):
                assert close(g, sum(s.grad_w[l][j][k] for s in singles) / n, 1e-14)

    # And it is the gradient of C = (1/n) sum_x C_x, eq. (4), by central differences.
    def mean_cost(ws, bs):
        return sum(ref_cost(ws, bs, x, y, acts, cost) for x, y in samples) / n
    h = 1e-5
    for index, analytic in _flat(batch.grad_w):
        wp, wm = copy.deepcopy(weights), copy.deepcopy(weights)
        _set(wp, index, _get(weights, index) + h)
        _set(wm, index, _get(weights, index) - h)
        assert close(analytic, (mean_cost(wp, biases) - mean_cost(wm, biases)) / (2 * h), 1e-6)


def test_batch_of_one_is_the_sample():
    weights, biases, x, y = make_case(2, (2, 2, 1), ["relu", "sigmoid"], "quadratic")
    single = backprop(weights, biases, x, y, activation=["relu", "sigmoid"])
    batch = backprop_batch(weights, biases, [x], [y], activation=["relu", "sigmoid"])
    assert (batch.grad_w, batch.grad_b, batch.cost) == (single.grad_w, single.grad_b, single.cost)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

W = [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[0.7, 0.8, 0.9], [1.0, 1.1, 1.2]]]   # 2 -> 3 -> 2
B = [[0.1, 0.2, 0.3], [0.4, 0.5]]
X, Y = [1.0, 2.0], [0.5, 0.5]


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"biases": B[:1]}, ValueError, r"weights has 2 layers but biases has 1"),
    ({"biases": [B[0], [0.4, 0.5, 0.6]]}, ValueError,
     r"weights\[1\] has 2 rows .* biases\[1\] has 3 entries"),
    ({"weights": [[[0.1, 0.2, 9.0], [0.3, 0.4], [0.5, 0.6]], W[1]]}, ValueError,
     r"weights\[0\]\[0\] has 3 entries but the previous layer \(x\) has 2 neurons"),
    ({"weights": [W[0], [[0.7, 0.8], [1.0, 1.1]]]}, ValueError,
     r"weights\[1\]\[0\] has 2 entries but the previous layer \(weights\[0\]\) has 3 neurons"),
    ({"x": [1.0, 2.0, 3.0]}, ValueError,
     r"weights\[0\]\[0\] has 2 entries but the previous layer \(x\) has 3"),
    ({"y": [0.5]}, ValueError, r"y has 1 entries but the output layer has 2 neurons"),
    ({"weights": []}, ValueError, r"weights is empty"),
    ({"x": []}, ValueError, r"x is empty"),
    ({"activation": "softplus"}, ValueError,
     r"unknown activation 'softplus'; known: linear, relu, sigmoid, tanh"),
    ({"activation": ["tanh", "swish"]}, ValueError, r"unknown activation 'swish'"),
    ({"activation": ["tanh"]}, ValueError,
     r"activation list has 1 names but the network has 2 weight layers"),
    ({"activation": ["tanh", "tanh", "tanh"]}, ValueError, r"activation list has 3 names"),
    ({"cost": "mse"}, ValueError,
     r"unknown cost 'mse'; known: cross_entropy, hinge, quadratic, softmax_cross_entropy"),
    ({"cost": "softmax_cross_entropy"}, ValueError,
     r"cost 'softmax_cross_entropy' needs the output activation 'linear', got 'sigmoid'"),
    ({"cost": "hinge"}, ValueError, r"cost 'hinge' needs 1 output neuron\(s\), got 2"),
    ({"cost": "cross_entropy", "activation": "linear"}, ValueError,
     r"cross_entropy.*\(0, 1\).*a\^L\[0\] = "),
    ({"x": [1.0, "2"]}, TypeError, r"x\[1\] must be a real number, got str '2'"),
    ({"x": [1.0, True]}, TypeError, r"x\[1\] must be a real number, got bool"),
    ({"x": 1.0}, TypeError, r"x must be a sequence, got float"),
    ({"y": [0.5, None]}, TypeError, r"y\[1\] must be a real number, got NoneType"),
    ({"weights": [W[0], [[0.7, 0.8, 0.9], [1.0, 1.1, 1j]]]}, TypeError,
     r"weights\[1\]\[1\]\[2\] must be a real number, got complex"),
    ({"biases": [B[0], "ab"]}, TypeError, r"biases\[1\] must be a sequence, got str"),
    ({"activation": ["tanh", 3]}, TypeError, r"activation name must be a str, got int"),
    ({"cost": None}, TypeError, r"cost must be a name"),
    # finite numbers whose z overflows (1e200 * 1e200 = inf, then inf - inf = NaN): refused, not a NaN
    ({"weights": [[[1e200, -1e200]] * 3, W[1]], "x": [1e200, 1e200]}, ValueError,
     r"backprop: the weighted input z of weights\[0\] \(eq. 2\) is not finite"),
    ({"x": [math.inf, 1.0]}, ValueError, r"weighted input z of weights\[0\] .*not finite"),
    ({"weights": [W[0], [[1e308, 1e308, 1e308], W[1][1]]]}, ValueError,
     r"weighted input z of weights\[1\] .*not finite"),
])
def test_validation_errors_name_the_problem(change, error, message):
    kwargs = {"weights": W, "biases": B, "x": X, "y": Y, **change}
    with pytest.raises(error, match=message):
        backprop(**kwargs)


def test_the_validation_fixture_itself_is_valid():
    r = backprop(W, B, X, Y, activation=["tanh", "sigmoid"])
    assert math.isfinite(r.cost)


@pytest.mark.parametrize(("xs", "ys", "error", "message"), [
    ([], [], ValueError, r"xs is empty"),
    ([X, X], [Y], ValueError, r"xs has 2 samples but ys has 1 targets"),
    ([X, [1.0]], [Y, Y], ValueError, r"sample 1 \(xs\[1\], ys\[1\]\): weights\[0\]\[0\] has 2 entries"),
    ([X, X], [Y, [0.5, "a"]], TypeError, r"sample 1 .*y\[1\] must be a real number, got str"),
    (X, [Y, Y], TypeError, r"sample 0 .*x must be a sequence, got float"),
])
def test_batch_validation(xs, ys, error, message):
    with pytest.raises(error, match=message):
        backprop_batch(W, B, xs, ys)
