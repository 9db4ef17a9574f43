"""Cold start of the site's playground: page opened -> first graph drawn, in headless Chromium.

    python -m benchmarks.site_cold_start [--site DIR] [--runs 5]

Builds the site (`autograd-lite site -o TMP --no-notebooks`) unless --site names one, serves it
with `python -m http.server` on 127.0.0.1, and opens the page `runs` times, each in a fresh
Chromium profile (nothing cached), DNS blocked but for 127.0.0.1. The page sets
`document.body.dataset.firstGraphMs` (ms since navigation start) when the default example's
graph is in the page. Prints each run and the median. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="an already built site (default: build one now)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from tests.test_site_browser import browser, serve, wait

    with tempfile.TemporaryDirectory() as temp:
        site = Path(args.site) if args.site else Path(temp) / "site"
        if not args.site:
            subprocess.run([sys.executable, "-m", "autograd_lite", "site", "-o", str(site), "--no-notebooks"],
                           check=True)
        first, walls = [], []
        with serve(site) as base:
            for run in range(args.runs):
                profile = Path(temp) / f"profile{run}"
                profile.mkdir()
                with browser(profile) as driver:
                    started = time.monotonic()
                    driver.get(base)
                    ms = float(wait(driver, "document.body.dataset.firstGraphMs", timeout=120))
                    wall = time.monotonic() - started
                    python = float(driver.execute_script("return document.body.dataset.pythonReadyMs;"))
                    runtime = float(driver.execute_script("return document.body.dataset.pyodideSeconds;"))
                first.append(ms / 1000)
                walls.append(wall)
                print(f"run {run + 1}: first graph {ms / 1000:.2f} s after navigation ({wall:.2f} s wall); "
                      f"Python ready at {python / 1000:.2f} s (Pyodide's runtime took {runtime:.2f} s of it)")
    print(f"median over {args.runs} cold starts: first graph drawn {statistics.median(first):.2f} s "
          f"(min {min(first):.2f}, max {max(first):.2f}); wall clock from driver.get "
          f"{statistics.median(walls):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
