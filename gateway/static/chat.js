// Terminassistent web chat (no framework, no build step). See docs/webchat.md.
//
// - Every text from the bot or the user is rendered with textContent / text nodes, never as HTML.
// - The session id and the visible history live in localStorage, so a reload (or a second tab)
//   continues the same conversation; "Neu beginnen" starts a new session id.
// - A failed turn puts the typed text back into the input field and offers "Erneut senden".
(function () {
  "use strict";

  const TEXT = {
    you: "Sie: ",
    bot: "Assistent: ",
    agent: "Mitarbeiterin oder Mitarbeiter: ",
    typing: "Der Assistent schreibt …",
    offline: "Der Server ist im Moment nicht erreichbar. Ihre Nachricht wurde nicht gesendet. " +
      "Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es noch einmal.",
    failed: "Es gibt gerade ein technisches Problem. Ihre Nachricht wurde nicht gesendet.",
    retry: "Erneut senden",
    busy: "Bitte warten Sie einen Moment, der Assistent antwortet noch.",
    empty: "Bitte schreiben Sie eine Nachricht.",
    tooLong: "Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens 1000 Zeichen.",
    human: "Mit einem Menschen sprechen",
    choices: "Antwortmöglichkeiten",
    calendarLink: "Termin in meinen Kalender übernehmen (.ics-Datei)",
    calendarAsk: "Kalendereintrag (.ics-Datei) herunterladen",
    calendarPhone: "Telefonnummer, die Sie bei der Buchung angegeben haben",
    calendarSubmit: "Herunterladen",
    calendarFailed: "Der Kalendereintrag konnte gerade nicht geladen werden. Bitte versuchen Sie es später noch einmal.",
    calendarDone: "Die Kalenderdatei wurde heruntergeladen.",
    newTab: " (öffnet in neuem Fenster)",
  };

  const STORE_SESSION = "ta-session";
  const STORE_HISTORY = "ta-history";
  const STORE_AGENT = "ta-agent"; // "sessionId:lastMessageId" while an agent holds the chat
  const AGENT_POLL_MS = 3000;
  const IDLE_LIMIT_MS = 60 * 60 * 1000; // the bot forgets a conversation after 60 idle minutes
  const MAX_CHARS = 1000;
  const TIMEOUT_MS = 40000;
  const START_MESSAGE = "/greet";
  const HUMAN_MESSAGE = "/request_human";
  const CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679";
  const CODE = new RegExp("\\b[" + CODE_ALPHABET + "]{3}-[" + CODE_ALPHABET + "]{3}\\b");
  const TOKENS = new RegExp("(\\b[" + CODE_ALPHABET + "]{3}-[" + CODE_ALPHABET + "]{3}\\b|https://[^\\s<>\"]+[^\\s<>\".,;:!?)])", "g");

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const typing = document.getElementById("typing");
  const problem = document.getElementById("problem");
  const humanButton = document.getElementById("human");
  const restartButton = document.getElementById("restart");
  const embedded = document.body.classList.contains("embedded");

  // --- storage (falls back to memory when the browser blocks it, e.g. in some iframes) -------

  const memory = {};
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (e) { return memory[key] || null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch (e) { memory[key] = value; }
    },
    remove(key) {
      try { window.localStorage.removeItem(key); } catch (e) { delete memory[key]; }
    },
  };

  function newSessionId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function loadState() {
    let sessionId = store.get(STORE_SESSION);
    let history = [];
    try {
      const saved = JSON.parse(store.get(STORE_HISTORY) || "null");
      if (saved && saved.sessionId === sessionId && Array.isArray(saved.items) &&
          Date.now() - (saved.updated || 0) < IDLE_LIMIT_MS) {
        history = saved.items;
      }
    } catch (e) {
      history = [];
    }
    if (!sessionId || !/^[A-Za-z0-9_-]{8,64}$/.test(sessionId) || history.length === 0) {
      sessionId = newSessionId();
      history = [];
      store.set(STORE_SESSION, sessionId);
    }
    return { sessionId: sessionId, history: history };
  }

  const state = Object.assign(loadState(), { busy: false, pending: null, generation: 0 });

  function saveHistory() {
    store.set(STORE_HISTORY, JSON.stringify({
      sessionId: state.sessionId, updated: Date.now(), items: state.history.slice(-200),
    }));
  }

  // --- rendering (text only) -----------------------------------------------------------------

  function appendRichText(parent, text) {
    // Booking codes are emphasised and https links made clickable; everything stays text nodes.
    let last = 0;
    text.replace(TOKENS, (match, _token, offset) => {
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      if (match.startsWith("https://")) {
        const link = document.createElement("a");
        link.href = match;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = match;
        const hint = document.createElement("span");
        hint.className = "visually-hidden";
        hint.textContent = TEXT.newTab;
        link.appendChild(hint);
        parent.appendChild(link);
      } else {
        const code = document.createElement("strong");
        code.className = "code";
        code.textContent = match;
        parent.appendChild(code);
      }
      last = offset + match.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function bubble(role, text) {
    const item = document.createElement("div");
    item.className = "msg msg-" + role;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = role === "user" ? TEXT.you : (role === "agent" ? TEXT.agent : TEXT.bot);
    item.appendChild(who);
    const body = document.createElement("p");
    body.className = "msg-text";
    appendRichText(body, text || "");
    item.appendChild(body);
    return item;
  }

  function renderUser(entry) {
    const item = bubble("user", entry.text);
    log.appendChild(item);
    return item;
  }

  function renderBot(entry, withChoices) {
    const item = bubble(entry.role === "agent" ? "agent" : "bot", entry.text);
    if (entry.handover) item.classList.add("msg-handover");
    const code = entry.calendar ? entry.calendar.code : (CODE.exec(entry.text || "") || [null])[0];
    if (code) {
      item.classList.add("msg-booking");
      item.appendChild(entry.calendar && entry.calendar.url ? calendarLink(entry.calendar) : calendarForm(code));
    }
    log.appendChild(item);
    if (withChoices && entry.buttons && entry.buttons.length) log.appendChild(choices(entry.buttons));
    return item;
  }

  function choices(buttons) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", TEXT.choices);
    for (const button of buttons) {
      const choice = document.createElement("button");
      choice.type = "button";
      choice.className = "choice";
      choice.textContent = button.title;
      choice.addEventListener("click", () => {
        send(button.payload, button.title, { fromInput: false });
      });
      group.appendChild(choice);
    }
    return group;
  }

  function calendarLink(calendar) {
    const link = document.createElement("a");
    link.className = "calendar-link";
    link.href = calendar.url;
    link.setAttribute("download", "termin-" + calendar.code + ".ics");
    link.textContent = TEXT.calendarLink;
    return link;
  }

  function calendarForm(code) {
    // Without a signed link (e.g. a code shown when checking an appointment) the phone number
    // given at booking proves the appointment is the reader's own.
    const details = document.createElement("details");
    details.className = "calendar";
    const summary = document.createElement("summary");
    summary.textContent = TEXT.calendarAsk;
    details.appendChild(summary);
    const calForm = document.createElement("form");
    calForm.className = "calendar-form";
    const id = "cal-phone-" + code + "-" + Math.random().toString(36).slice(2, 8);
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = TEXT.calendarPhone;
    const phone = document.createElement("input");
    phone.id = id;
    phone.type = "tel";
    phone.autocomplete = "tel";
    phone.required = true;
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = TEXT.calendarSubmit;
    const status = document.createElement("p");
    status.className = "calendar-status";
    status.setAttribute("role", "status");
    calForm.append(label, phone, submit, status);
    calForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "";
      if (!phone.value.trim()) { phone.focus(); return; }
      // the number goes in the body, never in the URL (URLs end up in proxy logs)
      const url = "/api/calendar/" + encodeURIComponent(code) + ".ics";
      try {
        const response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          body: new URLSearchParams({ verification: phone.value.trim() }),
        });
        if (!response.ok) {
          const reason = await response.text();
          status.textContent = reason && reason.length < 300 ? reason : TEXT.calendarFailed;
          return;
        }
        const file = URL.createObjectURL(await response.blob());
        const save = document.createElement("a");
        save.href = file;
        save.download = "termin-" + code + ".ics";
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(file), 10000);
        status.textContent = TEXT.calendarDone;
      } catch (e) {
        status.textContent = TEXT.calendarFailed;
      }
    });
    details.appendChild(calForm);
    return details;
  }

  function renderHistory() {
    log.textContent = "";
    let lastUser = -1;
    state.history.forEach((entry, index) => { if (entry.role === "user") lastUser = index; });
    state.history.forEach((entry, index) => {
      if (entry.role === "user") renderUser(entry);
      else renderBot(entry, index > lastUser);
    });
  }

  function scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  // --- notices -------------------------------------------------------------------------------

  function showProblem(text, retry) {
    problem.textContent = "";
    const message = document.createElement("p");
    message.textContent = text;
    problem.appendChild(message);
    if (retry) {
      const again = document.createElement("button");
      again.type = "button";
      again.id = "retry";
      again.className = "retry";
      again.textContent = TEXT.retry;
      again.addEventListener("click", () => {
        const pending = state.pending;
        if (!pending) return;
        if (pending.fromInput && input.value.trim() === pending.text) input.value = "";
        send(pending.payload, pending.shown, { fromInput: pending.fromInput, text: pending.text });
      });
      problem.appendChild(again);
    }
  }

  function clearProblem() {
    problem.textContent = "";
  }

  function setTyping(on) {
    typing.textContent = "";
    if (!on) return;
    const dots = document.createElement("span");
    dots.className = "dots";
    dots.setAttribute("aria-hidden", "true");
    for (let i = 0; i < 3; i += 1) dots.appendChild(document.createElement("span"));
    const label = document.createElement("span");
    label.textContent = TEXT.typing;
    typing.append(dots, label);
  }

  // --- one turn ------------------------------------------------------------------------------

  async function postTurn(payload) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ session_id: state.sessionId, message: payload }),
        credentials: "same-origin",
        signal: controller.signal,
      });
      let data = null;
      try { data = await response.json(); } catch (e) { data = null; }
      return { status: response.status, ok: response.ok, data: data };
    } catch (e) {
      return { status: 0, ok: false, data: null };
    } finally {
      clearTimeout(timer);
    }
  }

  function serverText(data) {
    if (data && Array.isArray(data.messages) && data.messages[0] && typeof data.messages[0].text === "string") {
      return data.messages[0].text;
    }
    return null;
  }

  async function send(payload, shown, options) {
    const fromInput = Boolean(options && options.fromInput);
    const typed = options && options.text !== undefined ? options.text : shown;
    if (state.busy) {
      showProblem(TEXT.busy, false);
      if (fromInput && !input.value) input.value = typed;
      return;
    }
    state.busy = true;
    state.pending = { payload: payload, shown: shown, fromInput: fromInput, text: typed };
    clearProblem();
    const userItem = shown ? renderUser({ text: shown }) : null;
    if (userItem) userItem.classList.add("msg-pending");
    setTyping(true);
    scrollToEnd();

    const generation = state.generation;
    const result = await postTurn(payload);
    if (generation !== state.generation) return; // "Neu beginnen" was pressed meanwhile
    setTyping(false);
    state.busy = false;

    if (result.ok && result.data && Array.isArray(result.data.messages)) {
      state.pending = null;
      const focus = document.activeElement;
      const choiceHadFocus = Boolean(focus && focus.closest && focus.closest(".choices"));
      for (const group of log.querySelectorAll(".choices")) group.remove();
      if (userItem) {
        userItem.classList.remove("msg-pending");
        state.history.push({ role: "user", text: shown });
      }
      for (const message of result.data.messages) {
        const entry = {
          role: "bot",
          text: typeof message.text === "string" ? message.text : "",
          buttons: Array.isArray(message.buttons) ? message.buttons.filter((b) => b && typeof b.title === "string" && typeof b.payload === "string") : [],
        };
        if (message.handover) { entry.handover = true; startAgentPolling(); }
        if (message.calendar && typeof message.calendar.url === "string" && typeof message.calendar.code === "string") {
          entry.calendar = { code: message.calendar.code, url: message.calendar.url };
        }
        if (!entry.text && entry.buttons.length === 0) continue;
        state.history.push(entry);
        renderBot(entry, true);
      }
      if (result.data.held) startAgentPolling();
      saveHistory();
      scrollToEnd();
      // A chosen quick reply has gone with its group: keep keyboard users in the conversation.
      if (choiceHadFocus) input.focus();
      return;
    }

    // The turn failed: take the bubble back, give the typed text back, say why in German.
    if (userItem) userItem.remove();
    if (fromInput && !input.value) input.value = typed;
    const retryable = result.status === 0 || result.status === 429 || result.status >= 500;
    let text = serverText(result.data);
    if (result.status === 0 || !text) text = result.status === 0 ? TEXT.offline : TEXT.failed;
    showProblem(text, retryable);
    if (fromInput) input.focus();
  }

  // --- controls ------------------------------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) {
      showProblem(TEXT.empty, false);
      input.focus();
      return;
    }
    if (text.length > MAX_CHARS) {
      showProblem(TEXT.tooLong, false);
      input.focus();
      return;
    }
    if (state.busy) {
      showProblem(TEXT.busy, false);
      return;
    }
    input.value = "";
    send(text, text, { fromInput: true, text: text });
  });

  humanButton.addEventListener("click", () => {
    send(HUMAN_MESSAGE, TEXT.human, { fromInput: false });
  });

  restartButton.addEventListener("click", () => {
    state.generation += 1;
    setTyping(false);
    state.sessionId = newSessionId();
    store.set(STORE_SESSION, state.sessionId);
    state.history = [];
    state.pending = null;
    store.remove(STORE_HISTORY);
    stopAgentPolling();
    log.textContent = "";
    clearProblem();
    input.value = "";
    input.focus();
    state.busy = false;
    send(START_MESSAGE, null, { fromInput: false });
  });

  if (embedded) {
    // The widget's panel closes on Escape; tell the host page (the message carries no data).
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && window.parent !== window) {
        window.parent.postMessage({ type: "terminassistent:close" }, "*");
      }
    });
    window.addEventListener("focus", () => {
      if (document.activeElement === document.body) input.focus();
    });
  }

  // --- an agent holds the chat: poll for the agent's replies (see gateway/agents/relay.py) ----

  const agent = { timer: null, after: 0 };

  function startAgentPolling() {
    if (agent.timer) return;
    const saved = (store.get(STORE_AGENT) || "").split(":");
    agent.after = saved[0] === state.sessionId ? Number(saved[1]) || 0 : 0;
    store.set(STORE_AGENT, state.sessionId + ":" + agent.after);
    agent.timer = window.setInterval(pollAgent, AGENT_POLL_MS);
  }

  function stopAgentPolling() {
    if (agent.timer) window.clearInterval(agent.timer);
    agent.timer = null;
    store.remove(STORE_AGENT);
  }

  async function pollAgent() {
    const session = state.sessionId;
    let data = null;
    try {
      const response = await fetch("/api/chat/agent?session_id=" + encodeURIComponent(session) +
        "&after=" + agent.after, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      data = await response.json();
    } catch (e) {
      return; // try again at the next tick
    }
    if (session !== state.sessionId || !data) return;
    for (const message of data.messages || []) {
      if (typeof message.text !== "string" || typeof message.id !== "number") continue;
      agent.after = Math.max(agent.after, message.id);
      const entry = { role: message.from === "agent" ? "agent" : "bot", text: message.text, buttons: [] };
      state.history.push(entry);
      renderBot(entry, false);
    }
    if ((data.messages || []).length) { saveHistory(); scrollToEnd(); }
    if (data.held === false) stopAgentPolling();
    else store.set(STORE_AGENT, state.sessionId + ":" + agent.after);
  }

  // --- start ---------------------------------------------------------------------------------

  renderHistory();
  scrollToEnd();
  if (state.history.length === 0) send(START_MESSAGE, null, { fromInput: false });
  else if ((store.get(STORE_AGENT) || "").split(":")[0] === state.sessionId) startAgentPolling();
})();
