// Region editor: the camera's snapshot with its saved regions drawn over it (SVG), a click-to-add
// polygon tool, and Save through POST /rectangles/<id>. The token comes from static/session.js:
// localStorage ("access_token"), or ?token= for this page only (never stored: a link must not log
// anyone into another account).
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const i18n = window.VF.i18n;
  const root = document.getElementById("editor");
  const cameraId = root.dataset.cameraId;
  const token = window.VF.session.token();

  const img = document.getElementById("snapshot");
  const svg = document.getElementById("overlay");
  const statusLine = document.getElementById("status");
  const pointsLine = document.getElementById("points");
  const tableBody = document.querySelector("#regions tbody");
  let size = { width: Number(root.dataset.width) || 640, height: Number(root.dataset.height) || 480 };
  let regions = [];
  let draft = [];

  function say(key, args, isError) {
    i18n.set(statusLine, key, args);
    statusLine.className = isError ? "bad" : "hint";
  }

  function sayError(payload, status) {
    i18n.setError(statusLine, payload, status);
    statusLine.className = "bad";
  }

  function authHeaders(extra) {
    return Object.assign({ Authorization: "Bearer " + token }, extra || {});
  }

  function svgElement(name, attributes) {
    const element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    return element;
  }

  function pointsAttribute(points) {
    return points.map(function (p) { return p.x + "," + p.y; }).join(" ");
  }

  function draw() {
    svg.setAttribute("viewBox", "0 0 " + size.width + " " + size.height);
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    regions.forEach(function (region) {
      svg.appendChild(svgElement("polygon", { class: "saved", points: pointsAttribute(region.coordinates) }));
      const first = region.coordinates[0];
      const label = svgElement("text", { class: "label", x: first.x + 6, y: first.y + 24 });
      label.textContent = region.name;
      svg.appendChild(label);
    });
    if (draft.length > 0) {
      const shape = draft.length >= 3 ? "polygon" : "polyline";
      svg.appendChild(svgElement(shape, { class: "draft", points: pointsAttribute(draft) }));
      draft.forEach(function (p) {
        svg.appendChild(svgElement("circle", { class: "draft", cx: p.x, cy: p.y, r: 6 }));
      });
    }
    if (draft.length) {
      delete pointsLine.dataset.i18n;
      pointsLine.textContent = draft.map(function (p) { return "(" + p.x + ", " + p.y + ")"; }).join(" ");
    } else {
      i18n.set(pointsLine, "regions.none");
    }
    renderTable();
  }

  function renderTable() {
    while (tableBody.firstChild) {
      tableBody.removeChild(tableBody.firstChild);
    }
    regions.forEach(function (region, index) {
      const row = document.createElement("tr");
      const coordinates = region.coordinates.map(function (p) { return "(" + p.x + ", " + p.y + ")"; });
      [region.name, coordinates.join(" "), String(region.alert_duration),
        (region.detection_classes || []).join(", ")].forEach(function (text) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.appendChild(cell);
      });
      if (!(region.detection_classes || []).length) {
        i18n.set(row.lastChild, "regions.all_classes");
      }
      const cell = document.createElement("td");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      i18n.set(remove, "common.remove");
      remove.addEventListener("click", function () {
        regions.splice(index, 1);
        say("regions.removed");
        draw();
      });
      cell.appendChild(remove);
      row.appendChild(cell);
      tableBody.appendChild(row);
    });
  }

  function placeholder() {
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    const context = canvas.getContext("2d");
    context.fillStyle = "#2a2f3a";
    context.fillRect(0, 0, size.width, size.height);
    context.fillStyle = "#c9d1de";
    context.font = Math.round(size.height / 16) + "px sans-serif";
    context.fillText(i18n.t("regions.no_frame"), size.width * 0.08, size.height / 2);
    return canvas.toDataURL("image/png");
  }

  function loadSnapshot() {
    img.onload = function () {
      if (img.naturalWidth && img.naturalHeight) {
        size = { width: img.naturalWidth, height: img.naturalHeight };
      }
      draw();
    };
    img.onerror = function () {
      img.onerror = null;
      say("regions.no_snapshot", null, true);
      img.src = placeholder();
    };
    img.src = "/snapshot/" + cameraId + ".jpg?token=" + encodeURIComponent(token) + "&t=" + Date.now();
  }

  async function loadRegions() {
    const response = await fetch("/rectangles/" + cameraId, { headers: authHeaders() });
    const payload = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      sayError(payload, response.status);
      return;
    }
    regions = payload.data.regions.map(function (region) {
      return {
        name: region.name,
        coordinates: region.coordinates,
        alert_duration: region.alert_duration,
        notification_enabled: region.notification_enabled,
        detection_classes: region.detection_classes,
      };
    });
    say("regions.loaded", { count: regions.length });
    draw();
  }

  async function save() {
    const response = await fetch("/rectangles/" + cameraId, {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ regions: regions }),
    });
    const payload = await response.json().catch(function () { return {}; });
    if (response.ok) {
      await loadRegions();
      say("regions.saved", {
        count: payload.data.regions_count,
        time: new Date(payload.data.saved_at).toLocaleTimeString(i18n.language()),
      });
    } else {
      sayError(payload, response.status);
    }
  }

  svg.addEventListener("click", function (event) {
    const matrix = svg.getScreenCTM();
    if (!matrix) {
      return;
    }
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    draft.push({
      x: Math.max(0, Math.min(size.width, Math.round(point.x))),
      y: Math.max(0, Math.min(size.height, Math.round(point.y))),
    });
    draw();
  });

  document.getElementById("add-region").addEventListener("click", function () {
    const name = document.getElementById("region-name").value.trim();
    const duration = Number(document.getElementById("alert-duration").value);
    if (draft.length < 3) {
      say("regions.need_points", null, true);
      return;
    }
    if (!name) {
      say("regions.need_name", null, true);
      return;
    }
    if (!(duration >= 0)) {
      say("regions.need_duration", null, true);
      return;
    }
    const classes = document.getElementById("classes").value.split(",")
      .map(function (c) { return c.trim().toLowerCase(); })
      .filter(function (c) { return c.length > 0; });
    regions.push({
      name: name,
      coordinates: draft,
      alert_duration: duration,
      notification_enabled: document.getElementById("notify").checked,
      detection_classes: classes,
    });
    draft = [];
    say("regions.added");
    draw();
  });

  document.getElementById("undo-point").addEventListener("click", function () {
    draft.pop();
    draw();
  });
  document.getElementById("clear-points").addEventListener("click", function () {
    draft = [];
    draw();
  });
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("reload").addEventListener("click", loadRegions);
  document.getElementById("refresh-snapshot").addEventListener("click", loadSnapshot);

  if (!token) {
    say("regions.not_logged_in", null, true);
  }
  draw();
  loadSnapshot();
  loadRegions();
})();
