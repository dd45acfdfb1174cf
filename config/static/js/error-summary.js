// Move the focus to the error summary at the top of a form page (GOV.UK pattern), so that screen
// readers announce it first. A static file, because the Content-Security-Policy allows no inline script.
// A link of the summary puts the focus on its field (a plain #fragment would only scroll to it) and
// brings the field's label into view with it.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    var field = target.matches("input, select, textarea, button, [tabindex]") ? target
      : target.querySelector("input, select, textarea, button");
    if (!field) { return; }
    event.preventDefault();
    var group = field.closest(".form-group, fieldset") || field;
    group.scrollIntoView();
    field.focus({preventScroll: true});
  });
})();
