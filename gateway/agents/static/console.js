// 115 agent console: shows new messages of a live chat hand-over without a reload.
// Text only (textContent), never HTML.
(function () {
  "use strict";
  const log = document.getElementById("live");
  if (!log || !log.dataset.poll) return;
  const SPEAKERS = { citizen: "Bürger/in", agent: "Mitarbeiter/in", system: "System" };
  function lastId() {
    const items = log.querySelectorAll("li[data-id]");
    return items.length ? Number(items[items.length - 1].dataset.id) : 0;
  }
  function append(message) {
    const item = document.createElement("li");
    item.className = "line line-" + message.sender;
    item.dataset.id = String(message.id);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = (SPEAKERS[message.sender] || message.sender) + (message.agent ? " (" + message.agent + ")" : "");
    const when = document.createElement("time");
    when.dateTime = message.at || "";
    when.textContent = message.at ? new Date(message.at).toLocaleString("de-DE") : "";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = message.text;
    item.append(who, when, text);
    log.appendChild(item);
  }
  async function poll() {
    try {
      const response = await fetch(log.dataset.poll + "?after=" + lastId(), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const data = await response.json();
        for (const message of data.messages || []) append(message);
      }
    } catch (e) { /* try again at the next tick */ }
  }
  window.setInterval(poll, 3000);
})();
