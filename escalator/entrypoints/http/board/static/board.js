// The open-alarms list follows the server without a reload (server-sent events).
(function () {
  "use strict";
  var list = document.getElementById("open-alarms");
  var live = document.getElementById("live");
  if (list && window.EventSource) {
    var source = new EventSource(list.getAttribute("data-live"));
    var online = function () {
      if (live) { live.textContent = live.getAttribute("data-online"); live.classList.remove("off"); }
    };
    var rowOf = function (id) { return list.querySelector('li[data-incident="' + id + '"]'); };
    source.addEventListener("board", function (e) { list.innerHTML = e.data; online(); });
    // One changed alarm: "<id> <id it goes before, or ->" and then its row.
    source.addEventListener("row", function (e) {
      var cut = e.data.indexOf("\n");
      var head = e.data.slice(0, cut).split(" ");
      var ol = list.querySelector("ol.alarms");
      if (!ol) { return; }
      var box = document.createElement("ol");
      box.innerHTML = e.data.slice(cut + 1);
      var old = rowOf(head[0]);
      if (old) { old.remove(); }
      ol.insertBefore(box.firstElementChild, head[1] === "-" ? null : rowOf(head[1]));
      online();
    });
    source.addEventListener("gone", function (e) {
      var old = rowOf(e.data);
      if (old) { old.remove(); }
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
