/* The playground page (autograd_lite/site/static/playground.js).
 *
 * The editor's code goes to a Web Worker (worker.js: Pyodide running autograd_lite's
 * autograd_lite.site.runner), whose answer is drawn here: the graph and every frame of the
 * player rendered from DOT by graphs.js (autogradLiteGraphs: Graphviz compiled to WebAssembly,
 * viz-global.js, with its viewer's zoom, fit and pan), the player stepped by player.js (its
 * arrow keys bound to the player, so the editor keeps its own), the explain text and the table
 * of gradients. Stop terminates the worker and starts a
 * new one. A link `#code=<encodeURIComponent(code)>` fills the editor and waits for Run; with
 * no such link the first example runs as soon as Python is ready.
 * For the benchmark and tests: document.body.dataset.firstGraphMs is set when the first graph
 * is drawn, pythonReadyMs when Python is (ms since navigation start), dataset.state is "loading", "ready", "running", "drawing" or "done".
 */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var editor = $("code"), runButton = $("run"), stopButton = $("stop"), picker = $("examples");
  var status = $("status"), errorBox = $("error"), outputBox = $("output");
  var worker = null, ready = false, running = false, pending = null, runId = 0, examples = [];
  var graphs = autogradLiteGraphs;  // graphs.js; its Viz (viz-global.js) loads after this script
  var graphView = graphs.viewer($("graph-box"));  // zoom, fit, pan for the graph

  function setStatus(text, state) {
    status.textContent = text;
    if (state) { document.body.dataset.state = state; }
  }
  function show(box, text) { box.textContent = text || ""; box.hidden = !text; }

  // Run is off from a click until its answer is drawn (a second click would only queue a
  // second run behind the first); Stop is on whenever Python is busy: running or loading.
  function busy(isRunning) {
    running = isRunning;
    runButton.disabled = isRunning;
    stopButton.disabled = ready && !isRunning;
  }

  function startWorker() {
    ready = false;
    busy(false);
    worker = new Worker("worker.js", {type: "module"});
    setStatus("starting Python\u2026", "loading");
    worker.onmessage = function (event) {
      var message = event.data;
      if (message.type === "status") { setStatus(message.text, "loading"); }
      else if (message.type === "ready") {
        ready = true;
        busy(false);
        document.body.dataset.pythonReadyMs = String(Math.round(performance.now()));
        document.body.dataset.pyodideSeconds = String(message.pyodideSeconds);
        setStatus("Python ready (" + message.seconds.toFixed(1) + " s). Press Run or Ctrl+Enter.", "ready");
        if (pending !== null) { var code = pending; pending = null; run(code); }
      } else if (message.type === "result") { if (message.id === runId) { finished(JSON.parse(message.json)); } }
      else if (message.type === "crashed") { if (message.id === runId) { crashed(message.text); } }
      else if (message.type === "fatal") { setStatus("Python could not start: " + message.text, "failed"); }
    };
    worker.onerror = function (event) { setStatus("Python could not start: " + (event.message || "worker error"), "failed"); };
  }

  var runStarted = 0;
  function run(code) {
    if (running) {  // Ctrl+Enter or an example picked while a run is on: not queued
      setStatus("still running the previous code: wait for it, or Stop it, then Run");
      return;
    }
    if (!ready) { pending = code; setStatus("Python is still loading; your code runs as soon as it is ready\u2026"); return; }
    runId += 1;
    busy(true);
    runStarted = performance.now();
    setStatus("running\u2026", "running");
    worker.postMessage({type: "run", id: runId, code: code});
  }

  // A new worker (a new Python) in place of the old one, which is terminated.
  function restart(text) {
    if (worker !== null) { worker.terminate(); }
    pending = null;
    runId += 1;  // an answer of the old worker can no longer arrive, nor count
    startWorker();
    setStatus(text, "loading");
  }

  function stop() { restart("stopped; restarting Python\u2026"); }

  // The interpreter itself died during the run (not a Python error: Pyodide's fatal error).
  function crashed(text) {
    show(outputBox, "");
    show(errorBox, "Python itself crashed during this run, so its output is lost (the last good " +
         "drawing is kept); Python has been restarted.\n" + text);
    restart("Python crashed; restarting it\u2026");
  }

  function finished(result) {
    var seconds = ((performance.now() - runStarted) / 1000).toFixed(2);
    show(outputBox, result.output);
    show(errorBox, result.error);
    if (!result.ok) { busy(false); setStatus("error (the last good drawing is kept)", "done"); return; }
    if (result.value === null) {
      busy(false);
      setStatus("ran in " + seconds + " s; no Value to draw (bind one to a name, or call autograd_lite.show(v))", "done");
      return;
    }
    stopButton.disabled = true;  // Python is done; the drawing is the page's (which stays responsive)
    setStatus("ran in " + seconds + " s; drawing\u2026", "drawing");
    var id = runId;
    draw(result.value).then(function () {
      if (id !== runId) { return; }
      busy(false);
      setStatus("ran in " + seconds + " s; drew " + result.value.name + " (" + result.value.nodes + " values)", "done");
    }, function (error) {
      if (id !== runId) { return; }
      busy(false);
      show(errorBox, "drawing failed: " + error);
      setStatus("drawing failed", "done");
    });
  }

  // The graph, then the player: every picture drawn from DOT text by graphs.js (Graphviz in
  // WebAssembly, one instance for the page), the player's frames after graphs.js has given
  // each record one width in all of them (so nodes keep their places); player.js then steps
  // them, and graphs.js's viewer (zoom, fit to width while text stays readable, pan) shows them.
  function draw(value) {
    var notes = value.notes.length ? " (" + value.notes.join("; ") + ")" : "";
    $("what").textContent = value.name + ": its graph, with data and \u2202" + value.name + "/\u2202node on every node" + notes;
    $("explain").textContent = value.explain || value.notes.join("; ");
    $("grad-head").textContent = "\u2202" + value.name + "/\u2202node";
    var body = $("grads").tBodies[0];
    body.replaceChildren();
    value.table.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.name = row.name;
      tr.dataset.grad = row.grad;
      [row.name, row.op, row.data, row.grad].forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (i >= 2) { td.className = "num"; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var picture = value.dot ? graphs.renderDot(value.dot) : Promise.resolve(null);
    return picture.then(function (svg) {
      var graph = $("graph");
      graph.replaceChildren();
      if (svg) { graph.appendChild(svg); }
      graphView.refresh();
      if (svg && !document.body.dataset.firstGraphMs) {
        document.body.dataset.firstGraphMs = String(Math.round(performance.now()));
      }
      var holder = $("player");
      holder.innerHTML = value.player || "<p>" + (value.notes.join("; ") || "") + "</p>";
      var player = holder.querySelector(".al-player");
      if (!player) { return null; }
      var measure = player.querySelector(".frames").getAttribute("data-measure");
      return graphs.renderAll(player, measure ? JSON.parse(measure) : null).then(function () {
        autogradLitePlayer(player, player);  // keys bound to the player, not to the page
      });
    });
  }

  // The code of a `#code=` link; null without one; undefined (and the status says so) when
  // the link is cut or garbled.
  function codeFromLink() {
    var hash = window.location.hash;
    if (hash.indexOf("#code=") !== 0) { return null; }
    try { return decodeURIComponent(hash.slice(6)); } catch (error) {
      var why = "the link's code could not be read (it is cut or garbled): ask for the link again";
      show(errorBox, why);
      setStatus(why);
      return undefined;
    }
  }

  var loaded = "";  // the code the page last put in the editor: unchanged, it may be replaced freely
  function load(code) { editor.value = loaded = code; }

  function share() {
    var url = window.location.href.split("#")[0] + "#code=" + encodeURIComponent(editor.value);
    window.history.replaceState(null, "", url);
    var box = $("share-url");
    box.value = url;
    box.hidden = false;
    box.select();
    var said = " (it opens the code; the reader presses Run)";
    var copyIt = function () { setStatus("the link to this code is in the box below: copy it" + said); };
    if (navigator.clipboard && navigator.clipboard.writeText) {  // only on https or localhost
      navigator.clipboard.writeText(url).then(function () {
        setStatus("link to this code copied" + said);
      }, copyIt);
    } else { copyIt(); }
  }

  runButton.addEventListener("click", function () { run(editor.value); });
  stopButton.addEventListener("click", stop);
  $("share").addEventListener("click", share);
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(editor.value); }
    else if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey) {
      event.preventDefault();  // four spaces, as Python wants, rather than leaving the editor
      editor.setRangeText("    ", editor.selectionStart, editor.selectionEnd, "end");
    }
  });
  picker.addEventListener("change", function () {
    var chosen = examples[picker.selectedIndex];
    if (chosen) { load(chosen.code); run(chosen.code); }
  });
  window.addEventListener("hashchange", function () {
    var code = codeFromLink();
    if (typeof code !== "string" || code === editor.value) { return; }
    if (editor.value !== loaded && !window.confirm("Replace the code you wrote with the link's code?")) { return; }
    load(code);
    setStatus("code from the link: press Run to run it");
  });

  startWorker();
  fetch("examples.json").then(function (reply) { return reply.json(); }).then(function (list) {
    examples = list;
    list.forEach(function (example) {
      var option = document.createElement("option");
      option.value = example.name;
      option.textContent = example.title;
      picker.appendChild(option);
    });
    var linked = codeFromLink();
    if (typeof linked === "string") {
      load(linked);
      picker.selectedIndex = -1;
      if (!ready) { setStatus("code from the link: press Run to run it (Python is loading)"); }
    } else if (linked === undefined) {
      picker.selectedIndex = -1;  // nothing runs: the status says the link could not be read
    } else if (list.length) {
      load(list[0].code);
      run(list[0].code);
    }
  });
}());
