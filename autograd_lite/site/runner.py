"""The Python side of the playground page: run the reader's code, describe the Value to show.

`run(code)` executes code as a fresh `__main__` module, with its printed output captured,
and returns plain data (JSON-ready: `run_json`) for the page: the output, the traceback of
an error (SyntaxError included, frames of this module left out), and for the Value to show
(the one passed to `autograd_lite.show`, else the last top-level name bound to a Value):

- `dot`: its graph with data and ∂root/∂node on every node (`viz.to_dot`);
- `player`: the step-by-step player of `backprop_page` as `show_backprop` shows it where no
  `dot` is installed: every frame as DOT text (`<pre class="al-dot">`) and the measuring graph
  (`data-measure`) that gives each record one width in every frame; the page draws it with
  graphs.js (Graphviz in WebAssembly), so nodes keep their places from frame to frame;
- `explain`: `explain`'s text; `table`: every node's name, op, data and gradient (Python's
  repr of the float, so the page shows exactly what CPython computes).

Gradients come from the pure walk (`engine.gradients`): the same numbers `backward()` gives,
whether or not the code called it, and no `.grad` is changed. Runs in the browser's Web
Worker (Pyodide) and, in the tests, under CPython. Imports engine, viz, backprop_page,
explain, shown; nothing optional.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import linecache
import math
import traceback
import types
from typing import Any

from .. import backprop_page, viz
from ..engine import Value, gradients, topological_order
from ..explain import explain
from ..shown import capture

__all__ = ["FILENAME", "run", "run_json"]

FILENAME = "<playground>"
MAX_DRAWN = 400  # Values drawn as one graph
MAX_STEPPED = 150  # Values stepped through by the player (one picture per operation)
MAX_EXPLAINED = 150

# The last run's namespace and shown Values, kept alive until the next run dismantles them.
# Freeing a deep graph at once deallocates it recursively in C, which overflows Pyodide's
# stack (a fatal error, not a Python one) at a chain of about 3,000 Values.
_kept: list[Any] = []


def bound_names(tree: ast.Module) -> list[str]:
    """Names the module binds in its own (top-level) scope, in the order it binds them: in any
    statement (if, while, for, with, try, except, match), walrus included; not names local to
    a function, class, lambda or comprehension (but a comprehension's walrus binds here)."""
    found: list[tuple[tuple[int, int], str]] = []

    def end(node: ast.AST) -> tuple[int, int]:
        return (node.end_lineno or 0, node.end_col_offset or 0)

    def start(node: ast.AST) -> tuple[int, int]:
        return (node.lineno, node.col_offset)

    todo: list[tuple[ast.AST, tuple[int, int] | None]] = [(tree, None)]
    while todo:  # depth first, children in order (a stack, so no recursion on deep code)
        node, at = todo.pop()
        children: list[tuple[ast.AST, tuple[int, int] | None]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((end(node), node.name))
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            found.extend((end(sub), sub.target.id) for sub in ast.walk(node)
                         if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name))
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            # The value is computed first (its walrus binds first), then the targets.
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            children = [(node.value, at)] if node.value is not None else []
            children += [(target, end(node)) for target in targets]
        elif isinstance(node, ast.NamedExpr):
            children = [(node.value, at), (node.target, end(node))]
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                found.append((at or start(node), node.id))
            continue
        else:
            if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                found.append((start(node), node.name))
            elif isinstance(node, ast.MatchMapping) and node.rest:
                found.append((end(node), node.rest))
            children = [(child, at) for child in ast.iter_child_nodes(node)]
        todo.extend(reversed(children))
    found.sort(key=lambda item: item[0])  # stable: `a = b = v` keeps a before b
    return [name for _, name in found]


def _values_within(roots: list[Any], limit: int = 1_000_000) -> list[Value]:
    """The Values reachable from roots through lists, tuples, sets, dicts and instances'
    attributes (not through functions, modules or classes), without recursion."""
    found: list[Value] = []
    seen: set[int] = set()
    todo = list(roots)
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, Value):
            found.append(obj)
        elif isinstance(obj, (list, tuple, set, frozenset)):
            todo.extend(obj)
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif not isinstance(obj, (type, types.ModuleType, types.FunctionType)) and hasattr(obj, "__dict__"):
            todo.extend(vars(obj).values())
    return found


def dismantle(roots: list[Any]) -> None:
    """Cut every graph reachable from roots into lone Values (no parents), so that dropping
    them frees one Value at a time rather than a chain of deallocations as deep as the graph."""
    nodes: list[Value] = []
    seen: set[int] = set()
    todo = _values_within(roots)
    while todo:
        value = todo.pop()
        if id(value) in seen:
            continue
        for node in topological_order(value):
            if id(node) not in seen:
                seen.add(id(node))
                nodes.append(node)
                if isinstance(node.grad, Value):  # a create_graph gradient: a graph of its own
                    todo.append(node.grad)
    for node in nodes:  # all still held by `nodes`: nothing is freed while they are cut
        node._a = node._b = node._rule = node._arg = None
        node.grad = 0.0


def _release() -> None:
    """Dismantle, then drop, what the last run kept."""
    kept = _kept[:]
    _kept.clear()
    dismantle(kept)
    for held in kept:  # the namespace's functions and classes refer to it: break that cycle now
        held.clear()


def _error_text(error: BaseException) -> str:
    """The traceback as Python prints it, from the reader's code down (this module's frames dropped)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def _number(x: float) -> str:
    return repr(float(x)) if math.isfinite(x) else str(float(x))


def describe(root: Value, name: str) -> dict[str, Any]:
    """What the page shows of root (see the module docstring); `name` is how the code calls it.

    An unlabelled root is called `name` in every picture and text (its label is set for
    the time of the drawing, then put back)."""
    label = root.label
    root.label = label or name
    try:
        return _describe(root)
    finally:
        root.label = label


def _describe(root: Value) -> dict[str, Any]:
    name = root.label
    order = topological_order(root)
    result: dict[str, Any] = {"name": name, "nodes": len(order), "notes": []}
    grads = gradients(root)
    names = backprop_page._display_names(order)
    result["table"] = [{"name": names[node], "op": node._rule.display(node._arg) if node._rule else "",
                        "data": _number(node.data), "grad": _number(grads.get(node, 0.0))}
                       for node in reversed(order)]
    if len(order) <= MAX_DRAWN:
        result["dot"] = viz.to_dot(root, grads=grads, names=names, max_nodes=MAX_DRAWN)
    else:
        result["notes"].append(f"{len(order)} values: more than {MAX_DRAWN}, too many to draw")
    if len(order) <= MAX_STEPPED:
        frames = backprop_page.backprop_frames(root, max_nodes=MAX_STEPPED, who="playground")
        result["player"] = backprop_page.browser_player(frames, order).markup("pg-")
    else:
        result["notes"].append(f"{len(order)} values: more than {MAX_STEPPED}, too many to step through")
    if len(order) <= MAX_EXPLAINED:
        result["explain"] = explain(root, max_nodes=MAX_EXPLAINED)
    return result


def run(code: str) -> dict[str, Any]:
    """Run code (as the page's Run button does) and describe what the page shows; see the module."""
    _release()
    output = io.StringIO()
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(keepends=True), FILENAME)
    shown: list[Value] = []
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    _kept.extend([namespace, shown])
    try:
        tree = ast.parse(code, FILENAME)
        compiled = compile(tree, FILENAME, "exec", dont_inherit=True)  # not runner.py's __future__ imports
        with capture(shown.append), contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            exec(compiled, namespace)
    except BaseException as error:  # the reader's error (KeyboardInterrupt too), shown in the page
        return {"ok": False, "output": output.getvalue(), "error": _error_text(error), "value": None}
    root, name = None, ""
    if shown:
        root = shown[-1]
        name = next((n for n in reversed(bound_names(tree)) if namespace.get(n) is root), "shown value")
    else:
        for candidate in reversed(bound_names(tree)):
            if isinstance(namespace.get(candidate), Value):
                root, name = namespace[candidate], candidate
                break
    result: dict[str, Any] = {"ok": True, "output": output.getvalue(), "error": None, "value": None}
    if root is not None:
        try:
            result["value"] = describe(root, name)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            result["error"] = f"drawing {name}: {error}"
    return result


def run_json(code: str) -> str:
    """`run(code)` as JSON text (what the Web Worker posts to the page)."""
    return json.dumps(run(code))
