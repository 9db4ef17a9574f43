"""Regenerate the README's playground screenshot: `python docs/make_playground_screenshot.py`.

Needs the notebook extra (`pip install -e ".[notebook,test]"`) and Debian's
chromium + chromium-driver. Like docs/make_notebook_screenshots.py it does what
a student does: converts the playground demo with `autograd-lite demo playground
--notebook`, opens it in a JupyterLab started here (127.0.0.1, random port and
token, stopped at the end), runs every cell from the Run menu, presses play,
and, after some seconds of training, pause; then photographs the widget:

- docs/playground.png

It also prints how many frames a second the widget drew in this browser while
playing (one batch step and one redraw per frame, counted from the step counter
over ten seconds): the README's in-browser figure. A measurement, not a test.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root, for tests.jupyter_session

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.jupyter_session import chromium, convert, jupyter_env, jupyterlab, open_and_run_all  # noqa: E402

SECONDS = 10.0


def steps(driver) -> int:
    text = driver.find_element(By.CSS_SELECTOR, ".al-playground-widget .al-pg-epoch").text
    return int(re.search(r"step (\d+)", text).group(1))


def press(driver, name: str) -> None:
    button = driver.find_element(By.CSS_SELECTOR, f".al-playground-widget .al-pg-{name}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="autograd-lite-shots-") as tmp:
        folder = Path(tmp)
        env = jupyter_env(folder)
        convert("playground", folder)
        with jupyterlab(folder, env) as lab, chromium(folder, width=1500, height=1700) as driver:
            open_and_run_all(driver, lab, "playground.ipynb")
            wait = WebDriverWait(driver, 120, poll_frequency=0.5)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".al-playground .al-output image"))
            # More width for the outputs: close the file browser (click its open tab).
            open_tab = ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current"
            driver.find_element(By.CSS_SELECTOR, open_tab).click()

            press(driver, "play")
            wait.until(lambda d: steps(d) > 0)
            first, started = steps(driver), time.monotonic()
            time.sleep(SECONDS)
            rate = (steps(driver) - first) / (time.monotonic() - started)
            while steps(driver) < 400:  # trained long enough to show a boundary
                time.sleep(0.5)
            press(driver, "pause")
            time.sleep(1.0)
            widget = driver.find_element(By.CSS_SELECTOR, ".al-playground-widget")
            driver.execute_script("arguments[0].scrollIntoView();", widget)
            widget.screenshot(str(HERE / "playground.png"))
    print(f"wrote {HERE / 'playground.png'}")
    print(f"in JupyterLab under headless Chromium: {rate:.1f} frames a second while playing "
          "(one batch step and one redraw each)")


if __name__ == "__main__":
    main()
