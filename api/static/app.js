// handoff web UI, shared by every page: who you are, and one way to show a failed request.
// Each page loads its own module next to this one (post.js, review.js, ask.js, shift.js); there
// is no inline script anywhere, so a Content-Security-Policy without 'unsafe-inline' holds.
// No build step, no CDN.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// -- who am I (no sign-in yet): a cookie the server reads for "by" ----------------------------
export function currentUser() {
  const input = $("#whoami");
  return input ? input.value.trim() : "";
}

export function fillWhoami(root = document) {
  const user = currentUser();
  $$("[data-whoami]", root).forEach((el) => { el.value = user; });
  const author = $("#author", root);
  if (author && !author.value) author.value = user;
}

// -- errors: every failed request shows its one-sentence detail -------------------------------
let toastTimer = null;
export function toast(message, kind = "error") {
  const el = $("#toast");
  if (!el) return;
  el.textContent = message;
  el.className = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

export async function detailOf(response) {
  try {
    const body = await response.json();
    if (body && body.detail) return String(body.detail);
  } catch (_) { /* not JSON */ }
  return `The request failed (${response.status}).`;
}

// Modules run once the document is parsed, so the page's elements are already there.
const whoami = $("#whoami");
if (whoami) {
  whoami.addEventListener("change", () => {
    document.cookie = "handoff_user=" + encodeURIComponent(whoami.value.trim()) +
      "; path=/; max-age=31536000; samesite=lax";
    fillWhoami();
  });
}
fillWhoami();

document.addEventListener("htmx:responseError", (evt) => {
  const xhr = evt.detail.xhr;
  let msg = `The request failed (${xhr.status}).`;
  try { msg = JSON.parse(xhr.responseText).detail || msg; } catch (_) { /* keep */ }
  toast(msg);
});
document.addEventListener("htmx:sendError", () => toast("The server cannot be reached."));
document.addEventListener("htmx:configRequest", (evt) => {
  const by = evt.detail.parameters;
  if (by && "by" in by && !by.by) by.by = currentUser();
});
document.addEventListener("htmx:afterSwap", (evt) => fillWhoami(evt.detail.target));
