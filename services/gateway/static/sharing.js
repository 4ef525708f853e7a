// Camera page, owner only: the "Sharing" section. Grant view-only access by username or email,
// optionally until a date (the end of that day, local time) and with past notifications
// (POST /cameras/<id>/shares); the list of grants with revoke (GET, DELETE
// /cameras/<id>/shares/<share_id>). camera.js starts it once the camera is known to be the
// caller's own.
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;

  function start(cameraId) {
    const section = document.getElementById("sharing");
    const form = document.getElementById("share-form");
    const grantee = document.getElementById("share-grantee");
    const until = document.getElementById("share-until");
    const past = document.getElementById("share-past");
    const submit = document.getElementById("share-submit");
    const result = document.getElementById("share-result");
    const list = document.getElementById("share-list");
    const none = document.getElementById("no-shares");
    const base = "/cameras/" + cameraId + "/shares";

    function show(kind, key, args) {
      result.hidden = false;
      result.className = "result " + kind;
      i18n.set(result, key, args);
    }

    function showError(payload, status) {
      result.hidden = false;
      result.className = "result error";
      i18n.setError(result, payload, status);
    }

    function item(share) {
      const li = document.createElement("li");
      li.dataset.shareId = String(share.id);
      const who = document.createElement("strong");
      who.className = "share-grantee";
      who.textContent = share.grantee_username;
      const meta = document.createElement("span");
      meta.className = "hint small";
      if (share.expires_at) {
        i18n.set(meta, "sharing.until_date", { when: i18n.formatDate(share.expires_at) });
      } else {
        i18n.set(meta, "sharing.no_end");
      }
      const history = i18n.set(
        document.createElement("span"),
        share.include_past_notifications ? "sharing.with_past" : "sharing.from_now",
      );
      history.className = "hint small";
      const revoke = i18n.set(document.createElement("button"), "sharing.revoke");
      revoke.type = "button";
      revoke.className = "small secondary revoke-share";
      i18n.setAttribute(revoke, "aria-label", "sharing.revoke_named", { name: share.grantee_username });
      revoke.addEventListener("click", async function () {
        revoke.disabled = true;
        try {
          const [response, payload] = await session.api(base + "/" + share.id, { method: "DELETE" });
          if (response.ok) {
            show("success", "sharing.revoked", { name: share.grantee_username });
            await load();
          } else {
            showError(payload, response.status);
          }
        } catch (error) {
          session.reportFailure(result, error);
        } finally {
          revoke.disabled = false;
        }
      });
      li.append(who, " ", meta, " · ", history, " ", revoke);
      return li;
    }

    async function load() {
      const [response, payload] = await session.api(base);
      if (!response.ok) {
        showError(payload, response.status);
        return;
      }
      list.replaceChildren.apply(list, payload.data.map(item));
      none.hidden = payload.data.length > 0;
    }

    // The chosen day's end in local time, as the API wants it (ISO 8601 with the offset: Z).
    function endOfDay(value) {
      const parts = value.split("-").map(Number);
      const moment = new Date(parts[0], parts[1] - 1, parts[2], 23, 59, 59);
      return isNaN(moment.getTime()) ? value : moment.toISOString();
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const body = { grantee: grantee.value.trim(), include_past_notifications: past.checked };
      if (until.value) {
        body.expires_at = endOfDay(until.value);
      }
      submit.disabled = true;
      try {
        const [response, payload] = await session.api(base, { method: "POST", json: body });
        if (response.ok) {
          show("success", "sharing.granted", { name: payload.data.grantee_username });
          form.reset();
          await load();
        } else {
          showError(payload, response.status);
        }
      } catch (error) {
        session.reportFailure(result, error);
      } finally {
        submit.disabled = false;
      }
    });

    section.hidden = false;
    return load();
  }

  window.VF = window.VF || {};
  window.VF.sharing = { start: start };
})();
