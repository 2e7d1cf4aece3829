// Terminassistent chat widget for other websites. Include one tag:
//
//   <script src="https://GATEWAY/static/widget.js" defer></script>
//
// Optional attributes: data-label="Termin-Chat" (button text), data-chat-url (defaults to the
// gateway this file came from). The chat runs in an iframe from the gateway, so the host page
// needs no other code; the gateway must list the host's origin in WEBCHAT_EMBED_ORIGINS
// (Content-Security-Policy frame-ancestors). Styles are set through the DOM (no <style> or inline
// markup), so a host with a strict CSP can use it too.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script || window.__terminassistentWidget) return;
  window.__terminassistentWidget = true;

  const origin = new URL(script.src, window.location.href).origin;
  const chatUrl = script.getAttribute("data-chat-url") || origin + "/?embed=1";
  const chatOrigin = new URL(chatUrl, window.location.href).origin;
  const label = script.getAttribute("data-label") || "Termin-Chat öffnen";
  const BRAND = "#004b8d";
  const Z = "2147483000";

  function css(element, styles) {
    for (const [key, value] of Object.entries(styles)) element.style.setProperty(key, value);
    return element;
  }

  const launcher = css(document.createElement("button"), {
    position: "fixed", right: "1rem", bottom: "1rem", "z-index": Z,
    font: "600 1rem/1.3 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "min-height": "3rem", padding: ".7rem 1.2rem", "border-radius": "1.6rem",
    border: "2px solid #fff", background: BRAND, color: "#fff", cursor: "pointer",
    "box-shadow": "0 2px 8px rgba(0,0,0,.35)",
  });
  launcher.type = "button";
  launcher.id = "terminassistent-launcher";
  launcher.textContent = label;
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "terminassistent-panel");

  const panel = css(document.createElement("section"), {
    position: "fixed", "z-index": Z, display: "none", "flex-direction": "column",
    background: "#fff", border: "1px solid #767f8c", "border-radius": ".6rem",
    "box-shadow": "0 4px 24px rgba(0,0,0,.35)", overflow: "hidden",
  });
  panel.id = "terminassistent-panel";
  panel.setAttribute("aria-label", "Terminassistent Hamburg Service");

  const bar = css(document.createElement("div"), {
    display: "flex", "align-items": "center", "justify-content": "space-between", gap: ".5rem",
    background: BRAND, color: "#fff", padding: ".4rem .5rem .4rem .9rem",
    font: "600 1rem/1.3 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  });
  const heading = document.createElement("h2");
  css(heading, { margin: "0", font: "inherit" });
  heading.textContent = "Terminassistent Hamburg Service";
  const close = css(document.createElement("button"), {
    font: "inherit", "min-height": "2.75rem", "min-width": "2.75rem", padding: ".2rem .8rem",
    border: "2px solid #fff", "border-radius": ".4rem", background: "transparent", color: "#fff",
    cursor: "pointer",
  });
  close.type = "button";
  close.textContent = "Schließen";
  close.setAttribute("aria-label", "Chat schließen");
  bar.append(heading, close);
  panel.appendChild(bar);

  let frame = null;

  function focusRing(element, dark) {
    element.addEventListener("focus", () => {
      css(element, { outline: "3px solid " + (dark ? "#0b0c0c" : "#fff"), "outline-offset": "2px", "box-shadow": "0 0 0 5px " + (dark ? "#ffdd00" : "#0b0c0c") });
    });
    element.addEventListener("blur", () => {
      css(element, { outline: "none", "box-shadow": dark ? "none" : "0 2px 8px rgba(0,0,0,.35)" });
    });
  }
  focusRing(launcher, false);
  focusRing(close, false);

  function layout() {
    const narrow = window.matchMedia("(max-width: 30em)").matches;
    if (narrow) {
      css(panel, { left: "0", right: "0", top: "0", bottom: "0", width: "auto", height: "auto", "border-radius": "0" });
    } else {
      css(panel, {
        left: "auto", top: "auto", right: "1rem", bottom: "1rem",
        width: "min(26rem, calc(100vw - 2rem))", height: "min(42rem, calc(100vh - 2rem))",
        "border-radius": ".6rem",
      });
    }
  }

  function open() {
    if (!frame) {
      frame = css(document.createElement("iframe"), { border: "0", flex: "1", width: "100%", "min-height": "0" });
      frame.src = chatUrl;
      frame.title = "Terminassistent – Chat";
      frame.setAttribute("allow", "clipboard-write");
      panel.appendChild(frame);
    }
    layout();
    css(panel, { display: "flex" });
    css(launcher, { display: "none" });
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function hide() {
    css(panel, { display: "none" });
    css(launcher, { display: "inline-block" });
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", open);
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });
  window.addEventListener("message", (event) => {
    if (event.origin === chatOrigin && frame && event.source === frame.contentWindow &&
        event.data && event.data.type === "terminassistent:close") {
      hide();
    }
  });
  window.addEventListener("resize", () => { if (panel.style.display !== "none") layout(); });

  function mount() {
    document.body.append(panel, launcher);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
