// Registration page: posts the form as JSON to POST /register and shows the outcome.
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const form = document.getElementById("register-form");
  const result = document.getElementById("result");
  const button = document.getElementById("submit");

  function show(kind) {
    result.hidden = false;
    result.className = "result " + kind;
    delete result.dataset.i18n;
    delete result.dataset.i18nArgs;
    while (result.firstChild) {
      result.removeChild(result.firstChild);
    }
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
        payload = {};
      }
      if (response.ok && payload.status === "success") {
        show("success");
        const text = document.createElement("span");
        i18n.set(text, "register.success", { account: payload.account_uuid });
        const link = document.createElement("a");
        link.href = "/login";
        link.id = "login-link";
        i18n.set(link, "register.login_link");
        result.appendChild(text);
        result.appendChild(document.createTextNode(" "));
        result.appendChild(link);
        form.reset();
      } else {
        show("error");
        i18n.setError(result, payload, response.status);
      }
    } catch (error) {
      show("error");
      i18n.set(result, "error.network", { detail: error.message });
    }
    button.disabled = false;
  });
})();
