// Account page: who is signed in (from the access token's claims: the API has no account route,
// so the email address is not shown), log out (POST /logout revokes the refresh token; the
// button is wired by static/session.js) and log out everywhere (POST /logout_all ends every
// session of the account, this one included).
"use strict";

(function () {
  const i18n = window.VF.i18n;
  const session = window.VF.session;

  function show() {
    const claims = session.claims();
    document.getElementById("account-username").textContent = claims.username || "";
    document.getElementById("account-id").textContent = claims.sub || "";
    const expires = document.getElementById("account-expires");
    i18n.setDate(expires, claims.exp ? new Date(claims.exp * 1000).toISOString() : "");
  }

  const everywhere = document.getElementById("account-logout-all");
  everywhere.addEventListener("click", function () {
    everywhere.disabled = true;
    session.logoutEverywhere().catch(function (failure) {
      const status = document.getElementById("account-status");
      status.hidden = false;
      if (failure && failure.payload) {
        i18n.setError(status, failure.payload, failure.status);
      } else {
        session.reportFailure(status, failure);
      }
      everywhere.disabled = false;
    });
  });

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  // A fresh access token first (the stored one may have expired): any authenticated call does it.
  session.api("/cameras").then(show).catch(function (error) {
    session.reportFailure(document.getElementById("account-username"), error);
  });
})();
