"""Drawing backprop: the graph with values, gradients, local derivatives and δ labels.

`to_dot(root)` returns DOT text and needs nothing installed; `draw_dot(root)`
returns a `graphviz.Digraph` (shown inline in Jupyter) built from the same
description. One record per Value shows its label, data and grad (micrograd's
look); one node per op shows the rule's symbol; one edge per operand slot, so
`a*a` has two; a constant operand (the 0.5 of `x + 0.5`) is drawn as a small
dashed box. Edge labels, on request, are the local derivatives taken from the
rule table — the very numbers backward multiplies. Output is deterministic.

Graphs built inside `scope(name)` blocks can be drawn at the level of scopes:
`collapse=depth` draws every scope at that depth as one box (name, node count)
with the number of graph edges between boxes; `scope="a/b"` draws the nodes of
one scope with the nodes that feed it from outside and marks those used outside.

`draw_network(model, x, y)` draws one sample through an `nn.MLP` with layers as
clusters, the note's names (w^l_jk, b^l_j, z^l_j, a^l_j, C_x) and δ^l_j on
each z node, optionally beside the closed-form value (BP1/BP2, eqs. 20-21).

How the DOT text becomes a picture is `render`'s decision: in a notebook a
drawing shows as static SVG from Graphviz's `dot` when it is installed, else as a
widget drawing it in the browser (Graphviz compiled to WebAssembly); `save_html`
writes any drawing as one self-contained HTML file, which needs no `dot` either.
Only picture files (`.pipe()`, `.render()`: svg, png, pdf) need `dot`; without
it they raise `GraphvizNotFoundError`, one line naming the two ways out, and
`GraphvizFailedError` (its subclass, naming dot's error) where `dot` fails; a
notebook display whose `dot` fails is drawn in the browser after one warning.
graphviz (the Python package) is imported lazily, here only.
Imports engine, ops, render, widgets (for a notebook display without `dot`), and (for the
network picture) nn and closed_form.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import render
from .engine import Value, gradients, local_derivatives, topological_order
from .render import GraphvizFailedError, GraphvizNotFoundError, dot_available

__all__ = ["MAX_NODES", "NETWORK_FULL_LIMIT", "GraphvizFailedError", "GraphvizNotFoundError", "dot_available",
           "draw_dot", "draw_network", "graph_description", "save_html", "to_dot"]

MAX_NODES = 1000
"""Drawings refuse graphs with more Values than this (pass max_nodes= to change it)."""

NETWORK_FULL_LIMIT = 200
"""`draw_network` draws every Value of a sample's graph up to this many (the seed's 2-2-2
network has 37); past it, one column of neurons per layer (`full=True` draws every Value)."""

NETWORK_ROWS = 100
"""A layer drawn as a column shows at most this many neurons, then says how many more."""

COLOURS = {
    "leaf": "#cfe8ff",       # inputs and parameters
    "interior": "#ffffff",   # intermediate values
    "output": "#c8f7c5",     # the root
    "op": "#eeeeee",         # operations
    "constant": "#fff6d5",   # number operands kept inside an op
    "scope": "#e6e0f8",      # a scope drawn as one box (collapse=)
    "outside": "#f2f2f2",    # nodes outside every scope, as one box (collapse=)
    "boundary": "#e8e8e8",   # a node outside the drawn scope that feeds it (scope=)
    "used_outside": "#ffd9b3",  # a node of the drawn scope that a node outside it uses (scope=)
}
OUTSIDE = "outside every scope"


# ---------------------------------------------------------------------------
# A drawing as plain data: both DOT text and graphviz.Digraph are made from it.


@dataclass
class Drawing:
    """Nodes, edges and clusters of a picture, in a deterministic order."""

    nodes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # title -> node ids
    graph_attrs: dict[str, str] = field(default_factory=dict)


def four_decimals(x: Any) -> str:
    """A number as drawings show it: four decimals (inf and nan as words)."""
    x = x.data if isinstance(x, Value) else x
    return f"{x:.4f}" if math.isfinite(x) else str(x)


def record_escape(text: str) -> str:
    # Characters with a meaning inside a Graphviz record label get a backslash; a newline
    # becomes DOT's line break, so each label stays on one line of the DOT text.
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def plain_escape(text: str) -> str:
    """User text (a scope's name) for a plain DOT label: a backslash drawn as written (not
    read as an escape such as \\n, nor swallowing the closing quote), a newline as a break."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _local_derivatives(node: Value) -> tuple:
    """The rule's partials at this node, as floats; inf where one is singular (sqrt at 0)."""
    try:
        return tuple(float(d) for d in local_derivatives(node))
    except (ZeroDivisionError, OverflowError, ValueError):
        return (math.inf,) * len(node._prev)


def checked_order(root: Value, max_nodes: int, who: str) -> list[Value]:
    """root's topological order, or a clear ValueError if it has more than max_nodes Values."""
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"{who}: the graph has {len(order)} values, more than max_nodes={max_nodes}; "
            "pass a larger max_nodes= or take a smaller part of the graph"
        )
    return order


def graph_description(
    root: Value,
    *,
    rankdir: str = "LR",
    edge_labels: bool = False,
    grads: Mapping[Value, Any] | None = None,
    names: Mapping[Value, str] | None = None,
    notes: Mapping[Value, str] | None = None,
    clusters: Mapping[Value, str] | None = None,
    highlight: Mapping[Value, str] | None = None,
    max_nodes: int = MAX_NODES,
    legend: bool = True,
    collapse: int | None = None,
    scope: str | None = None,
) -> Drawing:
    """The picture of root's graph as data. `grads` replaces `.grad` (e.g. from the pure
    `gradients()`), `names` replaces labels, `notes` adds a line to a record, `clusters`
    groups nodes under titles, `highlight` colours chosen nodes. `collapse=depth` draws
    the scopes at that depth as boxes instead (see `collapsed_description`); `scope=path`
    draws one scope's nodes and its boundary (see `scope_part`). `max_nodes` limits what
    is drawn: boxes, or the scope's nodes and its inputs, not the size of the graph."""
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if collapse is not None:
        if scope is not None:
            raise ValueError("draw: pass collapse= (scopes as boxes) or scope= (one scope's nodes), not both")
        single = {"edge_labels": edge_labels, "grads": grads, "names": names, "notes": notes,
                  "clusters": clusters, "highlight": highlight}
        given = [name for name, option in single.items() if option]
        if given:
            raise ValueError(f"draw: collapse= draws scopes as boxes, so {', '.join(given)} (options for "
                             "single nodes) do not apply; draw one scope's nodes with scope= instead")
        return collapsed_description(root, collapse, rankdir=rankdir, max_nodes=max_nodes, legend=legend)
    inputs: dict[Value, str] = {}
    used_outside: dict[Value, dict[str, int]] = {}
    if scope is None:
        order = checked_order(root, max_nodes, "draw")
    else:
        order, inputs, used_outside = scope_part(root, scope, max_nodes)
        if clusters is None:  # the scope's sub-scopes as clusters
            clusters = {node: node.scope for node in order if node not in inputs and node.scope != scope}
    names, notes, highlight = names or {}, notes or {}, highlight or {}
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    drawing = Drawing(graph_attrs={"rankdir": rankdir, "fontname": "Helvetica"})
    if scope is not None:
        drawing.graph_attrs.update(newrank="true", labelloc="t", label=(
            f"scope {plain_escape(scope)}: {len(order) - len(inputs):,} nodes, "
            f"{len(inputs):,} inputs from outside it, {len(used_outside):,} of its nodes used outside it"))
    grouped: dict[str, list[str]] = {}
    for node in order:
        vid = ids[node]
        role = "output" if node is root else ("leaf" if not node._prev else "interior")
        grad = grads.get(node, 0.0) if grads is not None else node.grad
        title = names.get(node) or node.label
        fields = [f"data {four_decimals(node.data)}", f"grad {four_decimals(grad)}"]
        if title:
            fields.insert(0, title)
        if node in notes:
            fields.append(notes[node])
        style, colour = "filled", highlight.get(node, COLOURS[role])
        if node in inputs:  # drawn as a value only: where it comes from is outside the picture
            fields.append(f"input from {inputs[node]}")
            style, colour = "filled,dashed", highlight.get(node, COLOURS["boundary"])
        elif node in used_outside:
            fields.append("used outside by " + ", ".join(
                f"{where} ({count:,})" for where, count in used_outside[node].items()))
            colour = highlight.get(node, COLOURS["used_outside"])
        drawing.nodes.append((vid, {
            "shape": "record", "style": style, "fillcolor": colour,
            "label": "{ " + " | ".join(record_escape(f) for f in fields) + " }",
        }))
        if clusters and node in clusters:
            grouped.setdefault(clusters[node], []).append(vid)
        if node._rule is None or node in inputs:
            continue
        op_id = vid + "_op"
        drawing.nodes.append((op_id, {
            "shape": "ellipse", "style": "filled", "fillcolor": COLOURS["op"],
            "label": node._rule.display(node._arg),
        }))
        drawing.edges.append((op_id, vid, {}))
        if clusters and node in clusters:
            grouped[clusters[node]].append(op_id)
        locals_ = _local_derivatives(node) if edge_labels else ()
        for slot, parent in enumerate(node._prev):
            attrs = {"label": f"∂ {four_decimals(locals_[slot])}", "fontsize": "10"} if edge_labels else {}
            drawing.edges.append((ids[parent], op_id, attrs))
        if node._rule.const and "{c}" not in node._rule.symbol:
            const_id = vid + "_c"
            drawing.nodes.append((const_id, {
                "shape": "box", "style": "dashed,filled", "fillcolor": COLOURS["constant"],
                "fontsize": "10", "label": ops_format(node._arg),
            }))
            drawing.edges.append((const_id, op_id, {"style": "dashed", "arrowhead": "none"}))
            if clusters and node in clusters:
                grouped[clusters[node]].append(const_id)
    drawing.clusters = grouped
    if legend:
        _add_legend(drawing, boundary=scope is not None)
    return drawing


def _known_scopes(paths: set[str]) -> list[str]:
    """Every scope of the graph, its enclosing scopes included ("a", "a/b" for a node in a/b)."""
    known = set()
    for path in paths:
        parts = path.split("/")
        known.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(known)


def _scope_list(known: list[str], shown: int = 30) -> str:
    more = f", ... ({len(known) - shown} more)" if len(known) > shown else ""
    return ", ".join(repr(k) for k in known[:shown]) + more if known else "none (no node was made in a scope)"


def scope_part(root: Value, path: str, max_nodes: int) -> tuple[list[Value], dict[Value, str],
                                                                 dict[Value, dict[str, int]]]:
    """What `scope=path` draws: (the scope's nodes and its inputs from outside, in topological
    order; {input: the scope it comes from}; {node of the scope: {scope using it: edges}}).

    A node belongs to the scope if it was made in it or in one of its sub-scopes. A
    ValueError names an unknown scope and lists the known ones, or says that more than
    `max_nodes` would be drawn.
    """
    if not isinstance(path, str):
        raise TypeError(f"draw: scope= must be a scope's path (a str), got {type(path).__name__} "
                        f"({path!r:.40})")
    order = topological_order(root)
    prefix = path + "/"
    inside: set[Value] = set()
    paths: set[str] = set()
    for node in order:
        where = node.scope
        if where:
            paths.add(where)
            if where == path or where.startswith(prefix):
                inside.add(node)
    if not inside:
        known = _scope_list(_known_scopes(paths))
        raise ValueError(f"draw: no scope {path!r} in this graph; its scopes: {known}")
    inputs: dict[Value, str] = {}
    used_outside: dict[Value, dict[str, int]] = {}
    for node in order:  # every edge (operand slot) that crosses the scope's border
        if node in inside:
            for parent in node._prev:
                if parent not in inside:
                    inputs[parent] = parent.scope or OUTSIDE
        else:
            for parent in node._prev:
                if parent in inside:
                    counts = used_outside.setdefault(parent, {})
                    where = node.scope or OUTSIDE
                    counts[where] = counts.get(where, 0) + 1
    drawn = [node for node in order if node in inside or node in inputs]
    if len(drawn) > max_nodes:
        raise ValueError(
            f"draw: scope {path!r} has {len(inside):,} nodes and {len(inputs):,} inputs from outside it, "
            f"more than max_nodes={max_nodes}; pass a larger max_nodes= or draw one of its sub-scopes"
        )
    return drawn, inputs, used_outside


@dataclass
class _Box:
    """One box of a collapsed drawing: a scope, the nodes outside every scope, or the leaves
    made outside every scope that one box uses."""

    key: str
    kind: str  # "scope", "outside" or "leaves"
    nodes: int = 0
    leaves: set = field(default_factory=set)  # kind "leaves": the distinct leaves (a leaf counts once)
    holds_root: bool = False


def collapsed_description(root: Value, depth: int, *, rankdir: str = "LR", max_nodes: int = MAX_NODES,
                          legend: bool = True) -> Drawing:
    """The graph with every scope at `depth` (1 = top-level scopes) drawn as one box.

    A node made in "a/b/c" is in box "a/b" at depth 2; a node whose scope is
    shallower than `depth` is in the box of its own scope. The nodes made outside
    every scope that are not leaves (a loss summed at top level) are one more box:
    drawing them one by one would make the picture's size depend on the graph's.
    Leaves made outside every scope (parameters, inputs) are gathered into one box
    per box that uses them ("params & inputs of a/b"); a leaf used by two boxes is
    counted in both. An edge between two boxes is labelled with the number of graph
    edges (operand slots) from one to the other. Iterative: any graph size is fine.
    """
    if isinstance(depth, bool) or not isinstance(depth, int):
        raise TypeError(f"draw: collapse= must be an int depth (1 = top-level scopes), got "
                        f"{type(depth).__name__} ({depth!r:.40})")
    if depth < 1:
        raise ValueError(f"draw: collapse= must be at least 1 (1 = top-level scopes), got {depth}")
    order = topological_order(root)
    box_keys: dict[str, str] = {"": ""}  # a node's scope path -> its box's key, "" outside (cached per path)
    boxes: dict[tuple[str, str], _Box] = {}  # (kind, key) -> box, in order of first appearance
    edges: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}

    def box_of(node: Value) -> tuple[str, str]:
        where = node.scope
        key = box_keys.get(where)
        if key is None:
            key = box_keys[where] = "/".join(where.split("/")[:depth])
        return ("scope" if where else "outside", key)

    for node in order:
        if not node._prev and not node.scope and node is not root:
            continue  # a leaf outside every scope: counted with the boxes that use it
        here = box_of(node)
        box = boxes.get(here)
        if box is None:
            box = boxes[here] = _Box(here[1], here[0])
        box.nodes += 1
        box.holds_root = box.holds_root or node is root
        for parent in node._prev:
            if not parent._prev and not parent.scope:
                there = ("leaves", here[1])
                leaves = boxes.get(there)
                if leaves is None:
                    leaves = boxes[there] = _Box(here[1], "leaves")
                leaves.leaves.add(parent)
            else:
                there = box_of(parent)
                if there == here:
                    continue
            edges[there, here] = edges.get((there, here), 0) + 1
    if len(boxes) > max_nodes:
        raise ValueError(f"draw: collapse={depth} makes {len(boxes):,} boxes, more than "
                         f"max_nodes={max_nodes}; pass a smaller depth or a larger max_nodes=")
    outside_leaves = len(set().union(*(box.leaves for box in boxes.values())))
    title = (f"{_count(len(order), 'node')} ({outside_leaves:,} of them leaves {OUTSIDE}), "
             f"scopes to depth {depth}")
    return _boxes_drawing(boxes, edges, title, rankdir, legend)


def _boxes_drawing(boxes: dict[tuple[str, str], _Box], edges: dict, title: str, rankdir: str,
                   legend: bool) -> Drawing:
    drawing = Drawing(graph_attrs={"rankdir": rankdir, "fontname": "Helvetica", "labelloc": "t",
                                   "label": title,
                                   # dot's older ranking fails ("trouble in init_rank") on clusters
                                   # of scopes joined by many edges; newrank ranks them reliably.
                                   "newrank": "true"})
    ids = {kind_key: f"s{i}" for i, kind_key in enumerate(boxes)}
    scope_keys = {box.key for box in boxes.values() if box.kind == "scope"}
    for kind_key, box in boxes.items():
        # "\\n" is DOT's line break: each label stays on one line of the DOT text.
        if box.kind == "leaves":
            where = f"of {plain_escape(box.key)}" if box.key else f"used {OUTSIDE}"
            label = f"params & inputs {where}\\n{_count(len(box.leaves), 'leaf', 'leaves')}"
            attrs = {"shape": "box", "style": "filled,dashed", "fillcolor": COLOURS["leaf"]}
        else:
            title = plain_escape(box.key) if box.kind == "scope" else OUTSIDE
            label = f"{title}\\n{_count(box.nodes, 'node')}"
            if box.holds_root:
                label += "\\n(holds the output)"
            colour = COLOURS["output"] if box.holds_root else COLOURS[box.kind]
            attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": colour}
        drawing.nodes.append((ids[kind_key], {**attrs, "label": label}))
        # A scope below the top level sits in a cluster named after the scope around it, and
        # so does the box of that scope's own nodes (those in none of its sub-scopes).
        if box.kind == "scope":
            if any(key.startswith(box.key + "/") for key in scope_keys):
                drawing.clusters.setdefault(box.key, []).append(ids[kind_key])
            elif "/" in box.key:
                drawing.clusters.setdefault(box.key.rpartition("/")[0], []).append(ids[kind_key])
    index = {kind_key: i for i, kind_key in enumerate(boxes)}
    ordered = sorted(edges.items(), key=lambda edge: (index[edge[0][0]], index[edge[0][1]]))
    for (there, here), count in ordered:
        drawing.edges.append((ids[there], ids[here], {
            "label": f"{count:,}", "fontsize": "10", "penwidth": f"{1 + math.log10(count):.2f}"}))
    if legend:
        _add_box_legend(drawing)
    return drawing


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _add_box_legend(drawing: Drawing) -> None:
    entries = [("a scope: the nodes made in it", "scope", "rounded,filled"),
               ("nodes outside every scope", "outside", "rounded,filled"),
               ("leaves made outside every scope, by the box using them", "leaf", "filled,dashed"),
               ("the box holding the output", "output", "rounded,filled")]
    _legend_cluster(drawing, [(text, {"shape": "box", "style": style, "fillcolor": COLOURS[role]})
                              for text, role, style in entries])


def ops_format(c: Any) -> str:
    from .ops import format_number

    return format_number(c)


def _add_legend(drawing: Drawing, boundary: bool = False) -> None:
    entries = [("input / parameter", "leaf", "record"), ("intermediate", "interior", "record"),
               ("output", "output", "record"), ("operation", "op", "ellipse"),
               ("constant operand", "constant", "box")]
    if boundary:  # scope=: the border of the drawn scope
        entries += [("input from outside the scope", "boundary", "record"),
                    ("used outside the scope", "used_outside", "record")]
    _legend_cluster(drawing, [(text, {"shape": shape, "fillcolor": COLOURS[role],
                                      "style": "dashed,filled" if role == "boundary" else "filled"})
                              for text, role, shape in entries])


def _legend_cluster(drawing: Drawing, entries: list[tuple[str, dict[str, str]]]) -> None:
    ids = []
    for i, (text, attrs) in enumerate(entries):
        node_id = f"legend{i}"
        ids.append(node_id)
        drawing.nodes.append((node_id, {**attrs, "label": text, "fontsize": "10"}))
    for a, b in itertools.pairwise(ids):
        drawing.edges.append((a, b, {"style": "invis"}))
    drawing.clusters["legend"] = ids


LABELS = ("label", "xlabel", "headlabel", "taillabel")


def _written(attrs: Mapping[str, str]) -> dict[str, str]:
    """Attributes as DOT text holds them: Graphviz reads entities in labels (a label `&amp;` would
    be drawn `&`), so every & of a label is written &amp;, and each label is drawn as given."""
    return {k: v.replace("&", "&amp;") if k in LABELS else v for k, v in attrs.items()}


def _attrs(attrs: Mapping[str, str]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f'{k}="{_dot_escape(v)}"' for k, v in _written(attrs).items()) + "]"


def _dot_escape(text: str) -> str:
    # In a quoted DOT string only \" is an escape; a backslash pair passes through to the label.
    return text.replace('"', '\\"')


def _cluster_of(drawing: Drawing) -> dict[str, str]:
    return {node_id: title for title, members in drawing.clusters.items() for node_id in members}


def render_dot_text(drawing: Drawing) -> str:
    """DOT text for a Drawing (deterministic: same drawing, same text)."""
    lines = ["digraph autograd_lite {"]
    lines += [f'  {k}="{_dot_escape(v)}";' for k, v in _written(drawing.graph_attrs).items()]
    in_cluster = _cluster_of(drawing)
    for index, (title, members) in enumerate(drawing.clusters.items()):
        member_set = set(members)
        lines.append(f"  subgraph cluster_{index} {{")
        label = _written({"label": plain_escape(title)})["label"]
        lines.append(f'    label="{_dot_escape(label)}"; style="rounded"; color="#999999";')
        lines += [f"    {node_id}{_attrs(attrs)};"
                  for node_id, attrs in drawing.nodes if node_id in member_set]
        lines.append("  }")
    lines += [f"  {node_id}{_attrs(attrs)};" for node_id, attrs in drawing.nodes if node_id not in in_cluster]
    lines += [f"  {a} -> {b}{_attrs(attrs)};" for a, b, attrs in drawing.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_dot(root: Value, **options: Any) -> str:
    """DOT text of root's graph; needs no dependency. Options as `graph_description`
    (collapse=depth and scope=path included)."""
    return render_dot_text(graph_description(root, **options))


@functools.cache
def _digraph_class() -> type:
    graphviz = _import_graphviz()

    class Digraph(graphviz.Digraph):
        """graphviz.Digraph made renderer-aware: shown in a notebook as static SVG when `dot`
        is installed, else drawn in the browser (widgets.bundle); files it writes
        need `dot`, and a missing one is GraphvizNotFoundError naming the two ways out."""

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            fmt = kwargs.get("format") or (args[0] if args else None) or self.format
            with _dot_errors(graphviz, fmt):
                return super().pipe(*args, **kwargs)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_errors(graphviz, kwargs.get("format") or self.format):
                return super().render(*args, **kwargs)

        counts: tuple[int, int] | None = None  # (nodes, edges) of the Drawing it was made from

        def __repr__(self) -> str:  # the text/plain of a notebook display, and what a REPL prints
            size = f": {self.counts[0]} nodes, {self.counts[1]} edges" if self.counts else ""
            return f"<autograd_lite drawing{size}; DOT text in .source, save_html(drawing, path) writes it>"

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
            svgs = render.static_svgs([self.source])  # None: no `dot`, or it failed (one warning)
            if svgs is None:
                from .widgets import bundle

                return bundle(self.source, repr(self))
            return {"image/svg+xml": svgs[0]}

    return Digraph


@contextlib.contextmanager
def _dot_errors(graphviz: Any, fmt: str) -> Iterator[None]:
    """The graphviz package's errors for a missing or failing `dot` as our one-line errors."""
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(f"a .{fmt} file") from None
    except graphviz.CalledProcessError as error:
        raise GraphvizFailedError(f"a .{fmt} file", render.failure_reason(error.returncode, error.stderr)) \
            from None


def _digraph(drawing: Drawing, format: str) -> Any:
    graph = _digraph_class()(format=format, graph_attr=_written(drawing.graph_attrs))
    graph.counts = (len(drawing.nodes), len(drawing.edges))
    in_cluster = _cluster_of(drawing)
    for index, (title, members) in enumerate(drawing.clusters.items()):
        member_set = set(members)
        with graph.subgraph(name=f"cluster_{index}") as sub:
            sub.attr(**_written({"label": plain_escape(title)}), style="rounded", color="#999999")
            for node_id, attrs in drawing.nodes:
                if node_id in member_set:
                    sub.node(node_id, **_written(attrs))
    for node_id, attrs in drawing.nodes:
        if node_id not in in_cluster:
            graph.node(node_id, **_written(attrs))
    for a, b, attrs in drawing.edges:
        graph.edge(a, b, **_written(attrs))
    return graph


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the graphviz Python package: pip install graphviz "
            "(autograd_lite.viz.to_dot works without it)"
        ) from None
    return graphviz


def draw_dot(root: Value, *, rankdir: str = "LR", format: str = "svg", **options: Any) -> Any:
    """A graphviz.Digraph of root's graph. Shown in a notebook as static SVG when Graphviz's
    `dot` is installed, else drawn in the browser; `save_html(drawing, path)` writes it as
    one HTML file either way; `.pipe()`/`.render()` need `dot`. Options as
    `graph_description`: edge_labels, grads, names, notes, clusters, max_nodes, legend,
    and for graphs built in `scope()` blocks collapse=depth (scopes as boxes) or
    scope="a/b" (one scope's nodes and its boundary)."""
    return _digraph(graph_description(root, rankdir=rankdir, **options), format)


# ---------------------------------------------------------------------------
# The network picture: the seed's equations drawn on the graph


def network_description(model: Any, x: Any, y: Any, *, cost: str | None = None, closed_form: bool = True,
                        rankdir: str = "LR", edge_labels: bool = False,
                        max_nodes: int = MAX_NODES, full: bool | None = None) -> Drawing:
    """The Drawing behind `draw_network` (also used for its DOT text). `full=None` draws every
    Value up to NETWORK_FULL_LIMIT Values and one column of neurons per layer past it."""
    from .closed_form import backprop

    if full is not None and not isinstance(full, bool):
        raise TypeError(f"draw_network: full= must be True, False or None, got {type(full).__name__} "
                        f"({full!r:.40})")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_network: rankdir must be LR, RL, TB or BT, got {rankdir!r:.40}")
    cost = model.resolve_cost(cost)  # None: the model's cost, else quadratic
    inputs = [xi if isinstance(xi, Value) else Value(float(xi)) for xi in x]
    c_x = model.sample_cost(inputs, y, cost)
    grads = gradients(c_x)  # pure: the model's .grad attributes are left alone
    reference = None
    if closed_form:
        weights, biases = model.weights_and_biases()
        reference = backprop(weights, biases, [v.data for v in inputs], y, activation=model.activations,
                             cost=cost)
    if full is None:
        full = len(topological_order(c_x)) <= NETWORK_FULL_LIMIT
    if not full:
        if edge_labels:
            raise ValueError("draw_network: edge_labels= labels single edges, which a network drawn by "
                             "layer (full=False) does not have; pass full=True")
        return layers_description(model, inputs, c_x, grads, reference, cost, rankdir)
    names: dict[Value, str] = {c_x: f"C_x ({cost})", **model.note_names(inputs)}
    clusters: dict[Value, str] = {xk: "layer 1 (input)" for xk in inputs}
    notes: dict[Value, str] = {}
    highlight: dict[Value, str] = {}
    seen = set(inputs)
    for index, layer in enumerate(model.layers):
        l_note = index + 2
        title = f"layer {l_note} ({layer.activation})"
        for j, z in enumerate(layer.z):
            delta = f"δ^{l_note}_{j} = {four_decimals(grads.get(z, 0.0))}"
            if reference is not None:
                which = "BP1" if index == len(model.layers) - 1 else "BP2"
                delta += f" ({which}: {four_decimals(reference.delta[index][j])})"
            notes[z] = delta
            highlight[z] = "#ffe0b3"
        for node in (n for a in layer.a for n in topological_order(a)):
            if node not in seen:
                seen.add(node)
                clusters[node] = title
    for node in topological_order(c_x):
        if node not in seen:
            clusters[node] = "cost"
    try:
        return graph_description(c_x, rankdir=rankdir, edge_labels=edge_labels, grads=grads, names=names,
                                 notes=notes, clusters=clusters, highlight=highlight, max_nodes=max_nodes)
    except ValueError as error:  # graph_description's errors say "draw:"; the user called draw_network
        raise ValueError("draw_network: " + str(error).removeprefix("draw: ")) from None


def draw_network(model: Any, x: Any, y: Any, *, cost: str | None = None, closed_form: bool = True,
                 format: str = "svg", **options: Any) -> Any:
    """A graphviz.Digraph of one sample through an nn.MLP: layers as clusters, the note's
    names, each z node labelled with δ^l_j = ∂C_x/∂z^l_j (eq. 14), beside the closed-form
    BP1/BP2 value when `closed_form`. `cost=None` is the model's cost, else quadratic.
    A sample graph of more than NETWORK_FULL_LIMIT Values (a 64-32-10 network has over 7,000) is
    drawn by layer: one column per layer, a row per neuron (z, a, δ) and a δ summary;
    `full=True` draws every Value (then `max_nodes` applies), `full=False` always by layer.
    Uses the pure gradient walk: no `.grad` changes."""
    return _digraph(network_description(model, x, y, cost=cost, closed_form=closed_form, **options), format)


def layers_description(model: Any, inputs: list[Value], c_x: Value, grads: Mapping[Value, Any],
                       reference: Any, cost: str, rankdir: str = "LR") -> Drawing:
    """A network drawn by layer: one column (a record) per layer, one row per neuron with its
    z^l_j, a^l_j and δ^l_j = ∂C_x/∂z^l_j (eq. 14; beside BP1/BP2, eqs. 20-21, when `reference`
    is the closed form), and under it the layer's δ summary; one edge per weight matrix,
    labelled with its shape and its largest |∂C/∂w| (BP4, eq. 23). The picture's size grows
    with the widest layer, not with the number of weights."""
    drawing = Drawing(graph_attrs={"rankdir": rankdir, "fontname": "Helvetica", "labelloc": "t",
                                   "label": f"one sample through {model.nin}-"
                                            + "-".join(str(n) for n in model.nouts)
                                            + " (drawn by layer: full=True draws every value)"})
    rows = [f"x_{k} = a^1_{k} = {four_decimals(xk.data)}" for k, xk in enumerate(inputs)]
    drawing.nodes.append(("layer1", _column(f"layer 1 (input): {_count(len(inputs), 'input')}", rows, [],
                                            COLOURS["leaf"], rankdir)))
    last = len(model.layers) - 1
    for index, layer in enumerate(model.layers):
        l_note = index + 2
        which = "BP1" if index == last else "BP2"
        deltas = [float(grads.get(z, 0.0)) for z in layer.z]
        rows = []
        for j, (z, a) in enumerate(zip(layer.z, layer.a)):
            row = f"{j}: z {four_decimals(z.data)}  a {four_decimals(a.data)}  δ {four_decimals(deltas[j])}"
            if reference is not None:
                row += f" ({which}: {four_decimals(reference.delta[index][j])})"
            rows.append(row)
        largest = max(range(len(deltas)), key=lambda j: abs(deltas[j]))
        summary = [f"δ^{l_note}: max |δ| = {four_decimals(abs(deltas[largest]))} at j = {largest}",
                   f"mean |δ| = {four_decimals(sum(abs(d) for d in deltas) / len(deltas))}"]
        title = f"layer {l_note} ({layer.activation}): {_count(len(deltas), 'neuron')}, rows j: z, a, δ"
        fill = COLOURS["output"] if index == last else COLOURS["interior"]
        drawing.nodes.append((f"layer{l_note}", _column(title, rows, summary, fill, rankdir)))
        weight_grads = [abs(float(grads.get(w, 0.0))) for n in layer.neurons for w in n.w]
        bias_grads = [abs(float(grads.get(n.b, 0.0))) for n in layer.neurons]
        fan_in = len(layer.neurons[0].w)
        drawing.edges.append((f"layer{l_note - 1}", f"layer{l_note}", {
            "label": (f"w^{l_note}: {len(deltas)}×{fan_in}, max |∂C/∂w| = {four_decimals(max(weight_grads))}"
                      f"\\nb^{l_note}: max |∂C/∂b| = {four_decimals(max(bias_grads))}"),
            "fontsize": "11", "penwidth": "2"}))
    drawing.nodes.append(("cost", {"shape": "record", "style": "filled", "fillcolor": COLOURS["output"],
                                   "label": "{ " + " | ".join(record_escape(f) for f in (
                                       f"C_x ({cost})", f"data {four_decimals(c_x.data)}")) + " }"}))
    drawing.edges.append((f"layer{len(model.layers) + 1}", "cost", {"penwidth": "2"}))
    return drawing


def _column(title: str, rows: list[str], summary: list[str], fill: str, rankdir: str) -> dict[str, str]:
    """A record drawn as a column: title, up to NETWORK_ROWS rows, then the summary lines."""
    if len(rows) > NETWORK_ROWS:
        rows = [*rows[:NETWORK_ROWS], f"... {len(rows) - NETWORK_ROWS:,} more"]
    fields = " | ".join(record_escape(f) for f in [title, *rows, *summary])
    # A record's fields stack vertically in a left-to-right graph and side by side in a
    # top-to-bottom one; braces turn them: the column stays a column either way.
    label = fields if rankdir in ("LR", "RL") else "{ " + fields + " }"
    return {"shape": "record", "style": "filled", "fillcolor": fill, "fontsize": "12", "label": label}


def _is_player(item: Any) -> bool:
    """A backprop player (`show_backprop`'s, `render_player`'s): saved as its own page."""
    return hasattr(item, "frames") and callable(getattr(item, "save", None))


def _dot_text_of(item: Any, where: str = "") -> str:
    """The DOT text of one item of save_html; errors say which item (`where`: " (item 2 of 3)")."""
    if _is_player(item):
        raise TypeError(f"save_html: a backprop player is a page of its own{where}: save it alone, "
                        "save_html(player, path), not in a list")
    if isinstance(item, str):
        if not item.lstrip().startswith(("digraph", "graph", "strict")):
            raise ValueError(f"save_html: a str must be DOT text (starting with digraph){where}, "
                             f"got {item[:40]!r}")
        return item
    if isinstance(item, Drawing):
        return render_dot_text(item)
    if isinstance(item, Value):
        return to_dot(item)
    source = getattr(item, "source", None)  # a graphviz.Digraph (draw_dot, draw_network)
    if isinstance(source, str):
        return source
    raise TypeError(f"save_html: expected a drawing (draw_dot's or draw_network's result, a Drawing, "
                    f"DOT text or a Value){where}, got {type(item).__name__}")


def save_html(drawing: Any, path: str | Path, title: str | None = None) -> Path:
    """Write any drawing as one self-contained, offline HTML file; return its path.

    `drawing`: what `draw_dot` or `draw_network` returned (a collapsed GPT step
    included), a Drawing, DOT text, a Value (drawn as `to_dot` would), or a list of
    them (one picture each, on one page); a backprop player (`show_backprop`'s,
    `render_player`'s) is saved as its page. With Graphviz's `dot` installed the
    pictures are inline SVG; without it the page carries the DOT text and draws it
    in the browser (Graphviz compiled to WebAssembly, inlined once: about 1.3 MB).
    Labels stay text: a label holding `</script>` runs nothing. The path must end in
    .html or .htm (a picture file is `drawing.render(format="svg")`, which needs `dot`).
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"save_html: writes an HTML page, so the path must end in .html, got {str(path)!r} "
                         "(an .svg, .png or .pdf is drawing.render(format=...), which needs Graphviz's dot)")
    if _is_player(drawing):
        return drawing.save(path, title)
    items = list(drawing) if isinstance(drawing, (list, tuple)) else [drawing]
    if not items:
        raise ValueError("save_html: nothing to draw (an empty list)")
    pictures = [("" if len(items) == 1 else f"picture {i + 1}",
                 _dot_text_of(item, f" (item {i + 1} of {len(items)})" if len(items) > 1 else ""))
                for i, item in enumerate(items)]
    path.write_text(render.drawings_page(pictures, title or "autograd_lite drawing"), encoding="utf-8")
    return path
