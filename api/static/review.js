// Review or read a handoff: evidence plays the clip at its moment, the form's rows can be added
// and removed, the "publish anyway" dialog, and follow-up questions answered by voice.
// A job still running is followed by the server's job partial (htmx), not here.
import { $, $$, csrfHeaders, detailOf, toast } from "/static/app.js";

// -- evidence: play the clip from the quote's moment and mark its transcript line -------------
function playAt(seconds) {
  const player = $("#player");
  if (!player) return false;
  const go = () => { player.currentTime = seconds; player.play().catch(() => {}); };
  if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  player.scrollIntoView({ behavior: "smooth", block: "nearest" });
  return true;
}

function showQuote(quote, seconds) {
  const segs = $$("#transcript li");
  const norm = (s) => s.toLowerCase().replace(/[^a-z0-9 ]/g, "");
  const q = norm(quote || "").slice(0, 40);
  let hit = null;
  if (seconds !== null) {
    hit = segs.filter((li) => li.dataset.start !== "" && Number(li.dataset.start) <= seconds + 0.01).pop();
  }
  if (!hit && q) hit = segs.find((li) => norm(li.dataset.text || "").includes(q));
  segs.forEach((li) => li.classList.remove("hit"));
  if (hit) {
    hit.classList.add("hit");
    hit.scrollIntoView({ behavior: "smooth", block: "center" });
  }
}

function seekFromQuery() {
  const t = new URLSearchParams(window.location.search).get("t");
  if (t === null || t === "" || Number.isNaN(Number(t))) return;
  const s = Number(t);
  showQuote("", s);
  const player = $("#player");
  if (player) {
    const go = () => { player.currentTime = s; };
    if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
  }
}

// -- the form's rows ------------------------------------------------------------------------
// Fields are named `part.row.key` and the server keeps a part's rows in numeric row order, so a
// new row takes the next number after the largest one on screen: rows added in one edit are
// saved in the order the reviewer sees them.
function nextRow(box, part) {
  let max = -1;
  $$("[name]", box).forEach((el) => {
    const [p, row] = el.name.split(".");
    if (p === part && /^\d+$/.test(row)) max = Math.max(max, Number(row));
  });
  return max + 1;
}

function addRow(part) {
  const box = $(`.entries[data-part="${part}"]`);
  const html = $(`#tpl-${part}`).innerHTML.replaceAll("__ROW__", String(nextRow(box, part)));
  $$(".none", box).forEach((n) => n.remove());
  box.insertAdjacentHTML("beforeend", html);
  const first = box.lastElementChild.querySelector("input");
  if (first) first.focus();
}

function removeRow(button) {
  const fieldset = button.closest("fieldset");
  button.closest(".entry").remove();
  const next = fieldset.querySelector("[data-add-entry]");
  if (next) next.focus();
}

function openDialog(id) {
  const dlg = document.getElementById(id);
  dlg.showModal();
  const ta = dlg.querySelector("textarea");
  if (ta) ta.focus();
}

document.addEventListener("click", (e) => {
  const ev = e.target.closest(".evidence, .ts");
  if (ev) {
    const start = ev.dataset.start === "" || ev.dataset.start === undefined ? null : Number(ev.dataset.start);
    if (start !== null) playAt(start);
    showQuote(ev.dataset.quote, start);
    return;
  }
  const add = e.target.closest("[data-add-entry]");
  if (add) { addRow(add.dataset.addEntry); return; }
  const remove = e.target.closest("[data-remove-entry]");
  if (remove) { removeRow(remove); return; }
  const open = e.target.closest("[data-open-dialog]");
  if (open) { openDialog(open.dataset.openDialog); return; }
  const close = e.target.closest("[data-close-dialog]");
  if (close) close.closest("dialog").close();
});

// A saved or answered form comes back as a fresh #review: move focus to what it says.
document.addEventListener("htmx:afterSwap", (evt) => {
  const review = $("#review");
  if (review && evt.detail.target === review) {
    const notice = $(".notice", review);
    if (notice) notice.focus?.();
  }
});

// -- answer a follow-up question by voice (record next to it, or upload a clip) --------------
const ANSWER_MAX_SECONDS = 120;
let voice = null; // the one answer being recorded: { box, recorder, stream, chunks, timer }

function enableVoiceBox(box, on) {
  $$("button, input", box).forEach((el) => { el.disabled = !on; });
}

async function sendAnswerClip(box, blob, name) {
  const msg = $("[data-voice-msg]", box);
  const data = new FormData();
  data.append("field", box.dataset.field);
  data.append("file", blob, name);
  msg.textContent = "Transcribing your answer…";
  enableVoiceBox(box, false);
  const r = await fetch(box.dataset.url, { method: "POST", body: data, headers: csrfHeaders({ "HX-Request": "true" }) });
  if (!r.ok) {
    toast(await detailOf(r));
    msg.textContent = "";
    enableVoiceBox(box, true);
    return;
  }
  const review = $("#review");
  review.insertAdjacentHTML("afterend", await r.text());
  review.remove();
  const fresh = $("#review");
  if (window.htmx) window.htmx.process(fresh);
  const notice = $(".notice", fresh);
  if (notice) { notice.tabIndex = -1; notice.focus(); }
}

function stopVoice() {
  if (!voice) return;
  clearInterval(voice.timer);
  if (voice.recorder.state !== "inactive") voice.recorder.stop();
}

async function startVoice(box, button) {
  const msg = $("[data-voice-msg]", box);
  if (!navigator.mediaDevices || !window.MediaRecorder) {
    msg.textContent = "This browser cannot record; upload a clip or type the answer.";
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    msg.textContent = `No microphone available (${err.name}).`;
    return;
  }
  const types = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
  const mimeType = types.find((t) => MediaRecorder.isTypeSupported(t)) || "";
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
  const started = performance.now();
  voice = { box, recorder, stream, chunks: [], timer: null };
  recorder.ondataavailable = (e) => { if (e.data.size) voice.chunks.push(e.data); };
  recorder.onstop = () => {
    const { chunks } = voice;
    stream.getTracks().forEach((t) => t.stop());
    voice = null;
    button.textContent = "● Say it";
    button.setAttribute("aria-pressed", "false");
    const type = recorder.mimeType || "audio/webm";
    const ext = type.includes("mp4") ? "m4a" : type.includes("ogg") ? "ogg" : "webm";
    sendAnswerClip(box, new Blob(chunks, { type }), `answer-${Date.now()}.${ext}`);
  };
  recorder.start(500);
  button.textContent = "■ Stop";
  button.setAttribute("aria-pressed", "true");
  voice.timer = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    msg.textContent = `Recording… ${Math.floor(s)} s (at most ${ANSWER_MAX_SECONDS})`;
    if (s >= ANSWER_MAX_SECONDS) stopVoice();
  }, 250);
}

document.addEventListener("click", (e) => {
  const button = e.target.closest("[data-voice-record]");
  if (!button) return;
  const box = button.closest("[data-voice-answer]");
  if (voice && voice.box === box) { stopVoice(); return; }
  if (voice) stopVoice(); // one recording at a time
  startVoice(box, button);
});

document.addEventListener("change", (e) => {
  const input = e.target.closest("[data-voice-file]");
  if (!input || !input.files[0]) return;
  sendAnswerClip(input.closest("[data-voice-answer]"), input.files[0], input.files[0].name);
});

seekFromQuery();
