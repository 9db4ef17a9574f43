"""Real Jupyter for the notebook tests (and docs/make_notebook_screenshots.py).

- `jupyter_env(folder)`: environment variables under which Jupyter finds a
  `python3` kernel spec that runs *this* interpreter (sys.executable, so this
  checkout is imported, whatever venv or CI machine runs the tests) with
  AUTOGRAD_LITE_QUICK=1, and keeps its config, data and runtime files in
  `folder`: nothing of the user's Jupyter set-up is read or written.
- `convert(name, folder)`: the demo as NAME.ipynb, through the CLI as a user makes it.
- `jupyterlab(folder, env)`: a JupyterLab server on 127.0.0.1, a random free port
  and a random token, stopped (with its kernels) when the block ends, even on failure.
- `chromium(folder)`: headless Debian Chromium under selenium, downloading nothing.
- `path_without(programs, folder)`: a PATH on which those programs (Graphviz's `dot`) are
  missing and everything else is found: a folder of symlinks to every other program.
- `requests(driver)`: every URL the page fetched (the resource timing entries).
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import cli

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000",
                  # Any host but 127.0.0.1 fails to resolve: a request leaving the machine fails loudly.
                  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


NOTEBOOK_EXTRA = ("anywidget", "ipywidgets", "ipykernel", "nbclient", "nbconvert", "nbformat", "jupytext",
                  "jupyterlab")


def unavailable(reason: str) -> None:
    """Skip the calling test, saying why; but fail on CI (CI=true), whose .ci/run installs
    everything these tests need, so that there they are never skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run this test (.ci/run installs what it needs)", pytrace=False)
    pytest.skip(reason)


def missing(modules: tuple[str, ...], browser: bool = False) -> str | None:
    """Why a test marked `needs(*modules, browser=...)` cannot run here, or None."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            return f"needs {module}, from the notebook extra: pip install -e '.[notebook]'"
    return chromium_missing() if browser else None


def jupyter_env(folder: Path) -> dict[str, str]:
    """os.environ plus a private Jupyter whose python3 kernel is this interpreter, in quick mode."""
    spec = folder / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
        "env": {"AUTOGRAD_LITE_QUICK": "1"},
    }), encoding="utf-8")
    # JupyterLab asks about news in a pop-up that would cover the outputs: answered "no".
    settings = folder / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}', encoding="utf-8")
    paths = [str(folder / "jupyter")]
    # A venv made with --system-site-packages finds the widget front end of JupyterLab
    # (its labextension) under the base interpreter's share/jupyter only.
    base = Path(sys.base_prefix) / "share" / "jupyter"
    if base.is_dir() and sys.base_prefix != sys.prefix:
        paths.append(str(base))
    env = dict(os.environ)
    env.update({
        "JUPYTER_PATH": os.pathsep.join(paths),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_DATA_DIR": str(folder / "data"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "IPYTHONDIR": str(folder / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    })
    return env


def convert(name: str, folder: Path) -> Path:
    """`autograd-lite demo NAME --notebook -o folder --force`; the path it prints."""
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "demo", name, "--notebook",
                             "-o", str(folder), "--force"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == folder / f"{name}.ipynb" and path.is_file()
    return path


def path_without(programs: tuple[str, ...], folder: Path) -> str:
    """A PATH holding one folder of symlinks to every program on today's PATH but `programs`."""
    folder.mkdir(parents=True, exist_ok=True)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = Path(directory) / name
            link = folder / name
            if name in programs or link.exists() or link.is_symlink():
                continue  # the first on the PATH wins, as a shell's lookup does
            if target.is_file() and os.access(target, os.X_OK):
                link.symlink_to(target)
    return str(folder)


def requests(driver: Any) -> list[str]:
    """Every URL the current page fetched (its resource timing entries)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; });")


def demo_names() -> list[str]:
    return cli.demo_names()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: its base URL and token."""

    base: str
    token: str

    def url(self, notebook: str) -> str:
        """The URL opening `notebook` (relative to the served folder) in JupyterLab."""
        return f"{self.base}lab/tree/{notebook}?token={self.token}"


@contextmanager
def jupyterlab(folder: Path, env: dict[str, str], timeout: float = 90) -> Iterator[Lab]:
    """A JupyterLab server serving `folder`, answering on /api/status before this yields."""
    port, token = _free_port(), secrets.token_hex(16)
    log = open(folder / "jupyterlab.log", "wb")  # closed in finally
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--port-retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--allow-root",  # CI containers run as root
         # Nothing fetched from the network: no news, no update check, no PyPI extension manager.
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"],
        cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({server.returncode}):\n{_tail(folder)}")
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {timeout} s:\n{_tail(folder)}")
            time.sleep(0.25)
        yield Lab(base, token)
    finally:
        _stop(server)
        log.close()




def _stop(server: subprocess.Popen) -> None:
    """SIGTERM (the server shuts its kernels down), then SIGKILL to the server's group if needed.

    The kernels are not in that group (jupyter_client starts each in a session of its own);
    a kernel whose server died anyway exits by itself (ipykernel polls its parent process).
    """
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # the server and anything it started in its group
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


def _tail(folder: Path) -> str:
    return (folder / "jupyterlab.log").read_text(encoding="utf-8", errors="replace")[-3000:]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "needs the selenium package: pip install selenium"
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        return f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver"
    if shutil.which("dot") is None:
        return "needs Graphviz's dot: apt-get install graphviz"
    return None


@contextmanager
def chromium(folder: Path, width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """Headless Debian Chromium with a throw-away profile in folder."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--window-size")]
    for flag in [*flags, f"--window-size={width},{height}", f"--user-data-dir={folder / 'chromium'}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium-manager then has nothing to look up or download.
    browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        browser.set_page_load_timeout(60)
        yield browser
    finally:
        browser.quit()


def open_and_run_all(driver: Any, lab: Lab, notebook: str) -> None:
    """Open the notebook in JupyterLab, wait for its kernel to be idle, then Run > Run All
    Cells through the menu bar, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(lab.url(notebook))
    WebDriverWait(driver, 90, poll_frequency=0.5).until(lambda d: d.execute_script(
        "return document.querySelector('.jp-Notebook') !== null && "
        "document.body.innerText.indexOf('| Idle') >= 0;"))
    menu = next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
                if item.text.strip() == "Run")
    menu.click()
    item = '#jp-mainmenu-run .lm-Menu-item[data-command="runmenu:run-all"]'
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, item))
    run_all = driver.find_element(By.CSS_SELECTOR, item)
    assert run_all.text.strip() == "Run All Cells"
    run_all.click()


def severe(driver: Any) -> list[dict]:
    """The browser console's errors (SEVERE entries) since the last read."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def frames_shown(driver: Any, root: Any = None) -> list[int]:
    """The player frames laid out (display not none, some height) inside root, or in the
    whole page; read in one script run, so a playing player cannot change between reads."""
    return driver.execute_script(
        "return Array.from((arguments[0] || document).querySelectorAll('.frame'))"
        ".filter(function (f) { return getComputedStyle(f).display !== 'none' && f.offsetHeight > 0; })"
        ".map(function (f) { return Number(f.getAttribute('data-frame')); });", root)
