/* The notebook widgets' front end (autograd_lite/page/widgets.js), for anywidget.
 *
 * autograd_lite.widgets makes each widget class's module from graphs.js, player.js and
 * this file, then one line `export default graphWidget;` (or playerWidget). Graphviz
 * in WebAssembly (viz-global.js, 1.3 MB) is NOT part of that module: it lives once per
 * kernel in a Renderer widget model (trait `source`), whose id every widget carries in
 * `_renderer`. The first picture of the page that needs it imports it from there; every
 * later one (any class) reuses that instance (graphs.js keeps it on globalThis). So a
 * notebook holds the renderer once, however many graphs it shows.
 */
function vizFromRenderer(model) {
  return async function () {
    if (globalThis.Viz && typeof globalThis.Viz.instance === "function") { return globalThis.Viz; }
    var renderer = await model.widget_manager.get_model(model.get("_renderer"));
    var packed = atob(renderer.get("source"));  // gzip, base64 (see autograd_lite/widgets.py)
    var bytes = new Uint8Array(packed.length);
    for (var i = 0; i < packed.length; i++) { bytes[i] = packed.charCodeAt(i); }
    var source = await new Response(new Blob([bytes]).stream()
      .pipeThrough(new DecompressionStream("gzip"))).blob();
    // viz-global.js is a classic script (UMD): with exports, module and define hidden it sets
    // globalThis.Viz. Imported as a module from a blob: URL, as anywidget loads our own code.
    var url = URL.createObjectURL(new Blob(["var exports, module, define;\n", source,
      "\nexport default globalThis.Viz;\n"], {type: "text/javascript"}));
    try {
      return (await import(url)).default;
    } finally {
      URL.revokeObjectURL(url);
    }
  };
}

function svgFromText(text) {
  // SVG made by Graphviz's dot in the kernel (every label escaped by Graphviz).
  var doc = new DOMParser().parseFromString(text, "image/svg+xml");
  var svg = doc.documentElement;
  return svg && svg.nodeName === "svg" ? document.importNode(svg, true) : null;
}

var graphWidget = {
  render: function ({model, el}) {
    autogradLiteGraphs.useViz(vizFromRenderer(model));
    el.classList.add("al-graph");
    var tools = document.createElement("div");
    tools.className = "al-tools";
    var view = document.createElement("div");
    view.className = "al-view";
    el.appendChild(tools);
    el.appendChild(view);
    var viewer = null;
    var drawn = 0;  // the latest request wins: a slider moved fast sends many
    function draw() {
      var ticket = ++drawn;
      var text = model.get("svg");
      var made = text ? Promise.resolve(svgFromText(text)) : autogradLiteGraphs.renderDot(model.get("dot"));
      return made.then(function (svg) {
        if (ticket !== drawn || !svg) { return; }
        view.replaceChildren(svg);
        if (!viewer) { viewer = autogradLiteGraphs.viewer(el); } else { viewer.refresh(); }
      }, function (error) {
        if (ticket !== drawn) { return; }
        view.replaceChildren(autogradLiteGraphs.errorBox(error));
      });
    }
    model.on("change:dot", draw);
    model.on("change:svg", draw);
    draw();
    return function () {
      drawn++;  // a drawing still on its way lands nowhere
      model.off("change:dot", draw);
      model.off("change:svg", draw);
      if (viewer) { viewer.dispose(); }
    };
  }
};

var playerWidget = {
  render: function ({model, el}) {
    autogradLiteGraphs.useViz(vizFromRenderer(model));
    // The player's markup from backprop_page: every label and caption escaped there.
    el.innerHTML = model.get("html");
    var root = el.querySelector(".al-player");
    var player = autogradLitePlayer(root, root);
    return function () { player.dispose(); };  // anywidget calls it when the view goes away
  }
};
