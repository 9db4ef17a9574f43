// The playground's Python (autograd_lite/site/static/worker.js): Pyodide in a module Web
// Worker, so that a long run never freezes the page (the page's Stop button terminates this
// worker and starts a new one). Everything is loaded from the site itself: Pyodide's runtime
// and its lock (which names autograd_lite's wheel) from lite/static/pyodide/.
//
// Messages to the page: {type: "status", text}, {type: "ready", seconds, pyodideSeconds},
// {type: "result", id, json} (autograd_lite.site.runner.run_json's answer), {type: "fatal", text}.
// From the page: {type: "run", id, code}.
"use strict";

const PYODIDE = new URL("./lite/static/pyodide/", self.location.href).href;
const started = performance.now();
let runner = null;

function post(message) { self.postMessage(message); }

const ready = (async () => {
  post({type: "status", text: "loading Python (Pyodide)\u2026"});
  const { loadPyodide } = await import(PYODIDE + "pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: PYODIDE });
  const pythonUp = performance.now();
  post({type: "status", text: "loading autograd_lite\u2026"});
  const problems = [];
  await pyodide.loadPackage(["autograd_lite"], {
    messageCallback: () => {},
    errorCallback: (text) => problems.push(text),
  });
  try {
    runner = pyodide.pyimport("autograd_lite.site.runner");
  } catch (error) {
    throw new Error("autograd_lite did not load: " + (problems.join("; ") || error.message));
  }
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
  } catch (error) {  // a failure of the runner itself, not of the reader's code
    json = JSON.stringify({ok: false, output: "", error: String(error && error.message || error), value: null});
  }
  post({type: "result", id: message.id, json: json});
};
