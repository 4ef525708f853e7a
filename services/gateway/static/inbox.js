// Notifications page (/inbox): GET /notifications a page at a time, newest first, filtered by
// unread/read; each with its snapshot (/showimage), mark read (PATCH /notifications/<id>), and
// mark all read (one POST /notifications/mark_all_read). The current page is
// polled, so new notifications arrive without a reload. Notifications of a camera shared with the
// caller show whose they are and cannot be marked (the read state is the owner's).
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;
  const PAGE_SIZE = 10;
  const POLL_MS = 4000;
  const statusLine = document.getElementById("status");
  const list = document.getElementById("notification-list");
  const filter = document.getElementById("filter");
  const previous = document.getElementById("previous-page");
  const next = document.getElementById("next-page");
  const pageInfo = document.getElementById("page-info");
  const markAll = document.getElementById("mark-all-read");
  const params = new URLSearchParams(window.location.search);
  let page = Math.max(1, Number(params.get("page")) || 1);
  let totalPages = 1;
  let shown = "";
  filter.value = ["all", "unread", "read"].indexOf(params.get("status")) >= 0 ? params.get("status") : "all";

  function keepInAddress() {
    const query = new URLSearchParams();
    if (filter.value !== "all") {
      query.set("status", filter.value);
    }
    if (page > 1) {
      query.set("page", String(page));
    }
    const rest = query.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }

  function fail(payload, status) {
    i18n.setError(statusLine, payload, status);
    statusLine.className = "bad";
  }

  function item(notification) {
    const li = document.createElement("li");
    li.dataset.notificationId = String(notification.id);
    li.dataset.status = notification.status;
    li.className = notification.status;
    if (notification.image_path) {
      const img = document.createElement("img");
      img.className = "thumb";
      img.loading = "lazy";
      i18n.setAttribute(img, "alt", "notifications.snapshot_alt", { camera: notification.camera_name });
      img.src = session.withToken("/showimage/" + notification.image_path.split("/").map(encodeURIComponent).join("/"));
      li.appendChild(img);
    }
    const body = document.createElement("div");
    body.className = "item-body";
    const title = document.createElement("strong");
    title.className = "notification-camera";
    title.textContent = notification.camera_name;
    const message = document.createElement("div");
    message.className = "notification-message";
    message.textContent = notification.message;
    const meta = document.createElement("div");
    meta.className = "hint small";
    const when = i18n.setDate(document.createElement("span"), notification.created_at);
    const what = i18n.set(document.createElement("span"), "inbox.detected", {
      type: notification.detection_type,
      confidence: Math.round(notification.confidence * 100),
    });
    meta.append(when, " · ", what);
    if (notification.region_name) {
      meta.append(" · ", i18n.set(document.createElement("span"), "inbox.region", { region: notification.region_name }));
    }
    body.append(title, " ", message, meta);
    li.appendChild(body);
    const actions = document.createElement("div");
    actions.className = "item-actions";
    if (notification.shared) {
      li.classList.add("shared");
      const shared = i18n.set(document.createElement("span"), "tile.shared_by", { owner: notification.owner_username });
      shared.className = "badge shared-badge";
      actions.appendChild(shared);
    } else {
      const badge = i18n.set(document.createElement("span"), "inbox.state_" + notification.status);
      badge.className = "badge " + notification.status;
      actions.appendChild(badge);
    }
    if (notification.status === "unread" && !notification.shared) {
      const button = i18n.set(document.createElement("button"), "inbox.mark_read");
      button.type = "button";
      button.className = "small mark-read";
      button.addEventListener("click", function () { markRead([notification.id]).then(load); });
      actions.appendChild(button);
    }
    li.appendChild(actions);
    return li;
  }

  async function load() {
    const query = "?page=" + page + "&limit=" + PAGE_SIZE + "&status=" + filter.value;
    const [response, payload] = await session.api("/notifications" + query);
    if (!response.ok) {
      fail(payload, response.status);
      return;
    }
    totalPages = Math.max(1, payload.pagination.total_pages);
    if (page > totalPages) {
      page = totalPages;
      keepInAddress();
      return load();
    }
    const fingerprint = JSON.stringify(payload.data.map(function (n) { return [n.id, n.status]; }));
    if (fingerprint !== shown) {
      list.replaceChildren.apply(list, payload.data.map(item));
      shown = fingerprint;
    }
    const total = payload.pagination.total_items;
    i18n.set(statusLine, total === 0 ? "inbox.none_" + filter.value : "inbox.count", { count: total });
    statusLine.className = "hint";
    i18n.set(pageInfo, "inbox.page_of", { page: page, pages: totalPages });
    previous.disabled = page <= 1;
    next.disabled = page >= totalPages;
  }

  async function markRead(ids) {
    for (const id of ids) {
      const [response, payload] = await session.api("/notifications/" + id, {
        method: "PATCH",
        json: { status: "read" },
      });
      if (!response.ok) {
        fail(payload, response.status);
        return false;
      }
    }
    return true;
  }

  async function markAllRead() {
    const [response, payload] = await session.api("/notifications/mark_all_read", { method: "POST" });
    if (!response.ok) {
      fail(payload, response.status);
      return false;
    }
    return true;
  }

  function run(task) {
    task().catch(function (error) {
      statusLine.className = "bad";
      session.reportFailure(statusLine, error);
    });
  }

  filter.addEventListener("change", function () {
    page = 1;
    keepInAddress();
    run(load);
  });
  previous.addEventListener("click", function () {
    page = Math.max(1, page - 1);
    keepInAddress();
    run(load);
  });
  next.addEventListener("click", function () {
    page = Math.min(totalPages, page + 1);
    keepInAddress();
    run(load);
  });
  markAll.addEventListener("click", function () {
    markAll.disabled = true;
    run(async function () {
      try {
        if (await markAllRead()) {
          await load();
        }
      } finally {
        markAll.disabled = false;
      }
    });
  });

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  run(load);
  window.setInterval(function () {
    if (!document.hidden) {
      run(load);
    }
  }, POLL_MS);
})();
