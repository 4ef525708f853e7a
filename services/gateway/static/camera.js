// Camera page (/cameras/<id>): the live MJPEG view (raw or recognized), the settings form
// (PATCH /cameras/<id> with the fields that changed; validation errors shown under their
// fields), the region editor link and delete after a confirmation dialog (DELETE /cameras/<id>).
// The camera's data comes from GET /cameras (the API has no single-camera JSON route), polled for
// its status. A camera another account shares with the caller (GET /shared_cameras) opens
// read-only: the live view and a "shared by" note, no settings, regions, sharing or delete. The
// owner's "Sharing" section is static/sharing.js.
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;
  const fields = window.VF.fields;
  const STATUS_POLL_MS = 5000;
  const VIEWS_KEY = "vf_tile_views";
  const root = document.getElementById("camera-page");
  const cameraId = Number(root.dataset.cameraId);
  const statusLine = document.getElementById("status");
  const title = document.getElementById("camera-title");
  const badge = document.getElementById("camera-status");
  const body = document.getElementById("camera-body");
  const dangerZone = document.getElementById("danger-zone");
  const form = document.getElementById("settings-form");
  const result = document.getElementById("settings-result");
  const saveButton = document.getElementById("save-settings");
  const live = document.getElementById("live");
  const waiting = document.getElementById("live-waiting");
  const dialog = document.getElementById("delete-dialog");
  const TEXT_FIELDS = ["name", "stream_url", "location", "detect_stream_url", "model_name"];
  let camera = null;
  let readOnly = false;

  function input(name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function view() {
    try {
      return (JSON.parse(window.localStorage.getItem(VIEWS_KEY) || "{}") || {})[cameraId] === "annotated"
        ? "annotated" : "raw";
    } catch (ignored) {
      return "raw";
    }
  }

  function setView(choice) {
    let all = {};
    try {
      all = JSON.parse(window.localStorage.getItem(VIEWS_KEY) || "{}") || {};
    } catch (ignored) {
      all = {};
    }
    all[cameraId] = choice;
    window.localStorage.setItem(VIEWS_KEY, JSON.stringify(all));
    showLive();
  }

  function showLive() {
    const choice = view();
    document.querySelectorAll(".toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.view === choice));
    });
    const path = (choice === "annotated" ? "/recognized_stream/" : "/get_stream/") + cameraId;
    waiting.hidden = false;
    live.src = session.withToken(path);
  }

  function showCamera(found) {
    camera = found;
    title.textContent = camera.name;
    badge.hidden = false;
    badge.className = "badge camera-status " + camera.status;
    badge.dataset.status = camera.status;
    i18n.set(badge, "status." + camera.status);
    i18n.set(document.querySelector("title"), "title.camera_named", { name: camera.name });
  }

  function fillForm() {
    TEXT_FIELDS.forEach(function (name) {
      input(name).value = camera[name] || "";
    });
    input("recognition").checked = Boolean(camera.recognition);
    input("detect_fps").value = String(camera.detect_fps);
  }

  // The camera from the caller's own ones, else from those shared with it (then read-only).
  async function find() {
    const lists = readOnly ? ["/shared_cameras"] : ["/cameras", "/shared_cameras"];
    for (const path of lists) {
      const [response, payload] = await session.api(path);
      if (!response.ok) {
        i18n.setError(statusLine, payload, response.status);
        statusLine.className = "bad";
        return undefined;
      }
      const found = payload.data.find(function (c) { return c.id === cameraId; });
      if (found) {
        readOnly = path === "/shared_cameras";
        return found;
      }
    }
    return null;
  }

  function showReadOnly(found) {
    document.getElementById("settings").hidden = true;
    document.getElementById("regions-line").hidden = true;
    const notice = document.getElementById("shared-notice");
    notice.hidden = false;
    i18n.set(notice, "sharing.shared_by", { owner: found.owner_username });
  }

  async function load(first) {
    const found = await find();
    if (found === undefined) {
      return;
    }
    if (!found) {
      live.removeAttribute("src");
      i18n.set(title, "camera.not_found_heading");
      i18n.set(statusLine, "error.CAMERA_NOT_FOUND");
      statusLine.className = "bad";
      body.hidden = true;
      dangerZone.hidden = true;
      badge.hidden = true;
      document.getElementById("shared-notice").hidden = true;
      document.getElementById("sharing").hidden = true;
      return;
    }
    showCamera(found);
    if (first && readOnly) {
      showReadOnly(found);
      body.hidden = false;
      showLive();
    } else if (first) {
      fillForm();
      body.hidden = false;
      dangerZone.hidden = false;
      // The link works only once the camera is known: until then it is rendered disabled.
      const regionsLink = document.getElementById("regions-link");
      regionsLink.href = session.withToken("/snapshot_ui/" + cameraId);
      regionsLink.removeAttribute("aria-disabled");
      showLive();
      await window.VF.sharing.start(cameraId);
    }
  }

  // The fields whose value differs from the saved camera, as the API wants them (JSON types).
  function changes() {
    const out = {};
    TEXT_FIELDS.forEach(function (name) {
      const value = input(name).value.trim();
      if (value !== (camera[name] || "")) {
        out[name] = value;
      }
    });
    if (input("recognition").checked !== camera.recognition) {
      out.recognition = input("recognition").checked;
    }
    const fps = input("detect_fps");
    const typed = fps.value.trim();
    if (typed === "" || !isFinite(Number(typed))) {
      out.detect_fps = typed; // the API names the problem
    } else if (Number(typed) !== camera.detect_fps) {
      out.detect_fps = Number(typed);
    }
    return out;
  }

  function showResult(kind, key, args) {
    result.hidden = false;
    result.className = "result " + kind;
    i18n.set(result, key, args);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!camera) {
      return;
    }
    fields.clear(form);
    const changed = changes();
    if (Object.keys(changed).length === 0) {
      showResult("success", "camera.nothing_changed");
      return;
    }
    saveButton.disabled = true;
    try {
      const [response, payload] = await session.api("/cameras/" + cameraId, { method: "PATCH", json: changed });
      if (response.ok) {
        showCamera(payload.data);
        fillForm();
        showResult("success", "camera.saved");
      } else {
        const rest = fields.show(form, payload);
        if (rest === null || rest.length > 0) {
          const shown = rest && rest.length ? Object.assign({}, payload, { message: rest.join("; ") }) : payload;
          const found = i18n.apiError(shown, response.status);
          showResult("error", found[0], found[1]);
        } else {
          showResult("error", "camera.fix_fields");
        }
      }
    } catch (error) {
      result.hidden = false;
      result.className = "result error";
      session.reportFailure(result, error);
    } finally {
      saveButton.disabled = false;
    }
  });

  document.querySelectorAll(".toggle").forEach(function (button) {
    button.addEventListener("click", function () { setView(button.dataset.view); });
  });
  live.addEventListener("load", function () { waiting.hidden = true; });
  live.addEventListener("error", function () {
    waiting.hidden = false;
    i18n.set(waiting, "camera.no_video");
  });

  document.getElementById("delete-camera").addEventListener("click", function () {
    i18n.set(document.getElementById("delete-dialog-title"), "camera.delete_question", { name: camera.name });
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("cancel-delete").focus();
  });
  dialog.addEventListener("close", async function () {
    if (dialog.returnValue !== "confirm") {
      return;
    }
    try {
      const [response, payload] = await session.api("/cameras/" + cameraId, { method: "DELETE" });
      if (response.ok) {
        live.removeAttribute("src");
        window.location.assign("/dashboard");
        return;
      }
      i18n.setError(statusLine, payload, response.status);
      statusLine.className = "bad";
    } catch (error) {
      session.reportFailure(statusLine, error);
    }
  });

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  load(true).then(function () {
    window.setInterval(function () {
      if (!document.hidden && camera) {
        load(false).catch(function (error) { session.reportFailure(statusLine, error); });
      }
    }, STATUS_POLL_MS);
  }).catch(function (error) {
    statusLine.className = "bad";
    session.reportFailure(statusLine, error);
  });
})();
