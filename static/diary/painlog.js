// painlog: small progressive enhancements; every page works without this file.
"use strict";

// Follow the phone's dark mode (Bootstrap 5.3 themes by data-bs-theme).
(function () {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  apply();
  query.addEventListener("change", apply);
})();

// A double tap on "Save" must not send the form twice.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("[type=submit]").forEach((button) => button.setAttribute("aria-disabled", "true"));
  // If the page is still here after a while (slow or lost network), allow a retry.
  setTimeout(() => { delete form.dataset.submitted; }, 8000);
});
