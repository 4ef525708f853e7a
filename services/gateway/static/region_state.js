// Region editor state: the camera's regions as the API stores them, which region and point are
// selected, the polygon being drawn, the API's field errors, and whether anything is unsaved.
// Listeners hear every change with its kind: "structure" (rebuild the lists) or "values" (a
// point moved or a field changed: refresh what shows it).
"use strict";

import { canInsertPoint, canRemovePoint, midpoint } from "./region_geometry.js";

const FIELDS = ["name", "coordinates", "alert_duration", "notification_enabled", "detection_classes"];

// The region as POST /rectangles/<id> takes it.
export function regionBody(region) {
  return {
    name: region.name,
    coordinates: region.coordinates.map(function (p) { return { x: p.x, y: p.y }; }),
    alert_duration: region.alert_duration,
    notification_enabled: region.notification_enabled,
    detection_classes: region.detection_classes.slice(),
  };
}

export class EditorState {
  constructor(size) {
    this.size = size;
    this.regions = [];
    this.selected = -1;
    this.point = -1;
    this.drawing = null;
    this.errors = []; // per region: {field: reason}
    this.savedJson = "[]";
    this.listeners = [];
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  emit(kind) {
    this.listeners.forEach(function (listener) { listener(kind); });
  }

  body() {
    return this.regions.map(regionBody);
  }

  dirty() {
    return JSON.stringify(this.body()) !== this.savedJson;
  }

  // Regions from GET /rectangles/<id>; they become the saved state.
  load(regions) {
    this.regions = regions.map(function (region) {
      const copy = regionBody(region);
      copy.detection_classes = copy.detection_classes || [];
      return copy;
    });
    this.savedJson = JSON.stringify(this.body());
    this.errors = [];
    this.selected = Math.min(this.selected, this.regions.length - 1);
    this.point = -1;
    this.drawing = null;
    this.emit("structure");
  }

  current() {
    return this.selected >= 0 ? this.regions[this.selected] : null;
  }

  select(index, point) {
    this.selected = index;
    this.point = point === undefined ? -1 : point;
    this.emit("structure");
  }

  selectPoint(point) {
    this.point = point;
    this.emit("values");
  }

  update(field, value) {
    const region = this.current();
    if (!region || FIELDS.indexOf(field) < 0) {
      return;
    }
    region[field] = value;
    this.clearError(this.selected, field);
    this.emit("values");
  }

  movePoint(index, point) {
    const region = this.current();
    if (!region || !region.coordinates[index]) {
      return;
    }
    region.coordinates[index] = point;
    this.point = index;
    this.clearError(this.selected, "coordinates");
    this.emit("values");
  }

  // A new point after `after` (on the edge to the next point); it becomes the selected point.
  insertPoint(after, point) {
    const region = this.current();
    if (!region || !canInsertPoint(region.coordinates)) {
      return false;
    }
    region.coordinates.splice(after + 1, 0, point);
    this.point = after + 1;
    this.clearError(this.selected, "coordinates");
    this.emit("structure");
    return true;
  }

  // A point halfway along the edge from `index` to the next point.
  insertAfter(index) {
    const region = this.current();
    if (!region || !region.coordinates[index]) {
      return false;
    }
    const a = region.coordinates[index];
    const b = region.coordinates[(index + 1) % region.coordinates.length];
    return this.insertPoint(index, midpoint(a, b));
  }

  removePoint(index) {
    const region = this.current();
    if (!region || !canRemovePoint(region.coordinates) || !region.coordinates[index]) {
      return false;
    }
    region.coordinates.splice(index, 1);
    this.point = Math.min(index, region.coordinates.length - 1);
    this.clearError(this.selected, "coordinates");
    this.emit("structure");
    return true;
  }

  addRegion(region) {
    this.regions.push(region);
    this.errors = [];
    this.selected = this.regions.length - 1;
    this.point = -1;
    this.emit("structure");
  }

  removeRegion(index) {
    this.regions.splice(index, 1);
    this.errors = [];
    this.selected = Math.min(index, this.regions.length - 1);
    this.point = -1;
    this.emit("structure");
  }

  startDrawing() {
    this.drawing = [];
    this.point = -1;
    this.emit("structure");
  }

  addDrawingPoint(point) {
    if (this.drawing && this.drawing.length < 100) {
      this.drawing.push(point);
      this.emit("values");
    }
  }

  undoDrawingPoint() {
    if (this.drawing) {
      this.drawing.pop();
      this.emit("values");
    }
  }

  stopDrawing() {
    const points = this.drawing;
    this.drawing = null;
    this.emit("structure");
    return points;
  }

  setErrors(errors) {
    this.errors = errors;
    this.emit("structure");
  }

  error(index, field) {
    return (this.errors[index] || {})[field];
  }

  hasErrors(index) {
    return Object.keys(this.errors[index] || {}).length > 0;
  }

  clearError(index, field) {
    if (this.errors[index]) {
      delete this.errors[index][field];
    }
  }
}
