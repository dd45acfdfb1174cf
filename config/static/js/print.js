// A button with data-print opens the browser's print dialog (the page's print style shows only the
// part marked .print-area, e.g. the filing receipt). Without script the page says to press Ctrl+P.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
