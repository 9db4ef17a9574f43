"""check_layer on NumPy layers written here in CS231n's conventions: correct ones pass, wrong ones
fail naming the input; the exact reference itself agrees with central differences."""

from __future__ import annotations

import json

import pytest

from autograd_lite import check_layer

np = pytest.importorskip("numpy")


# --- layers, as a CS231n student writes them --------------------------------------------

def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, _ = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_backward_db_wrong_axis(dout, cache):
    dx, dw, _ = affine_backward(dout, cache)
    return dx, dw, np.sum(dout, axis=1)


def affine_backward_dw_transposed(dout, cache):
    dx, dw, db = affine_backward(dout, cache)
    return dx, dw * 1.5, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def relu_backward_no_mask(dout, cache):
    return dout.copy()


def softmax_loss(x, y):
    shifted = x - np.max(x, axis=1, keepdims=True)
    z = np.sum(np.exp(shifted), axis=1, keepdims=True)
    log_probs = shifted - np.log(z)
    probs = np.exp(log_probs)
    n = x.shape[0]
    loss = -np.sum(log_probs[np.arange(n), y]) / n
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    dx /= n
    return loss, dx


def softmax_loss_no_mean(x, y):
    loss, dx = softmax_loss(x, y)
    return loss, dx * x.shape[0]


def tanh_forward_as_floats(x):
    """A forward that converts to floats: the exact reference cannot see through it."""
    return np.tanh(np.asarray(x, dtype=float))


def tanh_backward(dout, cache):
    (x,) = cache
    return dout * (1 - np.tanh(x) ** 2)


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return {"x": rng.standard_normal((4, 2, 3)), "w": rng.standard_normal((6, 5)),
            "b": rng.standard_normal(5), "scores": rng.standard_normal((6, 4)),
            "y": rng.integers(0, 4, size=6)}


def central(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += h
        down[index] -= h
        grad[index] = (f(up) - f(down)) / (2 * h)
    return grad


def test_a_correct_affine_layer_passes_against_the_exact_reference(data):
    report = check_layer(affine_forward, affine_backward, data["x"], data["w"], data["b"])
    assert report.ok, report.explanation()
    assert report.reference == "exact" and len(report.errors) == 3
    assert max(report.errors) < 1e-10
    assert [c.name for c in report.inputs] == ["x", "w", "b"]


def test_the_exact_reference_agrees_with_central_differences(data):
    x, w, b = data["x"], data["w"], data["b"]
    dout = np.random.default_rng(0).standard_normal((4, 5))  # the default dout: seeded, seed 0
    report = check_layer(affine_forward, affine_backward, x, w, b)
    numeric_w = central(lambda w2: float(np.sum(affine_forward(x, w2, b)[0] * dout)), w)
    numeric_b = central(lambda b2: float(np.sum(affine_forward(x, w, b2)[0] * dout)), b)
    assert np.allclose(report.inputs[1].reference, numeric_w, atol=1e-6)
    assert np.allclose(report.inputs[2].reference, numeric_b, atol=1e-6)


def test_db_summed_over_the_wrong_axis_fails_and_names_the_bias(data):
    report = check_layer(affine_forward, affine_backward_db_wrong_axis, data["x"], data["w"], data["b"])
    assert not report.ok
    verdicts = {c.name: c.verdict for c in report.inputs}
    assert verdicts["x"] == "ok" and verdicts["w"] == "ok"
    assert "your gradient for b has shape (4,); b has shape (5,)" in verdicts["b"]
    assert report.errors[2] == float("inf")
    assert json.loads(json.dumps(report.to_dict(), allow_nan=False))["inputs"][2]["max_error"] == "inf"
    with pytest.raises(AssertionError, match="- b: your gradient for b"):
        report.assert_ok()


def test_db_over_the_wrong_axis_with_a_square_output_fails_by_value():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    report = check_layer(affine_forward, affine_backward_db_wrong_axis, x, w, b)
    assert [c.name for c in report.inputs if c.verdict != "ok"] == ["b"]
    assert report.inputs[2].verdict.startswith("wrong: at (")


def test_a_wrong_dw_fails_naming_w(data):
    report = check_layer(affine_forward, affine_backward_dw_transposed, data["x"], data["w"], data["b"])
    assert [c.name for c in report.inputs if c.verdict != "ok"] == ["w"]
    assert report.errors[1] > 0.1


def test_relu_right_and_without_its_mask(data):
    x = data["scores"]
    assert check_layer(relu_forward, relu_backward, x).ok
    report = check_layer(relu_forward, relu_backward_no_mask, x)
    assert not report.ok and report.inputs[0].name == "x"


def test_softmax_loss_returning_its_gradient(data):
    report = check_layer(softmax_loss, None, data["scores"], data["y"])
    assert report.ok, report.explanation()
    assert [c.name for c in report.inputs] == ["x"]  # the integer labels are constants
    numeric = central(lambda s: softmax_loss(s, data["y"])[0], data["scores"])
    assert np.allclose(report.inputs[0].reference, numeric, atol=1e-6)
    wrong = check_layer(softmax_loss_no_mean, None, data["scores"], data["y"])
    assert not wrong.ok and "wrong" in wrong.inputs[0].verdict


def test_a_forward_that_makes_floats_falls_back_to_finite_differences(data):
    def forward(x):
        return tanh_forward_as_floats(x), (x,)

    report = check_layer(forward, tanh_backward, data["scores"])
    assert report.reference == "finite differences" and "no Values" in report.reason
    assert report.ok and report.tolerance == 1e-5

    def wrong_backward(dout, cache):
        return tanh_backward(dout, cache) * 1.01

    assert not check_layer(forward, wrong_backward, data["scores"]).ok


def test_wrt_by_name_and_bad_arguments(data):
    report = check_layer(affine_forward, lambda dout, cache: affine_backward(dout, cache)[1],
                         data["x"], data["w"], data["b"], wrt=["w"])
    assert report.ok and [c.name for c in report.inputs] == ["w"]
    report = check_layer(affine_forward, affine_backward, data["x"], data["w"], data["b"], wrt=["b"])
    assert report.ok and [c.name for c in report.inputs] == ["b"]  # three returned: b's is picked
    two = check_layer(affine_forward, lambda dout, cache: affine_backward(dout, cache)[:2],
                      data["x"], data["w"], data["b"])
    assert not two.ok and "returned 2 gradient(s) for 3" in two.inputs[0].verdict
    with pytest.raises(ValueError, match="wrt names 'q'"):
        check_layer(affine_forward, affine_backward, data["x"], data["w"], data["b"], wrt=["q"])
    with pytest.raises(ValueError, match="dout has shape"):
        check_layer(affine_forward, affine_backward, data["x"], data["w"], data["b"], dout=np.ones(3))
    with pytest.raises(ValueError, match="more than max_elements=10"):
        check_layer(affine_forward, affine_backward, data["x"], data["w"], data["b"], max_elements=10)


def test_html_and_text(data):
    report = check_layer(affine_forward, affine_backward_db_wrong_axis, data["x"], data["w"], data["b"])
    assert "NOT OK" in str(report) and "b" in str(report)
    assert "<table>" in report._repr_html_()


def test_a_forward_that_writes_into_its_input_is_still_checked_exactly(data):
    def double_in_place(x):
        x *= 2.0  # a student's in-place op: writes new elements into its argument
        return x, None

    def backward(dout, cache):
        return 2.0 * dout

    x = data["scores"]
    before = x.copy()
    report = check_layer(double_in_place, backward, x)
    assert report.reference == "exact" and report.ok, report.explanation()
    assert np.array_equal(x, before)  # the caller's array is left alone
