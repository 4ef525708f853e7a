// Dashboard: the caller's cameras (GET /cameras) with links to their streams and region editor,
// an "Add camera" form (POST /cameras) and the newest notifications (GET /notifications).
// Tokens come from localStorage ("access_token", "refresh_token"), or from ?token= for this page
// only: a token in a link is never stored (a link must not log anyone into another account), and
// is taken out of the address bar. An expired access token is exchanged once through
// POST /token/refresh, and a 401 after that opens /login.
"use strict";

(function () {
  const storage = window.localStorage;
  const params = new URLSearchParams(window.location.search);
  const linkToken = params.get("token") || "";
  if (linkToken) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  const statusLine = document.getElementById("status");
  const cameraRows = document.querySelector("#cameras tbody");
  const form = document.getElementById("camera-form");
  const formResult = document.getElementById("camera-result");
  const addButton = document.getElementById("add-camera");
  const notificationList = document.getElementById("notifications");
  const noNotifications = document.getElementById("no-notifications");
  let refreshing = null;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "bad" : "hint";
  }

  function token() {
    return linkToken || storage.getItem("access_token") || "";
  }

  function toLogin() {
    window.location.assign("/login");
  }

  async function refreshTokens() {
    const refreshToken = storage.getItem("refresh_token");
    if (!refreshToken) {
      return false;
    }
    const response = await fetch("/token/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    if (!response.ok) {
      storage.removeItem("refresh_token");
      return false;
    }
    const payload = await response.json();
    storage.setItem("access_token", payload.access_token);
    storage.setItem("refresh_token", payload.refresh_token);
    return true;
  }

  // fetch with the bearer token; on 401, refresh the tokens once (shared by concurrent calls),
  // retry, and go to the login page when that fails too. Resolves to [response, payload].
  async function api(path, options) {
    async function attempt() {
      const init = Object.assign({}, options || {});
      init.headers = Object.assign({ Authorization: "Bearer " + token() }, init.headers || {});
      const response = await fetch(path, init);
      const payload = await response.json().catch(function () { return {}; });
      return [response, payload];
    }
    let answer = await attempt();
    if (answer[0].status === 401) {
      if (!refreshing) {
        refreshing = refreshTokens().finally(function () { refreshing = null; });
      }
      const refreshed = await refreshing;
      if (refreshed) {
        answer = await attempt();
      }
      if (answer[0].status === 401) {
        toLogin();
        throw new Error("not logged in");
      }
    }
    return answer;
  }

  function cell(row, content) {
    const td = document.createElement("td");
    if (typeof content === "string") {
      td.textContent = content;
    } else {
      td.appendChild(content);
    }
    row.appendChild(td);
    return td;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "never";
  }

  function withToken(path) {
    return path + "?token=" + encodeURIComponent(token());
  }

  function cameraLinks(camera) {
    const span = document.createElement("span");
    span.className = "links-inline";
    [["Recognized", "/recognized_stream/"], ["Raw", "/get_stream/"], ["Regions", "/snapshot_ui/"]]
      .forEach(function (pair) {
        const link = document.createElement("a");
        link.textContent = pair[0];
        link.href = withToken(pair[1] + camera.id);
        span.appendChild(link);
      });
    return span;
  }

  async function loadCameras() {
    const [response, payload] = await api("/cameras");
    if (!response.ok) {
      say(payload.message || "Could not load cameras (" + response.status + ")", true);
      return;
    }
    while (cameraRows.firstChild) {
      cameraRows.removeChild(cameraRows.firstChild);
    }
    payload.data.forEach(function (camera) {
      const row = document.createElement("tr");
      row.dataset.cameraId = String(camera.id);
      cell(row, camera.name).className = "camera-name";
      cell(row, camera.status).className = "camera-status " + camera.status;
      cell(row, camera.location || "");
      cell(row, when(camera.last_active));
      cell(row, cameraLinks(camera));
      cameraRows.appendChild(row);
    });
    say(payload.total === 0 ? "No cameras yet: add one below." : payload.total + " camera(s).");
  }

  async function loadNotifications() {
    const [response, payload] = await api("/notifications?limit=10");
    if (!response.ok) {
      noNotifications.hidden = false;
      noNotifications.textContent = payload.message || "Could not load notifications.";
      return;
    }
    while (notificationList.firstChild) {
      notificationList.removeChild(notificationList.firstChild);
    }
    noNotifications.hidden = payload.data.length > 0;
    payload.data.forEach(function (item) {
      const li = document.createElement("li");
      if (item.image_path) {
        const img = document.createElement("img");
        img.className = "thumb";
        img.alt = "Snapshot";
        img.src = withToken("/showimage/" + item.image_path.split("/").map(encodeURIComponent).join("/"));
        li.appendChild(img);
      }
      const text = document.createElement("div");
      const title = document.createElement("strong");
      title.textContent = item.camera_name;
      text.appendChild(title);
      text.appendChild(document.createTextNode(" " + item.message));
      const time = document.createElement("div");
      time.className = "hint";
      time.textContent = when(item.created_at);
      text.appendChild(time);
      li.appendChild(text);
      notificationList.appendChild(li);
    });
  }

  function showFormResult(kind, text) {
    formResult.hidden = false;
    formResult.className = "result " + kind;
    formResult.textContent = text;
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
      const [response, payload] = await api("/cameras", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        showFormResult("success", "Camera \u201c" + payload.data.name + "\u201d added.");
        form.reset();
        await loadCameras();
      } else {
        showFormResult("error", payload.message || "Could not add the camera (" + response.status + ")");
      }
    } catch (error) {
      if (error.message !== "not logged in") {
        showFormResult("error", "Could not reach the server: " + error.message);
      }
    } finally {
      addButton.disabled = false;
    }
  });

  document.getElementById("logout").addEventListener("click", async function () {
    const refreshToken = storage.getItem("refresh_token");
    storage.removeItem("access_token");
    storage.removeItem("refresh_token");
    if (refreshToken) {
      await fetch("/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      }).catch(function () { return null; });
    }
    toLogin();
  });

  if (!token() && !storage.getItem("refresh_token")) {
    toLogin();
    return;
  }
  loadCameras().then(loadNotifications).catch(function (error) {
    if (error.message !== "not logged in") {
      say("Could not reach the server: " + error.message, true);
    }
  });
})();
