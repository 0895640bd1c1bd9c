// painlog: small progressive enhancements; every page works without this file.
"use strict";

// A double tap on "Save" must not send the form twice; a send that never arrived may be retried.
const allowRetry = (form) => {
  delete form.dataset.submitted;
  form.querySelectorAll("[type=submit]").forEach((button) => button.removeAttribute("aria-disabled"));
};
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  form.querySelectorAll("[type=submit]").forEach((button) => button.setAttribute("aria-disabled", "true"));
  // If the page is still here after a while (slow or lost network), allow a retry.
  setTimeout(() => allowRetry(form), 8000);
});
// Back on the form from the browser's back-forward cache (after "no connection", say): the
// page is as it was left, "sending" included, but what it sent never arrived.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) document.querySelectorAll("form[data-submitted]").forEach(allowRetry);
});

// Diary forms keep what was tapped and typed, for this tab, until the server has taken it: a
// lost connection, "back" or a reload then costs nothing. A form counts as taken when the next
// page loaded after sending it is another one (the server redirects to Today). The same page
// again means the answers came back with errors; a page reached by "back" or reloaded means
// the send failed (Chrome's "No internet" page) and the patient is finding the way back.
(function () {
  let storage;
  try {
    storage = window.sessionStorage;
    storage.getItem("painlog");
  } catch (error) {
    return; // storage disabled: the form works as before, without drafts
  }
  const SENT = "painlog:sent";
  const draftKey = (path) => `painlog:draft:${path}`;

  const sentFrom = storage.getItem(SENT);
  const [arrival] = performance.getEntriesByType("navigation");
  const followed = !arrival || arrival.type === "navigate";
  if (sentFrom !== null && sentFrom !== location.pathname && followed) {
    storage.removeItem(draftKey(sentFrom));
    storage.removeItem(SENT);
  }

  const form = document.querySelector("form[data-keep-draft]");
  if (!form) return;
  const key = draftKey(location.pathname);
  const fields = () => Array.from(form.elements).filter(
    (field) => field.name && !["hidden", "password", "submit", "button", "file"].includes(field.type),
  );
  const ticked = (field) => field.type === "checkbox" || field.type === "radio";

  const store = (name, value) => {
    try {
      storage.setItem(name, value);
    } catch (error) {
      // Storage full: keeping a draft is a convenience, not a duty.
    }
  };
  const save = () => {
    const draft = {};
    for (const field of fields()) {
      if (!ticked(field)) draft[field.name] = [field.value];
      else if (field.checked) (draft[field.name] = draft[field.name] || []).push(field.value);
    }
    store(key, JSON.stringify(draft));
  };
  const restore = () => {
    let draft;
    try {
      draft = JSON.parse(storage.getItem(key));
    } catch (error) {
      draft = null;
    }
    if (!draft) return;
    for (const field of fields()) {
      const values = draft[field.name] || [];
      if (ticked(field)) field.checked = values.includes(field.value);
      else if (field.name in draft) field.value = values[0];
    }
  };

  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", () => {
    save();
    store(SENT, location.pathname);
  });
})();
