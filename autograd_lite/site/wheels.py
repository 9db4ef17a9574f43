"""The Python wheels the site ships, and the Pyodide lock that names them.

- `own_wheel(folder)`: autograd_lite's wheel, zipped from its *installed* files (an editable
  checkout or a plain install alike), with a dist-info (METADATA, WHEEL, RECORD with hashes).
  No build backend runs, so no source tree is needed.
- `download(specs, folder, python)`: exact `name==version` wheels from PyPI (pure Python only, the
  only kind Pyodide can load from PyPI), through `pip download`, at build time.
- `closure(lock, names)`: a package of Pyodide's lock and everything it depends on.
- `only_shipped(lock, wheels)`: the lock without entries of files the site does not ship.
- `rewrite_lock(lock, wheels)`: the lock with an entry for each shipped wheel, written from
  the file itself (name, version, file name, sha256, imports, depends). PyPI's file of a
  package Pyodide also builds differs from Pyodide's (another sha256): Pyodide's integrity
  check accepts the file we ship only once its entry is rewritten.

Imports only the standard library (and runs pip as a program).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Mapping
from email.parser import Parser
from pathlib import Path
from typing import Any

__all__ = ["canonical", "closure", "download", "only_shipped", "own_wheel", "read_pins", "rewrite_lock",
           "wheel_metadata"]

# Fixed timestamps: the same installed files always give the same wheel, byte for byte.
_ZIP_DATE = (2020, 1, 1, 0, 0, 0)
_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


class WheelError(RuntimeError):
    """A wheel could not be made, fetched or read (the message is one line)."""


def canonical(name: str) -> str:
    """A distribution name as Pyodide's lock keys it (PEP 503: lower case, runs of -_. as -)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> list[str]:
    """The `name==version` lines of a pins file (comments and blank lines dropped)."""
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if spec:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+", spec):
                raise WheelError(f"{path.name}: {spec!r} is not an exact pin (name==version)")
            pins.append(spec)
    return pins


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


# What the package is made of (setup.cfg: its modules and package data); anything else a
# checkout's folder holds (a scratch file, an editor's backup) stays out of the wheel.
_PACKAGE_DATA = re.compile(r"autograd_lite/(py\.typed|page/[^/]+\.(html|css|js|txt))")


def _shipped(name: str) -> bool:
    return name.endswith(".py") or _PACKAGE_DATA.fullmatch(name) is not None


def _installed_metadata() -> str:
    """autograd_lite's METADATA for the wheel, from the installed distribution (not retyped):
    name, version, summary, license, Python versions and what every install requires."""
    from importlib import metadata

    try:
        dist = metadata.distribution("autograd_lite")
    except metadata.PackageNotFoundError:
        raise WheelError("autograd_lite is not installed (its metadata names the wheel's version and "
                         "requirements): pip install -e . in the checkout") from None
    meta = dist.metadata
    lines = ["Metadata-Version: 2.1", f"Name: {meta['Name']}", f"Version: {dist.version}"]
    lines += [f"{field}: {meta[field]}" for field in ("Summary", "License", "Requires-Python") if meta[field]]
    lines += [f"Requires-Dist: {r}" for r in dist.requires or [] if "extra" not in r.partition(";")[2]]
    return "\n".join(lines) + "\n"


def _package_files(package_dir: Path, demos_dir: Path | None) -> list[tuple[str, Path]]:
    """(path in the wheel, file on disk) for every installed file of the package.

    The demos are installed as autograd_lite/demos; in an editable checkout they live in the
    top-level demos/ folder, which `demos_dir` points at either way. The site builder's own
    static files stay out: the browser needs the runner, not the pages it serves.
    """
    files: list[tuple[str, Path]] = []

    def walk(root: Path, prefix: str, skip: set[str]) -> None:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if (path.is_dir() or _SKIP_DIRS & set(relative.parts) or path.suffix in _SKIP_SUFFIXES
                    or relative.parts[0] in skip):
                continue
            files.append((f"{prefix}/{relative.as_posix()}", path))

    skip = {"demos"} if demos_dir is not None else set()
    walk(package_dir, "autograd_lite", skip)
    files = [(name, path) for name, path in files
             if not (name.startswith("autograd_lite/site/") and name.count("/") > 2) and _shipped(name)]
    if demos_dir is not None:
        walk(demos_dir, "autograd_lite/demos", set())
    return files


def own_wheel(folder: Path) -> Path:
    """Write autograd_lite-<version>-py3-none-any.whl into folder from the installed package."""
    import autograd_lite
    from autograd_lite import demos

    package_dir = Path(autograd_lite.__file__).resolve().parent
    demos_dir = Path(demos.__path__[0]).resolve()
    metadata = _installed_metadata()
    version = re.search(r"^Version: (.+)$", metadata, re.M).group(1)
    if version != autograd_lite.__version__:
        raise WheelError(f"the installed autograd_lite is {version} but the imported one is "
                         f"{autograd_lite.__version__}: reinstall it (pip install -e .)")
    dist_info = f"autograd_lite-{version}.dist-info"
    wheel = ("Wheel-Version: 1.0\nGenerator: autograd_lite.site.wheels\nRoot-Is-Purelib: true\n"
             "Tag: py3-none-any\n")
    entries = [(name, path.read_bytes()) for name, path in _package_files(package_dir, demos_dir)]
    entries += [(f"{dist_info}/METADATA", metadata.encode()), (f"{dist_info}/WHEEL", wheel.encode()),
                (f"{dist_info}/top_level.txt", b"autograd_lite\n")]
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for name, data in entries:
        writer.writerow([name, _record_hash(data), len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"autograd_lite-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return path


def download(specs: Iterable[str], folder: Path, python: str) -> list[Path]:
    """Download the pure-Python wheels `name==version` from PyPI into folder, for the Python
    version `python` ("3.14" or "3.14.2": Pyodide's, from its lock); their paths."""
    specs = list(specs)
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.glob("*.whl"))
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--platform", "any", "--implementation", "py", "--abi", "none",
               "--python-version", ".".join(python.split(".")[:2]),
               "--dest", str(folder), *specs]
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise WheelError(f"pip download of {len(specs)} wheels failed: {last}")
    found = {}
    for path in folder.glob("*.whl"):
        name, version = path.name.split("-")[:2]
        found[(canonical(name), version)] = path
    paths = []
    for spec in specs:
        name, version = spec.split("==")
        if (canonical(name), version) not in found:
            raise WheelError(f"pip download gave no wheel for {spec} (new files: "
                             f"{sorted(p.name for p in set(folder.glob('*.whl')) - before)})")
        paths.append(found[(canonical(name), version)])
    return paths


def wheel_metadata(path: Path) -> dict[str, Any]:
    """Name, version, top-level import names and unconditional requirements of a wheel."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA") and n.count("/") == 1), None)
        if meta_name is None:
            raise WheelError(f"{path.name} has no dist-info/METADATA")
        message = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
        top_level_name = meta_name.rsplit("/", 1)[0] + "/top_level.txt"
        if top_level_name in names:
            imports = archive.read(top_level_name).decode().split()
        else:
            imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                              if not n.split("/")[0].endswith((".dist-info", ".data"))
                              and (n.endswith(".py") or "/" in n)})
    requires = []
    for requirement in message.get_all("Requires-Dist") or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue  # only what every install needs
        requires.append(canonical(re.match(r"\s*([A-Za-z0-9._-]+)", spec).group(1)))
    return {"name": message["Name"], "version": message["Version"], "imports": imports,
            "requires": requires}


def closure(lock: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The lock's keys of `names` and of everything they depend on, in a stable order."""
    packages = lock["packages"]
    seen: list[str] = []
    stack = [canonical(name) for name in names][::-1]
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        if key not in packages:
            raise WheelError(f"Pyodide's lock has no package {key!r}")
        seen.append(key)
        stack.extend(canonical(dep) for dep in reversed(packages[key]["depends"]))
    return seen


def rewrite_lock(lock: Mapping[str, Any], wheels: Iterable[Path]) -> dict[str, Any]:
    """A copy of the lock whose entry of each wheel describes that very file.

    An entry the lock already has keeps its dependencies (Pyodide's own choice); a new one
    depends on its unconditional requirements that the lock (old or new) provides.
    """
    packages = {key: dict(entry) for key, entry in lock["packages"].items()}
    described = [(path, wheel_metadata(path)) for path in wheels]
    new_keys = {canonical(meta["name"]) for _, meta in described}
    for path, meta in described:
        key = canonical(meta["name"])
        old = packages.get(key)
        depends = old["depends"] if old else [r for r in meta["requires"] if r in packages or r in new_keys]
        packages[key] = {
            **(old or {"install_dir": "site", "package_type": "package", "unvendored_tests": False}),
            "name": meta["name"], "version": meta["version"], "file_name": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "imports": (old or {}).get("imports") or meta["imports"], "depends": depends,
        }
        # Pyodide's own wheel held the tests it splits off; PyPI's file keeps them inside.
        packages[key]["unvendored_tests"] = False
    return {**lock, "packages": packages}


def only_shipped(lock: Mapping[str, Any], wheels: Iterable[Path]) -> dict[str, Any]:
    """The lock without the entries of files not shipped (a request for one could only 404)."""
    names = {path.name for path in wheels}
    return {**lock, "packages": {key: entry for key, entry in lock["packages"].items()
                                 if entry["file_name"] in names}}
