// Every htmx request carries the session's CSRF token as the X-CSRF-Token header (checked by
// govwatch.web.auth.csrf_guard), read from <meta name="csrf-token"> that base.html.j2 renders.
// A static file, not an inline script: the content security policy allows scripts from 'self' only.
// htmx sends requests to this origin only (htmx-config selfRequestsOnly), so the token never leaves it.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var token = meta ? meta.getAttribute("content") : "";
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });
})();
