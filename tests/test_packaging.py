"""The package's promises: README commands stay true, the core needs only the stdlib, the CLI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import autograd_lite
from autograd_lite import cli

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_command = next(c for c in readme_commands() if "pytest" in c)
    assert test_command in ci_lines


def test_readme_main_job_command_runs_a_demo_that_exists():
    main_job = next(c for c in readme_commands() if "pytest" not in c)
    name = re.search(r"-m autograd_lite demo (\w+)$", main_job).group(1)
    assert name in cli.demo_names()


def test_core_imports_only_the_standard_library():
    code = (
        "import sys, autograd_lite, autograd_lite.ops, autograd_lite.engine\n"
        "heavy = {'graphviz', 'numpy', 'torch', 'matplotlib', 'sklearn', 'tqdm', 'hypothesis'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_vendored_renderer_s_notices_cover_what_it_contains_and_ship_as_a_license_file():
    bundle = (ROOT / "autograd_lite" / "page" / "viz-global.js").read_text(encoding="utf-8")
    notice = (ROOT / "autograd_lite" / "page" / "VIZ-JS-NOTICE.txt").read_text(encoding="utf-8")
    # A trace of each component in the bundle, and what its notice must say.
    components = {"Viz.js 3.31.0": "Copyright (c) 2014-2016 Michael Daines",
                  "graphviz": "Eclipse Public License - v 1.0", "XML_": "Expat 2.8.5",
                  "Illegal byte sequence": "musl libc", "NSt3__2": "Apache-2.0 WITH LLVM-exception"}
    for trace, said in components.items():
        assert trace in bundle, trace
        assert said in notice, said
    setup = (ROOT / "setup.cfg").read_text(encoding="utf-8")
    license_files = re.search(r"^license_files = (.*)$", setup, re.M).group(1)
    assert "autograd_lite/page/VIZ-JS-NOTICE.txt" in license_files.split(", ")
    assert "EPL-1.0" in (ROOT / "README.md").read_text(encoding="utf-8").split("## License")[1]


def test_version_and_console_script():
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograd_lite.__version__)
    result = subprocess.run([sys.executable, "-m", "autograd_lite.cli", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == f"autograd-lite {autograd_lite.__version__}"


def test_unknown_demo_is_a_clear_error(capsys):
    assert cli.main(["demo", "no_such_demo"]) == 2
    assert "unknown demo 'no_such_demo'" in capsys.readouterr().err
