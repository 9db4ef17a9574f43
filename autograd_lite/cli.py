"""`autograd-lite` on the command line: version, and the demo runner.

Imports the package's public face only; demos are run as modules of
`autograd_lite.demos` (the top-level demos/ folder, mapped into the package).
"""

from __future__ import annotations

import argparse
import pkgutil
import runpy
import sys
from collections.abc import Sequence

from . import __version__


def demo_names() -> list[str]:
    """The demos that `autograd-lite demo NAME` can run."""
    from . import demos

    return sorted(m.name for m in pkgutil.iter_modules(demos.__path__) if not m.name.startswith("_"))


def _run_demo(name: str, quick: bool) -> int:
    names = demo_names()
    if name not in names:
        print(f"autograd-lite demo: unknown demo {name!r}; choose from {', '.join(names)}", file=sys.stderr)
        return 2
    saved_argv = sys.argv
    sys.argv = [name] + (["--quick"] if quick else [])
    try:
        runpy.run_module(f"autograd_lite.demos.{name}", run_name="__main__", alter_sys=True)
    finally:
        sys.argv = saved_argv
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `autograd-lite` console script."""
    parser = argparse.ArgumentParser(prog="autograd-lite", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"autograd-lite {__version__}")
    commands = parser.add_subparsers(dest="command")
    demo = commands.add_parser("demo", help="run a demo script (see --list)")
    demo.add_argument("name", nargs="?", help="the demo to run")
    demo.add_argument("--quick", action="store_true", help="a small, fast run (as the tests do)")
    demo.add_argument("--list", action="store_true", help="list the demos")
    args = parser.parse_args(argv)
    if args.command == "demo":
        if args.list or not args.name:
            print("\n".join(demo_names()))
            return 0
        return _run_demo(args.name, args.quick)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
