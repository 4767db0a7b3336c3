/* Roster pages: selection helpers, upload with progress, polling a running job.
   Progressive enhancement: every page works without this script. */
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function poll(statusUrl, bar, text, done) {
    var timer = null;
    function tick() {
      fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.progress;
          if (text) { text.textContent = (text.dataset.labelWork || "") + " " + s.progress + "%"; }
          if (s.finished) { done(s); } else { timer = setTimeout(tick, 600); }
        })
        .catch(function () { timer = setTimeout(tick, 2000); });
    }
    tick();
    return function () { clearTimeout(timer); };
  }

  // Upload form: send with XMLHttpRequest (upload progress), then follow the job.
  var form = document.getElementById("ck-upload-form");
  if (form && window.FormData && window.XMLHttpRequest) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var fileInput = form.querySelector("input[type=file]");
      if (!fileInput || !fileInput.files.length) { return; } // the server shows the error
      if (submitter && submitter.value === "import") {
        var confirm = form.querySelector("input[name=confirm_complete]");
        if (confirm && !confirm.checked) { return; } // server-side error summary
      }
      event.preventDefault();
      var data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var box = document.getElementById(form.dataset.progress);
      var bar = box.querySelector("progress");
      var text = box.querySelector("[role=status]");
      box.hidden = false;
      text.textContent = text.dataset.labelUpload || "";
      Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) { b.disabled = true; });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf(form));
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 30); }
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 200 && body && body.status_url) {
          poll(body.status_url, bar, text, function () { window.location.href = body.result_url; });
        } else {
          form.submit(); // let the server render its error summary
        }
      };
      xhr.onerror = function () { form.submit(); };
      xhr.send(data);
    });
  }

  // A job page opened while the job still runs: follow it, then reload.
  var running = document.getElementById("ck-job-progress");
  if (running) {
    poll(running.dataset.statusUrl, running.querySelector("progress"), running.querySelector("[role=status]"),
      function () { window.location.href = running.dataset.resultUrl; });
  }

  // Selection: all on this page, or all matching the filter.
  var pageBox = document.getElementById("ck-select-page");
  var people = document.querySelectorAll("input.ck-person");
  if (pageBox) {
    pageBox.addEventListener("change", function () {
      Array.prototype.forEach.call(people, function (c) { c.checked = pageBox.checked; });
    });
  }
  var allMatching = document.getElementById("ck-all-matching");
  if (allMatching) {
    allMatching.addEventListener("change", function () {
      Array.prototype.forEach.call(people, function (c) {
        c.checked = allMatching.checked || c.checked;
        c.disabled = allMatching.checked;
      });
      if (pageBox) { pageBox.checked = allMatching.checked; pageBox.disabled = allMatching.checked; }
    });
  }
})();
