// revledger web UI: small progressive enhancements (the pages work without them).
// Served from /ui/static (Content-Security-Policy: scripts from this origin only).
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
  var full = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", timeZoneName: "short"
  });
  var short = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  // Every <time datetime="…UTC…"> shows the viewer's zone; the title keeps UTC (on hover).
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      if (el.dataset.localised) return;
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment)) return;
      el.title = el.textContent.trim();
      el.textContent = full.format(moment);
      el.dataset.localised = "1";
    });
    root.querySelectorAll("svg [data-utc]").forEach(function (el) {
      if (el.dataset.localised) return;
      var moment = new Date(el.getAttribute("data-utc"));
      if (isNaN(moment)) return;
      el.textContent = short.format(moment);
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = el.getAttribute("data-utc");
      el.appendChild(title);
      el.dataset.localised = "1";
    });
    root.querySelectorAll(".zone").forEach(function (el) { el.textContent = zone; });
  }

  function copyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        source.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function enhance(root) { localTimes(root); copyButtons(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
})();
