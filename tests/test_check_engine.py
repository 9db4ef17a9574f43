"""check_engine as a reference: every mutant of a correct learner's engine is caught and the right
op named; correct engines (ours in tests/learner_engines.py, micrograd 0.1.0, a microgpt-style
one) come out ok. The truth the mutants are judged by is independent of the checker: each mutant
differs from the correct engine in one op's backward, which central differences confirm."""

from __future__ import annotations

import json
import math
import sys

import pytest

from autograd_lite import Value, check_engine
from autograd_lite.check import CASES
from autograd_lite.viz import to_dot

from .helpers import central_differences, close
from .learner_engines import BUGS, NAMED, learner_engine, local_grads_engine

micrograd = pytest.importorskip("micrograd.engine")


def bad_cases(report):
    return [c for c in report.cases if c.status in ("fail", "error")]


@pytest.mark.parametrize("parents", [set, tuple])
def test_a_correct_engine_passes_every_case_it_can_build(parents):
    report = check_engine(learner_engine(parents=parents))
    assert report.ok, report.explanation()
    assert report.first_failure is None
    statuses = {c.name: c.status for c in report.cases}
    assert statuses["a ** b"] == "skip"  # this engine refuses Value exponents: a skip, not a failure
    assert sum(s == "pass" for s in statuses.values()) >= 30
    assert "read through _prev and _op" in report.graph_access


def test_the_correct_engine_agrees_with_central_differences():
    # The engine the mutants are made from is itself right, by an independent truth.
    engine = learner_engine(parents=tuple)

    def f(a, b):
        x, y = engine(a), engine(b)
        return ((x * y - x / y + (-x) ** 2).tanh() + (x * 0.3).exp() + y.sigmoid() - x.log() + y.relu()).data

    x, y = engine(1.3), engine(-0.7)
    out = (x * y - x / y + (-x) ** 2).tanh() + (x * 0.3).exp() + y.sigmoid() - x.log() + y.relu()
    out.backward()
    dx, dy = central_differences(f, [1.3, -0.7])
    assert close(x.grad, dx, 1e-6) and close(y.grad, dy, 1e-6)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_every_op_mutant_is_caught_and_its_op_named(bug):
    op, method = NAMED[bug]
    report = check_engine(learner_engine(bug, parents=tuple))
    assert not report.ok
    failing = bad_cases(report)
    assert failing and all(c.status == "fail" for c in failing)
    for case in failing:  # every failing case blames the mutated op, by its op string
        assert f"the `{op}" in case.message, (case.name, case.message)
    assert f"your `{method}`" in report.first_failure.message
    with pytest.raises(AssertionError, match=method):
        report.assert_ok()


class F(float):
    """A float with the methods the cases call: the cases run on plain numbers."""

    def __add__(self, o): return F(float(self) + float(o))
    def __radd__(self, o): return F(float(o) + float(self))
    def __sub__(self, o): return F(float(self) - float(o))
    def __rsub__(self, o): return F(float(o) - float(self))
    def __mul__(self, o): return F(float(self) * float(o))
    def __rmul__(self, o): return F(float(o) * float(self))
    def __truediv__(self, o): return F(float(self) / float(o))
    def __rtruediv__(self, o): return F(float(o) / float(self))
    def __pow__(self, o): return F(float(self) ** float(o))
    def __neg__(self): return F(-float(self))
    def tanh(self): return F(math.tanh(self))
    def exp(self): return F(math.exp(self))
    def log(self): return F(math.log(self))
    def relu(self): return F(max(float(self), 0.0))
    def sigmoid(self): return F(1 / (1 + math.exp(-self)))


def on_floats(case, xs):
    """The case's root on plain floats, its leaves (made by V(x), in order) set to xs."""
    values = iter(xs)
    return float(case.build(lambda _: F(next(values)))[-1][1])


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_the_mutants_are_wrong_by_central_differences(bug):
    # Independent of the checker: the case that catches the mutant really gives a wrong gradient.
    first = check_engine(learner_engine(bug, parents=tuple)).first_failure
    case = next(c for c in CASES if c.name == first.name)
    made = case.build(learner_engine(bug, parents=tuple))
    made[-1][1].backward()
    leaves = [node for _, node in made if not node._prev]
    numerical = central_differences(lambda *xs: on_floats(case, xs), [node.data for node in leaves])
    assert any(not close(node.grad, d, 1e-5) for node, d in zip(leaves, numerical))
    correct = case.build(learner_engine(parents=tuple))
    correct[-1][1].backward()
    assert all(close(node.grad, d, 1e-5) for node, d in
               zip([n for _, n in correct if not n._prev], numerical))


def test_the_sign_of_minus_is_named_in_words_and_numbers():
    report = check_engine(learner_engine("sub", parents=tuple))
    assert report.first_failure.name == "a - b"
    assert report.first_failure.message == ("b.grad should receive −1 × out.grad = −0.5; yours received +0.5 "
                                            "(the `-` op: your `__sub__` backward)")


@pytest.mark.parametrize("parents", [set, tuple])
def test_a_lost_plus_equals_has_its_own_words(parents):
    report = check_engine(learner_engine("assign", parents=parents))
    assert not report.ok
    first = report.first_failure
    assert first.name == "a + a"
    assert "overwrites (`=`) where it must accumulate (`+=`)" in first.message
    assert "1 + 1 = 2; yours is 1" in first.message


def test_a_recursive_sort_is_a_limit_not_a_failure_unless_strict():
    engine = learner_engine(parents=tuple, sort="recursive")
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)  # the caller's limit does not matter: the guard sets its own
    try:
        report = check_engine(engine)
    finally:
        sys.setrecursionlimit(old)
    chain = report.case("deep chain (2,000 nodes)")
    assert chain.status == "limit" and "recursive topological sort" in chain.message
    assert "explicit stack" in chain.message
    assert report.ok and not check_engine(engine, strict=True).ok
    assert sys.getrecursionlimit() == old


def test_a_backward_without_topological_order_is_named():
    # Tuple parents make the breadth-first walk deterministic: y + y*3 visits y before y*3.
    report = check_engine(learner_engine(parents=tuple, sort="none"))
    failing = bad_cases(report)
    assert [c.name for c in failing] == ["diamond: y + y*3"]
    assert "reverse topological order" in failing[0].message
    assert "while y.grad was 1" in failing[0].message and "ended at 4" in failing[0].message


def test_missing_order_is_found_without_backward_closures_too():
    # microgpt's style: no _backward to watch; the stored local derivatives are right, so the
    # wrong gradient can only come from the order.
    engine = local_grads_engine()

    def breadth_first(self):
        from collections import deque

        self.grad = 1.0
        queue, seen = deque([self]), {self}
        while queue:
            node = queue.popleft()
            for child, local in zip(node._children, node._local_grads):
                child.grad += local * node.grad
                if child not in seen:
                    seen.add(child)
                    queue.append(child)

    engine.backward = breadth_first
    report = check_engine(engine)
    assert not report.ok
    assert all("reverse topological order" in c.message for c in bad_cases(report))


def test_micrograd_0_1_0_is_ok():
    report = check_engine(micrograd.Value)
    assert report.ok, report.explanation()
    statuses = {c.name: c.status for c in report.cases}
    assert statuses["tanh(a)"] == "skip" and statuses["exp(a)"] == "skip"
    assert statuses["a - b"] == "pass" and statuses["a + a"] == "pass"
    assert statuses["deep chain (2,000 nodes)"] == "limit"  # micrograd sorts recursively
    twice = report.case("second backward, no zeroing")
    assert twice.status == "note" and "12 → 36" in twice.message and "micrograd's way" in twice.message


def test_a_microgpt_style_engine_is_ok():
    report = check_engine(local_grads_engine())
    assert report.ok, report.explanation()
    assert "_children and _local_grads" in report.graph_access
    assert report.case("exp(1000)").status == "note"  # math.exp raises: a note


def test_autograd_lite_checks_itself_and_accumulates():
    report = check_engine(Value)
    assert report.ok, report.explanation()
    assert all(c.status in ("pass", "note") for c in report.cases)
    assert "accumulates" in report.case("second backward, no zeroing").message


def test_a_stored_local_derivative_that_is_wrong_is_named():
    engine = local_grads_engine()

    def exp_from_input(self):
        return engine(math.exp(self.data), (self,), (self.data,))

    engine.exp = exp_from_input
    report = check_engine(engine)
    assert not report.ok
    assert "the `exp` op: your `exp` backward" in report.case("exp(a)").message


def test_large_inputs_tanh_that_raises_or_gives_nan_is_an_error():
    raising = learner_engine(parents=tuple)

    def tanh_by_exp(self):
        e = math.exp(2 * self.data)
        out = raising((e - 1) / (e + 1), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data ** 2) * out.grad

        out._backward = _backward
        return out

    raising.tanh = tanh_by_exp
    report = check_engine(raising)
    case = report.case("tanh(1000)")
    assert case.status == "error" and "OverflowError" in case.message
    assert report.case("tanh(30)").status == "pass"

    nan_engine = learner_engine(parents=tuple)

    def tanh_nan(self):
        e = math.inf if self.data > 300 else math.exp(2 * self.data)
        out = nan_engine((e - 1) / (e + 1), (self,), "tanh")
        out._backward = lambda: None
        return out

    nan_engine.tanh = tanh_nan
    report = check_engine(nan_engine)
    case = report.case("tanh(1000)")
    assert case.status == "error" and "NaN at a large input" in case.message
    json.dumps(report.to_dict(), allow_nan=False)


def test_relu_at_zero_is_a_note_stating_the_convention():
    engine = learner_engine(parents=tuple)

    def relu_one_at_zero(self):
        out = engine(max(self.data, 0.0), (self,), "ReLU")

        def _backward():
            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    engine.relu = relu_one_at_zero
    report = check_engine(engine)
    case = report.case("relu(0)")
    assert case.status == "note" and "takes 0" in case.message and "yours gives 1" in case.message
    assert report.ok


def test_second_backward_facts_and_a_stateful_backward():
    resets = learner_engine(parents=tuple)
    original = resets.backward

    def zeroing_backward(self):
        from autograd_lite.check import read_graph

        for node in read_graph(self).nodes:
            node.grad = 0.0
        original(self)

    resets.backward = zeroing_backward
    assert "resets" in check_engine(resets).case("second backward, no zeroing").message

    stateful = learner_engine(parents=tuple)
    visited = set()  # kept between calls: a second backward visits nothing

    def remembering_backward(self):
        self.grad = 1.0
        order, stack = [], [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((c, False) for c in node._prev)
        for node in reversed(order):
            node._backward()

    stateful.backward = remembering_backward
    case = check_engine(stateful).case("second backward after zeroing")
    assert case.status == "fail" and "keeps state between calls" in case.message


def test_an_exception_inside_backward_is_an_error_and_the_battery_goes_on():
    engine = learner_engine(parents=tuple)

    def broken(self):
        raise KeyError("no such node")

    engine.exp = lambda self: _exp_with_backward(engine, self, broken)
    report = check_engine(engine)
    case = report.case("exp(a)")
    assert case.status == "error" and "KeyError" in case.message
    assert report.case("tanh(a)").status == "pass"
    assert not report.ok


def _exp_with_backward(engine, x, backward):
    out = engine(math.exp(x.data), (x,), "exp")
    out._backward = lambda: backward(out)
    return out


def test_report_table_json_html_and_drawing():
    report = check_engine(learner_engine("sub", parents=tuple))
    text = str(report)
    assert "NOT OK" in text and "a - b" in text and "fail" in text
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False))["first_failure"] == "a - b"
    assert data["ok"] is False and data["cases"][0]["status"] == "pass"
    root, options = report.draw_options("a - b")
    dot = to_dot(root, **options)
    assert "yours +0.5 / reference −0.5 (wrong)" in dot and "#ffb3b3" in dot
    assert "yours +0.5 / reference +0.5" in dot  # out: right
    assert report.draw("a - b") is not None
    with pytest.raises(KeyError, match="no case named"):
        report.draw("nonsense")


def test_html_escapes_the_learners_text():
    engine = learner_engine(parents=tuple)

    def hostile(self):
        raise ValueError("<script>alert(1)</script>")

    engine.sigmoid = hostile
    report = check_engine(engine)
    assert "<script>" in report.case("sigmoid(a)").message
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_class_is_required():
    with pytest.raises(TypeError, match="expected a class"):
        check_engine(Value(1.0))


class Hidden:
    """An engine that keeps its graph to itself (no _prev, no _children), `-` with a sign bug."""

    def __init__(self, data, parents=(), grads=()):
        self.data, self.grad, self.parents, self.grads = data, 0.0, parents, grads

    @staticmethod
    def wrap(x):
        return x if isinstance(x, Hidden) else Hidden(x)

    def __add__(self, other):
        other = Hidden.wrap(other)
        return Hidden(self.data + other.data, (self, other), (1.0, 1.0))

    def __sub__(self, other):
        other = Hidden.wrap(other)
        return Hidden(self.data - other.data, (self, other), (1.0, 1.0))  # the bug: +1 for b

    def __mul__(self, other):
        other = Hidden.wrap(other)
        return Hidden(self.data * other.data, (self, other), (other.data, self.data))

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen, stack = [], {self}, [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            stack.append((node, True))
            for parent in node.parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, False))
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.grads):
                parent.grad += local * node.grad


def test_an_engine_that_hides_its_graph_is_checked_on_the_checkers_nodes():
    report = check_engine(Hidden)
    assert "not compared" in report.graph_access
    assert report.first_failure.name == "a - b"
    assert report.first_failure.message == ("b.grad should receive −1 × out.grad = −0.5; yours received +0.5 "
                                            "(the `-` op: your `__sub__` backward)")
    assert report.case("a * b").status == "pass" and report.case("a / b").status == "skip"


def test_a_class_that_builds_nothing_is_not_ok():
    class Pair:
        def __init__(self, data, other):
            self.data = data

    report = check_engine(Pair)
    assert not report.ok
    assert "nothing was checked" in report.first_failure.message
    assert "TypeError" in report.first_failure.message


def test_an_engine_whose_ops_copy_their_operands_gets_a_report_not_a_crash():
    # Its graph holds copies, not the nodes the case made: the checker's own nodes are compared
    # (a, b get nothing: their ops' closures write to nodes the walk never reaches).
    report = check_engine(learner_engine("copies", parents=tuple))
    assert not report.ok
    assert "not in your graph" in report.graph_access
    assert report.case("relu(0)").status == "note"
    assert report.case("second backward, no zeroing").status == "note"
    assert not any("checking this case raised" in c.message for c in report.cases)


def test_sys_exit_in_backward_is_an_error_case_not_an_exit():
    engine = learner_engine(parents=tuple)
    engine.backward = lambda self: sys.exit(0)
    report = check_engine(engine)  # returns: the SystemExit did not escape
    assert not report.ok
    assert report.first_failure.status == "error" and "SystemExit" in report.first_failure.message


def test_a_constructor_that_needs_more_arguments_is_not_blamed_on_tanh():
    base = learner_engine(parents=tuple)

    class Labelled(base):
        def __init__(self, data, label, _children=(), _op=""):
            super().__init__(data, _children, _op)

    report = check_engine(Labelled)
    assert not report.ok
    assert report.case("tanh(1000)").status == "skip"
    assert not any("must work at large inputs" in c.message for c in report.cases)
    assert report.case("any case at all").status == "error"


def test_a_missing_order_without_visible_closures_is_not_blamed_on_one_op_alone():
    # the backward functions live under a name the checker cannot know: no op can be run alone,
    # so a wrong share may be the op's or the walk's order, and the words say both
    engine = learner_engine(parents=tuple, sort="none", closure="_grad_fn")
    report = check_engine(engine)
    failing = bad_cases(report)
    assert failing
    assert all("order" in c.message for c in failing), [c.message for c in failing]


def test_a_constant_on_the_left_of_power_is_a_case():
    case = next(c for c in CASES if c.name == "2 ** a")
    assert case.method == "__rpow__"
    report = check_engine(learner_engine(parents=tuple))
    assert report.case("2 ** a").status == "pass"
    made = case.build(learner_engine(parents=tuple))
    made[-1][1].backward()
    (da,) = central_differences(lambda x: 0.5 * 2.0 ** x, [made[0][1].data])
    assert close(made[0][1].grad, da, 1e-6)
    wrong = check_engine(learner_engine("rpow", parents=tuple)).case("2 ** a")
    assert wrong.status == "fail" and "`__rpow__`" in wrong.message


@pytest.mark.parametrize("parents", [set, tuple])
def test_an_engine_keeping_constants_in_its_ops_is_ok_and_its_mutant_caught(parents):
    from .learner_engines import constant_engine

    report = check_engine(constant_engine(parents))
    assert report.ok, report.explanation()
    assert "could not be rebuilt" not in report.graph_access, report.graph_access
    bad = check_engine(constant_engine(parents, bug="mul")).first_failure
    assert bad is not None and "`*` op" in bad.message


def test_a_recursive_walk_over_paths_is_worded_as_recursion_too():
    report = check_engine(learner_engine(parents=tuple, sort="recursive"))
    message = report.case("deep chain (2,000 nodes)").message
    assert "recursive backward walk" in message and "recursion over paths" in message


def test_the_table_wraps_long_messages_and_numbers_have_no_negative_zero():
    from autograd_lite.check import MESSAGE_WIDTH, _fmt

    assert _fmt(-0.0) == "0" and _fmt(-0.0, sign=True) == "+0"
    report = check_engine(learner_engine("sub", parents=tuple))
    assert any(len(c.message) > MESSAGE_WIDTH for c in report.cases)
    widest = max(len(line) for line in str(report).splitlines()[3:])
    assert widest <= MESSAGE_WIDTH + max(len(c.name) for c in report.cases) + 30
