// Move the focus to the error summary so screen readers announce it (GOV.UK pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
