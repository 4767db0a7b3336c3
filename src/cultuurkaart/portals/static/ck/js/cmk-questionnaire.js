// The school's questionnaire saves a draft while it is filled in: every change is posted
// (debounced) to the API as a draft (`submit: false`) with the session's CSRF token. Without
// JavaScript the "save" button does the same through the page.
(function () {
  function start() {
    var form = document.querySelector("form.questionnaire[data-autosave]");
    if (!form) { return; }
    var status = form.querySelector(".autosave-status");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var timer = null;
    var busy = false;
    var again = false;

    function collect() {
      var answers = {};
      var roles = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.type === "radio" && el.checked && el.name.indexOf("q_") === 0) {
          answers[el.name.slice(2)] = parseInt(el.value, 10);
        }
        if (el.type === "checkbox" && el.checked && el.name === "roles") { roles.push(el.value); }
      });
      return {
        participation_id: form.getAttribute("data-participation"),
        answers: answers,
        respondent_roles: roles,
        submit: false
      };
    }

    function save() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(form.getAttribute("data-autosave"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify(collect())
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var now = new Date();
        var hh = ("0" + now.getHours()).slice(-2);
        var mm = ("0" + now.getMinutes()).slice(-2);
        status.textContent = form.getAttribute("data-saved") + " " + hh + ":" + mm;
        form.setAttribute("data-autosaved", "1");
      }).catch(function () {
        status.textContent = form.getAttribute("data-failed");
      }).then(function () {
        busy = false;
        if (again) { again = false; save(); }
      });
    }

    form.addEventListener("change", function () {
      form.removeAttribute("data-autosaved");
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 600);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
