// The signed-in session shared by the dashboard, camera, notifications, alert-target and account
// pages. Tokens come from localStorage ("access_token", "refresh_token"), or from ?token= for the
// current page only: a token in a link is never stored (a link must not log anyone into another
// account), and is taken out of the address bar. An expired access token is exchanged once
// through POST /token/refresh (shared by concurrent calls), and a 401 after that opens /login.
"use strict";

(function () {
  const storage = window.localStorage;
  const params = new URLSearchParams(window.location.search);
  const linkToken = params.get("token") || "";
  if (linkToken) {
    params.delete("token");
    const rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }
  let refreshing = null;

  function token() {
    return linkToken || storage.getItem("access_token") || "";
  }

  function signedIn() {
    return Boolean(token() || storage.getItem("refresh_token"));
  }

  function toLogin() {
    window.location.assign("/login");
  }

  async function refreshTokens() {
    const refreshToken = storage.getItem("refresh_token");
    if (!refreshToken || linkToken) {
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

  // fetch with the bearer token; on 401, refresh the tokens once, retry, and go to the login page
  // when that fails too (the promise then rejects with "not logged in"). Resolves to
  // [response, payload]; a JSON `body` option is sent as JSON.
  async function api(path, options) {
    async function attempt() {
      const init = Object.assign({}, options || {});
      init.headers = Object.assign({ Authorization: "Bearer " + token() }, init.headers || {});
      if (init.json !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(init.json);
        delete init.json;
      }
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

  function withToken(path) {
    return path + (path.indexOf("?") >= 0 ? "&" : "?") + "token=" + encodeURIComponent(token());
  }

  // The claims of the access token (no verification: the server does that on every call).
  function claims() {
    const parts = token().split(".");
    if (parts.length !== 3) {
      return {};
    }
    try {
      const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (ignored) {
      return {};
    }
  }

  // Revoke the refresh token (POST /logout), forget both tokens and open the login page.
  async function logout() {
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
  }

  // End every session of the account (POST /logout_all), then forget the tokens and open the
  // login page. Rejects with {status, payload} when the server refuses.
  async function logoutEverywhere() {
    const [response, payload] = await api("/logout_all", { method: "POST" });
    if (!response.ok) {
      throw { status: response.status, payload: payload };
    }
    storage.removeItem("access_token");
    storage.removeItem("refresh_token");
    toLogin();
  }

  // Shows a failure the way every page does: the envelope's message through the catalogue.
  function reportFailure(element, error) {
    if (error && error.message === "not logged in") {
      return;
    }
    window.VF.i18n.set(element, "error.network", { detail: error ? error.message : "" });
  }

  document.querySelectorAll("[data-action=logout]").forEach(function (button) {
    button.addEventListener("click", logout);
  });

  window.VF = window.VF || {};
  window.VF.session = {
    api: api,
    claims: claims,
    linkToken: function () { return linkToken; },
    logout: logout,
    logoutEverywhere: logoutEverywhere,
    reportFailure: reportFailure,
    signedIn: signedIn,
    toLogin: toLogin,
    token: token,
    withToken: withToken,
  };
})();
