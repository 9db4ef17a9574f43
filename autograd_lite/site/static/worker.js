// The playground's Python (autograd_lite/site/static/worker.js): Pyodide in a module Web
// Worker, so that a long run never freezes the page (the page's Stop button terminates this
// worker and starts a new one). Everything is loaded from the site itself: Pyodide's runtime,
// its lock (which names autograd_lite's wheel) and the wheel, from lite/static/pyodide/.
//
// Messages to the page: {type: "status", text}, {type: "ready", seconds, pyodideSeconds},
// {type: "result", id, json} (autograd_lite.site.runner.run_json's answer), {type: "fatal", text}
// (Python could not start), {type: "crashed", id, text} (the interpreter died during a run).
// From the page: {type: "run", id, code}.
"use strict";

const PYODIDE = new URL("./lite/static/pyodide/", self.location.href).href;
const started = performance.now();
let runner = null;
let PythonError = null;  // pyodide.ffi.PythonError: an error Python raised, not one of the interpreter

function post(message) { self.postMessage(message); }

// autograd_lite's wheel is fetched while Pyodide starts (the lock names its file), then
// unpacked into site-packages: quicker than loadPackage, which would fetch it only afterwards.
async function ownWheel() {
  const lock = await (await fetch(PYODIDE + "pyodide-lock.json")).json();
  const entry = lock.packages["autograd-lite"];
  const reply = await fetch(PYODIDE + entry.file_name);
  if (!reply.ok) { throw new Error("cannot fetch " + entry.file_name + ": " + reply.status); }
  return reply.arrayBuffer();
}

const ready = (async () => {
  post({type: "status", text: "loading Python (Pyodide)\u2026"});
  const wheel = ownWheel();
  const { loadPyodide } = await import(PYODIDE + "pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: PYODIDE });
  const pythonUp = performance.now();
  post({type: "status", text: "loading autograd_lite\u2026"});
  pyodide.unpackArchive(await wheel, "wheel");
  runner = pyodide.pyimport("autograd_lite.site.runner");
  PythonError = pyodide.ffi.PythonError;
  post({type: "ready", seconds: (performance.now() - started) / 1000,
        pyodideSeconds: (pythonUp - started) / 1000});
})().catch((error) => post({type: "fatal", text: String(error && error.message || error)}));

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type !== "run") { return; }
  await ready;
  if (runner === null) { return; }  // the fatal message has told the page
  let json;
  try {
    json = runner.run_json(message.code);
  } catch (error) {
    if (!(error instanceof PythonError)) {
      // Pyodide's own failure (a fatal error, e.g. its stack overflowed): this interpreter is
      // dead, every later call would hang or fail; the page starts a new worker.
      runner = null;
      post({type: "crashed", id: message.id, text: String(error && error.message || error)});
      return;
    }
    // a failure of the runner itself, not of the reader's code (run_json catches those)
    json = JSON.stringify({ok: false, output: "", error: String(error.message || error), value: null});
  }
  post({type: "result", id: message.id, json: json});
};
