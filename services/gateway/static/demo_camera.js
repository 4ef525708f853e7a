// The demo camera in one click: a bundled clip (demo://walk-in, no hardware, no download) in which
// a person walks into a doorway and stands there for about ten seconds, every 20 s.
// startDemoCamera(token, name) adds it with the existing REST API (POST /cameras), then its zone
// (POST /rectangles/<id>: people, 3 s dwell, notifications on), so a notification arrives within
// the first minute. The zone is the demo scene's own (visionflow/demo/__init__.py, WALK_IN.zone;
// a test keeps the two equal). The page shows a button wherever an element with the id
// "demo-camera-slot" is; after adding, it fires "visionflow:camera-added" on document (cancel it
// to handle the update yourself) or else reloads the page.

export const DEMO_STREAM_URL = "demo://walk-in";
export const DEMO_ZONE = {
  name: "Doorway",
  coordinates: [[370, 250], [545, 250], [565, 359], [350, 359]],
  alert_duration: 3,
  detection_classes: ["person"],
};

async function call(token, method, path, body) {
  const response = await fetch(path, {
    method: method,
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(function () { return {}; });
  if (!response.ok) {
    const error = new Error(payload.message || method + " " + path + ": " + response.status);
    error.status = response.status;
    error.payload = payload;
    throw error;
  }
  return payload;
}

// Adds the demo camera (named `name`, "Demo" by default) and its zone; resolves to the camera
// as POST /cameras returned it.
export async function startDemoCamera(token, name) {
  const created = await call(token, "POST", "/cameras", {
    name: name || "Demo",
    stream_url: DEMO_STREAM_URL,
    recognition: true,
  });
  const camera = created.data;
  try {
    await call(token, "POST", "/rectangles/" + camera.id, {
      regions: [{
        name: DEMO_ZONE.name,
        coordinates: DEMO_ZONE.coordinates.map(function (p) { return { x: p[0], y: p[1] }; }),
        alert_duration: DEMO_ZONE.alert_duration,
        notification_enabled: true,
        detection_classes: DEMO_ZONE.detection_classes,
      }],
    });
  } catch (error) {
    // No half-made demo: a camera without its zone would never alert.
    await call(token, "DELETE", "/cameras/" + camera.id).catch(function () { return null; });
    throw error;
  }
  return camera;
}

// Text comes from the pages' catalogues (static/i18n/*.json, keys "demo.*") through
// window.VF.i18n; without it (a page that has none) the keys themselves show.
function hasMessage(key) {
  return Boolean(window.VF && window.VF.i18n && window.VF.i18n.has(key));
}

function text(key) {
  return window.VF.i18n.t(key);
}

function say(element, key, args) {
  const i18n = window.VF && window.VF.i18n;
  if (i18n) {
    i18n.set(element, key, args);
  } else {
    element.textContent = key;
  }
}

function sayError(element, error) {
  const i18n = window.VF && window.VF.i18n;
  if (error.status === 401) {
    say(element, "demo.expired");
  } else if (i18n && error.payload) {
    i18n.setError(element, error.payload, error.status);
  } else {
    element.textContent = error.message;
  }
}

function renderDemoButton(slot) {
  const hint = document.createElement("p");
  hint.className = "hint";
  say(hint, "demo.hint");
  const button = document.createElement("button");
  button.type = "button";
  button.id = "demo-camera";
  say(button, "demo.button");
  const result = document.createElement("p");
  result.id = "demo-camera-result";
  result.setAttribute("role", "status");
  result.hidden = true;
  button.addEventListener("click", async function () {
    button.disabled = true;
    result.hidden = false;
    result.className = "hint";
    say(result, "demo.adding");
    try {
      const token = window.localStorage.getItem("access_token") || "";
      const camera = await startDemoCamera(token, hasMessage("demo.camera_name") ? text("demo.camera_name") : "");
      result.className = "result success";
      say(result, "demo.added");
      const added = new CustomEvent("visionflow:camera-added", { detail: camera, cancelable: true });
      if (document.dispatchEvent(added)) {
        window.location.reload();
      }
    } catch (error) {
      result.className = "result error";
      sayError(result, error);
      button.disabled = false;
    }
  });
  slot.appendChild(hint);
  slot.appendChild(button);
  slot.appendChild(result);
}

const slot = document.getElementById("demo-camera-slot");
if (slot) {
  renderDemoButton(slot);
}
