// Account page: who is signed in (from the access token's claims: the API has no account route,
// so the email address is not shown) and log out (POST /logout revokes the refresh token; the
// button is wired by static/session.js).
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

  if (!session.signedIn()) {
    session.toLogin();
    return;
  }
  // A fresh access token first (the stored one may have expired): any authenticated call does it.
  session.api("/cameras").then(show).catch(function (error) {
    session.reportFailure(document.getElementById("account-username"), error);
  });
})();
