"""Browser tests of the web chat in real headless Chromium (Debian's chromium + chromedriver).

The gateway runs in a background thread (werkzeug) with a scripted fake of Rasa and the
in-memory booking port, so the page, the JSON relay, the rate limits and the calendar file are
real while the dialogue is predictable. The real-Rasa path is covered by tests/e2e.

Install the browser with scripts/install_browser.sh and axe-core with `npm ci` at the repo root.
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from werkzeug.serving import make_server

from booking_adapter.memory import InMemoryBookingPort
from booking_adapter.port import Contact, SlotQuery
from common.settings import Settings
from gateway import create_app
from gateway.rasa_client import RasaUnavailable

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NOW = "2026-11-23T09:00:00+01:00"
_CHOICE = re.compile(r'^/choose_option\{"ordinal":"(\d)"\}$')


# --- a scripted stand-in for Rasa ----------------------------------------------------------------


@dataclass
class _Conversation:
    step: str = "start"
    offers: list = field(default_factory=list)
    hold_id: Optional[str] = None
    name: str = ""
    phone: str = ""


class ScriptedRasa:
    """Answers like Rasa's webchat channel for one short booking dialogue: service and place ->
    slot buttons -> name -> phone -> yes/no buttons -> booking code. Markers come as separate
    `custom` messages, as real Rasa sends them. "echo: X" makes the bot say X verbatim."""

    def __init__(self, booking: InMemoryBookingPort):
        self.booking = booking
        self.calls: list[tuple[str, str, str]] = []
        self.conversations: dict[str, _Conversation] = {}
        self.down = False
        self.lock = threading.Lock()

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        with self.lock:
            self.calls.append((channel, sender, message))
            if self.down:
                raise RasaUnavailable("scripted outage")
            return self._answer(self.conversations.setdefault(sender, _Conversation()), sender, message)

    def messages_from(self, sender: str) -> list[str]:
        return [m for _, s, m in self.calls if s == sender]

    def _answer(self, talk: _Conversation, sender: str, message: str) -> list[dict]:
        text = message.strip()
        if text == "/greet":
            return [{"text": "Guten Tag! Ich bin der Terminassistent von Hamburg Service. Wie kann ich Ihnen helfen?"}]
        if text == "/request_human":
            return [
                {"text": "Ich verbinde Sie mit einer Mitarbeiterin oder einem Mitarbeiter. Bitte haben Sie einen Moment Geduld."},
                {"custom": {"handover": {"reason": "requested"}}},
            ]
        if text.startswith("echo: "):
            return [{"text": text[len("echo: "):]}]
        if talk.step == "start" and "termin" in text.lower():
            slots = self.booking.find_slots(
                SlotQuery(("personalausweis",), location_keys=("altona",), earliest=date(2026, 12, 1), limit=3)
            )
            talk.offers, talk.step = slots, "choose"
            return [{
                "text": "Ich habe diese freien Termine im Kundenzentrum Altona gefunden. Welcher passt Ihnen?",
                "buttons": [
                    {"title": _title(slot), "payload": f'/choose_option{{"ordinal":"{n}"}}'}
                    for n, slot in enumerate(slots, start=1)
                ],
            }]
        if talk.step == "choose":
            match = _CHOICE.match(text)
            if not match:
                return [{"text": "Bitte wählen Sie einen der Termine."}]
            slot = talk.offers[int(match.group(1)) - 1]
            talk.hold_id = self.booking.hold(slot, sender).hold_id
            talk.step = "name"
            return [{"text": "Auf welchen Namen soll ich den Termin buchen? Bitte Vor- und Nachnamen."}]
        if talk.step == "name":
            talk.name, talk.step = text, "phone"
            return [{"text": "Unter welcher Telefonnummer können wir Sie erreichen?"}]
        if talk.step == "phone":
            talk.phone, talk.step = text, "confirm"
            return [{
                "text": f"Soll ich den Termin für {talk.name} verbindlich buchen?",
                "buttons": [{"title": "Ja, buchen", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}],
            }]
        if talk.step == "confirm" and text in ("/affirm", "ja", "Ja"):
            appointment = self.booking.confirm(talk.hold_id, Contact(name=talk.name, phone=talk.phone))
            talk.step = "done"
            return [
                {"text": f"Ihr Termin ist gebucht: {_title_of(appointment)}. Ihr Buchungscode: {appointment.code}. "
                         "Bitte bringen Sie mit: Personalausweis, biometrisches Passfoto."},
                {"custom": {"booking": {"code": appointment.code, "day": "", "time": "",
                                        "location_name": appointment.location_name, "phone": talk.phone}}},
            ]
        return [{"text": "Das habe ich nicht verstanden. Können Sie es anders sagen?"}]


def _title(slot) -> str:
    start = slot.start
    return f"{start:%d.%m.}, {start.hour}:{start.minute:02d} Uhr, {slot.location_name}"


def _title_of(appointment) -> str:
    start = appointment.start
    return f"{start:%d.%m.%Y}, {start.hour}:{start.minute:02d} Uhr, {appointment.location_name}"


# --- the gateway in a thread ---------------------------------------------------------------------


class LiveGateway:
    def __init__(self, port: int = 0):
        self.settings = Settings.from_env({"ASSISTANT_NOW": NOW})
        self.booking = InMemoryBookingPort(self.settings.clock())
        self.rasa = ScriptedRasa(self.booking)
        self.app = create_app(self.settings, rasa=self.rasa, booking=self.booking)
        self._port = port
        self._server = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> LiveGateway:
        self._server = make_server("127.0.0.1", self._port, self.app, threaded=True)
        self._port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"


logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines in test output


@pytest.fixture(scope="session")
def gateway():
    live = LiveGateway().start()
    yield live
    live.stop()


@pytest.fixture
def own_gateway():
    """A gateway of the test's own, which the test may stop and start again on the same port."""
    live = LiveGateway().start()
    yield live
    live.stop()


# --- the browser ---------------------------------------------------------------------------------


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/install_browser.sh", pytrace=False)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--disable-extensions", "--lang=de-DE",
        "--force-device-scale-factor=1", "--window-size=1280,800", f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


class ChatPage:
    """What a test does on the chat page, in the words of the page."""

    def __init__(self, driver, base_url: str):
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str = "/", fresh: bool = True) -> ChatPage:
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        self.driver.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})
        self.driver.set_window_size(1280, 800)
        if fresh:
            self.driver.get(self.base_url + "/static/chat.css")  # same origin, no chat running
            self.driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
        self.driver.get(self.base_url + path)
        return self

    def viewport(self, width: int, height: int, mobile: bool = False) -> None:
        """An exact CSS viewport (as a phone of that size would have), via the DevTools protocol."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
        })
        self.driver.execute_cdp_cmd("Emulation.setPageScaleFactor", {"pageScaleFactor": 1})

    def scroll_to_end(self) -> None:
        self.driver.execute_script("window.scrollTo(0, document.documentElement.scrollHeight);")

    def horizontal_overflow(self) -> int:
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        )

    def downloads_to(self, folder: Path) -> None:
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(folder), "eventsEnabled": False,
        })

    def wait_for_file(self, folder: Path, name: str, timeout: float = 10) -> str:
        path = folder / name
        self.wait(lambda d: path.exists() and path.stat().st_size > 0, timeout, f"download {name}")
        return path.read_text(encoding="utf-8")

    def wait(self, condition: Callable[[Any], Any], timeout: float = 10, message: str = ""):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message)

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def bubbles(self, role: Optional[str] = None) -> list[str]:
        css = f".msg-{role} .msg-text" if role else ".msg .msg-text"
        return [e.text for e in self.find_all(css)]

    def wait_for_bot(self, count: int, timeout: float = 10) -> list[str]:
        self.wait(lambda d: len(self.bubbles("bot")) >= count and not self.typing(), timeout,
                  f"expected {count} bot messages, saw {self.bubbles('bot')}")
        return self.bubbles("bot")

    def typing(self) -> bool:
        return bool(self.find("#typing").text.strip())

    def choices(self) -> list:
        return self.find_all(".choices .choice")

    def type_and_send(self, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.find("#message")
        box.clear()
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def session_id(self) -> str:
        return self.driver.execute_script("return window.localStorage.getItem('ta-session');")

    def focused(self):
        return self.driver.switch_to.active_element

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.driver.save_screenshot(str(path))
        return path

    def full_page_screenshot(self, name: str, width: int) -> Path:
        """The whole page at once: a viewport as tall as the document for the shot."""
        height = self.driver.execute_script("return document.documentElement.scrollHeight;")
        self.viewport(width, max(int(height), 200), mobile=True)
        return self.screenshot(name)

    def run_axe(self, context: str = "document") -> list[dict]:
        """axe-core (npm, pinned in package-lock.json) injected into the page: the violations."""
        if not AXE.exists():
            pytest.fail("axe-core is missing: run `npm ci` at the repository root", pytrace=False)
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        self.driver.set_script_timeout(30)
        result = self.driver.execute_async_script(
            """
            const done = arguments[arguments.length - 1];
            axe.run(%s, {resultTypes: ['violations']})
              .then(r => done(JSON.stringify(r.violations)))
              .catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', description: String(e), nodes: []}])));
            """ % context  # noqa: UP031 (a JavaScript template full of braces)
        )
        return json.loads(result)


@pytest.fixture
def chat(browser, gateway) -> ChatPage:
    return ChatPage(browser, gateway.url)
