"""check_graph: a graph the learner built and backpropagated, read through micrograd's or
microgpt's attributes, rebuilt in autograd_lite and checked node by node."""

from __future__ import annotations

import json
import math

import pytest

from autograd_lite import Value, check_graph

from .helpers import central_differences, close
from .learner_engines import constant_engine, learner_engine, local_grads_engine

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


class Ordered:
    """A collection that is neither a tuple nor a list (so the checker reads it as a set, with
    no order to trust) but iterates in the order given: both orders of a set, on purpose."""

    def __init__(self, items):
        self.items = list(items)

    def __iter__(self):
        return iter(self.items)


@pytest.mark.parametrize("op", ["-", "/"])
def test_equal_operands_of_a_set_are_never_blamed_in_either_order(op):
    # a - b with a == b: the set cannot say which child is the left one; both readings are
    # tried. Forced both ways, then on many fresh graphs (set order varies).
    engine = learner_engine(parents=set)
    correct = {"-": (1.0, -1.0), "/": (1 / 1.5, -1.5 / 1.5 ** 2)}[op]
    assert all(close(c, d, 1e-6) for c, d in zip(correct, central_differences(
        (lambda x, y: x - y) if op == "-" else (lambda x, y: x / y), [1.5, 1.5])))
    for order in ((0, 1), (1, 0)):
        a, b = engine(1.5), engine(1.5)
        out = a - b if op == "-" else a / b
        out._prev = Ordered([(a, b)[k] for k in order])
        out.backward()
        assert (a.grad, b.grad) == pytest.approx(correct)
        assert check_graph(out).ok, check_graph(out).explanation()
    for _ in range(40):
        a, b = engine(1.5), engine(1.5)
        out = a - b if op == "-" else a / b
        out.backward()
        assert check_graph(out).ok


def test_equal_operands_of_a_set_still_catch_a_wrong_op():
    # the `-` mutant gives both operands +1: no reading of `a - b` does that
    engine = learner_engine("sub", parents=set)
    for order in ((0, 1), (1, 0)):
        a, b = engine(1.5), engine(1.5)
        out = a - b
        out._prev = Ordered([(a, b)[k] for k in order])
        out.backward()
        report = check_graph(out)
        assert not report.ok and "`-` op" in report.case("gradients").message


def set_pow_engine(parents, bug=None):
    """The test engine with micrograd's `**` spelt without its exponent (op string "**")."""
    engine = learner_engine(bug, parents=parents)
    original = engine.__pow__

    def power(self, k):
        out = original(self, k)
        out._op = "**"
        return out

    engine.__pow__ = power
    return engine


@pytest.mark.parametrize("parents", [set, tuple])
def test_a_power_without_its_exponent_in_the_op_string_is_read_from_the_values(parents):
    engine = set_pow_engine(parents)
    for x, k in ((1.5, 2), (0.7, -1.5), (-2.0, 3)):
        a = engine(x)
        loss = (a ** k) * 3.0
        loss.backward()
        (da,) = central_differences(lambda v, k=k: (v ** k) * 3.0, [x])
        assert close(a.grad, da, 1e-6)
        report = check_graph(loss)
        assert report.ok, report.explanation()
    wrong = set_pow_engine(parents, "pow")
    a = wrong(1.5)
    loss = (a ** 2) * 3.0
    loss.backward()
    assert not check_graph(loss).ok


def test_a_power_whose_exponent_the_values_cannot_tell_is_not_judged_below_it():
    engine = set_pow_engine(tuple)
    one = engine(1.0)
    loss = (one ** 3) * 2.0  # 1 ** k is 1 for every k: one.grad cannot be judged
    loss.backward()
    report = check_graph(loss)
    assert report.ok, report.explanation()
    assert "exponent" in report.case("unknown derivatives").message
    view = report.case("gradients").view
    assert view.yours[0] is None and view.yours[-1] == 1.0  # the leaf left out, the rest compared
    loss.grad = 2.0
    assert not check_graph(loss).ok


@pytest.mark.parametrize("parents", [set, tuple])
def test_a_number_kept_inside_the_op_is_read_as_a_constant(parents):
    engine = constant_engine(parents)
    for x in (1.5, -0.4):
        leaf = engine(x)
        loss = (leaf * 2.0 + 1.0).tanh() + leaf * 1.5 + (3.0 - leaf)  # leaf * 1.5 at 1.5 is also 1.5²
        loss.backward()
        (dx,) = central_differences(lambda v: math.tanh(v * 2.0 + 1.0) + v * 1.5 + (3.0 - v), [x])
        assert close(leaf.grad, dx, 1e-6)
        report = check_graph(loss)
        assert report.ok, report.explanation()
    leaf = constant_engine(parents, bug="mul")(0.8)
    loss = (leaf * 2.0).tanh()
    loss.backward()
    assert not check_graph(loss).ok


def test_a_graph_without_op_strings_is_refused_not_guessed():
    # x * 2 = 4 = x + 2: with neither _op nor stored derivatives nothing tells them apart
    engine = learner_engine(parents=tuple, op_strings=False)
    x = engine(2.0)
    y = x * 2.0
    y.backward()
    with pytest.raises(ValueError, match="neither an op string"):
        check_graph(y)


def test_nan_data_is_not_a_forward_failure():
    engine = learner_engine(parents=tuple)
    a = engine(float("nan"))
    out = a * 2.0
    out.backward()
    report = check_graph(out)
    assert report.case("forward values").status == "pass"
    assert "−0" not in str(report)
    assert json.dumps(report.to_dict(), allow_nan=False)


def test_a_redefined_op_is_not_read_by_its_old_rule():
    from autograd_lite import define_op

    engine = learner_engine(parents=tuple)
    define_op("check_twice", lambda x: 2 * x, lambda x, out: (2.0,), replace=True)
    try:
        a = engine(1.5)
        out = engine(3.0, (a,), "check_twice")
        out.grad, a.grad = 1.0, 2.0
        assert check_graph(out).ok
        define_op("check_twice", lambda x: 2 * x, lambda x, out: (3.0,), replace=True)
        assert not check_graph(out).ok  # the new rule's derivative, not a cached old one
    finally:
        from autograd_lite.ops import RULES

        RULES.pop("check_twice", None)


def test_a_stored_derivative_that_fits_another_rule_is_said_so():
    # exp at 0 storing its input (0) as the derivative: cos(0) = 1 has derivative −sin 0 = 0, so
    # the graph fits cos; not blamed (it may be cos), but said
    engine = local_grads_engine()
    x = engine(0.0)
    y = engine(1.0, (x,), (0.0,))
    z = y * 3.0
    z.backward()
    report = check_graph(z)
    assert report.ok
    note = report.case("rules").message
    assert "read as `cos`" in note and "`exp` gives that value too" in note


def test_a_grad_that_is_not_a_number_is_a_clear_error_naming_the_node():
    engine = learner_engine(parents=tuple)
    a = engine(2.0)
    a.label = "a"
    out = a * 3.0
    out.backward()
    a.grad = "oops"
    with pytest.raises(TypeError, match=r"a\.grad is not a number: str"):
        check_graph(out)


def test_a_set_child_used_twice_that_lost_a_share_is_noted_not_hidden():
    # `a + a` under a lost `+=` gives a.grad = 1: exactly what `a + 1.5` kept in the op would
    # give. The graph cannot tell them apart, so it is not blamed, but the note says both.
    engine = learner_engine("assign", parents=set)
    a = engine(1.5)
    out = a + a
    out.backward()
    report = check_graph(out)
    assert report.ok
    note = report.case("readings").message
    assert "add_const with the number 1.5" in note and "`=` where `+=` belongs" in note
    correct = learner_engine(parents=set)
    a = correct(1.5)
    out = a + a
    out.backward()
    assert [c.name for c in check_graph(out).cases] == ["forward values", "gradients"]
