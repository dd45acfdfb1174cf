/* A filter box in front of every <select data-searchable>: typing part of a name (in either language)
   or a code narrows the options; the select itself stays the form field, so without script it works
   as a plain select. The box's label comes from the select's data-filter-label. */
(function () {
  "use strict";
  function enhance(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-filter";
    box.className = "select-filter";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("aria-controls", select.id);
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.className = "select-filter-label";
    label.textContent = select.getAttribute("data-filter-label") || "";
    var status = document.createElement("span");
    status.id = select.id + "-status";
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var wrapper = document.createElement("div");
    wrapper.className = "select-filter-group";
    wrapper.appendChild(label);
    wrapper.appendChild(box);
    wrapper.appendChild(status);
    select.parentNode.insertBefore(wrapper, select);
    var options = Array.prototype.slice.call(select.options);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      var shown = 0, first = null;
      options.forEach(function (option) {
        var match = !needle || option.value === "" || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !match;
        if (match && option.value !== "") { shown += 1; if (!first) { first = option; } }
      });
      var template = select.getAttribute("data-filter-count") || "%s";
      var said = needle ? template.replace("%s", String(shown)) : "";
      if (needle && shown === 1 && first) {
        select.value = first.value;
        said += (select.getAttribute("data-filter-chosen") || "%s").replace("%s", first.text);
      }
      // Announced politely after typing pauses; only when the words change, so no repetition.
      if (status.textContent !== said) { status.textContent = said; }
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-searchable]"), enhance);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
