// Post a wrap: tabs, the recorder, upload and paste. Once the server accepts a wrap, the job is
// followed the way every page follows one: the server's job partial (htmx polling), which sends
// the page to the draft when the job is done.
import { $, $$, csrfHeaders, detailOf, toast } from "/static/app.js";

function setupTabs() {
  const tabs = $$("[role=tab]");
  if (!tabs.length) return;
  function select(tab) {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $("#" + t.getAttribute("aria-controls")).hidden = !on;
    });
    tab.focus();
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight") select(tabs[(i + 1) % tabs.length]);
      if (e.key === "ArrowLeft") select(tabs[(i - 1 + tabs.length) % tabs.length]);
    });
  });
}

function wrapFields() {
  const data = new FormData();
  const team = $("#team-input").value.trim();
  if (!team) { toast("Say which team this is for."); $("#team-input").focus(); return null; }
  data.append("team", team);
  data.append("recorded_at", new Date().toISOString());
  const language = $("#language-input").value;
  if (language) data.append("language", language);  // empty: the team's setting
  return data;
}

function followJob(jobId) {
  const box = $("#job");
  box.hidden = false;
  box.scrollIntoView({ behavior: "smooth", block: "center" });
  window.htmx.ajax("GET", `/jobs/${encodeURIComponent(jobId)}`, { target: "#job-follow", swap: "innerHTML" });
}

async function send(data) {
  $$("#wrap-form button").forEach((b) => { b.disabled = true; });
  try {
    const response = await fetch("/api/handoffs", { method: "POST", body: data, headers: csrfHeaders() });
    if (response.status !== 202) {
      toast(await detailOf(response));
      return;
    }
    followJob((await response.json()).job_id);
  } catch (_) {
    toast("The server cannot be reached.");
  } finally {
    $$("#wrap-form button").forEach((b) => { b.disabled = false; });
    const stop = $("#rec-stop");
    if (stop) stop.disabled = true;
  }
}

const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function pickType(video) {
  const types = video
    ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
    : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
  return types.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";
}

function setupRecorder(form) {
  const maxSeconds = Number(form.dataset.maxSeconds || 60);
  const start = $("#rec-start"), stop = $("#rec-stop"), again = $("#rec-again");
  const live = $("#live"), preview = $("#preview"), msg = $("#rec-msg");
  const timer = $("#timer"), timerBar = $("#timer-bar");
  let recorder = null, stream = null, chunks = [], clip = null, started = 0, clock = null;

  function showTime(s) {
    timer.firstChild.nodeValue = fmt(s) + " ";
    timerBar.value = s;
  }
  async function begin() {
    const video = $("input[name=device]:checked").value === "video";
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      msg.textContent = "This browser cannot record; upload a file or paste text instead.";
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    } catch (err) {
      msg.textContent = `No ${video ? "camera or microphone" : "microphone"} available (${err.name}).`;
      return;
    }
    live.hidden = !video;
    live.srcObject = stream;
    if (video) live.play().catch(() => {});
    chunks = [];
    const mimeType = pickType(video);
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = finish;
    recorder.start(1000);
    started = performance.now();
    start.disabled = true;
    stop.disabled = false;
    stop.focus();
    $("#preview-wrap").hidden = true;
    msg.textContent = "Recording…";
    clock = setInterval(() => {
      const s = (performance.now() - started) / 1000;
      showTime(Math.min(s, maxSeconds));
      if (s >= maxSeconds) end();
    }, 200);
  }
  function end() {
    clearInterval(clock);
    if (recorder && recorder.state !== "inactive") recorder.stop();
  }
  function finish() {
    stream.getTracks().forEach((t) => t.stop());
    live.srcObject = null;
    live.hidden = true;
    const type = recorder.mimeType || "video/webm";
    clip = new Blob(chunks, { type });
    preview.src = URL.createObjectURL(clip);
    $("#preview-wrap").hidden = false;
    start.disabled = false;
    stop.disabled = true;
    msg.textContent = `Recorded ${fmt((performance.now() - started) / 1000)}. Play it back, then send it or record again.`;
    $("#rec-send").focus();
  }
  start.addEventListener("click", begin);
  stop.addEventListener("click", end);
  again.addEventListener("click", () => { $("#preview-wrap").hidden = true; showTime(0); begin(); });
  $("#rec-send").addEventListener("click", () => {
    if (!clip) return;
    const data = wrapFields();
    if (!data) return;
    const ext = clip.type.includes("mp4") ? "mp4" : clip.type.startsWith("audio/ogg") ? "ogg" : "webm";
    data.append("file", clip, `wrap-${Date.now()}.${ext}`);
    send(data);
  });
}

function sendUpload(form) {
  const file = $("#file").files[0];
  if (!file) { toast("Choose a file to upload."); $("#file").focus(); return; }
  if (file.size > Number(form.dataset.maxBytes)) { toast("That file is larger than the upload limit."); return; }
  const data = wrapFields();
  if (!data) return;
  data.append("file", file, file.name);
  // A chat export's channel and time range (local times from the picker, sent with zone).
  const channel = $("#chat-channel").value.trim();
  if (channel) data.append("channel", channel);
  [["since", "#chat-since"], ["until", "#chat-until"]].forEach(([name, sel]) => {
    const value = $(sel).value;
    if (value) data.append(name, new Date(value).toISOString());
  });
  send(data);
}

function sendPaste() {
  const text = $("#text").value.trim();
  if (!text) { toast("Paste or type the wrap first."); $("#text").focus(); return; }
  const data = wrapFields();
  if (!data) return;
  data.append("text", text);
  send(data);
}

const form = $("#wrap-form");
if (form) {
  setupTabs();
  setupRecorder(form);
  form.addEventListener("submit", (e) => e.preventDefault());
  $("#upload-send").addEventListener("click", () => sendUpload(form));
  $("#paste-send").addEventListener("click", sendPaste);
}
