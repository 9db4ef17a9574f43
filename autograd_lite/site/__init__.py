"""The static site: autograd_lite in the browser, with nothing installed.

`build.build_site(out)` (the `autograd-lite site -o DIR` command) writes a folder that any
static file server can serve: the playground page (`index.html`, the package running in
Pyodide in a Web Worker) and JupyterLite under `lite/` with the demo notebooks.
`wheels` makes the Python wheels the site ships and the Pyodide lock that names them;
`runner` is the Python side of the playground page (it runs in the browser, and is tested
under CPython). The static files of the page are package data in `static/`, the page's
examples in `examples/`, the npm pins in `npm/`, the PyPI pins in `pins.txt`.

Importing this package imports nothing: the runner must stay cheap inside Pyodide.
"""
