// How every page's htmx forms fail: the office's HTML error box is swapped in place by htmx itself (the
// responseHandling in base.html); an answer that is not HTML (the body limit's 413, a fault's 500: the JSON
// envelope) becomes the same box here, its words as text. A form's old boxes go when it is sent again.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.querySelectorAll) {
      elt.querySelectorAll(":scope > .error-box").forEach(function (b) { b.remove(); });
    }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (xhr.status < 400 || xhr.getResponseHeader("HX-Redirect")) { return; }
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) { return; }
    var message = "something went wrong on our side; nothing was changed", code = "HTTP_" + xhr.status;
    try {
      var env = JSON.parse(xhr.responseText).error;
      if (env && env.message) { message = env.message; code = env.code; }
    } catch (err) { /* not the envelope: the words above */ }
    var box = document.createElement("div");
    box.className = "error-box";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = message + " ";
    var c = document.createElement("code");
    c.textContent = code;
    p.appendChild(c);
    box.appendChild(p);
    var elt = e.detail.elt, target = e.detail.target;
    e.detail.shouldSwap = true;
    e.detail.isError = true;
    e.detail.serverResponse = box.outerHTML;
    e.detail.selectOverride = "unset";
    if (!target || target === elt) {
      e.detail.target = elt;
      e.detail.swapOverride = "afterbegin";
    } else {
      e.detail.swapOverride = "innerHTML";
    }
  });
})();
