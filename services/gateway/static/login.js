// Login page: posts the form as JSON to POST /login, keeps the tokens in localStorage
// ("access_token", "refresh_token" — the keys the other pages read) and opens the dashboard.
"use strict";

(function () {
  const form = document.getElementById("login-form");
  const result = document.getElementById("result");
  const button = document.getElementById("submit");

  function show(kind, text) {
    result.hidden = false;
    result.className = "result " + kind;
    result.textContent = text;
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
        payload = { message: "Unexpected answer from the server (" + response.status + ")" };
      }
      if (response.ok && payload.access_token) {
        window.localStorage.setItem("access_token", payload.access_token);
        window.localStorage.setItem("refresh_token", payload.refresh_token);
        show("success", payload.message || "Login successful");
        window.location.assign("/dashboard");
        return;
      }
      let text = payload.message || "Login failed (" + response.status + ")";
      const retryAfter = response.headers.get("Retry-After");
      if (response.status === 429 && retryAfter) {
        text += " Try again in " + retryAfter + " s.";
      }
      show("error", text);
      form.password.value = "";
    } catch (error) {
      show("error", "Could not reach the server: " + error.message);
    }
    button.disabled = false;
  });
})();
