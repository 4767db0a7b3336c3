/* Live totals on the budget order form. The rates come from the server (json_script);
   the server recomputes everything on "Verder naar controleren", so this is a preview. */
(function () {
  "use strict";
  var form = document.getElementById("order-form");
  var ratesNode = document.getElementById("order-rates");
  if (!form || !ratesNode) return;
  var rates = JSON.parse(ratesNode.textContent);

  // Work in cents to avoid floating-point errors.
  function cents(text) {
    var parts = String(text).split(".");
    return parseInt(parts[0], 10) * 100 + (parts[1] ? parseInt((parts[1] + "0").slice(0, 2), 10) : 0);
  }
  function count(name) {
    var input = form.querySelector('[data-ck="' + name + '"]');
    if (!input) return 0;
    var value = input.value.trim();
    return /^\d+$/.test(value) ? parseInt(value, 10) : 0;
  }
  function eur(c) {
    var negative = c < 0;
    c = Math.abs(c);
    var whole = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var rest = String(c % 100).padStart(2, "0");
    return "\u20ac\u00a0" + (negative ? "-" : "") + whole + "," + rest;
  }
  function update() {
    var withC = count("with"), withoutC = count("without"), teachers = count("teachers");
    var school = cents(rates.school), admin = cents(rates.admin), teacher = cents(rates.teacher);
    var ocw = cents(rates.ocw);
    var subtotal = withC * school + withoutC * admin;
    if (teacher > 0 && teachers > 0) {
      subtotal += teachers * teacher - Math.min(teachers, rates.free) * teacher;
    }
    // VAT in percent, rounded half up to the cent.
    var vat = Math.round(subtotal * cents(rates.vat) / 10000);
    set("collective", eur(withC * (school + ocw)));
    set("individual", eur(withoutC * ocw));
    set("total", eur(subtotal + vat), true);
  }
  function set(name, text, strong) {
    var node = form.querySelector('[data-out="' + name + '"]');
    if (!node) return;
    if (strong) {
      node.innerHTML = "";
      var b = document.createElement("strong");
      b.textContent = text;
      node.appendChild(b);
    } else {
      node.textContent = text;
    }
  }
  form.addEventListener("input", update);
  update();
})();
