// Live reload for `make devserver` (scripts/devserver.py). The server adds this
// script to the HTML pages it serves, at response time; it is never written to
// output/, so no published page carries it. Same-origin, so the pages' CSP
// (default-src 'self') allows both the script and its event stream.
(function () {
  "use strict";
  var OVERLAY_ID = "connected-build-error";
  var seenBuild = null;

  function removeOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function showOverlay(problems) {
    removeOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    // CSSOM, not a style attribute: the CSP's style-src 'self' allows it.
    var s = box.style;
    s.position = "fixed"; s.left = "0"; s.right = "0"; s.top = "0"; s.zIndex = "2147483647";
    s.maxHeight = "60vh"; s.overflow = "auto"; s.padding = "1em 1.5em";
    s.background = "#fff4f4"; s.color = "#5c0000"; s.borderBottom = "3px solid #b00020";
    s.font = "14px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace";
    var title = document.createElement("strong");
    title.textContent = "Build failed — still showing the last good build. Fix the problem and save:";
    box.appendChild(title);
    var list = document.createElement("ul");
    problems.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;  // text, never markup: a problem line quotes post data
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  function handle(state) {
    if (seenBuild !== null && state.build !== seenBuild) {
      location.reload();
      return;
    }
    seenBuild = state.build;
    if (state.problems && state.problems.length) showOverlay(state.problems);
    else removeOverlay();
  }

  var source = new EventSource("/__connected/events");
  source.addEventListener("state", function (event) {
    handle(JSON.parse(event.data));
  });
})();
