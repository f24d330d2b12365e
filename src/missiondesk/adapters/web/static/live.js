// The header's alert badge, live: the page's session listens to /events/alerts (server-sent events: the
// summary at once, then whenever it changes) and the badge shows the unread count and how many alerts wait to be
// acknowledged. On /alerts the list is fetched again (htmx, into #alert-list) when a new alert arrives or a
// ladder is answered: never a reload of the whole page, and never under a note being typed in the list.
(function () {
  "use strict";
  var badge = document.getElementById("alert-badge");
  if (!badge || !window.EventSource) { return; }
  var unread = document.getElementById("alert-unread");
  var awaiting = document.getElementById("alert-awaiting");
  var news = document.getElementById("alert-news");
  var last = null, pending = false;

  function listShown() {
    var list = document.getElementById("alert-list");
    if (!list) { return null; }
    return {el: list, newest: parseInt(list.dataset.newestId || "0", 10),
            awaiting: parseInt(list.dataset.awaiting || "0", 10)};
  }

  function typing(list) {
    var a = document.activeElement;
    return a && list.contains(a) && (a.tagName === "TEXTAREA" || (a.tagName === "INPUT" && a.type !== "hidden"))
      && a.value !== "";
  }

  function refreshList() {
    var shown = listShown();
    if (!shown) { return; }
    if (typing(shown.el)) {  // after the note is sent or left, not under it
      pending = true;
      return;
    }
    pending = false;
    if (window.htmx) {
      window.htmx.ajax("GET", "/alerts/list", {target: "#alert-list", swap: "outerHTML"});
    }
  }

  document.addEventListener("focusout", function (e) {
    var shown = listShown();
    if (pending && shown && shown.el.contains(e.target)) { window.setTimeout(refreshList, 0); }
  });

  function show(s) {
    unread.firstChild.nodeValue = String(s.unread);
    unread.hidden = s.unread === 0;
    awaiting.textContent = s.awaiting_ack + " to acknowledge";
    awaiting.hidden = s.awaiting_ack === 0;
    badge.hidden = s.unread === 0 && s.awaiting_ack === 0;
    badge.classList.toggle("must-ack", s.awaiting_ack > 0);
    badge.dataset.newestId = String(s.newest_id);
  }

  var source = new EventSource("/events/alerts");
  source.onmessage = function (e) {
    var s;
    try { s = JSON.parse(e.data); } catch (err) { return; }
    show(s);
    if (last !== null && s.newest_id > last.newest_id && news) {
      news.textContent = "New alert: " + s.unread + " unread" +
        (s.awaiting_ack ? ", " + s.awaiting_ack + " to acknowledge" : "") + ".";
    }
    var shown = listShown();
    if (shown && (s.newest_id > shown.newest || s.awaiting_ack !== shown.awaiting)) { refreshList(); }
    last = s;
  };
  // a stream that ends is opened again by the browser itself; a refused one (401: signed out) stays closed
})();
