// handoff web UI, shared by every page: the CSRF token, and one way to show a failed request.
// Each page loads its own module next to this one (post.js, review.js, ask.js, shift.js); there
// is no inline script anywhere, so a Content-Security-Policy without 'unsafe-inline' holds.
// No build step, no CDN.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// -- who is signed in, and the CSRF token every state-changing request sends back ------------
// htmx sends it from <body hx-headers>; fetch() calls add `csrfHeaders()` themselves.
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

export function csrfHeaders(extra = {}) {
  return { ...extra, "X-CSRF-Token": csrfToken() };
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

// A stale write (someone else changed the handoff) answers 412 with the current review panel,
// which says so: swap it in instead of showing a toast.
document.addEventListener("htmx:beforeSwap", (evt) => {
  if (evt.detail.xhr.status === 412) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});
document.addEventListener("htmx:responseError", (evt) => {
  const xhr = evt.detail.xhr;
  let msg = `The request failed (${xhr.status}).`;
  try { msg = JSON.parse(xhr.responseText).detail || msg; } catch (_) { /* keep */ }
  toast(msg);
});
document.addEventListener("htmx:sendError", () => toast("The server cannot be reached."));
