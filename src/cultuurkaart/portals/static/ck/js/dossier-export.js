/* The dossier export page: follow a running export and show the download when it is done.
   Progressive enhancement: without this script the page has a refresh link. */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var text = document.getElementById("export-progress-text");
  var ready = document.getElementById("export-ready");
  function tick() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.progress;
        text.textContent = (text.dataset.label || "") + " " + s.progress + "%";
        if (s.finished) {
          if (s.download_url) {
            var link = ready.querySelector("a");
            link.href = s.download_url;
            ready.hidden = false;
          } else {
            window.location.reload();
          }
        } else {
          setTimeout(tick, 800);
        }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  tick();
})();
