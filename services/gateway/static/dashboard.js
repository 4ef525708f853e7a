// Dashboard: a live grid of the caller's cameras (GET /cameras, polled every few seconds, so
// status badges change and cameras come and go without a reload), each tile with a still that
// refreshes (raw snapshot or recognized frame, per tile), a click through to the camera page and
// links to the streams and region editor; an "Add camera" form (POST /cameras); the newest
// notifications (GET /notifications). Cameras other accounts share with the caller
// (GET /shared_cameras) have their own grid: "shared by <owner>", no region link, and they
// vanish when the share ends. Tokens and API calls: static/session.js.
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;
  const frames = window.VF.frames;
  const CAMERA_POLL_MS = 4000;
  const NOTIFICATION_POLL_MS = 8000;
  const PICTURE_REFRESH_MS = 10000;
  const FRAME_TIMEOUT_MS = 6000;
  const VIEWS_KEY = "vf_tile_views";

  const statusLine = document.getElementById("status");
  const grid = document.getElementById("cameras");
  const emptyState = document.getElementById("empty-state");
  const template = document.getElementById("tile-template");
  const form = document.getElementById("camera-form");
  const formResult = document.getElementById("camera-result");
  const addButton = document.getElementById("add-camera");
  const notificationList = document.getElementById("notifications");
  const noNotifications = document.getElementById("no-notifications");
  const sharedSection = document.getElementById("shared-section");
  const sharedGrid = document.getElementById("shared-cameras");
  const tiles = new Map(); // camera id -> {element, camera, picturedAt, url}, own cameras
  const sharedTiles = new Map(); // the same, cameras shared with the caller
  let pictureQueue = Promise.resolve();

  function say(key, args, isError) {
    i18n.set(statusLine, key, args);
    statusLine.className = isError ? "bad" : "hint";
  }

  function views() {
    try {
      return JSON.parse(window.localStorage.getItem(VIEWS_KEY) || "{}") || {};
    } catch (ignored) {
      return {};
    }
  }

  function viewOf(cameraId) {
    return views()[cameraId] === "annotated" ? "annotated" : "raw";
  }

  function setView(cameraId, view) {
    const all = views();
    all[cameraId] = view;
    window.localStorage.setItem(VIEWS_KEY, JSON.stringify(all));
  }

  function showPicture(tile, blob) {
    const img = tile.element.querySelector(".thumb");
    const none = tile.element.querySelector(".no-picture");
    if (tile.url) {
      URL.revokeObjectURL(tile.url);
      tile.url = null;
    }
    if (blob) {
      tile.url = URL.createObjectURL(blob);
      img.src = tile.url;
    }
    img.hidden = !blob;
    none.hidden = Boolean(blob);
  }

  // Pictures load one at a time: a grid of thumbnails must not hold many connections.
  function refreshPicture(tile) {
    tile.picturedAt = Date.now();
    pictureQueue = pictureQueue.then(async function () {
      const id = tile.camera.id;
      if (tile.map.get(id) !== tile) {
        return;
      }
      const blob = viewOf(id) === "annotated"
        ? await frames.firstFrame("/recognized_stream/" + id, session.token(), FRAME_TIMEOUT_MS)
        : await frames.snapshot(id, session.token());
      if (tile.map.get(id) === tile) {
        showPicture(tile, blob);
      }
    });
  }

  function updateToggle(tile) {
    const view = viewOf(tile.camera.id);
    tile.element.querySelectorAll(".toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    });
  }

  function fillTile(tile) {
    const camera = tile.camera;
    const element = tile.element;
    element.querySelector(".camera-name").textContent = camera.name;
    const badge = element.querySelector(".camera-status");
    badge.className = "badge camera-status " + camera.status;
    badge.dataset.status = camera.status;
    i18n.set(badge, "status." + camera.status);
    element.querySelector(".camera-location").textContent = camera.location || "";
    i18n.set(element.querySelector(".last-active"), "tile.last_active", {
      when: i18n.formatDate(camera.last_active),
    });
    i18n.setAttribute(element.querySelector(".thumb"), "alt", "tile.picture_alt", { name: camera.name });
    if (camera.access === "viewer") {
      const shared = element.querySelector(".shared-badge");
      shared.hidden = false;
      i18n.set(shared, "tile.shared_by", { owner: camera.owner_username });
    }
  }

  function newTile(camera, map) {
    const element = template.content.firstElementChild.cloneNode(true);
    element.dataset.cameraId = String(camera.id);
    const tile = { element: element, camera: camera, picturedAt: 0, url: null, map: map };
    element.querySelector(".tile-link").href = "/cameras/" + camera.id;
    element.querySelector(".link-recognized").href = session.withToken("/recognized_stream/" + camera.id);
    element.querySelector(".link-raw").href = session.withToken("/get_stream/" + camera.id);
    if (camera.access === "viewer") {
      element.classList.add("shared");
      element.querySelector(".link-regions").remove(); // the regions are the owner's
    } else {
      element.querySelector(".link-regions").href = session.withToken("/snapshot_ui/" + camera.id);
    }
    element.querySelectorAll(".toggle").forEach(function (button) {
      button.addEventListener("click", function () {
        setView(camera.id, button.dataset.view);
        updateToggle(tile);
        refreshPicture(tile);
      });
    });
    i18n.apply(element);
    updateToggle(tile);
    return tile;
  }

  function renderCameras(cameras, map, into) {
    const seen = new Set();
    cameras.forEach(function (camera, index) {
      seen.add(camera.id);
      let tile = map.get(camera.id);
      if (!tile) {
        tile = newTile(camera, map);
        map.set(camera.id, tile);
      }
      tile.camera = camera;
      fillTile(tile);
      if (into.children[index] !== tile.element) {
        into.insertBefore(tile.element, into.children[index] || null);
      }
      if (Date.now() - tile.picturedAt > PICTURE_REFRESH_MS) {
        refreshPicture(tile);
      }
    });
    Array.from(map.keys()).forEach(function (id) {
      if (!seen.has(id)) {
        showPicture(map.get(id), null);
        map.get(id).element.remove();
        map.delete(id);
      }
    });
  }

  async function loadCameras() {
    const [response, payload] = await session.api("/cameras");
    if (!response.ok) {
      i18n.setError(statusLine, payload, response.status);
      statusLine.className = "bad";
      return;
    }
    renderCameras(payload.data, tiles, grid);
    emptyState.hidden = payload.data.length > 0;
    say(payload.total === 0 ? "dashboard.count_none" : "dashboard.count", { count: payload.total });
  }

  async function loadShared() {
    const [response, payload] = await session.api("/shared_cameras");
    if (!response.ok) {
      return; // the own grid's status line reports what is wrong with the session
    }
    renderCameras(payload.data, sharedTiles, sharedGrid);
    sharedSection.hidden = payload.data.length === 0;
  }

  function notificationItem(item) {
    const li = document.createElement("li");
    if (item.image_path) {
      const img = document.createElement("img");
      img.className = "thumb";
      i18n.setAttribute(img, "alt", "notifications.snapshot_alt", { camera: item.camera_name });
      img.src = session.withToken("/showimage/" + item.image_path.split("/").map(encodeURIComponent).join("/"));
      li.appendChild(img);
    }
    const text = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = item.camera_name;
    text.appendChild(title);
    if (item.shared) {
      const shared = i18n.set(document.createElement("span"), "tile.shared_by", { owner: item.owner_username });
      shared.className = "badge shared-badge";
      text.append(" ", shared);
    }
    text.appendChild(document.createTextNode(" " + item.message));
    const time = document.createElement("div");
    time.className = "hint";
    i18n.setDate(time, item.created_at);
    text.appendChild(time);
    li.appendChild(text);
    return li;
  }

  async function loadNotifications() {
    const [response, payload] = await session.api("/notifications?limit=10");
    if (!response.ok) {
      noNotifications.hidden = false;
      i18n.setError(noNotifications, payload, response.status);
      return;
    }
    notificationList.replaceChildren.apply(notificationList, payload.data.map(notificationItem));
    i18n.set(noNotifications, "dashboard.no_notifications");
    noNotifications.hidden = payload.data.length > 0;
  }

  function showFormResult(kind) {
    formResult.hidden = false;
    formResult.className = "result " + kind;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    function field(id) {
      return document.getElementById(id);
    }
    const body = {
      name: field("camera-name").value.trim(),
      stream_url: field("stream-url").value.trim(),
      location: field("location").value.trim(),
      recognition: field("recognition").checked,
    };
    addButton.disabled = true;
    try {
      const [response, payload] = await session.api("/cameras", { method: "POST", json: body });
      if (response.ok) {
        showFormResult("success");
        i18n.set(formResult, "dashboard.added", { name: payload.data.name });
        form.reset();
        await loadCameras();
      } else {
        showFormResult("error");
        i18n.setError(formResult, payload, response.status);
      }
    } catch (error) {
      showFormResult("error");
      session.reportFailure(formResult, error);
    } finally {
      addButton.disabled = false;
    }
  });

  // The demo camera button (static/demo_camera.js, in #demo-camera-slot) announces what it added:
  // the grid shows it now instead of reloading the page.
  document.addEventListener("visionflow:camera-added", function (event) {
    event.preventDefault();
    loadCameras().catch(function (error) { session.reportFailure(statusLine, error); });
  });

  function every(ms, task) {
    window.setInterval(function () {
      if (!document.hidden) {
        task().catch(function (error) { session.reportFailure(statusLine, error); });
      }
    }, ms);
  }

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  loadCameras().then(loadShared).then(loadNotifications).then(function () {
    every(CAMERA_POLL_MS, loadCameras);
    every(CAMERA_POLL_MS, loadShared);
    every(NOTIFICATION_POLL_MS, loadNotifications);
  }).catch(function (error) {
    statusLine.className = "bad";
    session.reportFailure(statusLine, error);
  });
})();
