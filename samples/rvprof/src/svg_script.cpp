// What the flame graph does in a browser. The writer (svg_writer.cpp) gives every frame a
// <g class="frame"> with data-name (full name), data-o (offset from the root's left edge,
// ns), data-t (total ns = width), data-l (level, root 0); ids "reset", "search",
// "matched" and "details" name the controls. The script only reads those, so the layout
// numbers live in one place (the writer) and are passed here as data-width / data-x0 /
// data-char on the <svg>.
//
//   click a frame        zoom: it fills the width, its callees scale with it, callers
//                        below it are drawn full width and faded, everything else hides
//   click "Reset Zoom"   (or the root frame) back to the whole profile
//   click "Search"       (or Ctrl-F) prompt for a regular expression (a literal if it is
//                        not a valid one); matching frames turn magenta and "Matched: N%"
//                        shows the share of the root's time under matching frames, nested
//                        matches counted once; an empty answer or Cancel clears it
//   hover a frame        its title (full name, calls, total, self, percent) in the
//                        details line at the bottom, and as the browser's tooltip
#include "svg_script.h"

namespace rvprof {

const char* const kFlameGraphScript = R"JS(
(function () {
  "use strict";
  var svg = document.documentElement;
  var W = +svg.getAttribute("data-width"), X0 = +svg.getAttribute("data-x0");
  var CHAR = +svg.getAttribute("data-char");
  var HIGHLIGHT = "rgb(230,0,230)";
  var frames = [].slice.call(document.querySelectorAll("g.frame")).map(function (g) {
    var rect = g.querySelector("rect");
    return { g: g, rect: rect, text: g.querySelector("text"), title: g.querySelector("title"),
             name: g.getAttribute("data-name"), o: +g.getAttribute("data-o"),
             t: +g.getAttribute("data-t"), l: +g.getAttribute("data-l"),
             fill: rect.getAttribute("fill") };
  });
  var root = frames.filter(function (f) { return f.l === 0; })[0];
  var zoomed = null;
  var resetBtn = document.getElementById("reset");
  var matched = document.getElementById("matched");
  var details = document.getElementById("details");

  function label(name, w) {
    var fit = Math.floor((w - 6) / CHAR);
    if (fit < 3) return "";
    return name.length > fit ? name.substr(0, fit - 2) + ".." : name;
  }

  function draw() {
    if (!root) return;
    var z = zoomed || root;
    var scale = z.t > 0 ? W / z.t : 0;
    frames.forEach(function (f) {
      var inside = f.l >= z.l && f.o >= z.o && f.o + f.t <= z.o + z.t;
      var caller = f.l < z.l && f.o <= z.o && f.o + f.t >= z.o + z.t;
      var x, w;
      if (inside) { x = X0 + (f.o - z.o) * scale; w = f.t * scale; }
      else if (caller) { x = X0; w = W; }
      else { f.g.style.display = "none"; return; }
      f.g.style.display = "";
      f.g.setAttribute("class", caller ? "frame parent" : "frame");
      f.rect.setAttribute("x", x.toFixed(2));
      f.rect.setAttribute("width", Math.max(w, 0.1).toFixed(2));
      f.text.setAttribute("x", (x + 3).toFixed(2));
      f.text.textContent = label(f.name, w);
    });
    resetBtn.style.opacity = zoomed ? "1" : "0.1";
  }

  function zoom(f) {
    zoomed = (f === root) ? null : f;
    draw();
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function search(term) {
    frames.forEach(function (f) { f.rect.setAttribute("fill", f.fill); });
    if (!term) { matched.textContent = ""; return; }
    var re;
    try { re = new RegExp(term); } catch (e) { re = new RegExp(escapeRegExp(term)); }
    var spans = [];
    frames.forEach(function (f) {
      if (!re.test(f.name)) return;
      f.rect.setAttribute("fill", HIGHLIGHT);
      spans.push([f.o, f.o + f.t]);
    });
    // The share of the root's time under matching frames: a match nested in another
    // match covers part of the same time, so overlapping spans are merged first.
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var covered = 0, end = -1;
    spans.forEach(function (s) {
      if (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }
      else if (s[1] > end) { covered += s[1] - end; end = s[1]; }
    });
    var pct = root && root.t > 0 ? 100 * covered / root.t : 0;
    matched.textContent = "Matched: " + pct.toFixed(1) + "%";
  }

  function askSearch() {
    search(window.prompt("Search frames (regular expression):", ""));
  }

  svg.addEventListener("click", function (e) {
    var el = e.target;
    var g = el.closest ? el.closest("g.frame") : null;
    if (g) {
      zoom(frames.filter(function (f) { return f.g === g; })[0]);
    } else if (el === resetBtn) {
      zoom(root);
    } else if (el.id === "search") {
      askSearch();
    }
  });
  svg.addEventListener("mouseover", function (e) {
    var g = e.target.closest ? e.target.closest("g.frame") : null;
    details.textContent = g ? g.querySelector("title").textContent : " ";
  });
  window.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "f") { e.preventDefault(); askSearch(); }
    if (e.key === "Escape") { zoom(root); search(""); }
  });
  draw();
})();
)JS";

}  // namespace rvprof
