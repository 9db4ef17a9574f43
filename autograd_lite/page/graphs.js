/* Graph pictures in a browser, for autograd_lite (autograd_lite/page/graphs.js).
 *
 * A plain script: no module syntax, no build step, no dependency but the Viz
 * namespace of viz-global.js (Graphviz compiled to WebAssembly, vendored beside
 * this file) when DOT text must be drawn here. It defines one global,
 * autogradLiteGraphs, used by the standalone pages (backprop_html, save_html),
 * by the notebook widgets (whose module code starts with this file, then
 * player.js, then widgets.js) and by any other page showing our DOT text (the
 * static site of issue 18). Entry points:
 *
 *   autogradLiteGraphs.useViz(getViz)
 *       how to get the Viz namespace: a function returning it (or a promise of
 *       it). Default: the global `Viz` that viz-global.js defines.
 *   autogradLiteGraphs.renderDot(dotText) -> Promise<SVGSVGElement>
 *       the picture, drawn by the one Viz instance of the page (made once).
 *   autogradLiteGraphs.renderAll(root, measure, onEach) -> Promise
 *       every <pre class="al-dot"> inside root (its text is DOT text) replaced
 *       by its picture, in document order; `measure` (optional, from
 *       backprop_page) first gives every record the width it needs in any
 *       frame, so nodes keep their places from frame to frame; onEach(svg)
 *       after each picture. One picture per task, so the page stays responsive.
 *   autogradLiteGraphs.sameWidths(measure, dots) -> Promise<string[]>
 *       that width step alone: measure = {dot, owners}, the measuring graph
 *       (records m0, m1, ...) and, per record, the node ids it stands for.
 *   autogradLiteGraphs.errorBox(error) -> HTMLElement
 *       the message shown in place of a picture that could not be drawn.
 *   autogradLiteGraphs.viewer(root) -> {refresh, zoom, scale, dispose}
 *       zoom out / in, 100 %, "fit to width", ctrl+wheel and drag-to-pan for
 *       the pictures in root's .al-view boxes (controls go in root's first
 *       .al-tools element, made if missing). At first display node text is at
 *       least 10 CSS pixels high; a wider graph scrolls inside its box; "fit to
 *       width" starts off whenever fitting would make text smaller than that.
 *       Call refresh() when a picture is added or another one is shown, and
 *       dispose() when root goes away (it removes the listeners on window).
 */
var autogradLiteGraphs = (function () {
  "use strict";
  var PX_PER_PT = 4 / 3;   // Graphviz sizes its SVG in points; CSS pixels are 3/4 pt
  var MIN_TEXT_PX = 10;    // the smallest readable text at first display
  var getViz = function () { return globalThis.Viz; };

  function useViz(source) { getViz = source; }

  function instance() {
    // One Viz instance per page, whichever copy of this file asks first (each notebook
    // widget class has its own copy in its module).
    if (!globalThis.__autogradLiteViz) {
      globalThis.__autogradLiteViz = Promise.resolve().then(getViz).then(function (Viz) {
        if (!Viz || typeof Viz.instance !== "function") {
          throw new Error("the Graphviz renderer (viz-global.js) is not loaded");
        }
        return Viz.instance();
      });
      globalThis.__autogradLiteViz.catch(function () { globalThis.__autogradLiteViz = null; });
    }
    return globalThis.__autogradLiteViz;
  }

  function renderDot(dot) {
    return instance().then(function (viz) {
      var svg = viz.renderSVGElement(dot);
      // Unique ids per picture: several pictures share a page (and Graphviz numbers from 0 each time).
      // The count lives on globalThis, as the Viz instance does: every copy of this file on the page
      // (each player fragment, each widget class's module) must count on from the same number.
      var n = globalThis.__autogradLitePictures = (globalThis.__autogradLitePictures || 0) + 1;
      var prefix = "alg" + n + "-";
      Array.prototype.forEach.call(svg.querySelectorAll("[id]"), function (e) { e.id = prefix + e.id; });
      return svg;
    });
  }

  function sameWidths(measure, dots) {
    return instance().then(function (viz) {
      var plain = viz.renderString(measure.dot, {format: "plain"});
      var widths = Object.create(null);
      plain.split("\n").forEach(function (line) {
        var parts = line.trim().split(/\s+/);  // node NAME x y width height ...
        if (parts[0] === "node" && /^m\d+$/.test(parts[1])) {
          (measure.owners[Number(parts[1].slice(1))] || []).forEach(function (id) {
            widths[id] = Math.max(widths[id] || 0, parseFloat(parts[4]));
          });
        }
      });
      // backprop_page writes one node statement per line: `  v3 [shape="record", ...];`
      return dots.map(function (dot) {
        return dot.replace(/^(\s*)(\w+) \[/mg, function (all, indent, id) {
          return id in widths ? indent + id + ' [width="' + (widths[id] + 0.01).toFixed(3) + '", ' : all;
        });
      });
    });
  }

  function errorBox(error) {
    // The one way a picture that could not be drawn says so (as text: the error may quote a label).
    var message = document.createElement("p");
    message.className = "al-dot-error";
    message.textContent = "This graph could not be drawn here: " + (error && error.message || error);
    return message;
  }

  function showError(pre, error) { pre.parentNode.insertBefore(errorBox(error), pre); }

  function nextTask() {
    // A message to itself rather than setTimeout, which a background tab slows to once a second.
    return new Promise(function (resolve) {
      if (typeof MessageChannel === "undefined") { setTimeout(resolve, 0); return; }
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { channel.port1.close(); resolve(); };
      channel.port2.postMessage(null);
    });
  }

  function renderAll(root, measure, onEach) {
    var pres = Array.prototype.slice.call(root.querySelectorAll("pre.al-dot"));
    if (pres.length === 0) { return Promise.resolve(); }
    var dots = pres.map(function (pre) { return pre.textContent; });
    var ready = measure ? sameWidths(measure, dots) : Promise.resolve(dots);
    return ready.then(function (laid) {
      var chain = Promise.resolve();
      pres.forEach(function (pre, i) {
        // One picture per task: between two, the page handles its input and paints (a player
        // of many frames would otherwise freeze it until the last one is drawn).
        chain = chain.then(i ? nextTask : null).then(function () { return renderDot(laid[i]); }).then(function (svg) {
          var box = pre.parentNode;
          Array.prototype.forEach.call(box.querySelectorAll(".al-dot-hint"), function (h) { h.remove(); });
          box.replaceChild(svg, pre);
          if (onEach) { onEach(svg); }
        }, function (error) { showError(pre, error); });
      });
      return chain;
    }, function (error) { pres.forEach(function (pre) { showError(pre, error); }); });
  }

  // --- the viewer ----------------------------------------------------------------------

  function lengthPx(text) {
    var found = /^\s*([\d.]+)\s*(pt|px)?\s*$/.exec(text || "");
    return found ? parseFloat(found[1]) * (found[2] === "px" ? 1 : PX_PER_PT) : 0;
  }

  function natural(svg) {
    // The picture's own size in CSS pixels, and its smallest text there (read once).
    if (!svg.__al) {
      var box = svg.viewBox && svg.viewBox.baseVal;
      var width = lengthPx(svg.getAttribute("width")) || (box ? box.width * PX_PER_PT : 0);
      var height = lengthPx(svg.getAttribute("height")) || (box ? box.height * PX_PER_PT : 0);
      var perUnit = box && box.width ? width / box.width : 1;
      var smallest = Infinity;
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
        var size = parseFloat(t.getAttribute("font-size") || "14");
        if (size > 0 && size < smallest) { smallest = size; }
      });
      svg.__al = {width: width, height: height, text: smallest === Infinity ? 14 * perUnit : smallest * perUnit};
    }
    return svg.__al;
  }

  function button(label, cls, title) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = label;
    b.title = title;
    b.setAttribute("aria-label", title);
    return b;
  }

  function viewer(root) {
    var tools = root.querySelector(".al-tools");
    if (!tools) {
      tools = document.createElement("div");
      tools.className = "al-tools";
      root.insertBefore(tools, root.firstChild);
    }
    if (tools.__alViewer) { return tools.__alViewer; }
    var out = button("\u2212", "al-zoom-out", "zoom out (ctrl+wheel)");
    var zin = button("+", "al-zoom-in", "zoom in (ctrl+wheel)");
    var reset = button("100%", "al-zoom-reset", "natural size");
    var fitLabel = document.createElement("label");
    fitLabel.className = "al-fit-label";
    var fitBox = document.createElement("input");
    fitBox.type = "checkbox";
    fitBox.className = "al-fit";
    fitLabel.appendChild(fitBox);
    fitLabel.appendChild(document.createTextNode(" fit to width"));
    tools.appendChild(out);
    tools.appendChild(zin);
    tools.appendChild(reset);
    tools.appendChild(fitLabel);
    tools.hidden = false;

    var scale = 1;
    var fit = false;
    var fitAuto = false;  // fit was turned on by the viewer, not by the reader
    var started = false;

    function views() { return root.querySelectorAll(".al-view"); }
    function shownView() {
      var all = views();
      for (var i = 0; i < all.length; i++) {
        if (all[i].offsetWidth > 0 && all[i].querySelector("svg")) { return all[i]; }
      }
      return null;
    }
    function fitScale(view, size) {
      return Math.min(1, Math.max(40, view.clientWidth - 4) / size.width);
    }
    function apply() {
      Array.prototype.forEach.call(root.querySelectorAll(".al-view svg"), function (svg) {
        var size = natural(svg);
        if (!size.width) { return; }
        svg.style.width = (size.width * scale).toFixed(1) + "px";
        svg.style.height = (size.height * scale).toFixed(1) + "px";
        svg.style.maxWidth = "none";
      });
      reset.textContent = Math.round(scale * 100) + "%";
      fitBox.checked = fit;
    }
    function refresh() {
      var view = shownView();
      if (!view) { apply(); return; }
      var size = natural(view.querySelector("svg"));
      var smallest = size.text;  // over every picture there is (a player's frames differ)
      Array.prototype.forEach.call(root.querySelectorAll(".al-view svg"), function (svg) {
        smallest = Math.min(smallest, natural(svg).text);
      });
      if (!started) {
        started = true;
        scale = Math.max(1, MIN_TEXT_PX / smallest);  // text at least 10 px at first display
        fit = fitAuto = smallest * fitScale(view, size) >= MIN_TEXT_PX;  // fit only where it stays readable
      } else if (fit && fitAuto && smallest * fitScale(view, size) < MIN_TEXT_PX) {
        fit = fitAuto = false;  // a later picture (frame) has smaller text: not fitted after all
        scale = Math.max(1, MIN_TEXT_PX / smallest);
      }
      if (fit) { scale = fitScale(view, size); }
      apply();
    }
    function zoom(factor, anchor) {
      var view = shownView();
      var before = scale;
      fit = fitAuto = false;
      scale = Math.min(8, Math.max(0.05, scale * factor));
      apply();
      if (view) {  // keep the point under the pointer (or the middle) where it was
        var x = anchor ? anchor.x : view.clientWidth / 2;
        var y = anchor ? anchor.y : view.clientHeight / 2;
        view.scrollLeft = (view.scrollLeft + x) * scale / before - x;
        view.scrollTop = (view.scrollTop + y) * scale / before - y;
      }
    }
    out.addEventListener("click", function () { zoom(1 / 1.25); });
    zin.addEventListener("click", function () { zoom(1.25); });
    reset.addEventListener("click", function () { fit = fitAuto = false; scale = 1; apply(); });
    fitBox.addEventListener("change", function () {
      fit = fitBox.checked;
      fitAuto = false;
      if (!fit) { scale = Math.max(1, scale); }
      refresh();
    });
    root.addEventListener("wheel", function (event) {
      var view = event.target.closest && event.target.closest(".al-view");
      if (!view || !(event.ctrlKey || event.metaKey)) { return; }
      event.preventDefault();
      var rect = view.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, {x: event.clientX - rect.left, y: event.clientY - rect.top});
    }, {passive: false});
    var drag = null;
    root.addEventListener("pointerdown", function (event) {
      var view = event.target.closest && event.target.closest(".al-view");
      if (!view || event.button !== 0 || !view.querySelector("svg")) { return; }
      drag = {view: view, x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop};
      view.classList.add("al-dragging");
    });
    // Listeners on the window outlive root: kept here so that dispose() can remove them (a notebook
    // re-renders a widget's view on every re-run or reload; without this they would pile up).
    var onWindow = {
      pointermove: function (event) {
        if (!drag) { return; }
        drag.view.scrollLeft = drag.left - (event.clientX - drag.x);
        drag.view.scrollTop = drag.top - (event.clientY - drag.y);
      },
      pointerup: function () {
        if (drag) { drag.view.classList.remove("al-dragging"); drag = null; }
      },
      resize: function () { if (fit) { refresh(); } }
    };
    Object.keys(onWindow).forEach(function (name) { window.addEventListener(name, onWindow[name]); });
    function dispose() {
      Object.keys(onWindow).forEach(function (name) { window.removeEventListener(name, onWindow[name]); });
      delete tools.__alViewer;
    }
    var api = {refresh: refresh, zoom: zoom, scale: function () { return scale; }, dispose: dispose};
    tools.__alViewer = api;
    refresh();
    return api;
  }

  return {useViz: useViz, renderDot: renderDot, renderAll: renderAll, sameWidths: sameWidths,
          viewer: viewer, errorBox: errorBox};
}());
