// The open-alarms list follows the server without a reload (server-sent events).
(function () {
  "use strict";
  var list = document.getElementById("open-alarms");
  var live = document.getElementById("live");
  if (list && window.EventSource) {
    var source = new EventSource(list.getAttribute("data-live"));
    source.addEventListener("board", function (e) {
      list.innerHTML = e.data;
      if (live) { live.textContent = live.getAttribute("data-online"); live.classList.remove("off"); }
    });
    source.addEventListener("signed-out", function () { window.location.reload(); });
    source.onerror = function () {
      if (live) { live.textContent = live.getAttribute("data-offline"); live.classList.add("off"); }
    };
  }
  // The outbox offers new messages instead of reloading under the reader's hands.
  var outbox = document.getElementById("outbox-live");
  if (outbox && window.EventSource) {
    var shown = outbox.getAttribute("data-count");
    var more = document.getElementById("outbox-new");
    var feed = new EventSource(outbox.getAttribute("data-live"));
    feed.addEventListener("outbox", function (e) {
      if (e.data !== shown) { more.hidden = false; }
    });
  }
})();
