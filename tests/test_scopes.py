"""Named scopes: tagging (nesting, exceptions, no_grad, threads and asyncio tasks, labels),
the collapsed drawing (`collapse=depth`) and the one-scope drawing (`scope=path`) checked
against the test's own record of where each node was made, bad arguments, the node limit,
the memory a scope costs per node (none), and rendering through `dot`."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import html
import random
import re
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, enable_grad, gradients, is_grad_enabled, no_grad, scope
from autograd_lite.tape import Tape
from autograd_lite.viz import draw_dot, to_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot binary is not installed")
OUTSIDE = "outside every scope"


# ---------------------------------------------------------------------------
# Tagging


def test_nested_scopes_tag_the_nodes_made_inside_with_their_full_path():
    w = Value(0.5)  # a parameter made outside every scope
    with scope("layer0") as path0:
        a = w * 2.0
        with scope("attention"), scope("head1") as path1:
            b = a + w
            leaf = Value(3.0)
        c = b.tanh()
    d = c * c
    assert (path0, path1) == ("layer0", "layer0/attention/head1")
    assert [v.scope for v in (w, a, b, leaf, c, d)] == [
        "", "layer0", "layer0/attention/head1", "layer0/attention/head1", "layer0", ""]


def test_the_same_name_in_two_places_makes_two_scopes_and_reentry_makes_the_same_one():
    attention = scope("attention")
    with scope("layer0"), attention:
        a = Value(1.0) + 1.0
    with scope("layer1"), attention:
        b = Value(1.0) + 1.0
    with attention:
        c = Value(1.0) + 1.0
    assert (a.scope, b.scope, c.scope) == ("layer0/attention", "layer1/attention", "attention")


def test_an_exception_inside_a_scope_restores_the_outer_scope():
    with scope("outer"):
        with pytest.raises(RuntimeError, match="boom"), scope("inner"):
            raise RuntimeError("boom")
        assert (Value(1.0) * 2.0).scope == "outer"
        with pytest.raises(ZeroDivisionError), scope("inner"), no_grad():
            Value(1.0) / 0.0  # the engine's own error, raised inside no_grad inside a scope
        after = Value(1.0) * 2.0
        assert after.scope == "outer" and after._prev and is_grad_enabled()
    assert (Value(1.0) * 2.0).scope == ""


def test_no_grad_inside_a_scope_makes_tagged_leaves_and_enable_grad_records_with_the_scope():
    x = Value(2.0)
    with scope("s"):
        with no_grad():
            constant = x * 3.0
            with scope("t"):
                inner = x * 4.0
                with enable_grad():
                    recorded = x * 5.0
            assert not is_grad_enabled()
        back = x * 6.0
    with no_grad(), scope("u"):
        unrecorded = x * 7.0
    assert (constant.scope, constant._prev) == ("s", ())
    assert (inner.scope, inner._prev) == ("s/t", ())
    assert (recorded.scope, recorded._prev) == ("s/t", (x,))
    assert (back.scope, back._prev) == ("s", (x,))
    assert (unrecorded.scope, unrecorded._prev) == ("u", ())
    assert is_grad_enabled()


def test_scope_works_as_a_decorator_and_nests_in_recursion():
    @scope("block")
    def twice(x: Value, depth: int) -> Value:
        return x * 2.0 if depth == 0 else twice(x, depth - 1) + 1.0

    with scope("model"):
        y = twice(Value(1.0), 2)
    z = twice(Value(1.0), 0)
    assert y.scope == "model/block" and y._prev[0].scope == "model/block/block"
    assert y._prev[0]._prev[0].scope == "model/block/block/block"
    assert z.scope == "block"


def test_scopes_are_local_to_a_thread():
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, tuple] = {}

    def work(name: str) -> None:
        with scope(name):
            barrier.wait()  # both threads are inside their own scope at the same time
            made = Value(1.0) * 2.0
            barrier.wait()
        seen[name] = (made.scope, (Value(1.0) * 2.0).scope)

    with scope("main"):
        threads = [threading.Thread(target=work, args=(name,)) for name in ("t1", "t2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (Value(1.0) * 2.0).scope == "main"
    # A new thread starts in a fresh context (Python 3.14 may let it inherit the parent's).
    for name in ("t1", "t2"):
        made, after = seen[name]
        assert made in (name, f"main/{name}") and after in ("", "main")


def test_scopes_are_local_to_an_asyncio_task():
    async def work(name: str) -> tuple[str, str]:
        with scope(name):
            await asyncio.sleep(0)  # let the other task run inside its scope
            first = Value(1.0) * 2.0
            await asyncio.sleep(0)
            second = Value(1.0) * 2.0
        return first.scope, second.scope

    async def main() -> list:
        return await asyncio.gather(work("a"), work("b"))

    assert asyncio.run(main()) == [("a", "a"), ("b", "b")]


def test_labels_stay_plain_text_and_setting_one_keeps_the_scope():
    with scope("s"):
        w = Value(1.0, label="w")
        y = w * 2.0
    assert (w.label, w.scope, type(w.label)) == ("w", "s", str)
    assert (y.label, type(y.label), repr(y)) == ("", str, "Value(data=2.0, grad=0.0)")
    y.label = "y"
    assert (y.label, y.scope, type(y.label)) == ("y", "s", str)
    assert repr(y) == "Value(data=2.0, grad=0.0, label='y')"
    twin = copy.deepcopy(y)
    assert (twin.label, twin.scope, twin._prev[0].scope, twin._prev[0].label) == ("y", "s", "s", "w")
    with scope("other"):
        loose = y.detach()
    assert (loose.label, loose.scope) == ("y", "other")
    plain = Value(1.0, label="p")
    plain.label = "q"
    assert (plain.label, plain.scope) == ("q", "")


@pytest.mark.parametrize(("name", "error"), [
    ("", ValueError), ("a/b", ValueError), ("/", ValueError),
    (3, TypeError), (None, TypeError), (b"attention", TypeError),
])
def test_a_bad_scope_name_is_a_clear_error(name, error):
    with pytest.raises(error, match="scope") as caught:
        scope(name)
    assert repr(name) in str(caught.value)


def test_scopes_change_no_number_and_a_tape_replays_a_scoped_graph():
    def build(scoped: bool) -> tuple[list[Value], Value]:
        xs = [Value(0.3), Value(-1.2), Value(2.0)]
        with scope("a") if scoped else contextlib.nullcontext():
            h = (xs[0] * xs[1] + xs[2]).tanh()
        with scope("b") if scoped else contextlib.nullcontext():
            out = (h * xs[0]).exp() + h / xs[2]
        return xs, out

    plain_xs, plain = build(False)
    scoped_xs, scoped = build(True)
    assert scoped.data == plain.data
    plain_grads, scoped_grads = gradients(plain), gradients(scoped)
    assert [scoped_grads[x] for x in scoped_xs] == [plain_grads[x] for x in plain_xs]
    tape = Tape(scoped)
    for x, new in zip(scoped_xs, (0.7, 0.1, -3.0)):
        x.data = new
    for x, new in zip(plain_xs, (0.7, 0.1, -3.0)):
        x.data = new
    assert tape.forward() == build_again(plain_xs)


def build_again(xs: list[Value]) -> float:
    """The same function on fresh unscoped nodes at xs' data: the truth the replay must give."""
    a, b, c = (Value(x.data) for x in xs)
    h = (a * b + c).tanh()
    return ((h * a).exp() + h / c).data


# ---------------------------------------------------------------------------
# A graph built by a random program of scopes and ops, with the test's own record of
# the scope each node was made in (the truth the drawings are checked against).

NAMES = ("a", "b", "c")
steps = st.lists(st.one_of(
    st.tuples(st.just("enter"), st.sampled_from(NAMES)),
    st.tuples(st.just("exit")),
    st.tuples(st.just("leaf")),
    st.tuples(st.just("op"), st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from("+*t")),
    st.tuples(st.just("constant"), st.integers(0, 10**6)),
), min_size=1, max_size=40)


class Built:
    """The graph of a program and, for every node made, the path the test says it is in."""

    def __init__(self, program: list[tuple], final_scope: bool) -> None:
        self.where: dict[Value, str] = {}
        stack: list[str] = []
        open_scopes: list[scope] = []
        nodes = [self.made(Value(0.5 + i, label=f"p{i}"), "") for i in range(3)]  # parameters
        for step in program:
            path = "/".join(stack)
            if step[0] == "enter":
                open_scopes.append(scope(step[1]))
                open_scopes[-1].__enter__()
                stack.append(step[1])
            elif step[0] == "exit" and stack:
                open_scopes.pop().__exit__(None, None, None)
                stack.pop()
            elif step[0] == "leaf":
                nodes.append(self.made(Value(0.1 * len(nodes)), path))
            elif step[0] == "op":
                x, y = nodes[step[1] % len(nodes)], nodes[step[2] % len(nodes)]
                out = x + y if step[3] == "+" else (x * y if step[3] == "*" else x.tanh())
                nodes.append(self.made(out, path))
            elif step[0] == "constant":
                with no_grad():
                    nodes.append(self.made(nodes[step[1] % len(nodes)] * 0.5, path))
        while open_scopes:
            open_scopes.pop().__exit__(None, None, None)
        with scope("loss") if final_scope else contextlib.nullcontext():
            root = nodes[0]
            for node in nodes[1:]:
                root = self.made(root + node, "loss" if final_scope else "")
        self.root = root
        for i, node in enumerate(walk(root)):  # unique names: records can be told apart
            node.label = f"n{i}"

    def made(self, node: Value, path: str) -> Value:
        self.where[node] = path
        return node


def walk(root: Value) -> list[Value]:
    """Every node root depends on, found by the test's own iterative search."""
    seen, stack = {root}, [root]
    while stack:
        for parent in stack.pop()._prev:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=id)


def expected_boxes(built: Built, depth: int) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """{box title: count}, {(title, title): edges} for collapse=depth, from the test's record."""
    def title(path: str) -> str:
        return "/".join(path.split("/")[:depth]) if path else OUTSIDE

    def outside_leaf(node: Value) -> bool:
        return not node._prev and built.where[node] == "" and node is not built.root

    def leaves_title(consumer_title: str) -> str:
        return f"params & inputs {'used ' + OUTSIDE if consumer_title == OUTSIDE else 'of ' + consumer_title}"

    counts: dict[str, int] = {}
    leaves: dict[str, set] = {}
    edges: dict[tuple[str, str], int] = {}
    for node in walk(built.root):
        if outside_leaf(node):
            continue
        here = title(built.where[node])
        counts[here] = counts.get(here, 0) + 1
        for parent in node._prev:
            if outside_leaf(parent):
                there = leaves_title(here)
                leaves.setdefault(there, set()).add(parent)
            else:
                there = title(built.where[parent])
            if there != here:
                edges[there, here] = edges.get((there, here), 0) + 1
    return {**counts, **{t: len(members) for t, members in leaves.items()}}, edges


def drawn_boxes(text: str) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """The boxes (title: the number on their second line) and labelled edges of a collapsed DOT text,
    titles read as Graphviz draws them (entities such as &amp; decoded)."""
    titles, counts = {}, {}
    for box_id, label in re.findall(r'^\s+(s\d+) \[.*label="([^"]*)"', text, flags=re.M):
        lines = html.unescape(label).split("\\n")
        titles[box_id] = lines[0]
        counts[lines[0]] = int(lines[1].split()[0].replace(",", ""))
    edges = {(titles[a], titles[b]): int(n.replace(",", ""))
             for a, b, n in re.findall(r'^\s+(s\d+) -> (s\d+) \[label="([\d,]+)"', text, flags=re.M)}
    return counts, edges


@settings(max_examples=40)
@given(program=steps, final_scope=st.booleans(), depth=st.integers(1, 3))
def test_scope_tags_match_where_each_node_was_made(program, final_scope, depth):
    built = Built(program, final_scope)
    assert all(node.scope == path for node, path in built.where.items())


@settings(max_examples=40)
@given(program=steps, final_scope=st.booleans(), depth=st.integers(1, 3))
def test_collapsed_boxes_hold_exactly_their_nodes_and_edges_count_the_cross_scope_edges(
        program, final_scope, depth):
    built = Built(program, final_scope)
    text = to_dot(built.root, collapse=depth, legend=False)
    counts, edges = drawn_boxes(text)
    assert (counts, edges) == expected_boxes(built, depth)
    holder = "loss" if final_scope and built.root._prev else OUTSIDE
    assert re.search(rf'label="{re.escape(holder)}\\n[\d,]+ nodes?\\n\(holds the output\)"', text)
    nodes = walk(built.root)
    outside = sum(not n._prev and built.where[n] == "" and n is not built.root for n in nodes)
    assert f'label="{len(nodes):,} node' in text and f"({outside:,} of them leaves {OUTSIDE})" in text
    assert to_dot(built.root, collapse=depth, legend=False) == text  # deterministic


def records(text: str) -> dict[str, list[str]]:
    """{node name: the record's other fields} of a node-level DOT text."""
    found = {}
    for label in re.findall(r'shape="record".*label="\{ (.*) \}"', text):
        name, *fields = label.split(" | ")
        found[name] = fields
    return found


@settings(max_examples=40)
@given(program=steps, final_scope=st.booleans(), pick=st.integers(0, 10**6))
def test_a_scope_is_drawn_with_its_nodes_its_inputs_and_its_nodes_used_outside(program, final_scope, pick):
    built = Built(program, final_scope)
    nodes = walk(built.root)
    known = sorted({"/".join(built.where[n].split("/")[:k]) for n in nodes if built.where[n]
                    for k in range(1, built.where[n].count("/") + 2)})
    if not known:
        with pytest.raises(ValueError, match="no node was made in a scope"):
            to_dot(built.root, scope="a")
        return
    chosen = known[pick % len(known)]
    inside = {n for n in nodes if built.where[n] == chosen or built.where[n].startswith(chosen + "/")}
    inputs = {p for n in inside for p in n._prev if p not in inside}
    used = {}
    for consumer in nodes:
        if consumer not in inside:
            for p in consumer._prev:
                if p in inside:
                    where = built.where[consumer] or OUTSIDE
                    used.setdefault(p, {}).setdefault(where, 0)
                    used[p][where] += 1
    drawn = records(to_dot(built.root, scope=chosen, legend=False))
    assert set(drawn) == {n.label for n in inside | inputs}
    for node in inputs:
        assert drawn[node.label][-1] == f"input from {built.where[node] or OUTSIDE}"
    for node in inside:
        expected = [f"{w} ({k})" for w, k in used[node].items()] if node in used else None
        shown = drawn[node.label][-1]
        if expected is None:
            assert not shown.startswith("used outside")
        else:
            assert sorted(shown.removeprefix("used outside by ").split(", ")) == sorted(expected)
    with pytest.raises(ValueError, match="no scope 'zz' in this graph; its scopes: " + re.escape(
            ", ".join(repr(k) for k in known[:30]))):
        to_dot(built.root, scope="zz")


# ---------------------------------------------------------------------------
# A model-shaped graph with counts known by construction


def attention_like(heads: int = 4, width: int = 8) -> tuple[Value, list[Value], list[list[Value]]]:
    """Per head a dot product of the shared inputs with the head's own weights (width muls,
    width - 1 adds) in layer0/attention/head<h>, the heads summed in layer0 (heads - 1 adds),
    then a tanh outside every scope."""
    inputs = [Value(0.1 * i) for i in range(width)]
    weights = [[Value(0.01 * (h + i)) for i in range(width)] for h in range(heads)]
    with scope("layer0"):
        with scope("attention"):
            scores = []
            for h in range(heads):
                with scope(f"head{h}"):
                    score = inputs[0] * weights[h][0]
                    for x, w in zip(inputs[1:], weights[h][1:]):
                        score = score + x * w
                scores.append(score)
        total = scores[0]
        for score in scores[1:]:
            total = total + score
    return total.tanh(), inputs, weights


def test_collapsed_attention_counts_nodes_leaves_and_edges():
    heads, width = 4, 8
    root, _, _ = attention_like(heads, width)
    per_head = 2 * width - 1
    counts, edges = drawn_boxes(to_dot(root, collapse=3, legend=False))
    assert counts == {**{f"layer0/attention/head{h}": per_head for h in range(heads)},
                      **{f"params & inputs of layer0/attention/head{h}": 2 * width for h in range(heads)},
                      "layer0": heads - 1, OUTSIDE: 1}
    assert edges == {**{(f"params & inputs of layer0/attention/head{h}", f"layer0/attention/head{h}"):
                        2 * width for h in range(heads)},
                     **{(f"layer0/attention/head{h}", "layer0"): 1 for h in range(heads)},
                     ("layer0", OUTSIDE): 1}
    counts, edges = drawn_boxes(to_dot(root, collapse=1, legend=False))
    # the inputs are shared by the heads: counted once in the box of their consumer
    assert counts == {"layer0": heads * per_head + heads - 1,
                      "params & inputs of layer0": width * (heads + 1), OUTSIDE: 1}
    assert edges == {("params & inputs of layer0", "layer0"): 2 * width * heads, ("layer0", OUTSIDE): 1}


def test_a_leaf_used_by_two_scopes_is_counted_in_the_leaf_box_of_each():
    shared = Value(2.0)
    with scope("a"):
        a = shared * 3.0
    with scope("b"):
        b = shared * shared
    counts, edges = drawn_boxes(to_dot(a + b, collapse=1, legend=False))
    assert counts == {"a": 1, "b": 1, OUTSIDE: 1, "params & inputs of a": 1, "params & inputs of b": 1}
    assert edges[("params & inputs of b", "b")] == 2  # b = shared * shared: two operand slots


def test_a_graph_without_scopes_and_a_lone_leaf_collapse_to_the_outside_box():
    x = Value(1.0)
    y = (x * 2.0 + 1.0).exp()
    assert drawn_boxes(to_dot(y, collapse=1, legend=False)) == (
        {OUTSIDE: 3, f"params & inputs used {OUTSIDE}": 1}, {(f"params & inputs used {OUTSIDE}", OUTSIDE): 1})
    assert drawn_boxes(to_dot(x, collapse=2, legend=False)) == ({OUTSIDE: 1}, {})


def test_collapsed_boxes_of_sub_scopes_sit_in_a_cluster_of_their_enclosing_scope():
    root, _, _ = attention_like(2, 2)
    text = to_dot(root, collapse=3, legend=False)
    cluster = re.search(r'subgraph cluster_\d+ \{\n\s+label="layer0/attention";(.*?)\n  \}', text, flags=re.S)
    assert cluster and sorted(re.findall(r'label="([^"\\]*)\\n', cluster.group(1))) == [
        "layer0/attention/head0", "layer0/attention/head1"]


# ---------------------------------------------------------------------------
# Arguments, limits, size


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"collapse": 0}, ValueError, "collapse= must be at least 1.*got 0"),
    ({"collapse": -2}, ValueError, "at least 1.*got -2"),
    ({"collapse": 1.0}, TypeError, r"collapse= must be an int.*float \(1.0\)"),
    ({"collapse": True}, TypeError, r"collapse= must be an int.*bool \(True\)"),
    ({"collapse": "1"}, TypeError, r"collapse= must be an int.*str \('1'\)"),
    ({"scope": 3}, TypeError, r"scope= must be a scope's path.*int \(3\)"),
    ({"scope": "layer0/attn"}, ValueError, "no scope 'layer0/attn'.*'layer0', 'layer0/attention', "
                                           "'layer0/attention/head0'"),
    ({"scope": ""}, ValueError, "no scope ''"),
    ({"collapse": 1, "scope": "layer0"}, ValueError, "collapse= .* or scope= .*not both"),
    ({"collapse": 1, "edge_labels": True}, ValueError, "edge_labels .*do not apply"),
])
def test_bad_drawing_arguments_are_clear_errors(options, error, message):
    root, _, _ = attention_like(2, 2)
    for draw in (to_dot, draw_dot):
        with pytest.raises(error, match=message):
            draw(root, **options)


def test_the_node_limit_counts_what_is_drawn_not_the_graph():
    root, _, _ = attention_like(heads=40, width=30)  # 40 * 59 + 39 + 1 nodes and 1,230 leaves
    with pytest.raises(ValueError, match="more than max_nodes=1000"):
        to_dot(root)
    assert len(drawn_boxes(to_dot(root, collapse=1, max_nodes=4, legend=False))[0]) == 3
    with pytest.raises(ValueError, match="collapse=3 makes 82 boxes, more than max_nodes=81"):
        to_dot(root, collapse=3, max_nodes=81)
    assert len(drawn_boxes(to_dot(root, collapse=3, max_nodes=82))[0]) == 82
    # one head: 59 nodes and 60 inputs (its 30 weights, the 30 shared inputs)
    head = to_dot(root, scope="layer0/attention/head7", max_nodes=119, legend=False)
    assert head.count('shape="record"') == 119
    with pytest.raises(ValueError, match="59 nodes and 60 inputs from outside it, more than max_nodes=118"):
        to_dot(root, scope="layer0/attention/head7", max_nodes=118)


def test_a_deep_scoped_graph_is_drawn_without_recursion():
    x = Value(1.0)
    with scope("outer"):
        for i in range(4):
            with scope(f"part{i}"):
                for _ in range(25_000):
                    x = x * 1.0000001
    assert sys.getrecursionlimit() < 25_000
    counts, edges = drawn_boxes(to_dot(x, collapse=2, legend=False))
    assert counts == {**{f"outer/part{i}": 25_000 for i in range(4)}, "params & inputs of outer/part0": 1}
    assert edges[("outer/part2", "outer/part3")] == 1
    assert to_dot(x, scope="outer/part3", max_nodes=25_001, legend=False).count('shape="record"') == 25_001


MEMORY_SCRIPT = textwrap.dedent("""
    import gc, json, sys, tracemalloc
    from autograd_lite import Value, scope

    def chain(links):
        x = Value(1.0)
        for _ in range(links):
            x = x * 1.0001 + 0.5
        return x

    def bytes_per_node(links, scoped):
        outer, inner = scope("model"), scope("layer0")
        if scoped:  # scopes entered before tracing: their one tag each is not a node's cost
            outer.__enter__(); inner.__enter__()
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        root = chain(links)
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        assert root.scope == ("model/layer0" if scoped else ""), root.scope
        if scoped:
            inner.__exit__(None, None, None); outer.__exit__(None, None, None)
        return used / (2 * links + 1)

    links = int(sys.argv[1])
    print(json.dumps({"plain": bytes_per_node(links, False), "scoped": bytes_per_node(links, True)}))
""")


def test_a_scope_costs_no_memory_per_node():
    import json

    result = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, "20000"], capture_output=True, text=True,
                            check=True, timeout=120)
    measured = json.loads(result.stdout)
    assert measured["scoped"] <= 150
    assert abs(measured["scoped"] - measured["plain"]) < 0.5, measured


@needs_dot
def test_collapsed_and_scope_drawings_render_through_dot():
    root, _, _ = attention_like(3, 4)
    svg = draw_dot(root, collapse=2).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg and "layer0/attention" in svg and "params &amp; inputs of layer0/attention" in svg
    assert svg.count('class="cluster"') >= 1
    svg = draw_dot(root, scope="layer0/attention/head1").pipe(format="svg", encoding="utf-8")
    assert "input from outside every scope" in svg and "used outside by layer0 (1)" in svg


def test_one_scope_object_can_be_entered_by_many_threads_and_tasks_at_once():
    shared = scope("shared")
    barrier = threading.Barrier(3, timeout=10)
    seen = []

    def work() -> None:
        with shared:
            barrier.wait()  # all three inside the same scope object at once
            with shared:
                made = Value(1.0) * 2.0
            barrier.wait()
        seen.append((made.scope, (Value(1.0) * 2.0).scope))  # leave in another order than entered

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [("shared/shared", "")] * 3

    @shared
    async def task(delay: int) -> str:
        for _ in range(delay):
            await asyncio.sleep(0)
        return (Value(1.0) * 2.0).scope

    async def main() -> list:
        return await asyncio.gather(task(3), task(0), task(1))

    assert asyncio.run(main()) == ["shared"] * 3


def test_leaving_a_scope_that_is_not_the_current_one_is_a_clear_error():
    inner = scope("inner")
    with pytest.raises(RuntimeError, match="leaving 'inner', but the current scope is 'none'"):
        inner.__exit__(None, None, None)
    with scope("outer"), pytest.raises(RuntimeError, match="current scope is 'outer'"):
        inner.__exit__(None, None, None)


def test_nodes_made_microgpt_style_and_by_the_softmax_family_carry_the_scope():
    import math

    from autograd_lite import softmax

    x = Value(0.5)
    with scope("act"):
        t = math.tanh(x.data)
        y = Value(t, (x,), (1 - t**2,))  # microgpt's way of adding an op
        probabilities = softmax([y, x])
    assert y.scope == "act" and y._prev == (x,)
    assert [p.scope for p in probabilities] == ["act", "act"]
    edges = drawn_boxes(to_dot(probabilities[0], collapse=1, legend=False))[1]
    slots_holding_x = sum(p is x for n in walk(probabilities[0]) for p in n._prev)
    assert slots_holding_x >= 2 and edges == {("params & inputs of act", "act"): slots_holding_x}


def gpt_shaped(positions: int, width: int = 2) -> Value:
    """Per position: embed, attention over every earlier position (a KV cache), mlp, head."""
    rng = random.Random(0)

    def weights(n: int) -> list[Value]:
        return [Value(rng.uniform(-1, 1)) for _ in range(n)]

    wte, wk, wv, wm, wh = (weights(width) for _ in range(5))
    keys, values, losses = [], [], []
    for pos in range(positions):
        with scope(f"pos{pos}"):
            with scope("embed"):
                x = [w * (pos + 1.0) for w in wte]
            with scope("attention"):
                keys.append([xi * k for xi, k in zip(x, wk)])
                values.append([xi * v for xi, v in zip(x, wv)])
                scores = [sum(key) for key in keys]
                x = [a + sum(s * value[j] for s, value in zip(scores, values)) for j, a in enumerate(x)]
            with scope("mlp"):
                x = [(xi * w).relu() + xi for xi, w in zip(x, wm)]
            with scope("lm_head"):
                losses.append(sum(xi * w for xi, w in zip(x, wh)).exp())
    return sum(losses)


@needs_dot
@pytest.mark.parametrize(("positions", "rankdir"), [(7, "LR"), (8, "TB")])
def test_a_model_shaped_collapsed_drawing_renders(positions, rankdir):
    # Graphviz's older ranking fails on these ("trouble in init_rank"): the drawing asks for newrank.
    svg = draw_dot(gpt_shaped(positions), collapse=2, rankdir=rankdir).pipe(format="svg", encoding="utf-8")
    assert svg.count('class="cluster"') == positions + 1  # one per position, and the legend


def test_a_label_taken_from_a_node_in_another_scope_brings_its_text_not_its_scope():
    with scope("s"):
        a = Value(1.0, label="a")
    b = Value(2.0, label=a._label)  # the stored form, as internal code may pass it on
    with scope("t"):
        c = Value(3.0, label=a._label)
    c.label = a._label
    assert (b.label, b.scope, c.label, c.scope) == ("a", "", "a", "t")


def test_no_grad_left_after_its_scope_closed_restores_recording_not_the_stale_scope():
    # A generator suspended inside no_grad() outlives the scope it was started in: leaving
    # no_grad later must restore recording, tagged with the scope open *then* (none here).
    def sample():
        with no_grad():
            yield 1
            yield 2

    with scope("train"):
        g = sample()
        next(g)
    assert list(g) == [2]
    after = Value(1.0) * 2.0
    assert (after.scope, is_grad_enabled(), len(after._prev)) == ("", True, 1)
    # and an enable_grad() left inside no_grad() after its scope closed stays unrecorded
    def record():
        with enable_grad():
            yield 1

    with no_grad():
        with scope("s"):
            h = record()
            next(h)
        assert list(h) == []
        late = Value(1.0) * 2.0
        assert (late.scope, late._prev, is_grad_enabled()) == ("", (), False)


def test_a_label_is_a_str_none_clears_it_and_neither_erases_the_scope():
    with scope("s"):
        y = Value(1.0) * 2.0
        named = Value(3.0, label=None)
    y.label = "y"
    y.label = None  # clears the label, as "" does
    assert (y.label, y.scope, named.label, named.scope) == ("", "s", "", "s")
    for bad in (5, 1.5, b"y", ["y"]):
        with pytest.raises(TypeError, match=r"Value: label must be a str.*got " + type(bad).__name__):
            y.label = bad
        with pytest.raises(TypeError, match=r"Value: label must be a str"), scope("t"):
            Value(1.0, label=bad)
    assert (y.label, y.scope) == ("", "s")


@needs_dot
def test_backslashes_and_newlines_in_scope_names_are_drawn_as_written():
    x = Value(1.0)
    with scope("a\\"):  # ends in a backslash: unescaped, it would swallow the closing quote
        with scope("b\nc"):
            y = x * 2.0
        with scope("d\\nb"):  # a backslash and an n, not a line break
            root = y * 3.0
    for options in ({"collapse": 2}, {"scope": "a\\/b\nc"}, {"scope": "a\\"}):
        text = to_dot(root, **options)
        assert all(line.count('"') % 2 == 0 for line in text.splitlines() if "\\\"" not in line), text
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60,
                             check=True).stdout
        drawn = re.findall(r">([^<>]*)</text>", svg)
        if "collapse" in options:
            # the newline breaks the box's first line in two; the cluster is titled a\\
            assert {"a\\/d\\nb", "a\\/b", "c", "a\\", "params &amp; inputs of a\\/b"} <= set(drawn), drawn
        elif options["scope"] == "a\\":
            assert any(t.startswith("scope a\\: ") for t in drawn), drawn
        else:
            assert "scope a\\/b" in drawn and any(t.startswith("c: 1 nodes") for t in drawn), drawn
            assert "used outside by a\\/d\\nb (1)" in drawn
        assert draw_dot(root, **options).pipe(format="svg", encoding="utf-8").count("<svg") == 1
