// Individual budget and vouchers. No inline script (CSP); everything works without it.
(function () {
  "use strict";
  // "select all" checkbox of the assignment list
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]:not([disabled])')
        .forEach(function (other) { other.checked = box.checked; });
    });
  });
  // optional camera scan of a voucher QR code (where the browser has BarcodeDetector)
  var button = document.querySelector("[data-scan]");
  var video = document.querySelector("[data-scan-video]");
  if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.getAttribute("data-scan"));
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) { field.value = codes[0].rawValue; stop(); field.form.requestSubmit(); }
          else { window.requestAnimationFrame(tick); }
        }).catch(stop);
      };
      tick();
    }).catch(function () { field.focus(); });
  });
})();
