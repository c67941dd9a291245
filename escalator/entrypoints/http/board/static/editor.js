// The config editor: line numbers beside the text, and "line N" links that go to the line.
(function () {
  "use strict";
  var text = document.getElementById("config-text");
  var gutter = document.getElementById("gutter");
  if (!text || !gutter) { return; }
  var bad = (text.getAttribute("data-bad") || "").split(",").filter(Boolean).map(Number);

  function number() {
    var count = text.value.split("\n").length, html = [];
    for (var n = 1; n <= count; n++) {
      html.push('<span id="L' + n + '"' + (bad.indexOf(n) >= 0 ? ' class="bad"' : "") + ">" + n + "</span>");
    }
    gutter.innerHTML = html.join("\n") + "\n";
    gutter.scrollTop = text.scrollTop;
  }

  function go(line, focus) {
    var lines = text.value.split("\n"), start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[line - 1] || "").length;
    var height = parseFloat(getComputedStyle(text).lineHeight) || 20;
    text.scrollTop = Math.max(0, (line - 4) * height);
    gutter.scrollTop = text.scrollTop;
    if (focus) { text.focus(); text.setSelectionRange(start, end); text.scrollTop = Math.max(0, (line - 4) * height); }
  }

  text.addEventListener("input", number);
  text.addEventListener("scroll", function () { gutter.scrollTop = text.scrollTop; });
  document.querySelectorAll("a[data-line]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      go(Number(a.getAttribute("data-line")), true);
    });
  });
  number();
  if (bad.length) { go(bad[0], false); }
})();
