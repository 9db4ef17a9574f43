"""`autograd-lite site -o DIR`: build the static site, offline at run time.

What the folder holds (everything the pages load is in it; no CDN, no PyPI when served):

- `index.html` + `playground.js`/`.css` + `worker.js`: the playground page. Python runs in a
  Web Worker (Pyodide), the page draws with `graphs.js` of `page/` (Graphviz compiled to
  WebAssembly, `viz-global.js` as the renderer vendors it in `page/`; zoom, fit, pan) and steps the
  backward pass with the player of `page/`.
- `lite/`: JupyterLite (lab and console) with the Pyodide kernel and the notebooks of `NOTEBOOKS`.
- `lite/static/pyodide/`: ONE Pyodide for both (the npm package `pyodide`, the version the
  kernel expects), its lock rewritten to name every wheel the site ships beside it:
  autograd_lite's own wheel (made from the installed files), the pins of `pins.txt`, and the
  kernel's packages at the versions Pyodide's lock names, all fetched from PyPI at build time.

Build-time needs: node and npm (`npm ci` on the pinned `npm/package-lock.json`), pip, and the
`site` extra (jupyterlite-core, jupyterlite-pyodide-kernel, jupytext). Every failure is a
`SiteBuildError` with a one-line message. Imports `wheels`, and `cli` for the notebook converter.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from . import wheels

__all__ = ["NOTEBOOKS", "PLAYGROUND_FILES", "SiteBuildError", "build_site"]

NOTEBOOKS = ("neuron", "seed_network", "gradient_checking", "build_your_own", "playground")
"""The demos served as notebooks under lite/ (a demo that does not exist yet is skipped, with a note)."""

PYODIDE_VERSION = "314.0.6"  # what jupyterlite-pyodide-kernel 0.8.6 expects; pinned in npm/package.json
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
KERNEL_ROOTS = ("micropip", "ipython", "jedi")  # what the JupyterLite kernel installs from Pyodide's lock
PRELOADED = ("autograd_lite", "graphviz", "comm", "ipywidgets", "anywidget")
"""Loaded with the notebook kernel, so `import autograd_lite` needs no %pip (when shipped)."""

LAB_EXTENSIONS = {"@jupyterlite/pyodide-kernel-extension": "jupyterlite-pyodide-kernel",
                  "@jupyter-widgets/jupyterlab-manager": "jupyterlab_widgets"}
"""The front-end extensions JupyterLite ships (each from the Python package named), and no other."""
OPTIONAL_LAB_EXTENSIONS = ("anywidget",)  # shipped when installed (the drawings without `dot`)

PYODIDE_DIR = "lite/static/pyodide"
STATIC = ("index.html", "playground.css", "playground.js", "worker.js")
PAGE_FILES = ("graphs.js", "graphs.css", "player.js", "player.css")  # from autograd_lite/page/
PLAYGROUND_FILES = (*STATIC, *PAGE_FILES, "viz-global.js", "examples.json",
                    *(f"{PYODIDE_DIR}/{name}" for name in (*PYODIDE_FILES, "pyodide-lock.json")))
"""What the playground page loads (besides autograd_lite's wheel): its size budget counts these."""

LITE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
MARKER = ".autograd-lite-site"  # a folder holding it was built here, and may be replaced
SITE_EXTRA = "pip install 'autograd_lite[site]'"


class SiteBuildError(RuntimeError):
    """The site cannot be built; the message is one line saying why."""


def _data(*parts: str) -> Any:
    return resources.files(__package__).joinpath(*parts)


def check_output_dir(out: Path) -> None:
    """A SiteBuildError unless out is new, empty, or a site built before (which is replaced),
    and neither the current folder, one it is in, nor autograd_lite's own folder (nor in it)."""
    given = str(out)
    out = out.resolve()
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents:
        raise SiteBuildError(f"-o {given!r} is the current folder or contains it; it would be replaced: "
                             "give a folder beside or below it")
    package = Path(__file__).resolve().parent.parent
    if out == package or package in out.parents or out in package.parents:
        raise SiteBuildError(f"-o {given!r} is autograd_lite's own folder, in it, or around it: "
                             "give a folder elsewhere")
    for folder in out.parents:  # the first one that exists must be a folder
        if folder.exists():
            if not folder.is_dir():
                raise SiteBuildError(f"-o {given!r}: {str(folder)!r} is a file, not a folder")
            break
    if out.exists() and not out.is_dir():
        raise SiteBuildError(f"-o {given!r} is a file; give a folder (new, empty, or a site built before)")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteBuildError(f"-o {given!r} is a folder with other files in it; give a new or empty "
                             "folder (a site built before is replaced)")
    if not out.parent.is_dir():
        raise SiteBuildError(f"-o {given!r}: its parent folder does not exist")


def check_tools(lite: bool = True) -> None:
    """A SiteBuildError naming the first missing build-time need (node/npm; the site extra for
    JupyterLite)."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        raise SiteBuildError(f"building the site needs node and npm ({' and '.join(missing)} not found "
                             "on the PATH): install Node.js 18 or later, e.g. apt-get install nodejs npm")
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel", "jupytext") if lite else ():
        if importlib.util.find_spec(module) is None:
            raise SiteBuildError(f"building the site needs {module}, from the site extra: {SITE_EXTRA}")
    if lite:
        from jupyterlite_pyodide_kernel import constants

        if constants.PYODIDE_VERSION != PYODIDE_VERSION:
            raise SiteBuildError(f"the installed jupyterlite-pyodide-kernel expects Pyodide "
                                 f"{constants.PYODIDE_VERSION}, the site pins {PYODIDE_VERSION}: "
                                 f"install the site extra's versions ({SITE_EXTRA})")


def _run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        raise SiteBuildError(f"{what} failed (exit {result.returncode}): {lines[-1] if lines else ''}")


def npm_packages(work: Path) -> Path:
    """`npm ci` of the pinned package-lock.json in work/npm; returns its node_modules."""
    folder = work / "npm"
    folder.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (folder / name).write_bytes(_data("npm", name).read_bytes())
    npm = shutil.which("npm") or "npm"
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], folder,
         "npm ci (the pinned pyodide)")
    return folder / "node_modules"


def viz_renderer(out: Path) -> None:
    """viz-global.js (Graphviz in WebAssembly) and its license notice into out: the one copy
    the renderer vendors in autograd_lite/page/ (package data), notice and all."""
    page = resources.files("autograd_lite").joinpath("page")
    vendored = page.joinpath("viz-global.js")
    if not vendored.is_file():
        raise SiteBuildError("autograd_lite/page/viz-global.js is missing from the installed package; "
                             "reinstall autograd_lite")
    (out / "viz-global.js").write_bytes(vendored.read_bytes())
    for item in page.iterdir():  # its license notices travel with it
        notice = any(word in item.name.upper() for word in ("LICENSE", "NOTICE", "COPYING"))
        if item.name != "viz-global.js" and (item.name.startswith("viz-global") or notice):
            (out / item.name).write_bytes(item.read_bytes())


def pyodide_folder(node_modules: Path, wheel_dir: Path, folder: Path,
                   log: Callable[[str], None]) -> list[str]:
    """Pyodide's runtime and every wheel into folder, with the lock rewritten to name them.

    Returns the lock names of the wheels shipped beside autograd_lite's own."""
    folder.mkdir(parents=True)
    source = node_modules / "pyodide"
    version = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    if version != PYODIDE_VERSION:
        raise SiteBuildError(f"npm gave pyodide {version}, not the pinned {PYODIDE_VERSION}")
    for name in PYODIDE_FILES:
        shutil.copyfile(source / name, folder / name)
    lock = json.loads((source / "pyodide-lock.json").read_text(encoding="utf-8"))
    own = wheels.own_wheel(wheel_dir / "own")
    python = lock["info"]["python"]  # the wheels are chosen for Pyodide's Python
    pinned = wheels.download(wheels.read_pins(Path(str(_data("pins.txt")))), wheel_dir / "pypi", python)
    needed = set(KERNEL_ROOTS)
    for path in pinned:
        needed.update(r for r in wheels.wheel_metadata(path)["requires"] if r in lock["packages"])
    kernel = wheels.closure(lock, sorted(needed))
    specs = [f"{lock['packages'][key]['name']}=={lock['packages'][key]['version']}" for key in kernel]
    log(f"  wheels: autograd_lite, {len(pinned)} pinned, {len(kernel)} of Pyodide's lock, from PyPI")
    from_lock = wheels.download(specs, wheel_dir / "lock", python)
    shipped = [own, *pinned, *from_lock]
    for path in shipped:
        shutil.copyfile(path, folder / path.name)
    new_lock = wheels.only_shipped(wheels.rewrite_lock(lock, shipped), shipped)
    text = json.dumps(new_lock, indent=1, sort_keys=True)
    (folder / "pyodide-lock.json").write_text(text, encoding="utf-8")
    return [wheels.canonical(wheels.wheel_metadata(p)["name"]) for p in shipped]


def examples() -> list[dict[str, str]]:
    """The playground's examples: each examples/*.py whose `# needs: module` line is importable.

    Its first line is `# title: ...`; the order is that of the file names."""
    chosen = []
    for item in sorted(_data("examples").iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".py"):
            continue
        text = item.read_text(encoding="utf-8")
        header = dict(line[2:].split(": ", 1) for line in text.splitlines()
                      if line.startswith(("# title: ", "# needs: ")))
        needs = header.get("needs")
        if needs and importlib.util.find_spec(needs) is None:
            continue
        body = "\n".join(line for line in text.splitlines()
                         if not line.startswith(("# title: ", "# needs: "))).lstrip("\n")
        chosen.append({"name": item.name.removesuffix(".py").split("_", 1)[1], "title": header["title"],
                       "code": body})
    return chosen


def playground(out: Path) -> None:
    """The page's own files, the player and graphs.js (issue 17's, shared with the notebook
    widgets), the renderer and the examples into out."""
    for name in STATIC:
        (out / name).write_bytes(_data("static", name).read_bytes())
    page = resources.files("autograd_lite").joinpath("page")
    for name in PAGE_FILES:
        (out / name).write_bytes(page.joinpath(name).read_bytes())
    viz_renderer(out)
    (out / "examples.json").write_text(json.dumps(examples(), indent=1), encoding="utf-8")


def notebooks(folder: Path, log: Callable[[str], None]) -> list[str]:
    """The demos of NOTEBOOKS as notebooks in folder (the `demo --notebook` converter)."""
    import contextlib
    import io

    from .. import cli

    present = [name for name in NOTEBOOKS if name in cli.demo_names()]
    for name in NOTEBOOKS:
        if name not in present:
            log(f"  note: no demo {name!r} yet: its notebook is left out")
    folder.mkdir(parents=True)
    with contextlib.redirect_stdout(io.StringIO()):
        status = cli._write_notebooks(present, str(folder), force=True)
    if status != 0:
        raise SiteBuildError("converting the demos to notebooks failed")
    for name in present:  # JupyterLite's kernel is called "python": it then opens with no question
        path = folder / f"{name}.ipynb"
        notebook = json.loads(path.read_text(encoding="utf-8"))
        notebook["metadata"]["kernelspec"] = LITE_KERNELSPEC
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return present


def lite_config(packages: list[str]) -> dict[str, Any]:
    """jupyter-lite.json: the Pyodide kernel offline, autograd_lite and the widgets preloaded."""
    return {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
        "appName": "autograd_lite notebooks",
        "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
            "disablePyPIFallback": True,
            "loadPyodideOptions": {"packages": [p for p in PRELOADED if wheels.canonical(p) in packages]},
        }},
    }}


def _labextension_dirs() -> list[Path]:
    """Where installed JupyterLab extensions live: this environment's share/jupyter first."""
    from jupyter_core.paths import jupyter_path

    found = [Path(sys.prefix, "share", "jupyter", "labextensions")]
    found += [Path(p) for p in jupyter_path("labextensions")]
    found.append(Path(sys.base_prefix, "share", "jupyter", "labextensions"))
    return [p for p in dict.fromkeys(found) if p.is_dir()]


def lab_extensions(folder: Path, log: Callable[[str], None]) -> None:
    """Copy exactly the extensions JupyterLite needs into folder (its lite dir's extensions/)."""
    wanted = [*LAB_EXTENSIONS, *OPTIONAL_LAB_EXTENSIONS]
    for name in wanted:
        source = next((d / name for d in _labextension_dirs() if (d / name / "package.json").is_file()), None)
        if source is None:
            if name in LAB_EXTENSIONS:
                raise SiteBuildError(f"the JupyterLab extension {name} is not installed (it comes with "
                                     f"{LAB_EXTENSIONS[name]}, in the site extra: {SITE_EXTRA})")
            log(f"  note: no JupyterLab extension {name!r} installed: left out")
            continue
        shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("*.map"))


def jupyterlite(work: Path, pyodide: Path, shipped: list[str], out: Path, log: Callable[[str], None]) -> None:
    """JupyterLite (lab) with the Pyodide kernel and the notebooks, built into out/lite."""
    lite_dir = work / "lite"  # holds static/pyodide already: the build copies it and points at it
    (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(shipped), indent=1), encoding="utf-8")
    served = notebooks(lite_dir / "files", log)
    log(f"  notebooks: {', '.join(served)}")
    extensions = work / "labextensions"
    lab_extensions(extensions, log)
    # --ignore-sys-prefix: only the extensions copied above, whatever else this environment has.
    _run([sys.executable, "-m", "jupyterlite_core", "build", "--ignore-sys-prefix",
          f"--FederatedExtensionAddon.extra_labextensions_path={extensions}", "--lite-dir", str(lite_dir),
          "--contents", str(lite_dir / "files"), "--output-dir", str(out / "lite"), "--no-sourcemaps",
          "--apps", "lab", "--apps", "repl"], lite_dir, "jupyter lite build")
    config = json.loads((out / "lite" / "jupyter-lite.json").read_text(encoding="utf-8"))
    plugins = config["jupyter-config-data"]["litePluginSettings"]
    settings = plugins["@jupyterlite/pyodide-kernel-extension:kernel"]
    if settings.get("pyodideUrl") != f"./static/pyodide/{PYODIDE_FILES[0]}":
        raise SiteBuildError(f"jupyter lite build did not point the kernel at the shipped Pyodide: "
                             f"{settings}")


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def build_site(out: str | Path, *, lite: bool = True, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Build the site into out; returns {"site": bytes, "playground": bytes, "notebooks": [...]}.

    `lite=False` leaves JupyterLite out (the playground alone; quicker). A folder built before
    is replaced; any other non-empty folder is refused."""
    out = Path(out)
    check_output_dir(out)
    out = out.resolve()
    check_tools(lite)
    try:
        return _build(out, lite, log)
    except (wheels.WheelError, OSError) as error:  # pip, a file, a folder: one line all the same
        raise SiteBuildError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def _build(out: Path, lite: bool, log: Callable[[str], None]) -> dict[str, Any]:
    parent = out.parent
    try:  # the new site is made beside out, then moved into place in one rename
        temp_dir = tempfile.TemporaryDirectory(prefix=".site-build-", dir=parent)
    except OSError as error:
        raise SiteBuildError(f"cannot write in {str(parent)!r}, the folder -o {out.name!r} goes in: "
                             f"{error.strerror or error}") from None
    with temp_dir as temp:
        work = Path(temp)
        stage = work / "site"
        stage.mkdir()
        log("npm: pyodide (package-lock.json)")
        node_modules = npm_packages(work)
        log("Pyodide and the wheels")
        pyodide = work / "lite" / "static" / "pyodide"
        shipped = pyodide_folder(node_modules, work / "wheels", pyodide, log)
        playground(stage)
        if lite:
            log("JupyterLite")
            jupyterlite(work, pyodide, shipped, stage, log)
        else:
            shutil.copytree(pyodide, stage / PYODIDE_DIR)
        (stage / MARKER).write_text("built by autograd-lite site; the next build replaces this folder\n",
                                    encoding="utf-8")
        sizes = {"site": folder_size(stage), "playground": playground_size(stage),
                 "notebooks": sorted(p.stem for p in (stage / "lite" / "files").glob("*.ipynb"))
                 if lite else []}
        (stage / "site-sizes.json").write_text(json.dumps(sizes, indent=1), encoding="utf-8")
        if out.exists():  # the old site moves aside (into work, removed with it) until the new one is in
            out.rename(work / "old-site")
            try:
                stage.rename(out)
            except OSError:
                (work / "old-site").rename(out)
                raise
        else:
            stage.rename(out)
    log(f"wrote {out}: {sizes['site'] / 1e6:.1f} MB, the playground {sizes['playground'] / 1e6:.1f} MB; "
        f"serve it with: python -m http.server -d {out}")
    return sizes


def playground_size(site: Path) -> int:
    """Bytes the playground page loads: its files, Pyodide's runtime and autograd_lite's wheel."""
    files = [site / name for name in PLAYGROUND_FILES]
    files += list((site / PYODIDE_DIR).glob("autograd_lite-*.whl"))
    return sum(path.stat().st_size for path in files)
