// Move the focus to the error summary at the top of a form page (GOV.UK pattern), so that screen
// readers announce it first. A static file, because the Content-Security-Policy allows no inline script.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
