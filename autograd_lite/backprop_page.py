"""The backward pass as a self-contained HTML page: one picture per step.

`backprop_html(root, path)` watches the pure walk `engine.gradients(root,
on_step=...)` and writes one HTML file that steps through backpropagation.
Frames are counted so:

- frame 0 is the start: the forward graph, with only the root's gradient
  known (seeded to 1, d root / d root);
- frame k (k = 1 .. S) is backward step k: the k-th node with an operation
  in reverse topological order (every non-leaf node of the graph is one
  step, so S = the number of non-leaf nodes, 0 when root is a leaf) after it
  has passed grad x local derivative to each of its operand slots.

So a page has S + 1 frames. In a frame the node being processed is orange,
its operand edges carry the local derivatives the walk used (the rule table's
`local_partials`, as `on_step` saw them), earlier steps' derivatives stay on
their edges in grey, a gradient that is final shows on its node as usual, a
gradient still accumulating is pale yellow with "so far", and a node no
gradient has reached yet is greyed with "grad ?". Each picture has a caption
in words below it; the last frame also lists every gradient, which equals
`gradients(root)`.

The page needs no network: the SVG pictures (Graphviz's `dot`, through
`render.run_dot`) are inlined, CSS and the small plain-JavaScript player (slider,
previous/next, play/pause, left/right arrow keys; zoom, fit to width and
panning from graphs.js) are inline too; they live as package data in
autograd_lite/page/ (player.html, .css, .js, graphs.js, and page.html around
them). Without `dot` (`render.dot_available()`), each frame is its DOT text
instead and the page inlines Graphviz compiled to WebAssembly (viz-global.js,
once), which draws the frames in the browser. The same player, its ids prefixed per
instance, is what `autograd_lite.notebook.show_backprop` shows in a cell.
Only the current frame is laid out, so a page of a big graph still opens
quickly; without JavaScript every frame is shown one after another. Nodes keep
their places from frame to frame (each record gets the width of its widest
text, and edge labels are xlabels, placed after layout), so only colours and
numbers change as the walk goes on: those widths are measured with
`dot -Tplain`, or, without `dot`, by the browser's renderer in format "plain"
before it draws the frames (the measuring graph travels with the page).
Drawing writes no `.grad`.

Imports engine, render and viz (DOT text only: pictures go through `render`, never the graphviz
package). Imported by notebook, by cli (`graph -o FILE.html`) and by the site's runner.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import render, viz
from .engine import Value, gradients, topological_order
from .render import inline_svg

__all__ = ["Frame", "Player", "backprop_frames", "backprop_html", "browser_player", "render_player"]

# Colours of the states a Value can be in during the walk (the role colours,
# blue input / white intermediate / green output, are viz's and mean "final").
CURRENT = "#ffb347"        # the node passing its gradient on in this step
CURRENT_OP = "#ffd9a0"     # its operation
PARTIAL = "#fff3bf"        # gradient accumulating: more uses still to come
PENDING = "#e0e0e0"        # no gradient has reached it yet
PENDING_TEXT = "#8a8a8a"
CURRENT_EDGE = "#d9480f"
DONE_EDGE = "#9a9a9a"

PLAY_INTERVAL_MS = 1200

_num = viz.four_decimals  # numbers as the drawings show them: four decimals


@dataclass
class Frame:
    """One picture of the page: the drawing, its caption and the gradients known then.

    `node` is the Value processed in this step (None for frame 0) and `name` its
    name in pictures and captions; `grads` maps each Value reached so far to its
    gradient so far; `summary` (last frame only) is every (name, final gradient).
    """

    index: int
    title: str
    caption: str
    drawing: viz.Drawing
    grads: dict[Value, Any]
    node: Value | None = None
    name: str = ""
    summary: list[tuple[str, Any]] = field(default_factory=list)


def _display_names(order: list[Value]) -> dict[Value, str]:
    """A name per Value, shown in pictures and captions: its label, else v<i>.

    v<i> is the node's position in topological order (the id viz gives it);
    a label used by several nodes gets the id added so that captions stay clear.
    """
    counts = Counter(node.label for node in order if node.label)
    names = {}
    for i, node in enumerate(order):
        if not node.label:
            names[node] = f"v{i}"
        elif counts[node.label] > 1:
            names[node] = f"{node.label} (v{i})"
        else:
            names[node] = node.label
    return names


def _value_ids(order: list[Value], drawing: viz.Drawing) -> dict[Value, str]:
    """The drawing's node id of each Value (viz numbers them v<i> in topological order)."""
    present = {node_id for node_id, _ in drawing.nodes}
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    missing = [vid for vid in ids.values() if vid not in present]
    if missing:
        raise RuntimeError(f"backprop_html: viz no longer names Values v<i> ({missing[:3]} are missing)")
    return ids


def _walk(root: Value) -> list[tuple[Value, tuple, dict[Value, Any]]]:
    """(node, local partials, gradients after the step) for each step of the pure walk."""
    steps: list[tuple[Value, tuple, dict[Value, Any]]] = []

    def on_step(node: Value, local: tuple, grads_so_far: dict) -> None:
        steps.append((node, tuple(local), dict(grads_so_far)))  # the walk goes on mutating its dict

    gradients(root, on_step=on_step)
    return steps


def backprop_frames(root: Value, *, edge_labels: bool = True, max_nodes: int = 200,
                    who: str = "backprop_html", rankdir: str = "LR") -> list[Frame]:
    """The frames of the page as data (no rendering): frame 0 seeds root's gradient,
    then one frame per backward step, laid out in direction `rankdir` (LR, RL, TB, BT).
    Raises ValueError for a graph of more than `max_nodes` Values (errors name `who`,
    the function the user called). Writes no `.grad`."""
    if not isinstance(root, Value):
        raise TypeError(f"{who}: expected a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"{who}: rankdir must be LR, RL, TB or BT, got {rankdir!r:.40}")
    order = viz.checked_order(root, max_nodes, who)
    names = _display_names(order)
    steps = _walk(root)
    total = len(steps)
    # A gradient is final once every node that uses the Value has been processed.
    uses: dict[Value, int] = dict.fromkeys(order, 0)
    for node in order:
        for parent in set(node._prev):
            uses[parent] += 1

    seed = {root: 1.0}
    frames = [_frame(0, root, order, names, seed, uses, [], edge_labels, max_nodes, total)]
    done: list[tuple[Value, tuple]] = []
    before: dict[Value, Any] = seed
    for k, (node, local, grads) in enumerate(steps, start=1):
        done.append((node, local))
        frame = _frame(k, root, order, names, grads, uses, done, edge_labels, max_nodes, total)
        frame.caption = _step_caption(k, total, node, local, before, names)
        frame.node, frame.name = node, names[node]
        frames.append(frame)
        before = grads
    final = frames[-1]
    final.summary = [(names[node], final.grads[node]) for node in order if node in final.grads]
    for frame in frames:
        frame.drawing.graph_attrs["rankdir"] = rankdir
    return frames


def _measuring(frames: list[Frame], order: list[Value]) -> tuple[viz.Drawing, list[list[str]]]:
    """The graph that measures record widths: one node m<j> per distinct record of any
    frame, and for each the ids of the Values it is drawn for."""
    value_ids = {f"v{i}" for i in range(len(order))}
    variants: dict[tuple, int] = {}  # a record's attributes -> its node in the measuring graph
    owners: list[set[str]] = []
    for frame in frames:
        for node_id, attrs in frame.drawing.nodes:
            if node_id in value_ids:
                key = tuple(sorted(attrs.items()))
                if key not in variants:
                    variants[key] = len(owners)
                    owners.append(set())
                owners[variants[key]].add(node_id)
    measuring = viz.Drawing(graph_attrs=dict(frames[0].drawing.graph_attrs),
                            nodes=[(f"m{j}", dict(key)) for key, j in variants.items()])
    return measuring, [sorted(ids) for ids in owners]


def _same_sizes(frames: list[Frame], order: list[Value]) -> None:
    """Give each Value's record the same width in every frame: the widest it needs.

    dot lays a graph out from its structure and its nodes' sizes, so equal sizes
    keep every node in place from frame to frame: only colours and text change.
    (Edge labels are `xlabel`s, placed after layout for the same reason.) The
    widths are measured, not guessed: one `dot -Tplain` run over every distinct
    record of every frame, whatever fonts this machine has. (Without `dot`,
    graphs.js does the same in the browser from `_measuring`'s graph.)
    """
    measuring, owners = _measuring(frames, order)
    plain = render.run_dot(viz.render_dot_text(measuring), "plain").decode("utf-8")
    widths: dict[str, float] = {}
    for line in plain.splitlines():
        parts = line.split()
        if len(parts) > 4 and parts[0] == "node" and parts[1].startswith("m"):
            for node_id in owners[int(parts[1][1:])]:
                widths[node_id] = max(widths.get(node_id, 0.0), float(parts[4]))
    for frame in frames:
        for node_id, attrs in frame.drawing.nodes:
            if node_id in widths:
                attrs["width"] = f"{widths[node_id] + 0.01:.3f}"  # a hair more than measured (rounding)


def _frame(k: int, root: Value, order: list[Value], names: Mapping[Value, str], grads: dict[Value, Any],
           uses: Mapping[Value, int], done: list[tuple[Value, tuple]], edge_labels: bool,
           max_nodes: int, total: int) -> Frame:
    """The drawing of the graph after k steps (`done`), and frame 0's caption."""
    processed: Counter[Value] = Counter()
    for node, _ in done:
        for parent in set(node._prev):
            processed[parent] += 1
    current = done[-1][0] if done else None
    notes: dict[Value, str] = {}
    highlight: dict[Value, str] = {}
    pending: list[Value] = []
    for node in order:
        if node not in grads:
            pending.append(node)
        elif node is current:
            highlight[node] = CURRENT
            notes[node] = "processing"
        elif node is not root and processed[node] < uses[node]:
            highlight[node] = PARTIAL
            notes[node] = f"so far ({processed[node]} of {uses[node]} uses)"
    drawing = viz.graph_description(root, grads=grads, names=names, notes=notes, highlight=highlight,
                                    edge_labels=False, legend=False, max_nodes=max_nodes)
    drawing.graph_attrs["forcelabels"] = "true"  # draw every xlabel, even where it overlaps
    ids = _value_ids(order, drawing)
    attrs_of = dict(drawing.nodes)
    for node in pending:
        fields = [names[node], f"data {_num(node.data)}", "grad ?"]
        attrs_of[ids[node]].update({
            "label": "{ " + " | ".join(viz.record_escape(f) for f in fields) + " }",
            "fillcolor": PENDING, "fontcolor": PENDING_TEXT, "color": PENDING_TEXT, "style": "filled,dashed",
        })
    if current is not None:
        attrs_of[ids[current]]["penwidth"] = "2"
        op = attrs_of.get(ids[current] + "_op")
        if op is not None:
            op.update({"fillcolor": CURRENT_OP, "penwidth": "2"})
    if edge_labels:
        value_ids = set(ids.values())
        operands: dict[str, list[dict[str, str]]] = {}  # op id -> its operand edges, in slot order
        for a, b, attrs in drawing.edges:
            if a in value_ids:
                operands.setdefault(b, []).append(attrs)
        for node, local in done:
            operand_edges = operands.get(ids[node] + "_op", [])
            colour = CURRENT_EDGE if node is current else DONE_EDGE
            for attrs, partial in zip(operand_edges, local):
                # An xlabel is placed after layout, so labels coming and going move nothing.
                attrs.update({"xlabel": f"∂ {_num(partial)}", "fontsize": "11", "fontcolor": colour,
                              "color": colour})
                if node is current:
                    attrs["penwidth"] = "2"
    if k == 0:
        title = "start"
        caption = (f"start: the forward pass is done and backward seeds the output: "
                   f"{names[root]}.grad = d{names[root]}/d{names[root]} = 1. ")
        caption += (f"{total} backward step{'s' if total != 1 else ''} follow, one per operation, "
                    "in reverse topological order: each passes grad × local derivative to its inputs."
                    if total else f"{names[root]} is a leaf: there is nothing to propagate.")
    else:
        title, caption = f"step {k} of {total}", ""
    return Frame(k, title, caption, drawing, grads)


def _step_caption(k: int, total: int, node: Value, local: tuple, before: Mapping[Value, Any],
                  names: Mapping[Value, str]) -> str:
    """Words for step k: which node, its data and grad, and what each input receives."""
    grad = before[node]
    name = names[node]
    op = node._rule.display(node._arg) if node._rule is not None else ""
    parts = []
    running = dict(before)
    slots = len(node._prev)
    for slot, (parent, partial) in enumerate(zip(node._prev, local), start=1):
        term = partial * grad
        running[parent] = running[parent] + term if parent in running else term
        which = f" (operand {slot} of {slots})" if node._prev.count(parent) > 1 else ""
        parts.append(f"∂{name}/∂{names[parent]}{which} = {_num(partial)} → {names[parent]}.grad += "
                     f"{_num(partial)} × {_num(grad)} = {_num(term)} (now {_num(running[parent])})")
    return (f"step {k} of {total}: node `{name}` ({op}; data {_num(node.data)}, grad {_num(grad)}) "
            "passes grad × local derivative to its inputs: " + "; ".join(parts) + ".")


def _render(frames: list[Frame]) -> list[str]:
    """Each frame's SVG, from one `dot` run per frame (ids made unique per player by `inline_svg`)."""
    return [render.run_dot(viz.render_dot_text(frame.drawing), "svg").decode("utf-8") for frame in frames]


@dataclass
class Player:
    """The rendered player of one backward pass: its frames and their pictures.

    `pictures` are the frames' SVG from `dot`, or None where `dot` is missing: the
    frames are then DOT text drawn in the browser, after `measure` (the measuring
    graph's DOT text and owners, see `_measuring`) gives records equal widths.
    `fragment(prefix)` is the player as a piece of HTML (what a notebook cell shows
    when `dot` made the pictures), `markup(prefix)` the same without scripts, `page(title)`
    the standalone page and `save(path)` writes that page. Rendering with `dot`
    happened when the Player was made, so using it cannot fail on a missing `dot`.
    """

    frames: list[Frame]
    pictures: list[str] | None
    measure: dict[str, Any] | None = None

    def markup(self, prefix: str = "") -> str:
        """The player's style and markup, no script: every frame shown one after another."""
        return (f"<style>{render.asset('player.css')}\n{render.asset('graphs.css')}</style>\n"
                + _player_markup(self.frames, self.pictures, prefix, self.measure))

    def fragment(self, prefix: str = "", keys: str = "root") -> str:
        """The player as HTML: markup, scoped CSS and its script. Every id starts
        with `prefix`, so players with different prefixes share a page without
        clashing; `keys` is the JavaScript expression receiving the arrow keys.
        Frames without pictures need the renderer on the page (`page()` inlines it)."""
        return (self.markup(prefix)
                + f'<script>(function () {{\n{render.asset("graphs.js")}\n{render.asset("player.js")}\n'
                  f'var root = document.getElementById("{prefix}player");\n'
                  f"autogradLitePlayer(root, {keys});\n}}());</script>\n")

    def page(self, title: str = "Backpropagation, step by step") -> str:
        """The self-contained page: the fragment (ids unprefixed, keys on the document),
        with Graphviz in WebAssembly inlined before it when the frames are DOT text."""
        renderer = f"<script>{render.asset(render.VIZ_JS)}</script>\n" if self.pictures is None else ""
        return _fill(render.asset("page.html"), title=html.escape(title),
                     player=renderer + self.fragment("", keys="document"))

    def save(self, path: str | Path, title: str | None = None) -> Path:
        """Write `page(title)` to path (UTF-8) and return the path."""
        path = Path(path)
        path.write_text(self.page(title or "Backpropagation, step by step"), encoding="utf-8")
        return path


def render_player(root: Value, *, edge_labels: bool = True, max_nodes: int = 200,
                  who: str = "backprop_html", rankdir: str = "LR") -> Player:
    """Frames and pictures of root's backward pass (the work behind `backprop_html`):
    drawn by `dot` when it is installed and works, else left as DOT text for the browser
    (after one GraphvizFailedWarning where `dot` failed).
    Errors as `backprop_html`, naming `who`; no `.grad` is changed."""
    frames = backprop_frames(root, edge_labels=edge_labels, max_nodes=max_nodes, who=who, rankdir=rankdir)
    order = topological_order(root)
    if render.dot_available():
        try:
            _same_sizes(frames, order)
            return Player(frames, _render(frames))
        except render.GraphvizFailedError as error:  # installed but failing: drawn in the browser
            render.browser_instead(error)
    return browser_player(frames, order)


def browser_player(frames: list[Frame], order: list[Value]) -> Player:
    """The player of these frames drawn in the browser: no pictures, the frames stay DOT
    text, and `measure` (the measuring graph and its owners) gives records equal widths."""
    measuring, owners = _measuring(frames, order)
    return Player(frames, None, {"dot": viz.render_dot_text(measuring), "owners": owners})


def backprop_html(root: Value, path: str | Path, *, edge_labels: bool = True, max_nodes: int = 200,
                  title: str | None = None, rankdir: str = "LR") -> Path:
    """Write a self-contained HTML page stepping through root's backward pass; return its path.

    One frame per backward step in reverse topological order, after a frame 0
    that seeds root's gradient to 1 (so 1 + the number of non-leaf nodes). Each
    frame is an inline SVG picture with a caption; a slider, previous/next,
    play/pause and the left/right arrow keys move between frames. `edge_labels`
    shows the local derivatives on the operand edges of processed nodes; `rankdir`
    lays the graph out left to right (LR, the default), RL, TB or BT. A graph
    of more than `max_nodes` Values is a ValueError before anything is drawn.
    Without Graphviz's `dot` the frames are drawn by the page itself (Graphviz in
    WebAssembly, inlined). No `.grad` is changed.
    """
    player = render_player(root, edge_labels=edge_labels, max_nodes=max_nodes, rankdir=rankdir)
    return player.save(path, title)


def _fill(template: str, **values: str) -> str:
    """`{name}` in template replaced by values[name], in one pass (inserted text is not
    scanned again, and braces of CSS such as `{ color: red }` are left alone)."""
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)] if m.group(1) in values else m.group(0),
                  template)


def _code(text: str) -> str:
    """`name` in already escaped text as <code>name</code>."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", text)


def _player_markup(frames: list[Frame], pictures: list[str] | None, prefix: str,
                   measure: dict[str, Any] | None = None) -> str:
    esc = html.escape
    last = len(frames) - 1
    sections = []
    for index, frame in enumerate(frames):
        summary = ""
        if frame.summary:
            items = "".join(f'<li><span class="name">{esc(name)}</span>.grad = '
                            f'<span class="value">{esc(_num(value))}</span></li>'
                            for name, value in frame.summary)
            summary = f'<div class="summary"><p>Every gradient is now final:</p><ul>{items}</ul></div>'
        node = f' data-node="{esc(frame.name)}"' if frame.name else ""
        if pictures is not None:
            picture = inline_svg(pictures[index], f"{prefix}f{frame.index}-")
        else:  # drawn in the browser; the hint goes with the first frame only
            picture = render.dot_block(viz.render_dot_text(frame.drawing), hint=index == 0)
        sections.append(
            f'<section class="frame{" current" if frame.index == 0 else ""}" '
            f'id="{prefix}frame-{frame.index}" '
            f'data-frame="{frame.index}" data-title="{esc(frame.title)}"{node}>\n'
            f'<h2>{esc(frame.title)}</h2>\n<div class="picture al-view">{picture}</div>\n'
            f'<p class="caption">{_code(esc(frame.caption))}</p>{summary}\n</section>'
        )
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour}{extra}"></span>{esc(text)}</li>'
        for colour, extra, text in [
            (CURRENT, "", "processing now"),
            (viz.COLOURS["leaf"], "", "gradient final (input)"),
            (viz.COLOURS["interior"], "", "gradient final (intermediate)"),
            (viz.COLOURS["output"], "", "output, seeded with gradient 1"),
            (PARTIAL, "", "gradient so far: more uses to come"),
            (PENDING, ";border-style:dashed", "no gradient yet (grad ?)"),
        ]
    )
    # JSON in an attribute: html.escape makes quotes and < > & entities, the browser undoes them.
    measured = f' data-measure="{esc(json.dumps(measure))}"' if measure is not None else ""
    return _fill(render.asset("player.html"), p=prefix, interval=str(PLAY_INTERVAL_MS), current=CURRENT,
                 legend=legend, last=str(last), first=esc(frames[0].title), frames="\n".join(sections),
                 measure=measured)
