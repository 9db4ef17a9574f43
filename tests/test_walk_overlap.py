"""Eager walks that overlap: a backward() run inside another walk's partials, walks in
several threads over shared parameters, and a node copied in the middle of a walk.

Each result is compared with central finite differences (and with the dict-based general
walk, which keeps its gradients in a dict of its own and so cannot be disturbed).
"""

from __future__ import annotations

import copy
import pickle
import sys
import threading

from autograd_lite import Value, define_op, gradients

from .helpers import central_differences, close


def _general(root: Value) -> dict:
    # on_step forces gradients() onto the dict-based general walk.
    return gradients(root, on_step=lambda *step: None)


def test_a_backward_inside_partials_leaves_both_walks_right(op_name):
    w = Value(3.0)
    shared = w * 2.0  # a graph that the op's partials and the outer loss both reach

    def partials(x, out):
        if type(x) is float:  # eager: walk a graph shared with the outer walk, mid-walk
            (shared * shared).backward()
        return (2.0 * x,)

    square = define_op(op_name("square"), lambda x: x * x, partials)
    loss = square(shared) + w * w
    got = gradients(loss)[w]
    # loss = (2w)^2 + w^2: one nested backward ran per walk, each adding d (2w)^2 / dw to w.grad
    (want,) = central_differences(lambda v: (2.0 * v) ** 2 + v * v, [3.0])
    (inner,) = central_differences(lambda v: (2.0 * v) ** 2, [3.0])
    assert close(got, want, 1e-6)
    assert close(w.grad, inner, 1e-6)
    w.grad = 0.0
    assert close(_general(loss)[w], want, 1e-6)
    assert close(w.grad, inner, 1e-6)
    w.grad = 0.0
    loss.backward()  # the outer walk through backward(): the nested one added its share too
    assert close(w.grad, want + inner, 1e-6)


def _model(params: list[Value], xs: list[float]) -> Value:
    total = Value(0.0)
    for i, x in enumerate(xs):
        h = (params[0] * x + params[1]).tanh() * params[2] + (params[3] * x).sigmoid()
        total = total + (h - 0.1 * i) ** 2
    return total


def test_walks_in_threads_over_shared_parameters():
    start = [0.3, -0.7, 1.1, 0.5]
    params = [Value(p) for p in start]
    xs = [0.01 * i for i in range(150)]
    loss = _model(params, xs)
    want = central_differences(lambda *p: _model([Value(v) for v in p], xs).data, start)
    reference = _general(loss)
    for p, g in zip(params, want):
        assert close(reference[p], g, 1e-5)
    errors: list[BaseException] = []
    results: list[list[float]] = []

    def work() -> None:
        try:
            for _ in range(20):
                grads = gradients(loss)
                results.append([grads[p] for p in params])
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows: walks interleave
    try:
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors
    assert len(results) == 80
    for row in results:  # same nodes, same order of accumulation: the same bits as the general walk
        assert row == [reference[p] for p in params]


def test_a_node_copied_mid_walk_does_not_confuse_later_walks(op_name):
    w = Value(1.5)
    shared = w.tanh()
    copies: list[Value] = []

    def partials(x, out):
        if type(x) is float:
            copies.append(copy.copy(shared))  # the walk's scratch is in shared right now
        return (3.0,)

    triple = define_op(op_name("triple"), lambda x: 3.0 * x, partials)
    gradients(triple(shared))
    (want,) = central_differences(lambda v: Value(v).tanh().data * 2.0, [1.5])
    assert copies and all(twin._g is None for twin in copies)  # no scratch carried along
    for twin in copies:
        loss = twin * 2.0  # the copy is an interior node of a new graph
        assert close(gradients(loss)[twin._prev[0]], want, 1e-6)


def test_a_pickled_leaf_keeps_its_number_and_leaves_the_scratch():
    leaf = Value(2.5, label="w")
    leaf.grad = 4.0
    twin = pickle.loads(pickle.dumps(leaf))
    assert (twin.data, twin.grad, twin.label, twin._g, twin._prev) == (2.5, 4.0, "w", None, ())
    loss = twin * twin
    assert close(gradients(loss)[twin], 5.0, 1e-12)  # d w^2 / dw = 2w
