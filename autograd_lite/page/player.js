/* The step-by-step backprop player of autograd_lite (autograd_lite/page/player.js).
 *
 * One function, no globals of its own: the Python side wraps this file in a
 * closure together with one call, autogradLitePlayer(root, keyTarget), per
 * player; it returns {dispose}, which stops the player and removes the listeners
 * it put outside root (a notebook widget calls it when its view goes away). Everything is found *inside* root (by class), so several players in
 * one notebook never touch each other's controls. keyTarget receives the
 * left/right arrow keys: the document for the standalone page, the player
 * itself in a notebook (where the arrows elsewhere belong to Jupyter).
 *
 * The pictures: inline SVG made by Graphviz's `dot`, or, where it is not installed,
 * <pre class="al-dot"> blocks of DOT text that graphs.js (autogradLiteGraphs, loaded
 * before this file) draws here with Graphviz compiled to WebAssembly, after giving each
 * record the same width in every frame (data-measure), so nodes stay in place. Zoom,
 * "fit to width" and panning are graphs.js's viewer, one scale for every frame.
 *
 * Without this script (an untrusted notebook strips it) nothing is hidden:
 * the controls keep their `hidden` attribute and every frame stays shown, one
 * after another. Adding the class "al-js" to root is what turns the frames
 * into a slideshow (see player.css).
 */
function autogradLitePlayer(root, keyTarget) {
  "use strict";
  if (!root || root.classList.contains("al-js")) { return {dispose: function () {}}; }  // one player each
  function part(name) { return root.querySelector("." + name); }
  var frames = root.querySelectorAll(".frame");
  var slider = part("slider");
  var prev = part("prev");
  var next = part("next");
  var play = part("play");
  var position = part("position");
  var graphs = typeof autogradLiteGraphs !== "undefined" ? autogradLiteGraphs : null;
  var view = null;
  var pictures = part("frames");
  var last = frames.length - 1;
  var interval = Number(root.getAttribute("data-interval")) || 1200;
  var current = 0;
  var timer = null;

  var processing = root.getAttribute("data-current");  // the fill colour of the node being processed

  function reveal(box) {
    // A graph wider than its box scrolls: bring the node of this step into sight.
    var mark = processing && box.querySelector('[fill="' + processing + '"]');
    if (!mark) { return; }
    var node = mark.getBoundingClientRect();
    var seen = box.getBoundingClientRect();
    if (node.left < seen.left || node.right > seen.right) {
      box.scrollLeft += (node.left + node.right) / 2 - (seen.left + seen.right) / 2;
    }
    if (node.top < seen.top || node.bottom > seen.bottom) {
      box.scrollTop += (node.top + node.bottom) / 2 - (seen.top + seen.bottom) / 2;
    }
  }
  function show(i) {
    i = Math.max(0, Math.min(last, i));
    var before = frames[current].querySelector(".al-view");
    var left = before ? before.scrollLeft : 0;
    var top = before ? before.scrollTop : 0;
    frames[current].classList.remove("current");
    frames[i].classList.add("current");
    current = i;
    slider.value = String(i);
    position.textContent = frames[i].getAttribute("data-title");
    prev.disabled = i === 0;
    next.disabled = i === last;
    if (view) { view.refresh(); }
    var box = frames[i].querySelector(".al-view");
    if (box) {  // every frame is the same layout: keep the reader's place, then show the step
      box.scrollLeft = left;
      box.scrollTop = top;
      reveal(box);
    }
  }
  function stop() {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
    play.textContent = "\u25B6 play";
    play.setAttribute("aria-pressed", "false");
  }
  function start() {
    if (current === last) { show(0); }
    play.textContent = "\u275A\u275A pause";
    play.setAttribute("aria-pressed", "true");
    timer = window.setInterval(function () {
      if (current >= last) { stop(); } else { show(current + 1); }
    }, interval);
  }

  slider.addEventListener("input", function () { stop(); show(Number(slider.value)); });
  prev.addEventListener("click", function () { stop(); show(current - 1); });
  next.addEventListener("click", function () { stop(); show(current + 1); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  function onKey(event) {
    if (event.target === slider || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step === 0) { return; }
    event.preventDefault();
    if (keyTarget === root) { event.stopPropagation(); }  // in a notebook: not Jupyter's key
    stop();
    show(current + step);
  }
  keyTarget.addEventListener("keydown", onKey);
  part("controls").hidden = false;
  root.classList.add("al-js");
  show(0);
  if (graphs) {
    view = graphs.viewer(root);
    var measure = pictures.getAttribute("data-measure");
    graphs.renderAll(root, measure ? JSON.parse(measure) : null, function (svg) {
      view.refresh();
      if (frames[current].contains(svg)) { reveal(svg.parentNode); }
    });
  }
  return {
    dispose: function () {  // the player's view is going away (a notebook widget re-rendered)
      stop();
      keyTarget.removeEventListener("keydown", onKey);
      if (view) { view.dispose(); }
    }
  };
}
