"""Regenerate the README's notebook screenshots: `python docs/make_notebook_screenshots.py`.

Needs the notebook extra (`pip install -e ".[notebook,test]"`), Graphviz's dot, and
Debian's chromium + chromium-driver. It does what a teacher does: converts the
neuron demo with `autograd-lite demo neuron --notebook`, opens it in a JupyterLab
started here (127.0.0.1, random port and token, stopped at the end), runs every
cell from the Run menu, and photographs two outputs with headless Chromium:

- docs/notebook_player.png: the inline backprop player, stepped to step 2 of 5;
- docs/notebook_explore.png: the `explore` sliders after w1 was set to -1.5 in its
  readout, and the graph redrawn with the new data and gradients.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root, for tests.jupyter_session

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.jupyter_session import chromium, convert, jupyter_env, jupyterlab, open_and_run_all  # noqa: E402


def output_holding(driver, selector: str):
    """The cell output area that contains `selector`."""
    return driver.execute_script(
        "return arguments[0].closest('.jp-OutputArea-output') || arguments[0];",
        driver.find_element(By.CSS_SELECTOR, selector))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="autograd-lite-shots-") as tmp:
        folder = Path(tmp)
        env = jupyter_env(folder)
        convert("neuron", folder)
        with jupyterlab(folder, env) as lab, chromium(folder, width=1700, height=1800) as driver:
            open_and_run_all(driver, lab, "neuron.ipynb")
            wait = WebDriverWait(driver, 120, poll_frequency=0.5)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".al-player.al-js"))
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".al-explore-graph svg"))
            # More width for the outputs: close the file browser (click its open tab).
            open_tab = ".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current"
            driver.find_element(By.CSS_SELECTOR, open_tab).click()

            player = driver.find_element(By.CSS_SELECTOR, ".al-player.al-js")
            driver.execute_script("arguments[0].scrollIntoView();", player)
            player.find_element(By.CSS_SELECTOR, ".next").click()
            player.find_element(By.CSS_SELECTOR, ".next").click()
            output_holding(driver, ".al-player").screenshot(str(HERE / "notebook_player.png"))

            # w1 typed into its slider's readout, as a student can: -3 -> -1.5.
            readouts = driver.find_elements(By.CSS_SELECTOR, ".widget-slider .widget-readout")
            readout = readouts[2]  # x1, x2, w1, w2, b
            driver.execute_script("arguments[0].scrollIntoView();", readout)
            before = driver.find_element(By.CSS_SELECTOR, ".al-explore-graph").text
            readout.click()
            readout.send_keys(Keys.CONTROL, "a")
            readout.send_keys("-1.5", Keys.ENTER)
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".al-explore-graph").text != before)
            output_holding(driver, ".al-explore-graph").screenshot(str(HERE / "notebook_explore.png"))
    print("wrote", HERE / "notebook_player.png", "and", HERE / "notebook_explore.png")


if __name__ == "__main__":
    main()
