// Alert targets page: email recipients (GET/POST /email_recipients, DELETE /email_recipients/<id>)
// with their verification state, and LINE Messaging API targets (GET/POST /line_tokens,
// DELETE /line_tokens/<id>) with the token masked by the API. Removing asks first (<dialog>).
// "Resend verification" mails a new link (POST /email_recipients/<id>/resend, limited per hour);
// "Send test message" pushes a short LINE message now (POST /line_tokens/<id>/test).
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;
  const fields = window.VF.fields;
  const POLL_MS = 10000;
  const statusLine = document.getElementById("status");
  const dialog = document.getElementById("remove-dialog");
  let pendingRemoval = null;

  function fail(element, payload, status) {
    element.hidden = false;
    element.className = element.classList.contains("result") ? "result error" : "bad";
    i18n.setError(element, payload, status);
  }

  function showResult(element, kind, key, args) {
    element.hidden = false;
    element.className = "result " + kind;
    i18n.set(element, key, args);
  }

  function button(key, className, onClick) {
    const element = i18n.set(document.createElement("button"), key);
    element.type = "button";
    element.className = "small " + className;
    element.addEventListener("click", onClick);
    return element;
  }

  function confirmRemoval(label, action) {
    i18n.set(document.getElementById("remove-dialog-title"), "targets.remove_question", { name: label });
    pendingRemoval = action;
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("cancel-remove").focus();
  }

  dialog.addEventListener("close", function () {
    const action = pendingRemoval;
    pendingRemoval = null;
    if (dialog.returnValue === "confirm" && action) {
      run(action);
    }
  });

  function emailItem(recipient) {
    const li = document.createElement("li");
    li.dataset.recipientId = String(recipient.id);
    const main = document.createElement("div");
    main.className = "target-main";
    const address = document.createElement("strong");
    address.className = "target-email";
    address.textContent = recipient.email;
    main.appendChild(address);
    if (recipient.name) {
      main.append(" ", recipient.name);
    }
    const state = recipient.verified ? "verified" : "unverified";
    const badge = i18n.set(document.createElement("span"), "targets." + state);
    badge.className = "badge verification " + state;
    badge.dataset.state = state;
    li.append(main, badge);
    if (!recipient.active) {
      const paused = i18n.set(document.createElement("span"), "targets.paused");
      paused.className = "badge";
      li.appendChild(paused);
    }
    if (!recipient.verified) {
      li.appendChild(button("targets.resend", "secondary resend", function () {
        run(function () {
          return act("/email_recipients/" + recipient.id + "/resend", "email-result", "targets.resent",
            { email: recipient.email }, loadEmails);
        });
      }));
    }
    li.appendChild(removeButton(recipient.email, "/email_recipients/" + recipient.id, loadEmails));
    return li;
  }

  function lineItem(target) {
    const li = document.createElement("li");
    li.dataset.lineTokenId = String(target.id);
    const main = document.createElement("div");
    main.className = "target-main";
    const name = document.createElement("strong");
    name.className = "target-name";
    if (target.name) {
      name.textContent = target.name;
    } else {
      i18n.set(name, "targets.line_unnamed");
    }
    const token = document.createElement("code");
    token.className = "target-token";
    token.textContent = target.token;
    main.append(name, " ", token);
    if (target.target) {
      main.append(" ", i18n.set(document.createElement("span"), "targets.line_to", { target: target.target }));
    }
    const state = target.verified ? "verified" : "unverified";
    const badge = i18n.set(document.createElement("span"), "targets.line_" + state);
    badge.className = "badge verification " + state;
    li.append(main, badge);
    li.appendChild(button("targets.line_test", "secondary line-test", function () {
      run(function () {
        return act("/line_tokens/" + target.id + "/test", "line-result", "targets.line_tested",
          { name: target.name || target.target || "LINE" }, loadLines);
      });
    }));
    li.appendChild(removeButton(target.name || target.token, "/line_tokens/" + target.id, loadLines));
    return li;
  }

  async function loadList(path, listId, emptyId, render) {
    const [response, payload] = await session.api(path);
    if (!response.ok) {
      fail(statusLine, payload, response.status);
      return;
    }
    const list = document.getElementById(listId);
    list.replaceChildren.apply(list, payload.data.map(render));
    document.getElementById(emptyId).hidden = payload.data.length > 0;
  }

  function loadEmails() {
    return loadList("/email_recipients", "email-list", "no-emails", emailItem);
  }

  function loadLines() {
    return loadList("/line_tokens", "line-list", "no-lines", lineItem);
  }

  // A one-click action on a listed target (resend a verification, send a LINE test): its
  // outcome in the section's result line, then the list again.
  async function act(path, resultId, successKey, args, reload) {
    const result = document.getElementById(resultId);
    const [response, payload] = await session.api(path, { method: "POST" });
    if (response.ok) {
      showResult(result, "success", successKey, args);
    } else {
      fail(result, payload, response.status);
    }
    await reload();
  }

  function removeButton(label, path, reload) {
    return button("common.remove", "danger remove", function () {
      confirmRemoval(label, async function () {
        const [response, payload] = await session.api(path, { method: "DELETE" });
        if (!response.ok) {
          fail(statusLine, payload, response.status);
        }
        await reload();
      });
    });
  }

  function submitter(formId, resultId, prefix, send, done) {
    const form = document.getElementById(formId);
    const result = document.getElementById(resultId);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fields.clear(form);
      result.hidden = true;
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      run(async function () {
        try {
          const [response, payload] = await send(form);
          if (response.ok) {
            showResult(result, "success", done.key, done.args(payload, form));
            form.reset();
            await done.reload();
            return;
          }
          const rest = fields.show(form, payload, prefix);
          if (rest === null || rest.length > 0) {
            const shown = rest && rest.length ? Object.assign({}, payload, { message: rest.join("; ") }) : payload;
            fail(result, shown, response.status);
          }
        } finally {
          submit.disabled = false;
        }
      });
    });
  }

  submitter("email-form", "email-result", "email-", function (form) {
    return session.api("/email_recipients", {
      method: "POST",
      json: { email: form.email.value.trim(), name: form.name.value.trim() },
    });
  }, {
    key: "targets.email_added",
    args: function (payload) {
      return { email: payload.data.email };
    },
    reload: loadEmails,
  });

  submitter("line-form", "line-result", "line-", function (form) {
    return session.api("/line_tokens", {
      method: "POST",
      json: { token: form.token.value.trim(), target: form.target.value.trim(), name: form.name.value.trim() },
    });
  }, {
    key: "targets.line_added",
    args: function (payload) {
      return { name: payload.data.name || "LINE" };
    },
    reload: loadLines,
  });

  function run(task) {
    return Promise.resolve().then(task).catch(function (error) {
      statusLine.className = "bad";
      session.reportFailure(statusLine, error);
    });
  }

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  run(function () { return Promise.all([loadEmails(), loadLines()]); });
  window.setInterval(function () {
    if (!document.hidden && !dialog.open) {
      run(loadEmails); // verification happens in a mail client: show it when it does
    }
  }, POLL_MS);
})();
