// Validation errors next to their fields. The API's VALIDATION_ERROR message names each field:
// "detect_fps: Input should be less than or equal to 30; name: ..." (gateway and services alike).
// A form's inputs carry data-field="<api name>" and an element #error-<api name> (or, with a
// prefix, #<prefix>error-<api name>) to show it in.
"use strict";

(function () {
  const i18n = window.VF.i18n;

  // [[field, reason], ...] from a VALIDATION_ERROR message; fields may be dotted ("regions.0.name").
  function problems(message) {
    return String(message || "").split("; ").map(function (part) {
      const match = /^([A-Za-z_][\w.]*): ([\s\S]+)$/.exec(part.trim());
      return match ? [match[1], match[2]] : [null, part.trim()];
    });
  }

  function clear(form) {
    form.querySelectorAll("[data-field]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".field-error").forEach(function (element) {
      element.hidden = true;
      element.textContent = "";
      delete element.dataset.i18n;
    });
  }

  // Shows each problem of the envelope under its field; returns the problems no field took.
  function show(form, payload, prefix) {
    clear(form);
    if (!payload || payload.error_code !== "VALIDATION_ERROR") {
      return null;
    }
    const rest = [];
    let first = null;
    problems(payload.message).forEach(function (problem) {
      const name = problem[0] ? problem[0].split(".")[0] : null;
      const input = name ? form.querySelector('[data-field="' + name + '"]') : null;
      const slot = name ? document.getElementById((prefix || "") + "error-" + name) : null;
      if (!input || !slot) {
        rest.push(problem[0] ? problem[0] + ": " + problem[1] : problem[1]);
        return;
      }
      input.setAttribute("aria-invalid", "true");
      i18n.set(slot, "field.invalid", { reason: problem[1] });
      slot.hidden = false;
      first = first || input;
    });
    if (first) {
      first.focus();
    }
    return rest;
  }

  window.VF = window.VF || {};
  window.VF.fields = { clear: clear, problems: problems, show: show };
})();
