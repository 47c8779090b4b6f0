// Progressive enhancement only: without JavaScript every control here is a
// plain link that still works. No third-party code, nothing tracked.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Fallback for http:// previews, where the Clipboard API is unavailable.
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.className = "visually-hidden";
      document.body.appendChild(field);
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(field);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  // The server renders a plain link to the post; with JavaScript it becomes a
  // real <button> that copies the URL and announces the result.
  function enhanceCopyLinks() {
    var links = document.querySelectorAll("a[data-copy-link]");
    Array.prototype.forEach.call(links, function (link) {
      var url = link.href;
      var status = link.parentNode.querySelector(".copy-status");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-link";
      button.textContent = link.textContent;
      button.addEventListener("click", function () {
        copyText(url).then(function () {
          if (status) { status.textContent = "Link copied"; }
        }, function () {
          if (status) { status.textContent = "Copy failed: the address is " + url; }
        });
      });
      link.parentNode.replaceChild(button, link);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceCopyLinks);
  } else {
    enhanceCopyLinks();
  }
})();
