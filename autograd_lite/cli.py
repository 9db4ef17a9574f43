"""`autograd-lite` on the command line: the demo runner; `graph`, which draws a typed expression;
`explain`, which tells the chain rule on it step by step; `check`, which checks a learner's own engine.

`autograd-lite demo NAME` runs a module of `autograd_lite.demos` (the top-level
demos/ folder, mapped into the package); with `--notebook` it writes the demo
as NAME.ipynb instead (jupytext, from the notebook extra). `autograd-lite graph EXPR --at x=2`
parses EXPR with the whitelist parser of `expression` (never eval), runs
backward, and writes the drawing; `autograd-lite explain EXPR --at x=2 [--forward x]`
reads EXPR the same way and prints `explain.explain`'s text. `autograd-lite check FILE.py[:NAME]`
imports the learner's FILE (on purpose: it runs their code) and prints `check.check_engine`'s
report on its class NAME (exit 1 when a case fails). Every user error is one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import pkgutil
import runpy
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__


def demo_names() -> list[str]:
    """The demos that `autograd-lite demo NAME` can run."""
    from . import demos

    return sorted(m.name for m in pkgutil.iter_modules(demos.__path__) if not m.name.startswith("_"))


def _unknown_demo(names: list[str]) -> int | None:
    """2, after a one-line error naming the first of `names` that is no demo; None if all are."""
    known = demo_names()
    unknown = [name for name in names if name not in known]
    if not unknown:
        return None
    print(f"autograd-lite demo: unknown demo {unknown[0]!r}; choose from {', '.join(known)}", file=sys.stderr)
    return 2


def _run_demo(name: str, quick: bool, fast: bool = False) -> int:
    if (status := _unknown_demo([name])) is not None:
        return status
    saved_argv = sys.argv
    sys.argv = [name] + (["--quick"] if quick else []) + (["--fast"] if fast else [])
    try:
        runpy.run_module(f"autograd_lite.demos.{name}", run_name="__main__", alter_sys=True)
    finally:
        sys.argv = saved_argv
    return 0


def _write_notebooks(names: list[str], out_dir: str, force: bool) -> int:
    """Convert demos (jupytext percent scripts) to NAME.ipynb in out_dir; print each path."""
    if (status := _unknown_demo(names)) is not None:
        return status
    try:
        import jupytext
    except ImportError:
        print("autograd-lite demo: --notebook needs the notebook extra: "
              "pip install 'autograd_lite[notebook]'", file=sys.stderr)
        return 2
    from . import demos

    folder = Path(out_dir)
    targets = {name: folder / f"{name}.ipynb" for name in names}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing and not force:
        print(f"autograd-lite demo: {existing[0]} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, path in targets.items():
            notebook = jupytext.read(Path(demos.__path__[0]) / f"{name}.py")
            # Opened in Jupyter, the notebook asks for no kernel: the default Python one.
            notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}
            jupytext.write(notebook, path)
            print(path)
    except OSError as error:
        print(f"autograd-lite demo: cannot write into {out_dir!r}: {error}", file=sys.stderr)
        return 2
    return 0


FORMATS = ("svg", "png", "pdf", "dot", "html")


def _fail(message: str, command: str = "graph") -> int:
    message = message.removeprefix(f"{command}: ")  # explain's own errors already name it
    print(f"autograd-lite {command}: {message}", file=sys.stderr)
    return 2


def _parse_expression(args: argparse.Namespace, command: str) -> tuple[Any, dict[str, Any]] | int:
    """(root, {name: leaf}) of the command's expression at --at, or the exit status of a one-line error."""
    from .expression import ExpressionError, parse, parse_assignments

    try:
        values = parse_assignments(args.at) if args.at else {}
        root, leaves = parse(args.expression, values)
    except ExpressionError as error:
        return _fail(str(error), command)
    unused = sorted(set(values) - set(leaves))
    if unused:
        print(f"autograd-lite {command}: note: --at sets {', '.join(unused)}, which the expression "
              "does not use", file=sys.stderr)
    return root, leaves


def _run_graph(args: argparse.Namespace) -> int:
    fmt = "dot"
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            return _fail(f"cannot write {suffix or 'a file without extension'!r}; "
                         f"-o takes a file ending in .{', .'.join(FORMATS)}")
        fmt = suffix
    parsed = _parse_expression(args, "graph")
    if isinstance(parsed, int):
        return parsed
    root, leaves = parsed
    try:
        root.backward()
    except (ValueError, ZeroDivisionError) as error:
        return _fail(str(error))
    for name, leaf in leaves.items():
        if not math.isfinite(leaf.grad):
            return _fail(f"the gradient with respect to {name} is not finite ({leaf.grad})")
    return _write_graph(root, args, fmt)


def _write_graph(root: Any, args: argparse.Namespace, fmt: str) -> int:
    from .render import GraphvizNotFoundError, dot_message, run_dot
    from .viz import to_dot

    options = {"rankdir": args.rankdir, "edge_labels": args.edge_labels}
    try:
        with warnings.catch_warnings(record=True) as said:  # a failing dot: .html drawn in the browser
            warnings.simplefilter("always")
            if fmt == "dot":
                text = to_dot(root, **options)
                if args.output:
                    Path(args.output).write_text(text, encoding="utf-8")
                else:
                    sys.stdout.write(text)
            elif fmt == "html":
                from .backprop_page import backprop_html

                backprop_html(root, args.output, edge_labels=args.edge_labels, rankdir=args.rankdir)
            else:
                Path(args.output).write_bytes(run_dot(to_dot(root, **options), fmt))
    except GraphvizNotFoundError as error:  # missing, or installed but failing (its subclass)
        return _fail(dot_message(error.what, error.reason, f"-o {Path(args.output).with_suffix('.html')}"))
    except BrokenPipeError:  # stdout's reader left: main ends quietly
        raise
    except (OSError, ValueError) as error:
        return _fail(f"cannot write {args.output!r}: {error}")
    for warning in said:
        print(f"autograd-lite graph: warning: {warning.message}", file=sys.stderr)
    if args.output:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _run_explain(args: argparse.Namespace) -> int:
    from .explain import explain

    parsed = _parse_expression(args, "explain")
    if isinstance(parsed, int):
        return parsed
    root, leaves = parsed
    wrt = None
    if args.forward is not None:
        wrt = leaves.get(unicodedata.normalize("NFKC", args.forward))
        if wrt is None:
            names = ", ".join(leaves) or "none"
            return _fail(f"--forward {args.forward[:40]!r} is not a variable of the expression "
                         f"(its variables: {names})", "explain")
    try:
        text = explain(root, wrt=wrt, mode="reverse" if wrt is None else "forward",
                       digits=args.digits, max_nodes=args.max_nodes)
    except (ValueError, ZeroDivisionError) as error:
        return _fail(str(error), "explain")
    print(text)
    return 0


def _import_learner(path_text: str) -> tuple[Any, str] | int:
    """(module, its name) of the learner's file, imported (so run), or the status of a one-line error."""
    import importlib.util

    path = Path(path_text)
    if not path.is_file():
        return _fail(f"no such file: {path_text!r}", "check")
    if path.suffix != ".py":
        return _fail(f"{path_text!r} is not a Python file (.py)", "check")
    module_name = f"autograd_lite_check_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return _fail(f"cannot import {path_text!r}", "check")
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)  # the learner's file may import its neighbours
    sys.modules[module_name] = module  # as an import does (dataclasses look themselves up there)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        from .check import _summary

        return _fail(f"{path_text} raised {_summary(error)} on import", "check")
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
        sys.modules.pop(module_name, None)
    return module, module_name


def _run_check(args: argparse.Namespace) -> int:
    """Import the learner's file (running it), check its class: 0 ok, 1 failing, 2 usage error."""
    import json

    from .check import check_engine

    path_text, name = args.target, "Value"
    head, colon, tail = args.target.rpartition(":")
    if colon and head and tail.isidentifier():
        path_text, name = head, tail
    imported = _import_learner(path_text)
    if isinstance(imported, int):
        return imported
    module, module_name = imported
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        classes = sorted(k for k, v in vars(module).items() if isinstance(v, type) and
                         getattr(v, "__module__", None) == module_name)
        kind = type(cls).__name__
        what = "no class" if cls is None else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}, not a class,"
        return _fail(f"{path_text} has {what} named {name!r} (its classes: {', '.join(classes) or 'none'}); "
                     "name one with FILE.py:NAME", "check")
    report = check_engine(cls, strict=args.strict)
    print(json.dumps(report.to_dict(), allow_nan=False, indent=2) if args.json else report)
    return 0 if report.ok else 1


def _run_site(args: argparse.Namespace) -> int:
    from .site.build import SiteBuildError, build_site

    try:
        build_site(args.output, lite=not args.no_notebooks,
                   log=lambda line: print(line, file=sys.stderr))
    except SiteBuildError as error:
        return _fail(str(error), "site")
    return 0


def _expression_arguments(command: argparse.ArgumentParser) -> None:
    """The expression and --at, read by the same whitelist parser for graph and explain."""
    command.add_argument("expression", help="numbers, names, + - * / **, parentheses, and "
                         "abs cos exp log relu sigmoid sin sqrt tanh")
    command.add_argument("--at", default="", help="values of the names: x=2,w=-3")


def _positive(text: str) -> int:
    number = int(text) if text.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text[:40]!r}")
    return number


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (exit status 2), like every other error here."""

    def error(self, message: str) -> NoReturn:
        hint = " (an expression starting with '-' goes last, after '--'; a value: --at=-x=1)"
        dash_trouble = "expected one argument" in message or "expression" in message
        self.exit(2, f"{self.prog}: {message}{hint if dash_trouble else ''}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `autograd-lite` console script."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # a reader gone early (`| head -1`) is met here, not at interpreter exit
        return status
    except BrokenPipeError:
        # Quietly, as CLIs do when their reader leaves: the Python docs' recipe points stdout at
        # devnull so the interpreter's last flush raises nothing either. Cut short: status 1.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:  # noqa: PLR0911 - one return per subcommand
    parser = _Parser(prog="autograd-lite", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"autograd-lite {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = commands.add_parser("demo", help="run a demo script (see --list)")
    demo.add_argument("name", nargs="?", help="the demo to run")
    demo.add_argument("--quick", action="store_true", help="a small, fast run (as the tests do)")
    demo.add_argument("--fast", action="store_true", help="train with the tape (moons, digits)")
    demo.add_argument("--list", action="store_true", help="list the demos")
    demo.add_argument("--notebook", action="store_true",
                      help="write NAME.ipynb (converted by jupytext) instead of running the demo")
    demo.add_argument("--all", action="store_true", help="with --notebook: every demo")
    demo.add_argument("-o", "--output-dir", help="with --notebook: the folder (default: here)")
    demo.add_argument("--force", action="store_true", help="with --notebook: overwrite existing files")
    graph = commands.add_parser(
        "graph", help="draw an expression with its values and gradients",
        description="Draw EXPR after backward, e.g.  autograd-lite graph \"tanh(x*w + b)\" "
                    "--at x=2,w=-3,b=6.88 -o neuron.svg")
    _expression_arguments(graph)
    graph.add_argument("-o", "--output", help="file to write: .svg .png .pdf (these need Graphviz's dot) "
                       ".dot, or .html for the step-by-step backprop page, drawn in the browser where dot "
                       "is missing (default: DOT text on stdout)")
    graph.add_argument("--rankdir", default="LR", choices=["LR", "RL", "TB", "BT"])
    graph.add_argument("--edge-labels", action="store_true", help="label edges with local derivatives")
    explain = commands.add_parser(
        "explain", help="the chain rule step by step, in words and numbers",
        description="Tell backward's steps on EXPR, e.g.  autograd-lite explain \"tanh(x*w + b)\" "
                    "--at x=2,w=-3,b=6.88  (or forward mode with --forward x)")
    _expression_arguments(explain)
    explain.add_argument("--forward", metavar="NAME", help="forward mode instead: tangents seeded at NAME")
    explain.add_argument("--digits", type=_positive, default=4, help="significant digits (default 4)")
    explain.add_argument("--max-nodes", type=_positive, default=200,
                         help="refuse larger graphs (default 200)")
    check = commands.add_parser(
        "check", help="check your own micrograd-style Value class (imports FILE: runs its code)",
        description="Import FILE.py (this runs its code, as `python FILE.py` would) and check its class "
                    "NAME (default Value) with autograd_lite.check_engine: small graphs built with your "
                    "class, your backward() against autograd_lite's gradients, the faulty op named. Exit "
                    "status 0 when ok, 1 when a case fails, 2 for a usage error.")
    check.add_argument("target", metavar="FILE.py[:NAME]",
                       help="your file, and the class in it (default Value)")
    check.add_argument("--strict", action="store_true",
                       help="a recursive topological sort (RecursionError on a deep chain) fails too")
    check.add_argument("--json", action="store_true", help="print the report as JSON (for autograders)")
    site = commands.add_parser(
        "site", help="build the static site: the playground page and JupyterLite, offline",
        description="Build the static site into DIR: the playground (DIR/index.html, autograd_lite in "
                    "Pyodide) and JupyterLite with the demo notebooks (DIR/lite/). Serve it with "
                    "python -m http.server -d DIR. Needs node and npm, and the site extra.")
    site.add_argument("-o", "--output", required=True, metavar="DIR",
                      help="the folder to write (new, empty, or a site built before, which is replaced)")
    site.add_argument("--no-notebooks", action="store_true", help="the playground only, without JupyterLite")
    args = parser.parse_args(argv)
    if args.command == "check":
        return _run_check(args)
    if args.command == "site":
        return _run_site(args)
    if args.command == "graph":
        return _run_graph(args)
    if args.command == "explain":
        return _run_explain(args)
    if args.command == "demo":
        if args.notebook:
            if args.all == bool(args.name):
                parser.exit(2, "autograd-lite demo: --notebook takes a demo NAME or --all\n")
            return _write_notebooks(demo_names() if args.all else [args.name], args.output_dir or ".",
                                    args.force)
        if args.all or args.force or args.output_dir is not None:  # else silently ignored
            parser.exit(2, "autograd-lite demo: --all, --force and -o go with --notebook\n")
        if args.list or not args.name:
            print("\n".join(demo_names()))
            return 0
        return _run_demo(args.name, args.quick, args.fast)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
