// Region editor side panel: the list of regions (select one), and the selected region's fields:
// name, dwell duration, notification switch, classes as checkboxes (the labels the camera's
// model detects), and its exact coordinates as editable numbers kept in step with dragging.
// The API's field errors are shown under their fields.
"use strict";

import { canInsertPoint, canRemovePoint } from "./region_geometry.js";

function byId(id) {
  return document.getElementById(id);
}

export class Panel {
  constructor(state, i18n, classes) {
    this.state = state;
    this.i18n = i18n;
    this.classes = classes;
    this.list = byId("region-list");
    this.form = byId("region-form");
    this.name = byId("region-name");
    this.duration = byId("alert-duration");
    this.notify = byId("notify");
    this.options = byId("class-options");
    this.rows = byId("coordinate-rows");
    this.deletePoint = byId("delete-point");
    this.insertPoint = byId("insert-point");
    this.deleteRegion = byId("delete-region");
    this.name.addEventListener("input", () => state.update("name", this.name.value));
    this.duration.addEventListener("input", () => state.update("alert_duration", this.durationValue()));
    this.notify.addEventListener("change", () => state.update("notification_enabled", this.notify.checked));
    this.options.addEventListener("change", () => state.update("detection_classes", this.checkedClasses()));
    this.rows.addEventListener("input", this.coordinateTyped.bind(this));
    this.rows.addEventListener("focusin", (event) => {
      const row = event.target.closest("tr");
      if (row && Number(row.dataset.point) !== state.point) {
        state.selectPoint(Number(row.dataset.point));
      }
    });
    this.rows.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-remove]");
      if (button) {
        state.removePoint(Number(button.dataset.remove));
      }
    });
    this.deletePoint.addEventListener("click", () => state.removePoint(state.point));
    this.insertPoint.addEventListener("click", () => state.insertAfter(state.point));
    this.deleteRegion.addEventListener("click", () => {
      if (state.selected >= 0) {
        state.removeRegion(state.selected);
      }
    });
  }

  // A number when the field holds one; otherwise the text, so that the API names the problem.
  durationValue() {
    const typed = this.duration.value.trim();
    return typed !== "" && isFinite(Number(typed)) ? Number(typed) : typed;
  }

  checkedClasses() {
    return Array.prototype.map.call(this.options.querySelectorAll("input:checked"), function (box) {
      return box.value;
    });
  }

  coordinateTyped(event) {
    const input = event.target;
    const row = input.closest("tr");
    const region = this.state.current();
    if (!row || !region) {
      return;
    }
    const index = Number(row.dataset.point);
    const value = Number(input.value);
    const axis = input.dataset.axis;
    const limit = axis === "x" ? this.state.size.width : this.state.size.height;
    const valid = input.value.trim() !== "" && isFinite(value) && value >= 0 && value <= limit;
    input.setAttribute("aria-invalid", valid ? "false" : "true");
    if (valid) {
      const point = Object.assign({}, region.coordinates[index]);
      point[axis] = value;
      this.state.movePoint(index, point);
    }
  }

  render(kind) {
    this.renderList();
    const region = this.state.current();
    this.form.hidden = !region || this.state.drawing !== null;
    this.deleteRegion.disabled = !region;
    if (!region) {
      return;
    }
    this.i18n.set(byId("form-heading"), "regions.selected_heading", { name: region.name });
    if (kind === "structure") {
      this.renderClasses(region);
      this.renderCoordinates(region);
    }
    this.syncFields(region);
    this.renderErrors();
  }

  renderList() {
    const state = this.state;
    const i18n = this.i18n;
    while (this.list.firstChild) {
      this.list.removeChild(this.list.firstChild);
    }
    byId("no-regions").hidden = state.regions.length > 0;
    state.regions.forEach(function (region, index) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "region-item";
      button.dataset.region = index;
      button.setAttribute("aria-pressed", index === state.selected ? "true" : "false");
      const name = document.createElement("span");
      name.className = "region-name";
      name.textContent = region.name || "—";
      const facts = document.createElement("span");
      facts.className = "region-facts";
      i18n.set(facts, state.hasErrors(index) ? "regions.item_invalid" : "regions.item_facts",
        { points: region.coordinates.length, seconds: region.alert_duration });
      button.appendChild(name);
      button.appendChild(facts);
      if (state.hasErrors(index)) {
        button.classList.add("invalid");
      }
      button.addEventListener("click", function () { state.select(index); });
      item.appendChild(button);
      this.list.appendChild(item);
    }, this);
  }

  renderClasses(region) {
    const i18n = this.i18n;
    while (this.options.firstChild) {
      this.options.removeChild(this.options.firstChild);
    }
    // The model's labels, and any class this region already names that the model lacks.
    const names = this.classes.slice();
    region.detection_classes.forEach(function (name) {
      if (names.indexOf(name) < 0) {
        names.push(name);
      }
    });
    names.forEach(function (name) {
      const label = document.createElement("label");
      label.className = "check class-option";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "class";
      box.value = name;
      const text = document.createElement("span");
      if (i18n.has("class." + name)) {
        i18n.set(text, "class." + name);
      } else {
        text.textContent = name;
      }
      label.appendChild(box);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(text);
      this.options.appendChild(label);
    }, this);
  }

  renderCoordinates(region) {
    const i18n = this.i18n;
    while (this.rows.firstChild) {
      this.rows.removeChild(this.rows.firstChild);
    }
    const removable = canRemovePoint(region.coordinates);
    region.coordinates.forEach(function (point, index) {
      const row = document.createElement("tr");
      row.dataset.point = index;
      const number = document.createElement("th");
      number.scope = "row";
      number.textContent = String(index + 1);
      row.appendChild(number);
      ["x", "y"].forEach(function (axis) {
        const cell = document.createElement("td");
        const input = document.createElement("input");
        input.type = "number";
        input.min = "0";
        input.max = String(axis === "x" ? this.state.size.width : this.state.size.height);
        input.step = "1";
        input.inputMode = "numeric";
        input.className = "coordinate";
        input.dataset.axis = axis;
        i18n.setAttribute(input, "aria-label", "regions.coordinate_label", { n: index + 1, axis: axis });
        cell.appendChild(input);
        row.appendChild(cell);
      }, this);
      const cell = document.createElement("td");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary small";
      remove.dataset.remove = index;
      remove.disabled = !removable;
      i18n.set(remove, "common.remove");
      i18n.setAttribute(remove, "aria-label", "regions.remove_point", { n: index + 1 });
      cell.appendChild(remove);
      row.appendChild(cell);
      this.rows.appendChild(row);
    }, this);
  }

  // Field values from the state, leaving alone the field being typed in.
  syncFields(region) {
    const active = document.activeElement;
    if (active !== this.name) {
      this.name.value = region.name;
    }
    if (active !== this.duration) {
      this.duration.value = String(region.alert_duration);
    }
    this.notify.checked = region.notification_enabled;
    this.options.querySelectorAll("input").forEach(function (box) {
      box.checked = region.detection_classes.indexOf(box.value) >= 0;
    });
    const none = region.detection_classes.length === 0;
    this.i18n.set(byId("classes-hint"), none ? "regions.classes_all" : "regions.classes_some",
      { count: region.detection_classes.length });
    this.i18n.set(byId("coordinates-hint"), "regions.coordinates_hint",
      { width: this.state.size.width, height: this.state.size.height });
    const state = this.state;
    this.rows.querySelectorAll("tr").forEach(function (row) {
      const point = region.coordinates[Number(row.dataset.point)];
      row.classList.toggle("current", Number(row.dataset.point) === state.point);
      row.querySelectorAll("input").forEach(function (input) {
        if (point && input !== active) {
          input.value = String(point[input.dataset.axis]);
          input.removeAttribute("aria-invalid");
        }
      });
    });
    this.deletePoint.disabled = state.point < 0 || !canRemovePoint(region.coordinates);
    this.insertPoint.disabled = state.point < 0 || !canInsertPoint(region.coordinates);
  }

  renderErrors() {
    const state = this.state;
    ["name", "alert_duration", "notification_enabled", "detection_classes", "coordinates"].forEach(function (field) {
      const slot = byId("error-" + field);
      const input = this.form.querySelector('[data-field="' + field + '"]');
      const reason = state.error(state.selected, field);
      slot.hidden = !reason;
      if (reason) {
        this.i18n.set(slot, "field.invalid", { reason: reason });
        input.setAttribute("aria-invalid", "true");
      } else {
        slot.textContent = "";
        delete slot.dataset.i18n;
        input.removeAttribute("aria-invalid");
      }
    }, this);
  }

  // Focus the first field of the selected region that the API refused.
  focusFirstError() {
    const field = ["name", "alert_duration", "notification_enabled", "detection_classes", "coordinates"]
      .find((name) => this.state.error(this.state.selected, name));
    const target = field && this.form.querySelector('[data-field="' + field + '"]');
    if (target) {
      const focusable = target.matches("input") ? target : target.querySelector("input");
      (focusable || target).focus();
    }
  }
}
