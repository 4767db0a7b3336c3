// The invitation link carries the activation code in the URL fragment (/activeren/#code=...),
// which the browser never sends to the server, so the code stays out of access logs.
// This fills the code field from the fragment and then removes the fragment from the address
// bar and the history. Without JavaScript the person types the code from the e-mail.
(function () {
  function fill() {
    var match = /(?:^#|&)code=([^&]*)/.exec(window.location.hash || "");
    if (!match) { return; }
    var code = decodeURIComponent(match[1]).replace(/[^0-9A-Za-z-]/g, "").slice(0, 40);
    var field = document.getElementById("id_code");
    if (field && field.type !== "hidden" && !field.value) { field.value = code; }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
