"""Telephony unit fixtures: the real Flask app with a scripted fake bot, the in-memory call
store, a recording SMS sender, and a phone that signs its requests like Twilio does."""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any, Callable, Optional, Union

import pytest
from twilio.request_validator import RequestValidator

from common.settings import Settings
from gateway import create_app
from telephony.sms import RecordingSmsSender
from telephony.state import InMemoryCallStore

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE = "https://termine.example.org"
CALLER = "+491701234567"
CALL_SID = "CA0123456789abcdef0123456789abcdef"
NOW = "2026-11-23T09:00:00+01:00"

Reply = Union[list[dict[str, Any]], Exception, Callable[[str], list[dict[str, Any]]]]


class ScriptedRasa:
    """A fake RasaClient: answers from a script (or one default), records every turn."""

    def __init__(self, *replies: Reply, default: Optional[Reply] = None, delay: float = 0.0):
        self.script = list(replies)
        self.default = default if default is not None else [{"text": "Wie kann ich Ihnen helfen?"}]
        self.delay = delay
        self.calls: list[dict[str, Any]] = []

    def send(self, channel, sender, message, metadata=None):
        self.calls.append({"channel": channel, "sender": sender, "message": message, "metadata": metadata or {}})
        if self.delay:
            time.sleep(self.delay)
        reply = self.script.pop(0) if self.script else self.default
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(message)
        return reply

    @property
    def messages(self) -> list[str]:
        return [call["message"] for call in self.calls]


class Phone:
    """One caller on one call, posting signed webhooks and parsing the TwiML answers."""

    def __init__(self, client, call_sid: str = CALL_SID, caller: str = CALLER, token: str = AUTH_TOKEN):
        self.client = client
        self.call_sid = call_sid
        self.caller = caller
        self.validator = RequestValidator(token)

    def params(self, **extra: str) -> dict[str, str]:
        return {
            "CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
            "To": "+4940428280", "Direction": "inbound", "CallStatus": "in-progress", **extra,
        }

    def post(self, path: str, signature: Optional[str] = None, headers: Optional[dict] = None, **fields: str):
        form = self.params(**fields)
        if signature is None:
            signature = self.validator.compute_signature(PUBLIC_BASE + path, form)
        all_headers = {"X-Twilio-Signature": signature, **(headers or {})}
        return self.client.post(path, data=form, headers=all_headers)

    def twiml(self, path: str, **fields: str) -> ET.Element:
        response = self.post(path, **fields)
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/xml"
        return ET.fromstring(response.data)

    def call(self) -> ET.Element:
        return self.twiml("/voice/incoming", CallStatus="ringing")

    def say(self, words: str, confidence: str = "0.92") -> ET.Element:
        return self.twiml("/voice/gather", SpeechResult=words, Confidence=confidence)

    def press(self, digits: str) -> ET.Element:
        return self.twiml("/voice/gather", Digits=digits)

    def silence(self) -> ET.Element:
        return self.twiml("/voice/gather")


def spoken(root: ET.Element) -> str:
    """Everything the caller would hear, in order, as one string."""
    return " ".join(" ".join("".join(say.itertext()).split()) for say in root.iter("Say"))


def gather_of(root: ET.Element) -> ET.Element:
    gathers = root.findall("Gather")
    assert len(gathers) == 1, ET.tostring(root)
    return gathers[0]


def dial_of(root: ET.Element) -> ET.Element:
    dials = root.findall("Dial")
    assert len(dials) == 1, ET.tostring(root)
    return dials[0]


def settings(**overrides: str) -> Settings:
    env = {
        "ASSISTANT_NOW": NOW,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PUBLIC_BASE_URL": PUBLIC_BASE,
        "TWILIO_HOTLINE_NUMBER": "+494042828000",
        "TWILIO_RASA_TIMEOUT": "2",
        "BOOKING_DATABASE_URL": "sqlite://",  # never the project's var/booking.db
        **overrides,
    }
    return Settings.from_env(env)


class World:
    def __init__(self, app, rasa: ScriptedRasa, store: InMemoryCallStore, sms: RecordingSmsSender):
        self.app, self.rasa, self.store, self.sms = app, rasa, store, sms

    def phone(self, **kwargs) -> Phone:
        return Phone(self.app.test_client(), **kwargs)


@pytest.fixture
def make_world():
    """make_world(ScriptedRasa(...), **env overrides) -> World with a signed-request phone."""

    def build(rasa: Optional[ScriptedRasa] = None, sms_enabled: bool = True, booking=None, **env: str) -> World:
        rasa = rasa or ScriptedRasa()
        app = create_app(settings(**env), rasa=rasa)
        app.testing = True
        store = InMemoryCallStore()
        sms = RecordingSmsSender()
        sms.enabled = sms_enabled
        services = app.extensions["telephony"]
        app.extensions["telephony"] = replace(services, store=store, sms=sms, background=lambda work: work())
        if booking is not None:
            app.extensions["booking"] = booking
        return World(app, rasa, store, sms)

    return build


GREETING = [{"text": "Guten Tag. Hier ist der Terminassistent von Hamburg Service. Wie kann ich Ihnen helfen?"}]
ASK_WHEN = [{"text": "Wann passt es Ihnen? Sagen Sie zum Beispiel: nächsten Dienstag vormittags. Oder: so bald wie möglich."}]
OFFERS = [
    {"text": "Ich habe 3 freie Termine für Sie."},
    {"text": "Termin 1: Dienstag, 1. Dezember, 9:30 Uhr, Kundenzentrum Altona."},
    {"text": "Termin 2: Dienstag, 1. Dezember, 10:00 Uhr, Kundenzentrum Altona."},
    {"text": "Termin 3: Mittwoch, 2. Dezember, 8:15 Uhr, Kundenzentrum Altona."},
    {"text": "Welchen Termin möchten Sie? Sagen Sie zum Beispiel: den ersten. Oder drücken Sie die passende Taste."},
]
HANDOVER = [
    {"text": "Ich verbinde Sie jetzt mit einem Menschen. Bitte bleiben Sie dran."},
    {"custom": {"handover": {"reason": "requested", "id": "H-1042"}}},
]
