// Adds the session's CSRF token to every POST form that lacks one (forms of pages that
// predate logins). Served by the package; no external request.
document.addEventListener("DOMContentLoaded", function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) return;
  document.querySelectorAll('form[method="post"], form[method="POST"]').forEach(function (f) {
    if (f.querySelector('input[name="csrf_token"]')) return;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "csrf_token"; input.value = meta.content;
    f.appendChild(input);
  });
});
