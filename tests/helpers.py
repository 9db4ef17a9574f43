"""Shared by the tests: central finite differences, a closeness check, micrograd's neuron, imports."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from autograd_lite import Value


def central_differences(f: Callable[..., float], xs: Sequence[float], eps: float = 1e-6) -> list[float]:
    """[(f(x + h e_i) - f(x - h e_i)) / 2h for each i], h scaled to |x_i|."""
    grads = []
    for i, x in enumerate(xs):
        h = eps * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[i], down[i] = x + h, x - h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def close(actual: float, reference: float, tol: float) -> bool:
    """|actual - reference| <= tol * max(1, |reference|): the project's meaning of 'to tol'."""
    return abs(actual - reference) <= tol * max(1.0, abs(reference))


def micrograd_neuron() -> tuple[Value, dict[str, Value]]:
    """micrograd's neuron: o = tanh(x1 w1 + x2 w2 + b), with every node labelled."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def broken_dot(folder: Path, body: str = "echo 'dot: broken install (simulated)' >&2; exit 1") -> str:
    """A PATH whose first folder holds a `dot` that is installed but fails (a shell script running
    `body`), then the test's own PATH: what a broken Graphviz install looks like."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "dot"
    program.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    program.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


def imports_of(tree: ast.AST) -> Iterator[tuple[ast.AST, int, str]]:
    """(node, relative level, module) for every import anywhere in a parsed module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node, node.level, node.module or ""
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node, 0, alias.name


def is_standard_library(module: str) -> bool:
    top = module.split(".", maxsplit=1)[0]
    return top in sys.stdlib_module_names or top == "__future__"
