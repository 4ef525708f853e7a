// Login page: posts the form as JSON to POST /login, keeps the tokens in localStorage
// ("access_token", "refresh_token" — the keys the other pages read) and opens the dashboard.
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const form = document.getElementById("login-form");
  const result = document.getElementById("result");
  const button = document.getElementById("submit");

  function show(kind, key, args) {
    result.hidden = false;
    result.className = "result " + kind;
    i18n.set(result, key, args);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    const body = { username: form.username.value.trim(), password: form.password.value };
    button.disabled = true;
    try {
      const response = await fetch("/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      let payload = {};
      try {
        payload = await response.json();
      } catch (ignored) {
        payload = {};
      }
      if (response.ok && payload.access_token) {
        window.localStorage.setItem("access_token", payload.access_token);
        window.localStorage.setItem("refresh_token", payload.refresh_token);
        show("success", "login.success");
        window.location.assign("/dashboard");
        return;
      }
      const retryAfter = response.headers.get("Retry-After");
      if (response.status === 429 && retryAfter) {
        show("error", "login.rate_limited", { seconds: retryAfter });
      } else {
        const found = i18n.apiError(payload, response.status);
        show("error", found[0], found[1]);
      }
      form.password.value = "";
    } catch (error) {
      show("error", "error.network", { detail: error.message });
    }
    button.disabled = false;
  });
})();
