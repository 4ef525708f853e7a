// Region editor (/snapshot_ui/<id>): the camera's snapshot with its regions over it, to select,
// reshape (drag, insert and delete points), draw, rename and delete, each region's classes,
// dwell and notification switch, and Save, which replaces all regions through
// POST /rectangles/<id>. The state lives in region_state.js, the picture in region_overlay.js,
// the side panel in region_panel.js. The token comes from static/session.js (localStorage, or
// ?token= for this page only, never stored).
"use strict";

import { MIN_POINTS } from "./region_geometry.js";
import { regionProblems } from "./region_errors.js";
import { Overlay } from "./region_overlay.js";
import { Panel } from "./region_panel.js";
import { EditorState } from "./region_state.js";

const i18n = window.VF.i18n;
const session = window.VF.session;
const root = document.getElementById("editor");
const cameraId = root.dataset.cameraId;
const classes = JSON.parse(root.dataset.classes || "[]");
const img = document.getElementById("snapshot");
const svg = document.getElementById("overlay");
const statusLine = document.getElementById("status");
const dirtyBadge = document.getElementById("dirty");
const drawBar = document.getElementById("draw-bar");
const drawHint = document.getElementById("draw-hint");
const finishButton = document.getElementById("finish-region");
const newButton = document.getElementById("new-region");
const FORM_FIELDS = ["input", "select", "textarea"].join(",");

const state = new EditorState({
  width: Number(root.dataset.width) || 640,
  height: Number(root.dataset.height) || 480,
});
const overlay = new Overlay(svg, state, i18n);
const panel = new Panel(state, i18n, classes);

function say(key, args, isError) {
  i18n.set(statusLine, key, args);
  statusLine.className = isError ? "bad" : "hint";
}

function showDrawing() {
  const drawing = state.drawing;
  drawBar.hidden = drawing === null;
  newButton.disabled = drawing !== null;
  if (drawing !== null) {
    finishButton.disabled = drawing.length < MIN_POINTS;
    i18n.set(drawHint, "regions.draw_hint", { count: drawing.length, min: MIN_POINTS });
  }
}

state.onChange(function (kind) {
  overlay.draw();
  panel.render(kind);
  showDrawing();
  dirtyBadge.hidden = !state.dirty();
});

function defaultClasses() {
  return classes.indexOf("person") >= 0 ? ["person"] : [];
}

function finishDrawing() {
  const points = state.drawing || [];
  if (points.length < MIN_POINTS) {
    say("regions.need_points", { min: MIN_POINTS }, true);
    return;
  }
  state.stopDrawing();
  state.addRegion({
    name: i18n.t("regions.default_name", { n: state.regions.length + 1 }),
    coordinates: points,
    alert_duration: 5,
    notification_enabled: true,
    detection_classes: defaultClasses(),
  });
  say("regions.added");
  document.getElementById("region-name").focus();
  document.getElementById("region-name").select();
}

function placeholder() {
  const canvas = document.createElement("canvas");
  canvas.width = state.size.width;
  canvas.height = state.size.height;
  const context = canvas.getContext("2d");
  context.fillStyle = "#2a2f3a";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#c9d1de";
  context.font = Math.round(canvas.height / 16) + "px sans-serif";
  context.fillText(i18n.t("regions.no_frame"), canvas.width * 0.08, canvas.height / 2);
  return canvas.toDataURL("image/png");
}

function loadSnapshot() {
  img.onload = function () {
    if (img.naturalWidth && img.naturalHeight && !img.src.startsWith("data:")) {
      state.size.width = img.naturalWidth;
      state.size.height = img.naturalHeight;
    }
    state.emit("structure");
  };
  img.onerror = function () {
    img.onerror = null;
    say("regions.no_snapshot", null, true);
    img.src = placeholder();
  };
  img.src = session.withToken("/snapshot/" + cameraId + ".jpg?t=" + Date.now());
}

async function loadRegions() {
  const answer = await session.api("/rectangles/" + cameraId);
  if (!answer[0].ok) {
    i18n.setError(statusLine, answer[1], answer[0].status);
    statusLine.className = "bad";
    return false;
  }
  state.load(answer[1].data.regions);
  return true;
}

async function save() {
  if (state.drawing !== null) {
    finishDrawing();
    if (state.drawing !== null) {
      return;
    }
  }
  const [response, payload] = await session.api("/rectangles/" + cameraId, {
    method: "POST",
    json: { regions: state.body() },
  });
  if (response.ok) {
    if (await loadRegions()) {
      say("regions.saved", {
        count: payload.data.regions_count,
        time: new Date(payload.data.saved_at).toLocaleTimeString(i18n.language()),
      });
    }
    return;
  }
  if (payload.error_code === "VALIDATION_ERROR") {
    const problems = regionProblems(payload.message);
    const first = problems.regions.findIndex(function (found) { return Boolean(found); });
    state.errors = problems.regions;
    if (first >= 0) {
      state.select(first);
      panel.focusFirstError();
    } else {
      state.emit("structure");
    }
    if (problems.rest.length) {
      i18n.set(statusLine, "regions.not_saved_detail", { detail: problems.rest.join("; ") });
    } else {
      i18n.set(statusLine, "regions.not_saved");
    }
    statusLine.className = "bad";
    return;
  }
  i18n.setError(statusLine, payload, response.status);
  statusLine.className = "bad";
}

function run(task) {
  return function () {
    task().catch(function (error) { session.reportFailure(statusLine, error); statusLine.className = "bad"; });
  };
}

newButton.addEventListener("click", function () {
  state.startDrawing();
  say("regions.drawing");
  svg.focus({ preventScroll: true });
});
finishButton.addEventListener("click", finishDrawing);
// Without a pointer: a square in the middle of the picture, to shape with the keys or numbers.
document.getElementById("place-square").addEventListener("click", function () {
  const w = state.size.width;
  const h = state.size.height;
  state.drawing = [[0.375, 0.375], [0.625, 0.375], [0.625, 0.625], [0.375, 0.625]].map(function (f) {
    return { x: Math.round(f[0] * w), y: Math.round(f[1] * h) };
  });
  finishDrawing();
});
document.getElementById("undo-point").addEventListener("click", function () { state.undoDrawingPoint(); });
document.getElementById("cancel-draw").addEventListener("click", function () {
  state.stopDrawing();
  say("regions.draw_cancelled");
});
svg.addEventListener("vf:finish-drawing", finishDrawing);
document.getElementById("show-mask").addEventListener("change", function (event) {
  overlay.showMask = event.target.checked;
  overlay.draw();
});
document.getElementById("save").addEventListener("click", run(save));
document.getElementById("reload").addEventListener("click", run(async function () {
  if (await loadRegions()) {
    say("regions.loaded", { count: state.regions.length });
  }
}));
document.getElementById("refresh-snapshot").addEventListener("click", loadSnapshot);
document.getElementById("region-form").addEventListener("submit", function (event) {
  event.preventDefault();
});

// Keys outside form fields: Enter/Escape finish or cancel a drawing; Delete/Backspace remove the
// selected point when nothing else has the focus (a focused point handles its own keys).
document.addEventListener("keydown", function (event) {
  const target = event.target;
  if (target.closest && target.closest(FORM_FIELDS)) {
    return;
  }
  const idle = target === document.body || target === document.documentElement;
  if (state.drawing !== null && event.key === "Enter") {
    event.preventDefault();
    finishDrawing();
  } else if (state.drawing !== null && event.key === "Escape") {
    state.stopDrawing();
    say("regions.draw_cancelled");
  } else if ((event.key === "Delete" || event.key === "Backspace") && idle && state.point >= 0 &&
      state.drawing === null) {
    event.preventDefault();
    state.removePoint(state.point);
  }
});
document.addEventListener("vf:language", function () { state.emit("structure"); });
window.addEventListener("beforeunload", function (event) {
  if (state.dirty()) {
    event.preventDefault();
    event.returnValue = "";
  }
});

if (!session.token()) {
  say("regions.not_logged_in", null, true);
} else {
  run(async function () {
    if (await loadRegions()) {
      say("regions.loaded", { count: state.regions.length });
    }
  })();
}
// Where the class list came from, when it is not the full model the detector serves.
if (root.dataset.classesSource !== "detector") {
  const note = document.getElementById("classes-source");
  i18n.set(note, "regions.classes_from_" + root.dataset.classesSource);
  note.hidden = false;
}
state.emit("structure");
loadSnapshot();
