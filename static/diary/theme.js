// Follow the phone's dark mode (Bootstrap 5.3 themes by data-bs-theme). Loaded in <head>
// without defer, so that a dark page never flashes light first; tiny on purpose.
"use strict";
(function () {
  const query = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  apply();
  query.addEventListener("change", apply);
})();
