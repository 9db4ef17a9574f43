"""autograd_lite.matrix_form: BP1-BP4 in matrix form (eqs. 24-27) over a batch.

Truths, none of them matrix_form's own code: the per-sample closed form of
`closed_form.backprop` averaged by eqs. (4), (8)-(9); the engine's autodiff
on the mean cost `nn.loss` (eq. 4); central finite differences of a forward
pass written in this file. Equation numbers are those of docs/backprop.md.
"""

from __future__ import annotations

import ast
import copy
import math
import random
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

from autograd_lite import matrix_form, nn  # noqa: E402
from autograd_lite.closed_form import backprop, compare  # noqa: E402
from autograd_lite.matrix_form import backprop_matrix  # noqa: E402

from .helpers import central_differences, close, imports_of, is_standard_library  # noqa: E402
from .test_nn import forced_output, make_case, random_target  # noqa: E402

TOL = 1e-12
KINK = 1e-6
ACTS = ["linear", "relu", "tanh", "sigmoid"]


def random_batch(seed: int, cost: str, sizes: list[int], m: int, acts: list[str]):
    """Weights, biases, m samples (as lists) and targets; None if a relu z or the hinge margin
    is within KINK of its kink (no derivative there)."""
    rng = random.Random(seed)
    weights = [[[rng.uniform(-1.5, 1.5) for _ in range(sizes[l])] for _ in range(sizes[l + 1])]
               for l in range(len(sizes) - 1)]
    biases = [[rng.uniform(-1, 1) for _ in range(n)] for n in sizes[1:]]
    xs = [[rng.uniform(-2, 2) for _ in range(sizes[0])] for _ in range(m)]
    ys = [random_target(rng, cost, sizes[-1]) for _ in range(m)]
    for x, y in zip(xs, ys):
        bp = backprop(weights, biases, x, y, acts, cost)
        if any(act == "relu" and min(abs(z) for z in zl) < KINK for zl, act in zip(bp.z, acts)):
            return None
        if cost == "hinge" and abs(1.0 - y[0] * bp.a[-1][0]) < KINK:
            return None
    return weights, biases, xs, ys


def columns(rows: list[list[float]]):
    return np.array(rows, dtype=float).T  # samples as columns, (n, m)


cases = st.fixed_dictionaries({
    "seed": st.integers(0, 2**32 - 1),
    "cost": st.sampled_from(sorted(nn.COSTS)),
    "hidden": st.lists(st.integers(1, 3), max_size=2),
    "nin": st.integers(1, 3),
    "nout": st.integers(1, 3),
    "m": st.integers(1, 4),
    "hidden_act": st.sampled_from(ACTS),
    "output_act": st.sampled_from(ACTS),
})


def setup(case):
    cost = case["cost"]
    nout = 1 if cost == "hinge" else case["nout"]
    sizes = [case["nin"], *case["hidden"], nout]
    acts = [case["hidden_act"]] * len(case["hidden"]) + [forced_output(cost, case["output_act"])]
    drawn = random_batch(case["seed"], cost, sizes, case["m"], acts)
    assume(drawn is not None)
    return cost, sizes, acts, drawn


@settings(max_examples=60, deadline=None)
@given(cases)
def test_batch_equals_the_mean_of_per_sample_backprop(case):
    cost, _, acts, (weights, biases, xs, ys) = setup(case)
    assert_is_the_mean_of_backprop(weights, biases, xs, ys, acts, cost)


@pytest.mark.parametrize("output", ["linear", "tanh"])
def test_cross_entropy_on_an_output_that_is_not_a_sigmoid(output):
    # closed_form takes Nielsen's cross-entropy on any output inside (0, 1) (the generic BP1,
    # eq. 24, with ∂C/∂a = (a - y) / (a (1 - a)) times σ'(z)); the hypothesis cases above force
    # a sigmoid there, whose shortcut δ = a - y skips that branch.
    weights = [[[0.3, -0.2], [0.1, 0.4], [-0.3, 0.2]], [[0.2, -0.1, 0.15], [-0.1, 0.2, 0.1]]]
    biases = [[0.1, -0.1, 0.05], [0.5, 0.4]]
    xs = [[0.5, -0.4], [0.1, 0.9], [-0.7, 0.3]]
    ys = [[1.0, 0.0], [0.3, 0.8], [0.0, 0.5]]
    r = assert_is_the_mean_of_backprop(weights, biases, xs, ys, ["tanh", output], "cross_entropy")
    assert np.all((r.a[-1] > 0.2) & (r.a[-1] < 0.8))  # inside (0, 1), away from the ends


def test_softmax_cross_entropy_with_a_target_that_does_not_sum_to_one():
    # dC_x/dz = (Σ_k y_k) softmax(z) - y: the factor Σ y is 1.4 here, not the usual 1
    weights = [[[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8]]]
    biases = [[0.1, -0.2, 0.3]]
    xs = [[0.4, -0.6], [1.0, 0.5]]
    ys = [[0.5, 0.9, 0.0], [0.2, 0.2, 1.0]]
    r = assert_is_the_mean_of_backprop(weights, biases, xs, ys, ["linear"], "softmax_cross_entropy")
    e = np.exp(r.z[0])
    dropped = e / e.sum(axis=0) - columns(ys)  # softmax(z) - y: right only when Σ y = 1
    assert np.max(np.abs(r.delta[0][:, 0] - dropped[:, 0])) > 0.1  # so the factor is exercised


def assert_is_the_mean_of_backprop(weights, biases, xs, ys, acts, cost):
    """backprop_matrix on the batch, column by column equal to closed_form.backprop on each sample."""
    sizes = [len(xs[0]), *(len(b) for b in biases)]
    r = backprop_matrix(weights, biases, columns(xs), columns(ys), acts, cost)
    per_sample = [backprop(weights, biases, x, y, acts, cost) for x, y in zip(xs, ys)]
    m = len(xs)
    assert r.m == m
    assert close(r.cost, sum(p.cost for p in per_sample) / m, TOL)  # eq. (4)
    for l in range(len(weights)):
        assert r.z[l].shape == r.a[l].shape == r.delta[l].shape == (sizes[l + 1], m)
        assert r.grad_w[l].shape == (sizes[l + 1], sizes[l]) and r.grad_b[l].shape == (sizes[l + 1],)
        for i, p in enumerate(per_sample):  # column i is sample i (eqs. 2, 3, 24-25 vs 2, 3, 20-21)
            for j in range(sizes[l + 1]):
                assert close(r.z[l][j, i], p.z[l][j], TOL)
                assert close(r.a[l][j, i], p.a[l][j], TOL)
                assert close(r.delta[l][j, i], p.delta[l][j], TOL), (l, j, i)
        for j in range(sizes[l + 1]):  # eqs. (8)-(9): the mean of eqs. (22)-(23) over the samples
            assert close(r.grad_b[l][j], sum(p.grad_b[l][j] for p in per_sample) / m, TOL)
            for k in range(sizes[l]):
                assert close(r.grad_w[l][j, k], sum(p.grad_w[l][j][k] for p in per_sample) / m, TOL)
    return r


@settings(max_examples=40, deadline=None)
@given(cases)
def test_batch_equals_autodiff_on_the_mean_cost(case):
    cost, sizes, acts, (weights, biases, xs, ys) = setup(case)
    model = nn.MLP(sizes[0], sizes[1:], acts[0] if len(acts) > 1 else "relu", acts[-1])
    for layer, wl, bl in zip(model.layers, weights, biases):
        for neuron, row, b in zip(layer.neurons, wl, bl):
            neuron.b.data = b
            for w, v in zip(neuron.w, row):
                w.data = v
    model.zero_grad()
    c = nn.loss(model, xs, ys, cost)  # C = (1/m) Σ_x C_x, eq. (4)
    c.backward()
    r = backprop_matrix(weights, biases, columns(xs), columns(ys), acts, cost)
    assert close(r.cost, c.data, TOL)
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert close(r.grad_b[l][j], neuron.b.grad, TOL)
            for k, w in enumerate(neuron.w):
                assert close(r.grad_w[l][j, k], w.grad, TOL), (l, j, k, r.grad_w[l][j, k], w.grad)


def naive_cost(params, shapes, xs, ys):
    """Mean quadratic cost of a sigmoid network, eqs. (2), (3), (4), (5), straight loops."""
    weights, biases, i = [], [], 0
    for rows, cols in shapes:
        weights.append([params[i + j * cols:i + (j + 1) * cols] for j in range(rows)])
        i += rows * cols
        biases.append(params[i:i + rows])
        i += rows
    total = 0.0
    for x, y in zip(xs, ys):
        a = x
        for w, b in zip(weights, biases):
            a = [1 / (1 + math.exp(-(sum(wj * ak for wj, ak in zip(row, a)) + bj))) for row, bj in zip(w, b)]
        total += 0.5 * sum((yj - aj) ** 2 for aj, yj in zip(a, y))
    return total / len(xs)


def test_gradients_match_central_differences():
    weights, biases, xs, ys = random_batch(7, "quadratic", [3, 4, 2], 5, ["sigmoid", "sigmoid"])
    r = backprop_matrix(weights, biases, columns(xs), columns(ys))
    shapes = [(4, 3), (2, 4)]
    params = [v for w, b in zip(weights, biases) for v in [*(x for row in w for x in row), *b]]
    numeric = central_differences(lambda *p: naive_cost(list(p), shapes, xs, ys), params)
    ours = [v for gw, gb in zip(r.grad_w, r.grad_b) for v in [*gw.ravel(), *gb]]
    assert max(abs(p - q) for p, q in zip(ours, numeric)) < 1e-8


def test_one_sample_as_vectors_and_column_biases():
    weights, biases, xs, ys = random_batch(3, "cross_entropy", [2, 3, 2], 1, ["tanh", "sigmoid"])
    flat = backprop_matrix(weights, biases, xs[0], ys[0], ["tanh", "sigmoid"], "cross_entropy")
    column_biases = [np.array(b).reshape(-1, 1) for b in biases]
    as_columns = backprop_matrix([np.array(w) for w in weights], column_biases, columns(xs), columns(ys),
                                 ["tanh", "sigmoid"], "cross_entropy")
    bp = backprop(weights, biases, xs[0], ys[0], ["tanh", "sigmoid"], "cross_entropy")
    for r in (flat, as_columns):
        assert r.m == 1 and r.delta[0].shape == (3, 1) and r.grad_b[0].shape == (3,)
        assert close(r.cost, bp.cost, TOL)
        expected = [g for row in bp.grad_w[0] for g in row]
        assert all(close(g, e, TOL) for g, e in zip(r.grad_w[0].ravel(), expected))


def test_saturated_sigmoid_cross_entropy_stays_finite():
    # z = ±800: σ(z) rounds to 0 or 1, so ln a would be -inf; computed from z it is finite.
    r = backprop_matrix([[[1.0]]], [[0.0]], [[800.0, -800.0]], [[0.0, 1.0]], "sigmoid", "cross_entropy")
    assert r.cost == pytest.approx(800.0)  # each sample costs softplus(800) = 800
    assert np.array_equal(r.delta[0], np.array([[1.0, -1.0]]))  # a - y


def test_matrix_form_imports_nothing_of_the_package():
    tree = ast.parse(Path(matrix_form.__file__).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree)
    for _, level, module in imports_of(tree):
        assert level == 0, "matrix_form must not import from the package"
        assert module.split(".")[0] == "numpy" or is_standard_library(module), module

GOOD_W = [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[1.0, 1.0, 1.0]]]
GOOD_B = [[0.0, 0.0, 0.0], [0.0]]


@pytest.mark.parametrize("weights, biases, x, y, error, message", [
    (GOOD_W, GOOD_B, np.zeros((3, 2)), np.zeros((1, 2)), ValueError, r"X has shape \(3, 2\).*2 neurons"),
    (GOOD_W, GOOD_B, np.zeros((2, 2)), np.zeros((2, 2)), ValueError, r"Y has shape \(2, 2\).*1 neurons"),
    (GOOD_W, GOOD_B, np.zeros((2, 3)), np.zeros((1, 2)), ValueError, r"X has shape \(2, 3\) but Y has shape"),
    (GOOD_W, GOOD_B, np.zeros((2, 0)), np.zeros((1, 0)), ValueError, "m = 0"),
    (GOOD_W, GOOD_B, [[1.0, math.nan]], [[0.0]], ValueError, "X has a non-finite"),
    (GOOD_W, GOOD_B, [1.0, 2.0], [math.inf], ValueError, "Y has a non-finite"),
    (GOOD_W, GOOD_B, [1.0, "a"], [0.0], TypeError, "X must hold real numbers"),
    ([GOOD_W[0], [[1.0, 1.0]]], GOOD_B, [1.0, 2.0], [0.0], ValueError,
     r"weights\[1\] has shape \(1, 2\) but weights\[0\] has shape \(3, 2\)"),
    (GOOD_W, [[0.0, 0.0], [0.0]], [1.0, 2.0], [0.0], ValueError,
     r"biases\[0\] has shape \(2,\) but weights\[0\] has shape \(3, 2\)"),
    (GOOD_W, [GOOD_B[0]], [1.0, 2.0], [0.0], ValueError, "2 layers but biases has 1"),
    ([[[math.nan, 0.0]], *GOOD_W[1:]], GOOD_B, [1.0, 2.0], [0.0], ValueError,
     r"weights\[0\] has a non-finite"),
    ([], [], [1.0], [0.0], ValueError, "at least one weight layer"),
])
def test_bad_input_is_a_clear_error(weights, biases, x, y, error, message):
    with pytest.raises(error, match=message):
        backprop_matrix(weights, biases, x, y)


@pytest.mark.parametrize("change, error, message", [
    # only real numbers, as closed_form: no strings, no bools (not even one among floats), no complex
    ({"X": ["1.5", "2"]}, TypeError, r"backprop_matrix: X must hold real numbers only .*got strings"),
    ({"X": [True, False]}, TypeError, r"backprop_matrix: X must hold real numbers only .*got bools"),
    ({"Y": [True]}, TypeError, r"backprop_matrix: Y must hold real numbers only .*got bools"),
    ({"X": [1.0, True]}, TypeError, r"X must hold real numbers only .*got bools: \[1.0, True\]"),
    ({"weights": [[[1.0, 2.0], [3.0, 4.0], [5.0, 1j]], GOOD_W[1]]}, TypeError,
     r"weights\[0\] must hold real numbers only .*complex"),
    ({"biases": [GOOD_B[0], [None]]}, TypeError, r"biases\[1\] must hold real numbers only .*mixed objects"),
    # ragged nesting is a shape problem
    ({"X": [[1.0, 2.0], [3.0]]}, ValueError, r"backprop_matrix: X is ragged"),
    ({"weights": [[[1.0, 2.0], [3.0], [5.0, 6.0]], GOOD_W[1]]}, ValueError,
     r"backprop_matrix: weights\[0\] is ragged"),
    # no arguments that are not sequences or names, and every message names the function
    ({"weights": None}, TypeError, r"backprop_matrix: weights must be a sequence .*NoneType"),
    ({"biases": 0.0}, TypeError, r"backprop_matrix: biases must be a sequence .*float"),
    ({"activation": None}, TypeError, r"backprop_matrix: activation must be a sequence .*NoneType"),
    ({"activation": [["sigmoid"], "sigmoid"]}, TypeError,
     r"backprop_matrix: activation\[0\] must be a name \(str\), got list"),
    ({"cost": None}, TypeError, r"backprop_matrix: cost must be a name \(str\), got NoneType"),
    ({"cost": ["quadratic"]}, TypeError, r"backprop_matrix: cost must be a name"),
    # the shapes quoted are the ones given: a 1-D Y of m targets for one output is not (m, 1)
    ({"X": np.zeros((2, 3)), "Y": np.zeros(3)}, ValueError,
     r"backprop_matrix: Y has shape \(3,\) but the output layer has 1 neurons.*as shape \(1, m\)"),
    ({"X": np.zeros(2), "Y": np.zeros((1, 3))}, ValueError,
     r"backprop_matrix: X has shape \(2,\) but Y has shape \(1, 3\): they need the same m"),
])
def test_bad_arguments_are_clear_errors_naming_backprop_matrix(change, error, message):
    kwargs = {"weights": GOOD_W, "biases": GOOD_B, "X": [1.0, 2.0], "Y": [0.5], **change}
    with pytest.raises(error, match=message):
        backprop_matrix(**kwargs)


def test_the_good_arguments_of_the_error_cases_work():
    r = backprop_matrix(GOOD_W, GOOD_B, [1.0, 2.0], [0.5])
    assert r.m == 1 and close(r.cost, backprop(GOOD_W, GOOD_B, [1.0, 2.0], [0.5]).cost, TOL)
    ints = backprop_matrix(GOOD_W, GOOD_B, np.array([[1], [2]]), [1])  # ints are real numbers
    assert close(ints.cost, backprop(GOOD_W, GOOD_B, [1.0, 2.0], [1.0]).cost, TOL)


@pytest.mark.parametrize("activation, cost, message", [
    ("swish", "quadratic", "unknown activation 'swish'"),
    ("sigmoid", "mse", "unknown cost 'mse'"),
    ("sigmoid", "softmax_cross_entropy", "needs the output activation 'linear'"),
    (["linear", "linear"], "cross_entropy", r"needs every output in \(0, 1\)"),
])
def test_bad_names_are_clear_errors(activation, cost, message):
    with pytest.raises(ValueError, match=message):
        backprop_matrix([[[2.0]], [[1.0]]], [[0.0], [0.0]], [1.0], [0.5], activation, cost)


@pytest.mark.parametrize("activation", ACTS)
def test_an_overflowing_forward_pass_is_refused_not_a_wrong_number(activation):
    # Exactly, z = 1e400 - 1e400 = 0 and the sigmoid's cost is 0.125; float64 gets inf - inf = NaN,
    # which the activations turned into a finite wrong cost (0.5) or inf: every one must refuse.
    with pytest.raises(ValueError, match=r"backprop_matrix: the weighted input z of weights\[0\]"):
        backprop_matrix([[[1e200, -1e200]]], [[0.0]], [1e200, 1e200], [0.0], [activation])
    with pytest.raises(ValueError, match=r"weights\[1\]"):  # the overflow in a later layer is named
        backprop_matrix([[[1.0]], [[1e300]]], [[0.0], [0.0]], [1e10], [0.0], ["linear", activation])


def test_an_overflowing_cost_or_gradient_is_refused():
    # z = 1e200 is finite but ½ (y - a)² = 5e399 is not.
    with pytest.raises(ValueError, match=r"backprop_matrix: the quadratic cost C .* not finite"):
        backprop_matrix([[[1e200]]], [[0.0]], [1.0], [0.0], "linear")
    # z = a = 1e154 and C = 5e307 are finite, but ∂C/∂w = δ x = 1e154 * 1e300 (eq. 27) is not.
    with pytest.raises(ValueError, match=r"the gradient of weights\[0\] \(eq. 27\) is not finite"):
        backprop_matrix([[[1e-146]]], [[0.0]], [1e300], [0.0], "linear")
    # the same network with the bounded hinge cost is fine: the check is not a range limit
    r = backprop_matrix([[[1e-146]]], [[0.0]], [1e300], [1.0], "linear", "hinge")
    assert r.cost == 0.0 and r.grad_w[0][0, 0] == 0.0  # margin 1 - 1e154 < 0: no slope


# --------------------------------------------------------------------------
# compare(..., matrix=True): the third column
# --------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(cases)
def test_compare_with_the_matrix_column_agrees(case):
    cost = case["cost"]
    nout = 1 if cost == "hinge" else case["nout"]
    model, x, y = make_case(cost, case["nin"], [*case["hidden"], nout], case["hidden_act"],
                            forced_output(cost, case["output_act"]), case["seed"] % 10_000)
    report = compare(model, x, y, cost, matrix=True)
    weights, biases = model.weights_and_biases()
    bp = backprop(weights, biases, x, y, model.activations, cost)
    assert close(report.cost_matrix, bp.cost, TOL)
    for l, layer in enumerate(report.layers):  # the third column is the matrix form's own numbers
        assert layer.delta_matrix is not None and len(layer.delta_matrix) == len(bp.delta[l])
        assert all(close(p, q, TOL) for p, q in zip(layer.delta_matrix, bp.delta[l]))
    assert report.agree(TOL)


def test_agree_covers_the_matrix_column_and_str_shows_it():
    model, x, y = make_case("quadratic", 2, [3, 2], "tanh", "sigmoid", 1, live=True)
    report = compare(model, x, y, matrix=True)
    text = str(report)
    assert "delta: matrix (eq. 24)" in text and "delta: matrix (eq. 25)" in text
    assert "matrix form =" in text
    assert "matrix" not in str(compare(model, x, y))  # two columns unless asked
    for name in ("delta_matrix", "grad_b_matrix"):
        broken = copy.deepcopy(report)
        getattr(broken.layers[0], name)[0] += 1e-9
        assert not broken.agree(TOL) and broken.max_abs_diff > 0.9e-9
    broken = copy.deepcopy(report)
    broken.layers[-1].grad_w_matrix[0][0] += 1e-9
    assert not broken.agree(TOL)


def test_compare_with_the_matrix_column_but_without_numpy_says_how_to_get_it():
    import subprocess

    # sys.modules["numpy"] = None makes `import numpy` fail as if NumPy were not installed
    code = ("import sys\n"
            "sys.modules['numpy'] = None\n"
            "from autograd_lite import nn\n"
            "from autograd_lite.closed_form import compare\n"
            "model = nn.MLP(2, [1], seed=0)\n"
            "print(compare(model, [1.0, 2.0], [0.5]).agree())\n"  # two columns need no NumPy
            "try:\n"
            "    compare(model, [1.0, 2.0], [0.5], matrix=True)\n"
            "except ModuleNotFoundError as error:\n"
            "    print(error.name, '|', error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [
        "True",
        "numpy | compare(matrix=True) needs NumPy: pip install numpy (or the 'demos' extra)"]


def test_only_matrix_form_brings_numpy():
    import subprocess

    code = ("import sys, autograd_lite, autograd_lite.nn, autograd_lite.closed_form, autograd_lite.viz\n"
            "print('numpy' in sys.modules)\n"
            "import autograd_lite.matrix_form\n"
            "print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]
