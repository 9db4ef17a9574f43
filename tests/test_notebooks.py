"""Every demo as a notebook: converted by the CLI (jupytext), executed top to bottom by
nbclient in a real IPython kernel running this interpreter in quick mode.

A notebook passes when no cell errs or writes a traceback, its expected lines
are printed, and its pictures are in the outputs (image/png from matplotlib,
image/svg+xml from the graph drawings, the player's HTML, the explore widgets).
Parametrised over `cli.demo_names()`, so a new demo is executed too, and fails
until its expected lines and outputs are listed in EXPECTED.
"""

from __future__ import annotations

import base64
import shutil
import struct
from pathlib import Path

import pytest

from .jupyter_session import convert, demo_names, jupyter_env

NEEDS = ("nbclient", "nbformat", "ipykernel", "ipywidgets", "jupytext")
pytestmark = [pytest.mark.slow, pytest.mark.needs(*NEEDS)]
try:  # a missing module is reported by the needs mark, when a test runs: collecting needs none
    import nbclient
    import nbformat
except ImportError:
    pass

PNG, SVG, HTML, WIDGET = "image/png", "image/svg+xml", "text/html", "application/vnd.jupyter.widget-view+json"

# What each demo must show in a kernel: printed lines, and the kinds of output it displays.
EXPECTED: dict[str, tuple[list[str], set[str]]] = {
    "seed_network": (["autodiff and BP1-BP4 agree to 1e-12", "matches Mazur's worked example"],
                     {SVG, WIDGET}),
    "neuron": (["autodiff = chain rule by hand = finite differences"], {SVG, HTML, WIDGET}),
    "moons": (["accuracy"], {PNG}),
    "digits": (["held-out accuracy"], set()),
    "higher_order": (["wrote demo_output/tanh_derivatives.png"], {PNG}),
    "gradient_checking": (["all entries agree", "fixed: BP1-BP4 agree with autodiff"], set()),
    "matrix_form": (["largest difference of any δ in any layer", "one sample, three ways: cost cross_entropy",
                     "after the epoch, the largest weight difference from the matrix form"], set()),
    # Its plot comes from plt.show() under the kernel's inline backend: no file written.
    "cost_of_gradients": (["the three gradients agree", "slope of reverse mode"], {PNG}),
    "gpt": (["sampled names:", "by scopes"], {SVG}),
    # The checker's report as a table (its HTML is no player) and a failing case drawn.
    "build_your_own": (["your `__sub__` backward", "the fixed engine passes every case"], {SVG}),
    "playground": (["pg.deltas equal BP1/BP2 to 1e-12",
                    "the script's weights are the playground's, bit for bit"], {WIDGET}),
}


def outputs(notebook: dict) -> list[dict]:
    return [out for cell in notebook["cells"] if cell["cell_type"] == "code"
            for out in cell.get("outputs", [])]


def stream(outs: list[dict], name: str) -> str:
    return "".join(out["text"] for out in outs if out["output_type"] == "stream" and out["name"] == name)


@pytest.fixture(scope="module")
def kernel_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kernel")


@pytest.mark.parametrize("name", demo_names())
def test_demo_notebook_runs_in_a_kernel(name: str, tmp_path: Path, kernel_folder: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert name in EXPECTED, f"add what the {name} notebook must print and show to EXPECTED"
    lines, kinds = EXPECTED[name]
    if shutil.which("dot") is None:  # the graphs are widgets drawing in the browser instead
        kinds = {WIDGET if kind == SVG else kind for kind in kinds}
    for key, value in jupyter_env(kernel_folder).items():
        monkeypatch.setenv(key, value)
    path = convert(name, tmp_path)
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()

    outs = outputs(notebook)
    errors = [out for out in outs if out["output_type"] == "error"]
    assert not errors, f"{errors[0]['ename']}: {errors[0]['evalue']}"
    stderr = stream(outs, "stderr")
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    text = stream(outs, "stdout")
    assert text.strip(), "the notebook printed nothing"
    for line in lines:
        assert line in text
    shown = {kind for out in outs if out["output_type"] in ("display_data", "execute_result")
             for kind in out["data"]}
    assert kinds <= shown, f"missing outputs {kinds - shown}"
    if PNG in kinds:  # real pictures: PNG files of some size, not empty placeholders
        pngs = [base64.b64decode(out["data"][PNG]) for out in outs if PNG in out.get("data", {})]
        for png in pngs:
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
            width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
            assert width >= 200 and height >= 150, (width, height)
    if HTML in kinds:
        players = [out["data"][HTML] for out in outs if HTML in out.get("data", {})
                   and 'class="al-player"' in out["data"][HTML]]
        assert players, "no backprop player in the outputs"
