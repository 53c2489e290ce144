// handoff web UI: the small amount of behaviour htmx does not cover. No build step, no CDN.
"use strict";

(function () {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // -- who am I (no sign-in yet): a cookie the server reads for "by" ------------------------
  function currentUser() {
    const input = $("#whoami");
    return input ? input.value.trim() : "";
  }
  function fillWhoami(root = document) {
    const user = currentUser();
    $$("[data-whoami]", root).forEach((el) => { el.value = user; });
    const author = $("#author", root);
    if (author && !author.value) author.value = user;
  }
  document.addEventListener("DOMContentLoaded", () => {
    const input = $("#whoami");
    if (input) {
      input.addEventListener("change", () => {
        document.cookie = "handoff_user=" + encodeURIComponent(input.value.trim()) +
          "; path=/; max-age=31536000; samesite=lax";
        fillWhoami();
      });
    }
    fillWhoami();
  });

  // -- errors: every failed request shows its one-sentence detail ---------------------------
  let toastTimer = null;
  function toast(message, kind = "error") {
    const el = $("#toast");
    if (!el) return;
    el.textContent = message;
    el.className = kind;
    el.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { el.hidden = true; }, 8000);
  }
  async function detailOf(response) {
    try {
      const body = await response.json();
      if (body && body.detail) return String(body.detail);
    } catch (_) { /* not JSON */ }
    return `The request failed (${response.status}).`;
  }
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
  document.addEventListener("htmx:afterSwap", (evt) => {
    fillWhoami(evt.detail.target);
    const review = $("#review");
    if (review && evt.detail.target === review) {
      const notice = $(".notice", review);
      if (notice) notice.focus?.();
    }
  });

  // -- post a wrap: tabs, recorder, upload, paste, job progress ---------------------------------
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
    const author = $("#author").value.trim();
    const team = $("#team-input").value.trim();
    if (!author) { toast("Say who you are first."); $("#author").focus(); return null; }
    if (!team) { toast("Say which team this is for."); $("#team-input").focus(); return null; }
    data.append("author", author);
    data.append("team", team);
    data.append("recorded_at", new Date().toISOString());
    return data;
  }

  async function send(data) {
    $$("#wrap-form button").forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch("/api/handoffs", { method: "POST", body: data });
      if (response.status !== 202) {
        toast(await detailOf(response));
        return;
      }
      const accepted = await response.json();
      followJob(accepted.job_id, accepted.id);
    } catch (_) {
      toast("The server cannot be reached.");
    } finally {
      $$("#wrap-form button").forEach((b) => { b.disabled = false; });
      const stop = $("#rec-stop");
      if (stop) stop.disabled = true;
    }
  }

  const STAGES = {
    queued: "Queued", transcribe: "Transcribing", decode: "Decoding the clip",
    "load model": "Loading the speech model", "language model": "Loading the speech model",
    import: "Importing the chat", extract: "Extracting the declaration", done: "Done",
  };
  function followJob(jobId, handoffId) {
    const box = $("#job");
    box.hidden = false;
    $("#job-error").hidden = true;
    $("#job-retry").hidden = true;
    $("#job-open").hidden = true;
    box.scrollIntoView({ behavior: "smooth", block: "center" });
    const bar = $("#job-bar");
    const stage = $("#job-stage");
    const tick = async () => {
      let job;
      try {
        const r = await fetch(`/api/jobs/${jobId}`);
        if (!r.ok) { stage.textContent = await detailOf(r); return; }
        job = await r.json();
      } catch (_) { setTimeout(tick, 1000); return; }
      bar.value = job.progress;
      stage.textContent = `${STAGES[job.stage] || job.stage || "Working"} · ${Math.round(job.progress * 100)}%`;
      if (job.state === "done") {
        const open = $("#job-open");
        open.href = `/handoffs/${handoffId}`;
        open.hidden = false;
        window.location.assign(`/handoffs/${handoffId}`);
      } else if (job.state === "failed") {
        const err = $("#job-error");
        err.textContent = job.error || "The job failed.";
        err.hidden = false;
        const retry = $("#job-retry");
        retry.hidden = false;
        retry.onclick = async () => {
          const r = await fetch(`/api/jobs/${jobId}/retry`, { method: "POST" });
          if (r.status !== 202) { toast(await detailOf(r)); return; }
          followJob(jobId, handoffId);
        };
      } else {
        setTimeout(tick, 400);
      }
    };
    tick();
  }

  function setupRecorder(form) {
    const maxSeconds = Number(form.dataset.maxSeconds || 60);
    const start = $("#rec-start"), stop = $("#rec-stop"), again = $("#rec-again");
    const live = $("#live"), preview = $("#preview"), msg = $("#rec-msg");
    const timer = $("#timer"), timerBar = $("#timer-bar");
    let recorder = null, stream = null, chunks = [], clip = null, started = 0, clock = null;

    const fmt = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
    function showTime(s) {
      timer.firstChild.nodeValue = fmt(s) + " ";
      timerBar.value = s;
    }
    function pickType(video) {
      const types = video
        ? ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"]
        : ["audio/webm;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
      return types.find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";
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

  function setupPost() {
    const form = $("#wrap-form");
    if (!form) return;
    setupTabs();
    setupRecorder(form);
    form.addEventListener("submit", (e) => e.preventDefault());
    $("#upload-send").addEventListener("click", () => {
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
    });
    $("#paste-send").addEventListener("click", () => {
      const text = $("#text").value.trim();
      if (!text) { toast("Paste or type the wrap first."); $("#text").focus(); return; }
      const data = wrapFields();
      if (!data) return;
      data.append("text", text);
      send(data);
    });
  }

  // -- review: evidence plays the clip, rows can be added and removed, dialogs ------------------
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
  document.addEventListener("click", (e) => {
    const ev = e.target.closest(".evidence, .ts");
    if (ev) {
      const start = ev.dataset.start === "" || ev.dataset.start === undefined ? null : Number(ev.dataset.start);
      if (start !== null) playAt(start);
      showQuote(ev.dataset.quote, start);
      return;
    }
    const add = e.target.closest("[data-add-entry]");
    if (add) {
      const part = add.dataset.addEntry;
      const box = $(`.entries[data-part="${part}"]`);
      const rows = $$(".entry", box).length + $$(".none", box).length * 0;
      const row = 1000 + rows + Math.floor(Math.random() * 1000);
      const html = $(`#tpl-${part}`).innerHTML.replaceAll("__ROW__", String(row));
      $$(".none", box).forEach((n) => n.remove());
      box.insertAdjacentHTML("beforeend", html);
      const first = box.lastElementChild.querySelector("input");
      if (first) first.focus();
      return;
    }
    const remove = e.target.closest("[data-remove-entry]");
    if (remove) {
      const entry = remove.closest(".entry");
      const fieldset = remove.closest("fieldset");
      entry.remove();
      const next = fieldset.querySelector("[data-add-entry]");
      if (next) next.focus();
      return;
    }
    const open = e.target.closest("[data-open-dialog]");
    if (open) {
      const dlg = document.getElementById(open.dataset.openDialog);
      dlg.showModal();
      const ta = dlg.querySelector("textarea");
      if (ta) ta.focus();
      return;
    }
    const close = e.target.closest("[data-close-dialog]");
    if (close) { close.closest("dialog").close(); return; }
    const retry = e.target.closest("[data-retry-job]");
    if (retry) {
      fetch(`/api/jobs/${retry.dataset.retryJob}/retry`, { method: "POST" }).then(async (r) => {
        if (r.status !== 202) toast(await detailOf(r)); else window.location.reload();
      });
    }
  });
  // -- review: answer a follow-up question by voice (record next to it, or upload a clip) ------
  const ANSWER_MAX_SECONDS = 120;
  let voice = null; // the one answer being recorded: { box, recorder, stream, chunks, timer }
  async function sendAnswerClip(box, blob, name) {
    const msg = $("[data-voice-msg]", box);
    const data = new FormData();
    data.append("field", box.dataset.field);
    data.append("by", currentUser());
    data.append("file", blob, name);
    msg.textContent = "Transcribing your answer…";
    $$("button, input", box).forEach((el) => { el.disabled = true; });
    const r = await fetch(box.dataset.url, { method: "POST", body: data, headers: { "HX-Request": "true" } });
    if (!r.ok) {
      toast(await detailOf(r));
      msg.textContent = "";
      $$("button, input", box).forEach((el) => { el.disabled = false; });
      return;
    }
    const review = $("#review");
    review.insertAdjacentHTML("afterend", await r.text());
    review.remove();
    const fresh = $("#review");
    if (window.htmx) window.htmx.process(fresh);
    fillWhoami(fresh);
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

  function seekFromQuery() {
    const t = new URLSearchParams(window.location.search).get("t");
    if (t !== null && t !== "" && !Number.isNaN(Number(t))) {
      const s = Number(t);
      showQuote("", s);
      const player = $("#player");
      if (player) {
        const go = () => { player.currentTime = s; };
        if (player.readyState >= 1) go(); else player.addEventListener("loadedmetadata", go, { once: true });
      }
    }
  }

  // -- ask: the answer streams in (server-sent events), citations link to the moment ------------
  function citationLink(c) {
    const a = document.createElement("a");
    const t = c.start_s !== null && c.start_s !== undefined ? `?t=${c.start_s}` : "";
    a.href = `/handoffs/${c.handoff_id}${t}`;
    a.className = "citation";
    const when = c.recorded_at ? new Date(c.recorded_at).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" }) : "";
    const at = t ? ` ▶ ${Math.floor(c.start_s / 60)}:${String(Math.floor(c.start_s % 60)).padStart(2, "0")}` : "";
    a.textContent = `${c.author || "Someone"}${when ? ", " + when : ""}${at}: “${c.quote}”`;
    return a;
  }
  function setupAsk() {
    const form = $("#ask-form");
    if (!form) return;
    const conv = $("#conversation");
    // Earlier questions go with each new one, so "and who owns it?" is read in context.
    let earlier = [];
    let source = null;
    const fresh = $("#ask-new");
    if (fresh) fresh.addEventListener("click", () => {
      if (source) { source.close(); source = null; }
      earlier = [];
      conv.replaceChildren();
      $("#question").focus();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("#question");
      const q = input.value.trim();
      if (!q) return;
      if (source) source.close();
      const you = document.createElement("li");
      you.className = "you";
      you.textContent = q;
      conv.appendChild(you);
      const bot = document.createElement("li");
      bot.className = "bot streaming";
      const text = document.createElement("p");
      text.className = "answer";
      bot.appendChild(text);
      conv.appendChild(bot);
      bot.scrollIntoView({ block: "end" });
      input.value = "";
      const params = new URLSearchParams({ question: q, team: form.dataset.team });
      earlier.forEach((before) => params.append("conversation", before));
      earlier = [...earlier, q].slice(-10);
      source = new EventSource(`/api/ask/stream?${params}`);
      source.addEventListener("token", (m) => { text.textContent += JSON.parse(m.data); });
      source.addEventListener("citations", (m) => {
        const cites = JSON.parse(m.data);
        if (cites.length) {
          const list = document.createElement("ol");
          list.className = "citations";
          list.setAttribute("aria-label", "Sources");
          cites.forEach((c) => { const li = document.createElement("li"); li.appendChild(citationLink(c)); list.appendChild(li); });
          bot.appendChild(list);
        }
      });
      const end = () => { bot.classList.remove("streaming"); source.close(); source = null; input.focus(); };
      source.addEventListener("done", end);
      source.addEventListener("error", (m) => {
        if (m.data) { try { text.textContent = JSON.parse(m.data).detail; } catch (_) { /* keep */ } }
        else if (!text.textContent) text.textContent = "The answer could not be fetched.";
        end();
      });
    });
    if ($("#question").value.trim()) form.requestSubmit();
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupPost();
    setupAsk();
    seekFromQuery();
  });
})();
