"""The playground widget's redraw rate in JupyterLite (the static site), in headless Chromium.

    python -m benchmarks.site_playground [--site DIR] [--runs 3] [--seconds 10]

Builds the site (`autograd-lite site -o TMP`) unless --site names one, serves it with
`python -m http.server` on 127.0.0.1, and `runs` times opens the served `playground` notebook
in JupyterLite's lab (fresh Chromium profile, DNS blocked but for 127.0.0.1), runs all its
cells, presses the widget's play and counts, from its step counter, the frames drawn in
`seconds` (steps/frame is 1: each frame is one batch step of the default network, moons with
[8, 8] tanh, and one redraw: `pg.svg` made in Pyodide, sent to the page and laid out there).
Prints each run and the median. Then, for comparison, the same redraw without the widget
(`pg.step(1)` and `pg.svg`, nothing sent anywhere) timed by Python in Pyodide, on the
playground page's worker. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def steps(driver: Any) -> int:
    text = driver.execute_script("var e = document.querySelector('.al-playground-widget .al-pg-epoch');"
                                 "return e ? e.textContent : '';")
    found = re.search(r"step (\d+)", text)
    return int(found.group(1)) if found else -1


def press(driver: Any, name: str) -> None:
    button = driver.find_element("css selector", f".al-playground-widget .al-pg-{name}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


IN_PYODIDE = """import time
from autograd_lite.playground import Playground
pg = Playground(dataset="moons", hidden=[8, 8], activation="tanh", learning_rate=0.03, noise=0.1)
for _ in range(5):  # warm: the tape is recorded on the first step
    pg.step(1)
    pg.svg
started = time.perf_counter()
for _ in range(FRAMES):
    pg.step(1)
    svg = pg.svg
took = time.perf_counter() - started
print(f"{FRAMES / took:.1f} {len(svg)}")
"""


def in_pyodide(driver: Any, base: str, frames: int = 40) -> tuple[float, int]:
    """Redraws a second of a Playground (step and SVG text, no widget) in the page's Pyodide."""
    from tests.test_site_browser import wait

    driver.get(base)
    wait(driver, "document.body.dataset.state === 'done'", timeout=120)
    code = IN_PYODIDE.replace("FRAMES", str(frames))
    driver.execute_script("document.getElementById('code').value = arguments[0];"
                          "document.body.dataset.state = 'submitted';", code)
    driver.find_element("id", "run").click()
    wait(driver, "document.body.dataset.state === 'done'", timeout=300)
    rate, size = driver.find_element("id", "output").text.split()
    return float(rate), int(size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="an already built site (default: build one now)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    from tests.test_site_browser import browser, error_outputs, open_notebook_and_run_all, serve, wait

    rates = []
    with tempfile.TemporaryDirectory() as temp:
        site = Path(args.site) if args.site else Path(temp) / "site"
        if not args.site:
            subprocess.run([sys.executable, "-m", "autograd_lite", "site", "-o", str(site)], check=True)
        with serve(site) as base:
            for run in range(args.runs):
                profile = Path(temp) / f"profile{run}"
                profile.mkdir()
                with browser(profile) as driver:
                    driver.set_window_size(1500, 1700)
                    open_notebook_and_run_all(driver, base, "playground")
                    errors = error_outputs(driver)
                    if errors:
                        raise SystemExit(f"the notebook failed: {errors[0]}")
                    wait(driver, "document.querySelector('.al-playground-widget .al-pg-epoch')", timeout=120)
                    press(driver, "play")
                    wait(driver, "(function () { var e = document.querySelector("
                                 "'.al-playground-widget .al-pg-epoch'); return e && !/step 0\\b/.test("
                                 "e.textContent); })()", timeout=60)
                    first, started = steps(driver), time.monotonic()
                    time.sleep(args.seconds)
                    last, ended = steps(driver), time.monotonic()
                    press(driver, "pause")
                rate = (last - first) / (ended - started)
                rates.append(rate)
                print(f"run {run + 1}: {last - first} frames (a step and a redraw each) in "
                      f"{ended - started:.1f} s: {rate:.1f} redraws/s")
            profile = Path(temp) / "profile-page"
            profile.mkdir()
            with browser(profile) as driver:
                alone, size = in_pyodide(driver, base)
    print(f"median over {args.runs} runs: {statistics.median(rates):.1f} redraws/s "
          f"(min {min(rates):.1f}, max {max(rates):.1f})")
    print(f"without the widget, in Pyodide (the playground page's worker): {alone:.1f} redraws/s "
          f"(pg.step(1) + pg.svg, {size / 1000:.0f} kB of SVG each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
