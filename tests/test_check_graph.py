"""check_graph: a graph the learner built and backpropagated, read through micrograd's or
microgpt's attributes, rebuilt in autograd_lite and checked node by node."""

from __future__ import annotations

import json
import math

import pytest

from autograd_lite import Value, check_graph

from .helpers import central_differences, close
from .learner_engines import learner_engine, local_grads_engine

micrograd = pytest.importorskip("micrograd.engine")


def micrograd_loss(x1=2.0, x2=0.5):
    value = micrograd.Value
    a, b = value(x1), value(x2)
    w, c = value(-3.0), value(0.7)
    z = a * w + b * b + c          # b * b: micrograd's set keeps one child
    h = z.relu()
    loss = (h - 1) ** 2 + (a + a) + z  # a + a: one child, meaning 2a
    return loss, a, b


def test_a_micrograd_graph_checks_out_and_its_leaves_match_finite_differences():
    loss, a, b = micrograd_loss()
    loss.backward()
    report = check_graph(loss)
    assert report.ok, report.explanation()
    assert "through _prev and _op" in report.graph_access
    # the reference check_graph agreed with is the truth: central differences of the forward
    da, db = central_differences(lambda x1, x2: micrograd_loss(x1, x2)[0].data, [2.0, 0.5])
    assert close(a.grad, da, 1e-6) and close(b.grad, db, 1e-6)


def test_a_wrong_gradient_is_named_with_its_position():
    loss, _, b = micrograd_loss()
    loss.backward()
    b.grad = -b.grad
    report = check_graph(loss)
    assert not report.ok
    message = report.case("gradients").message
    assert "1 of " in message and "of 15, inputs first" in message and "changed after backward" in message
    assert json.dumps(report.to_dict(), allow_nan=False)


def test_a_set_of_one_child_means_the_node_twice():
    value = micrograd.Value
    a = value(1.5)
    out = a * a + a + a  # micrograd's a + a after a * a
    double = a + a
    assert len(double._prev) == 1
    out = out + double
    out.backward()
    assert check_graph(out).ok


def test_a_learner_graph_with_a_wrong_op_names_the_op():
    engine = learner_engine("sub", parents=tuple)
    a, b = engine(1.3), engine(-0.7)
    out = a - b
    a.label, b.label = "a", "b"  # a label, as the lecture's engine has, names the node
    loss = out * 0.5
    loss.backward()
    message = check_graph(loss).case("gradients").message
    assert "first wrong one is b (node #2 of 5" in message
    assert "b.grad should receive −1 ×" in message and "your `__sub__` backward" in message


def test_backward_not_called_is_said_so():
    loss, _, _ = micrograd_loss()
    report = check_graph(loss)
    assert not report.ok and "call" in report.case("gradients").message


def test_a_microgpt_style_graph_is_read_by_its_local_grads():
    node = local_grads_engine()
    p, q = node(1.5), node(-0.4)
    out = ((p * q).exp() + (p - q) ** 2 / q).tanh() + p.relu() + (p * 0.0).relu() + p.log()
    out.backward()
    report = check_graph(out)
    assert report.ok, report.explanation()
    assert report.case("local derivatives").status == "pass"
    assert "_children and _local_grads" in report.graph_access


def test_a_wrong_stored_local_derivative_is_named():
    node = local_grads_engine()
    p = node(1.5)
    e = node(math.exp(p.data), (p,), (p.data,))  # exp's derivative from the input: the classic
    out = e * 2.0
    out.backward()
    report = check_graph(out)
    assert not report.ok
    local = report.case("local derivatives")
    assert local.status == "fail" and "the `exp` rule gives 4.48169" in local.message
    assert "`exp` op" in report.case("gradients").message


def test_a_node_no_rule_fits_keeps_its_numbers_and_says_so():
    node = local_grads_engine()
    p = node(1.5)
    cube_root = node(p.data ** (1 / 3) * 1.01, (p,), (0.25,))  # no rule gives this value
    cube_root.backward()
    report = check_graph(cube_root)
    rules = report.case("rules")
    assert rules.status == "note" and "no rule reproduces node #2" in rules.message
    assert report.ok


def test_autograd_lites_own_graphs_including_microgpt_nodes():
    x = Value(0.8)
    y = Value(x.data * 3.0, (x,), (3.0,))  # microgpt's way, in autograd_lite
    out = (y - 1.0) ** 2 + x.tanh() / 2.0
    out.backward()
    assert check_graph(out).ok


def test_a_deep_graph_is_read_iteratively():
    engine = learner_engine(parents=set)
    y = engine(1.0)
    for _ in range(50_000):  # 100,001 nodes with the constants
        y = y * 1.00001
    y.backward()
    report = check_graph(y)
    assert report.ok and "100,001 nodes" in report.subject
    with pytest.raises(ValueError, match="more than max_nodes=1,000"):
        check_graph(y, max_nodes=1000)


def test_a_cycle_is_a_clear_error():
    value = micrograd.Value
    a = value(1.0)
    b = a + 1
    a._prev = {b}
    with pytest.raises(ValueError, match="cycle"):
        check_graph(b)


def test_an_unknown_op_names_the_hook_and_the_hook_works():
    value = micrograd.Value
    a = value(0.3)
    out = value(math.sin(a.data), (a,), "SIN")

    def _backward():
        a.grad += math.cos(a.data) * out.grad

    out._backward = _backward
    loss = out * 2
    loss.backward()
    with pytest.raises(ValueError, match=r"no rule for op 'SIN'.*ops=\{'SIN': 'tanh'\}"):
        check_graph(loss)
    assert check_graph(loss, ops={"SIN": "sin"}).ok
    assert check_graph(loss, ops={"SIN": lambda x: x.sin()}).ok
    wrong = check_graph(loss, ops={"SIN": lambda x: x.cos()})
    assert not wrong.ok and wrong.case("forward values").status == "fail"
    with pytest.raises(ValueError, match="names no rule"):
        check_graph(loss, ops={"SIN": "sine"})


def test_a_node_without_structure_is_a_type_error():
    with pytest.raises(TypeError, match="neither _prev nor _children"):
        check_graph(3.0)


def test_labels_are_escaped_in_html_and_kept_in_json():
    engine = learner_engine(parents=tuple)
    a = engine(1.3)
    a.label = "<script>alert(1)</script>"
    out = a * 2.0
    out.backward()
    a.grad = 5.0
    report = check_graph(out)
    assert "<script>" in report.case("gradients").message
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<script>" in json.loads(json.dumps(report.to_dict(), allow_nan=False))["cases"][-1]["message"]
