// Ask: the answer streams in (server-sent events) and its citations link to the moment said.
import { $ } from "/static/app.js";

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function citationLink(c) {
  const a = document.createElement("a");
  const timed = c.start_s !== null && c.start_s !== undefined;
  a.href = `/handoffs/${c.handoff_id}${timed ? `?t=${c.start_s}` : ""}`;
  a.className = "citation";
  const when = c.recorded_at
    ? new Date(c.recorded_at).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })
    : "";
  const at = timed ? ` ▶ ${clock(c.start_s)}` : "";
  a.textContent = `${c.author || "Someone"}${when ? ", " + when : ""}${at}: “${c.quote}”`;
  return a;
}

function citedHref(href, qid) {
  const url = new URL(href, window.location.origin);
  const cited = new URL(`${url.pathname}/cited`, window.location.origin);
  const t = url.searchParams.get("t");
  if (t !== null) cited.searchParams.set("t", t); // the moment first, as in the plain link
  cited.searchParams.set("q", String(qid));
  return cited.pathname + cited.search;
}

function citationList(cites) {
  const list = document.createElement("ol");
  list.className = "citations";
  list.setAttribute("aria-label", "Sources");
  cites.forEach((c) => {
    const li = document.createElement("li");
    li.appendChild(citationLink(c));
    list.appendChild(li);
  });
  return list;
}

function bubble(conv, className) {
  const li = document.createElement("li");
  li.className = className;
  conv.appendChild(li);
  return li;
}

function setupAsk(form) {
  const conv = $("#conversation");
  const input = $("#question");
  // Earlier questions go with each new one, so "and who owns it?" is read in context.
  let earlier = [];
  let source = null;
  $("#ask-new").addEventListener("click", () => {
    if (source) { source.close(); source = null; }
    earlier = [];
    conv.replaceChildren();
    input.focus();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    if (source) source.close();
    bubble(conv, "you").textContent = q;
    const bot = bubble(conv, "bot streaming");
    const text = document.createElement("p");
    text.className = "answer";
    bot.appendChild(text);
    bot.scrollIntoView({ block: "end" });
    input.value = "";
    const params = new URLSearchParams({ question: q, team: form.dataset.team });
    earlier.forEach((before) => params.append("conversation", before));
    earlier = [...earlier, q].slice(-10);
    source = new EventSource(`/api/ask/stream?${params}`);
    source.addEventListener("token", (m) => { text.textContent += JSON.parse(m.data); });
    source.addEventListener("citations", (m) => {
      const cites = JSON.parse(m.data);
      if (cites.length) bot.appendChild(citationList(cites));
    });
    const end = () => { bot.classList.remove("streaming"); source.close(); source = null; input.focus(); };
    source.addEventListener("done", (m) => {
      // A citation followed is counted against its question: links go through /cited.
      try {
        const qid = JSON.parse(m.data).question_id;
        if (qid) bot.querySelectorAll("a.citation").forEach((a) => { a.href = citedHref(a.href, qid); });
      } catch (_) { /* keep the plain links */ }
      end();
    });
    source.addEventListener("error", (m) => {
      if (m.data) { try { text.textContent = JSON.parse(m.data).detail; } catch (_) { /* keep */ } }
      else if (!text.textContent) text.textContent = "The answer could not be fetched.";
      end();
    });
  });
  if (input.value.trim()) form.requestSubmit();
}

const form = $("#ask-form");
if (form) setupAsk(form);
