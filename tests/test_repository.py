"""The repository stands on its own: no tracked file points outside it.

The equations live in docs/backprop.md. Nothing tracked may refer to the
seed's original location (a sibling `shared` directory) or to a path of a
developer's machine; system paths such as /usr/bin/chromium are fine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Built from pieces so that this file does not match itself.
_SEP = "/"
FORBIDDEN = re.compile("|".join(re.escape(p) for p in [
    ".." + _SEP + "shared", "shared" + _SEP + "seed",
    _SEP + "work" + _SEP, _SEP + "root" + _SEP, _SEP + "home" + _SEP,
]))


# The vendored Graphviz-in-WebAssembly bundle (@viz-js/viz, unchanged) names the home folder of
# Emscripten's virtual file system; that one string, in that one file, is allowed.
VENDORED = {"autograd_lite/page/viz-global.js": _SEP + "home" + _SEP + "web_user"}


def forbidden_references(text: str, allowed: str | None = None) -> list[str]:
    """Each line of `text` that names a path outside the repository (`allowed` removed first)."""
    return [line.strip()[:200] for line in text.splitlines()
            if FORBIDDEN.search(line.replace(allowed, "") if allowed else line)]


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [ROOT / name for name in listing.stdout.decode().split("\0") if name]


def test_the_scan_finds_what_it_must_and_spares_system_paths():
    bad = ["see .." + "/shared" + "/seed/equations.md", "open('/" + "work/main/x')",
           "~ is /" + "home/me/", "/" + "root/.cache"]
    for line in bad:
        assert forbidden_references(line) == [line], line
    fine = "/usr/bin/chromium and /usr/bin/chromedriver; shared subexpressions; docs/backprop.md"
    assert forbidden_references(fine) == []
    # The vendored bundle's one allowed string is allowed in its file only, and nothing else there.
    allowed = VENDORED["autograd_lite/page/viz-global.js"]
    assert forbidden_references(f'HOME="{allowed}"', allowed) == []
    assert forbidden_references(f'HOME="{allowed}"') != []
    assert forbidden_references(f'"{allowed}" and /' + "home/me", allowed) != []


def test_no_tracked_file_points_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the working tree but still in the index
        text = path.read_bytes().decode("utf-8", errors="replace")
        name = path.relative_to(ROOT).as_posix()
        offenders += [f"{name}: {line}" for line in forbidden_references(text, VENDORED.get(name))]
    assert not offenders, "\n".join(offenders)


def test_the_equations_page_has_every_equation_and_the_readme_links_it():
    page = (ROOT / "docs" / "backprop.md").read_text(encoding="utf-8")
    missing = [n for n in range(1, 28) if not re.search(rf"(^|\|\s*|\s)\({n}\)", page, re.MULTILINE)]
    assert not missing, f"docs/backprop.md lacks equations {missing}"
    assert "](docs/backprop.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
