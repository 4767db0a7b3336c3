// The dossier's rich-text editor: a contenteditable area with a small toolbar over the
// plain textarea (which stays the form field and works without script). The server
// sanitises whatever HTML arrives (nh3), so this is comfort, not a safety measure.
// No inline script or style (CSP).
(function () {
  "use strict";
  var COMMANDS = [
    ["bold", "B", "Vet"],
    ["italic", "I", "Cursief"],
    ["insertUnorderedList", "•", "Opsomming"],
    ["insertOrderedList", "1.", "Genummerde lijst"],
  ];
  document.querySelectorAll("textarea[data-rich-editor]").forEach(function (area) {
    var label = document.querySelector('label[for="' + area.id + '"]');
    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Opmaak");
    var box = document.createElement("div");
    box.className = "editor-area";
    box.contentEditable = "true";
    box.setAttribute("role", "textbox");
    box.setAttribute("aria-multiline", "true");
    box.id = area.id + "_rich";
    if (label) {
      if (!label.id) label.id = area.id + "_label";
      box.setAttribute("aria-labelledby", label.id);
      label.setAttribute("for", box.id);
    }
    box.innerHTML = area.value;
    COMMANDS.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = spec[1];
      button.setAttribute("aria-label", spec[2]);
      button.addEventListener("click", function () {
        box.focus();
        document.execCommand(spec[0], false, null);
      });
      toolbar.appendChild(button);
    });
    area.hidden = true;
    area.parentNode.insertBefore(toolbar, area);
    area.parentNode.insertBefore(box, area);
    if (label) label.addEventListener("click", function () { box.focus(); });
    var sync = function () { area.value = box.innerHTML; };
    box.addEventListener("input", sync);
    area.form.addEventListener("submit", sync);
  });
})();
// Fields that belong to one kind of item (the prompt of a reflection, the visit's details)
// show only for that kind; without script they are all there.
(function () {
  "use strict";
  var select = document.getElementById("id_type");
  if (!select) return;
  var apply = function () {
    document.querySelectorAll("[data-for]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for") !== select.value;
    });
  };
  select.addEventListener("change", apply);
  apply();
})();
