"""Drawing backprop: the graph with values, gradients, local derivatives and δ labels.

`to_dot(root)` returns DOT text and needs nothing installed; `draw_dot(root)`
returns a `graphviz.Digraph` (shown inline in Jupyter) built from the same
description. One record per Value shows its label, data and grad (micrograd's
look); one node per op shows the rule's symbol; one edge per operand slot, so
`a*a` has two; a constant operand (the 0.5 of `x + 0.5`) is drawn as a small
dashed box. Edge labels, on request, are the local derivatives taken from the
rule table — the very numbers backward multiplies. Output is deterministic.

`draw_network(model, x, y)` draws one sample through an `nn.MLP` with layers as
clusters, the note's names (w^l_jk, b^l_j, z^l_j, a^l_j, C_x) and δ^l_j on
each z node, optionally beside the closed-form value (BP1/BP2, eqs. 20-21).

graphviz (the Python package) is imported lazily, here only; rendering needs
Graphviz's `dot` binary, and its absence is a clear `GraphvizNotFoundError`.
Imports engine, ops, and (for the network picture) nn and closed_form.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine import Value, gradients, local_derivatives, topological_order

__all__ = ["MAX_NODES", "GraphvizNotFoundError", "draw_dot", "draw_network", "graph_description", "to_dot"]

MAX_NODES = 1000
"""Drawings refuse graphs with more Values than this (pass max_nodes= to change it)."""

INSTALL_HINT = (
    "Graphviz's `dot` program is needed to render drawings: install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`. The DOT text is still available: autograd_lite.viz.to_dot(root)."
)

COLOURS = {
    "leaf": "#cfe8ff",       # inputs and parameters
    "interior": "#ffffff",   # intermediate values
    "output": "#c8f7c5",     # the root
    "op": "#eeeeee",         # operations
    "constant": "#fff6d5",   # number operands kept inside an op
}


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's `dot` binary, which is not installed."""


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
    # Characters with a meaning inside a Graphviz record label get a backslash.
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


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
) -> Drawing:
    """The picture of root's graph as data. `grads` replaces `.grad` (e.g. from the pure
    `gradients()`), `names` replaces labels, `notes` adds a line to a record, `clusters`
    groups nodes under titles, `highlight` colours chosen nodes."""
    if not isinstance(root, Value):
        raise TypeError(f"draw: expected a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    order = checked_order(root, max_nodes, "draw")
    names, notes, highlight = names or {}, notes or {}, highlight or {}
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    drawing = Drawing(graph_attrs={"rankdir": rankdir, "fontname": "Helvetica"})
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
        drawing.nodes.append((vid, {
            "shape": "record", "style": "filled", "fillcolor": highlight.get(node, COLOURS[role]),
            "label": "{ " + " | ".join(record_escape(f) for f in fields) + " }",
        }))
        if clusters and node in clusters:
            grouped.setdefault(clusters[node], []).append(vid)
        if node._rule is None:
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
        _add_legend(drawing)
    return drawing


def ops_format(c: Any) -> str:
    from .ops import format_number

    return format_number(c)


def _add_legend(drawing: Drawing) -> None:
    entries = [("input / parameter", "leaf", "record"), ("intermediate", "interior", "record"),
               ("output", "output", "record"), ("operation", "op", "ellipse"),
               ("constant operand", "constant", "box")]
    ids = []
    for i, (text, role, shape) in enumerate(entries):
        node_id = f"legend{i}"
        ids.append(node_id)
        drawing.nodes.append((node_id, {"shape": shape, "style": "filled", "fillcolor": COLOURS[role],
                                        "label": text, "fontsize": "10"}))
    for a, b in itertools.pairwise(ids):
        drawing.edges.append((a, b, {"style": "invis"}))
    drawing.clusters["legend"] = ids


def _attrs(attrs: Mapping[str, str]) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f'{k}="{_dot_escape(v)}"' for k, v in attrs.items()) + "]"


def _dot_escape(text: str) -> str:
    # In a quoted DOT string only \" is an escape; a backslash pair passes through to the label.
    return text.replace('"', '\\"')


def _cluster_of(drawing: Drawing) -> dict[str, str]:
    return {node_id: title for title, members in drawing.clusters.items() for node_id in members}


def render_dot_text(drawing: Drawing) -> str:
    """DOT text for a Drawing (deterministic: same drawing, same text)."""
    lines = ["digraph autograd_lite {"]
    lines += [f'  {k}="{_dot_escape(v)}";' for k, v in drawing.graph_attrs.items()]
    in_cluster = _cluster_of(drawing)
    for index, (title, members) in enumerate(drawing.clusters.items()):
        member_set = set(members)
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label="{_dot_escape(title)}"; style="rounded"; color="#999999";')
        lines += [f"    {node_id}{_attrs(attrs)};"
                  for node_id, attrs in drawing.nodes if node_id in member_set]
        lines.append("  }")
    lines += [f"  {node_id}{_attrs(attrs)};" for node_id, attrs in drawing.nodes if node_id not in in_cluster]
    lines += [f"  {a} -> {b}{_attrs(attrs)};" for a, b, attrs in drawing.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_dot(root: Value, **options: Any) -> str:
    """DOT text of root's graph; needs no dependency. Options as `graph_description`."""
    return render_dot_text(graph_description(root, **options))


def _digraph(drawing: Drawing, format: str) -> Any:
    graphviz = _import_graphviz()

    class Digraph(graphviz.Digraph):
        """graphviz.Digraph whose rendering explains how to install a missing `dot`."""

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().pipe(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFoundError(INSTALL_HINT) from None

        def render(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound:
                raise GraphvizNotFoundError(INSTALL_HINT) from None

    graph = Digraph(format=format, graph_attr=drawing.graph_attrs)
    in_cluster = _cluster_of(drawing)
    for index, (title, members) in enumerate(drawing.clusters.items()):
        member_set = set(members)
        with graph.subgraph(name=f"cluster_{index}") as sub:
            sub.attr(label=title, style="rounded", color="#999999")
            for node_id, attrs in drawing.nodes:
                if node_id in member_set:
                    sub.node(node_id, **attrs)
    for node_id, attrs in drawing.nodes:
        if node_id not in in_cluster:
            graph.node(node_id, **attrs)
    for a, b, attrs in drawing.edges:
        graph.edge(a, b, **attrs)
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
    """A graphviz.Digraph of root's graph (renders inline in Jupyter). Options as
    `graph_description`: edge_labels, grads, names, notes, clusters, max_nodes, legend."""
    return _digraph(graph_description(root, rankdir=rankdir, **options), format)


# ---------------------------------------------------------------------------
# The network picture: the seed's equations drawn on the graph


def network_description(model: Any, x: Any, y: Any, *, cost: str | None = None, closed_form: bool = True,
                        rankdir: str = "LR", edge_labels: bool = False,
                        max_nodes: int = MAX_NODES) -> Drawing:
    """The Drawing behind `draw_network` (also used for its DOT text)."""
    from .closed_form import backprop

    cost = model.resolve_cost(cost)  # None: the model's cost, else quadratic
    inputs = [xi if isinstance(xi, Value) else Value(float(xi)) for xi in x]
    c_x = model.sample_cost(inputs, y, cost)
    grads = gradients(c_x)  # pure: the model's .grad attributes are left alone
    names: dict[Value, str] = {c_x: f"C_x ({cost})", **model.note_names(inputs)}
    clusters: dict[Value, str] = {xk: "layer 1 (input)" for xk in inputs}
    notes: dict[Value, str] = {}
    highlight: dict[Value, str] = {}
    reference = None
    if closed_form:
        weights, biases = model.weights_and_biases()
        reference = backprop(weights, biases, [v.data for v in inputs], y, activation=model.activations,
                             cost=cost)
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
    return graph_description(c_x, rankdir=rankdir, edge_labels=edge_labels, grads=grads, names=names,
                             notes=notes, clusters=clusters, highlight=highlight, max_nodes=max_nodes)


def draw_network(model: Any, x: Any, y: Any, *, cost: str | None = None, closed_form: bool = True,
                 format: str = "svg", **options: Any) -> Any:
    """A graphviz.Digraph of one sample through an nn.MLP: layers as clusters, the note's
    names, each z node labelled with δ^l_j = ∂C_x/∂z^l_j (eq. 14), beside the closed-form
    BP1/BP2 value when `closed_form`. `cost=None` is the model's cost, else quadratic.
    Uses the pure gradient walk: no `.grad` changes."""
    return _digraph(network_description(model, x, y, cost=cost, closed_form=closed_form, **options), format)
