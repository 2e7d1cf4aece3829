"""Personal data (issue 19, item 3): no phone number in any URL, log line or bot message of a
complete chat booking; the calendar file by the signed link or by the number in a POST body;
`hide_parameters` on every engine; the retention of booking contacts.

The chat booking runs through the real gateway (Flask test client) on a real, seeded SQLite
booking store. Rasa is stood in for by `ActionBot`, which runs the project's real action code
(the offers, the slot validation, the read-back and the booking action, on the gateway's own
booking store) and answers in Rasa's REST format with the domain's German texts: the same
messages, markers and custom payloads the real bot would store as bot events. What it cannot
show (Rasa's NLU and its SQL tracker store) is left to the end-to-end tier.
"""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from typing import Any, Optional

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.booking import ActionAskBookingConfirmed, ActionBookAppointment
from actions.offers import ActionAskChosenSlot
from actions.validation import ValidateBookingForm
from booking_adapter.port import Contact, SlotQuery
from common.settings import PROJECT_ROOT
from tests.unit.actions.conftest import make_tracker

from .conftest import NOW

PHONE_SAID = "040 1234567"
# every spelling the number could take in a URL, a log line or a message
PHONE_FORMS = ("1234567", "+49401234567", "49401234567", "0401234567", "040%201234567", "040+1234567")
DOMAIN = PROJECT_ROOT / "bot" / "domain"


def _responses() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        out.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return out


class ActionBot:
    """Rasa's part of a web chat booking, played by the real actions: one scripted step per turn."""

    def __init__(self, booking, clock) -> None:
        self.responses = _responses()
        self.slots: dict[str, Any] = {}
        self.bot_events: list[dict] = []  # what Rasa would store as "bot" events
        self.booking = booking
        wiring.install(wiring.ActionServices(booking=booking, clock=clock))

    def _render(self, message: dict) -> dict:
        """A dispatcher message as Rasa's REST channel sends it (the domain's chat variant)."""
        out: dict[str, Any] = {}
        name = message.get("response")
        if name:
            variant = next(v for v in self.responses[name] if v.get("channel") in (None, "webchat"))
            values = defaultdict(str, {**self.slots, **{k: v for k, v in message.items() if isinstance(v, str)}})
            out["text"] = variant["text"].format_map(values)
            if variant.get("buttons"):
                out["buttons"] = variant["buttons"]
        if message.get("buttons"):
            out["buttons"] = message["buttons"]
        return out

    def _answer(self, sender: str, dispatcher: CollectingDispatcher) -> list[dict]:
        replies: list[dict] = []
        for message in dispatcher.messages:
            rendered = self._render(message)
            self.bot_events.append({"event": "bot", "text": rendered.get("text"),
                                    "data": {"buttons": rendered.get("buttons"), "custom": message.get("custom")}})
            replies.append({"recipient_id": sender, **rendered})
            if message.get("custom"):  # Rasa's REST channel sends the custom payload on its own
                replies.append({"recipient_id": sender, "custom": message["custom"]})
        return replies

    def _say(self, sender: str, response: str) -> list[dict]:
        dispatcher = CollectingDispatcher()
        dispatcher.utter_message(response=response)
        return self._answer(sender, dispatcher)

    def send(self, channel: str, sender: str, message: str, metadata: Optional[dict] = None) -> list[dict]:
        assert channel == "webchat"
        dispatcher = CollectingDispatcher()
        tracker = lambda requested=None: make_tracker(self.slots, text=message, sender=sender,  # noqa: E731
                                                      requested_slot=requested)
        if "service" not in self.slots:
            self.slots.update(service="personalausweis")
            return self._say(sender, "utter_ask_when")
        if "when" not in self.slots:
            self.slots.update(when=message, location="altona")
            events = ActionAskChosenSlot().run(dispatcher, tracker(), {})
            self.slots["offered_slots"] = next(e["value"] for e in events if e.get("name") == "offered_slots")
        elif "chosen_slot" not in self.slots:
            self.slots.update(ValidateBookingForm().validate_chosen_slot(message, dispatcher, tracker("chosen_slot"), {}))
            return self._say(sender, "utter_ask_person_name")
        elif "person_name" not in self.slots:
            self.slots.update(ValidateBookingForm().validate_person_name(message, dispatcher, tracker("person_name"), {}))
            return self._say(sender, "utter_ask_phone_number")
        elif "phone_number" not in self.slots:
            self.slots.update(ValidateBookingForm().validate_phone_number(message, dispatcher, tracker("phone_number"), {}))
            ActionAskBookingConfirmed().run(dispatcher, tracker(), {})
        else:
            self.slots["booking_confirmed"] = message.lower().startswith("ja")
            ActionBookAppointment().run(dispatcher, tracker(), {})
        return self._answer(sender, dispatcher)


class AccessLog:
    """The gateway's access log as gunicorn would write it: method, path and query, status."""

    def __init__(self, app) -> None:
        self.app = app
        self.log = logging.getLogger("gunicorn.access")

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            self.log.info('"%s %s?%s" %s', environ["REQUEST_METHOD"], environ.get("PATH_INFO"),
                          environ.get("QUERY_STRING", ""), status.split()[0])
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _no_phone(where: str, text: str) -> None:
    for form in PHONE_FORMS:
        assert form not in text, f"phone number ({form}) in {where}: {text[:300]}"


@pytest.fixture
def chat_world(gateway):
    bot = ActionBot(gateway.booking, gateway.settings.clock())
    gateway.app.extensions["rasa"] = bot
    gateway.app.wsgi_app = AccessLog(gateway.app.wsgi_app)
    yield gateway, bot
    wiring._installed = None


def test_a_complete_chat_booking_leaves_no_phone_number_in_urls_logs_or_bot_messages(chat_world, all_logs):
    gateway, bot = chat_world
    client = gateway.client()
    session = "sicherheit-0001"
    urls: list[str] = []
    bodies: list[dict] = []

    def turn(text: str) -> list[dict]:
        urls.append("/api/chat")
        response = client.post("/api/chat", json={"session_id": session, "message": text})
        assert response.status_code == 200, response.get_data(as_text=True)
        bodies.append(response.get_json())
        return response.get_json()["messages"]

    turn("Ich brauche einen neuen Personalausweis")
    offers = turn("nächste Woche Dienstag vormittags in Altona")
    assert offers[0]["buttons"], "the real offers action answered with buttons"
    turn("der erste")
    turn("Anna Schulz")
    readback = turn(PHONE_SAID)
    assert "Soll ich den Termin verbindlich buchen?" in readback[-1]["text"]
    [booked] = turn("ja")

    # the booking is real, with the number, in the booking store (and only there)
    code = booked["booking"]["code"]
    appointment = gateway.booking.appointment(code)
    assert appointment.phone == "+49401234567" and appointment.contact_name == "Anna Schulz"
    assert set(booked["booking"]) == {"code", "day", "time", "location_name"}

    # the calendar file by the signed link the chat handed out (no number needed)
    link = booked["calendar"]["url"]
    urls.append(link)
    calendar = client.get(link)
    assert calendar.status_code == 200 and "BEGIN:VEVENT" in calendar.get_data(as_text=True)
    # and by code and number, the number in the body
    by_number = f"/api/calendar/{code}.ics"
    urls.append(by_number)
    assert client.post(by_number, data={"verification": PHONE_SAID}).status_code == 200

    for url in urls:
        _no_phone("a URL", url)
    for body in bodies:  # not even the answer to the number repeats it
        _no_phone("a chat answer", json.dumps(body, ensure_ascii=False))
    for event in bot.bot_events:
        _no_phone("a bot event", json.dumps(event, ensure_ascii=False))
    assert any((e["data"]["custom"] or {}).get("booking", {}).get("code") == code for e in bot.bot_events)
    access = [r.getMessage() for r in all_logs.records if r.name == "gunicorn.access"]
    assert len(access) == len(urls), "every request is in the access log"
    lines = [f"{r.name} {r.levelname} {r.getMessage()}" for r in all_logs.records]
    assert lines, "logging was captured"
    for line in lines:
        _no_phone("a log line", line)


def test_a_phone_number_sent_in_the_calendar_url_is_not_used(chat_world):
    """Old clients that still put it in the URL get nothing: the number must not be taught to travel there."""
    gateway, _ = chat_world
    booking = gateway.booking
    slot = booking.find_slots(SlotQuery(("personalausweis",), earliest=date(2026, 11, 30), limit=1))[0]
    code = booking.confirm(booking.hold(slot, "setup").hold_id, Contact("Erika Muster", PHONE_SAID)).code
    client = gateway.client()
    assert client.get(f"/api/calendar/{code}.ics", query_string={"verification": PHONE_SAID}).status_code == 404
    assert client.post(f"/api/calendar/{code}.ics", json={"verification": PHONE_SAID}).status_code == 200


def test_the_web_chat_script_sends_the_number_in_the_body_not_the_url():
    script = (PROJECT_ROOT / "gateway" / "static" / "chat.js").read_text(encoding="utf-8")
    assert "verification=" not in script.replace("{ verification:", "")
    assert re.search(r'method:\s*"POST"[^}]*body:\s*new URLSearchParams\(\{\s*verification:', script, re.S)


# --- engines ----------------------------------------------------------------------------------


def test_every_engine_hides_sql_parameters(tmp_path, postgres_url):
    from booking_adapter.db import create_engines
    from common.settings import Settings
    from handover.store import build_engine
    from monitoring.tracker import tracker_engine
    from telephony.services import build_store

    engines = [*create_engines(f"sqlite:///{tmp_path / 'b.db'}").__dict__.values(),
               *create_engines(postgres_url).__dict__.values(),
               build_engine(f"sqlite:///{tmp_path / 'h.db'}"), build_engine(postgres_url),
               tracker_engine(f"sqlite:///{tmp_path / 't.db'}"), tracker_engine(postgres_url),
               build_store(Settings.from_env({"TELEPHONY_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"})).engine]
    assert all(engine.hide_parameters for engine in engines), [e.url for e in engines if not e.hide_parameters]
    for engine in engines:
        engine.dispose()


def test_a_failing_statement_does_not_put_the_phone_number_into_the_error(tmp_path):
    from sqlalchemy import text

    from booking_adapter.db import create_engines

    engines = create_engines(f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(Exception) as failure, engines.write.begin() as connection:
        connection.execute(text("INSERT INTO no_such_table (phone) VALUES (:phone)"), {"phone": "+49401234567"})
    _no_phone("an SQL error", str(failure.value))
    engines.dispose()


# --- retention of booking contacts ------------------------------------------------------------


def test_make_retention_erases_the_contacts_of_past_appointments_and_keeps_the_rows(tmp_path, seeded_booking_template):
    import shutil

    from booking_adapter.bootstrap import build_booking_port
    from common.settings import Settings

    path = tmp_path / "booking.db"
    shutil.copyfile(seeded_booking_template, path)
    url = f"sqlite:///{path}"
    port = build_booking_port(Settings.from_env({"BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": NOW}))
    slots = port.find_slots(SlotQuery(("personalausweis",), earliest=date(2026, 11, 24), limit=2))
    past, recent = [port.confirm(port.hold(s, f"c{n}").hold_id, Contact("Erika Muster", PHONE_SAID)).code
                    for n, s in enumerate(slots)]
    port.close()

    def run(now: str, *extra: str) -> dict:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "BOOKING_DATABASE_URL": url,
               "ASSISTANT_NOW": now, "BOOKING_CONTACT_RETENTION_DAYS": "30"}
        done = subprocess.run([sys.executable, "-m", "booking_adapter", "retention", *extra], env=env,
                              capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
        return json.loads(done.stdout)

    assert run("2026-12-20T09:00:00+01:00")["appointments_contacts_erased"] == 0  # 26 days after: kept
    assert run("2027-01-10T09:00:00+01:00")["appointments_contacts_erased"] == 2
    port = build_booking_port(Settings.from_env({"BOOKING_DATABASE_URL": url, "ASSISTANT_NOW": NOW}))
    for code in (past, recent):
        appointment = port.appointment(code)
        assert (appointment.contact_name, appointment.phone) == ("", None)
        assert appointment.status == "confirmed", "the row stays for the statistics"
    port.close()


def test_the_makefile_retention_target_runs_the_booking_contact_retention():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nretention:", 1)[1].split("\n\n", 1)[0]
    assert "-m handover retention" in recipe and "-m booking_adapter retention" in recipe


# --- the agents' search -----------------------------------------------------------------------


def test_agents_search_phone_numbers_in_the_body_and_a_number_in_the_url_is_refused(gateway):
    from handover.domain import NewHandover

    from .conftest import csrf_of, sign_in

    record = gateway.store.record_handover(NewHandover(conversation_id="web-0000security", channel="webchat",
                                                       reason="requested", summary="", fields={},
                                                       phone="+49401234567", transcript=[]))
    token = gateway.store.issue_token("anna", "crm")
    api = gateway.client()
    bearer = {"Authorization": f"Bearer {token}"}
    found = api.post("/api/agents/search", json={"q": PHONE_SAID}, headers=bearer)
    assert found.status_code == 200 and [h["id"] for h in found.get_json()["handovers"]] == [record.id]
    refused = api.get("/api/agents/search", query_string={"q": PHONE_SAID}, headers=bearer)
    assert refused.status_code == 400 and refused.get_json()["error"] == "phone_in_url"
    assert api.get("/api/agents/search", query_string={"q": "ACD-EFG"}, headers=bearer).status_code == 200

    console = gateway.client()
    sign_in(console)
    form = console.get("/agents/search").text
    assert re.search(r'<form method="post"[^>]*role="search">', form)
    assert f"Nr. {record.id}" in console.post("/agents/search", data={"q": PHONE_SAID, "csrf_token": csrf_of(form)}).text
    assert f"Nr. {record.id}" not in console.get("/agents/search", query_string={"q": PHONE_SAID}).text
    queue = console.get("/agents/").text
    assert re.search(r'<form method="post" action="/agents/search"', queue)
