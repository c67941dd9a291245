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
  var outbox = document.getElementById("outbox");
  if (outbox) {
    var seconds = parseInt(outbox.getAttribute("data-refresh"), 10) || 10;
    setInterval(function () {
      var busy = document.activeElement && document.activeElement.tagName === "BUTTON";
      if (!busy && window.scrollY < 40) { window.location.reload(); }
    }, seconds * 1000);
  }
})();
