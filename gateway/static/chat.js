// Minimal web chat: sends turns to /api/chat and renders text (never HTML) and buttons.
(function () {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  let sessionId = localStorage.getItem("ta-session");
  if (!sessionId) {
    sessionId = "web-" + crypto.randomUUID().replace(/-/g, "");
    localStorage.setItem("ta-session", sessionId);
  }

  function add(role, text) {
    const item = document.createElement("li");
    item.className = role;
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  async function send(text, shown) {
    add("user", shown || text);
    let data;
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: sessionId, message: text }),
      });
      data = await response.json();
    } catch (error) {
      data = { messages: [{ text: "Der Server ist nicht erreichbar. Bitte versuchen Sie es noch einmal." }] };
    }
    for (const message of data.messages || []) {
      const item = add("bot", message.text || "");
      for (const button of message.buttons || []) {
        const choice = document.createElement("button");
        choice.type = "button";
        choice.textContent = button.title;
        choice.addEventListener("click", () => send(button.payload, button.title));
        item.appendChild(choice);
      }
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
})();
