// Registration page: posts the form as JSON to POST /register and shows the outcome.
"use strict";

(function () {
  const form = document.getElementById("register-form");
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
    const body = {
      username: form.username.value.trim(),
      email: form.email.value.trim(),
      password: form.password.value,
    };
    button.disabled = true;
    try {
      const response = await fetch("/register", {
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
      if (response.ok && payload.status === "success") {
        show("success", payload.message + ". Account id: " + payload.account_uuid + ". You can now ");
        const link = document.createElement("a");
        link.href = "/login";
        link.id = "login-link";
        link.textContent = "log in";
        result.appendChild(link);
        result.appendChild(document.createTextNode("."));
        form.reset();
      } else {
        show("error", payload.message || "Registration failed (" + response.status + ")");
      }
    } catch (error) {
      show("error", "Could not reach the server: " + error.message);
    } finally {
      button.disabled = false;
    }
  });
})();
