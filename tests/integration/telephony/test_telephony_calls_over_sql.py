"""Whole calls through the real Flask app and the SQL call store, with Twilio-signed requests,
the turns of one call spread over two gateway instances (as behind a load balancer)."""
from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from gateway import create_app
from telephony.sms import RecordingSmsSender
from telephony.state import SqlCallStore
from tests.unit.telephony.conftest import (
    ASK_WHEN,
    CALL_SID,
    GREETING,
    HANDOVER,
    OFFERS,
    Phone,
    ScriptedRasa,
    dial_of,
    settings,
    spoken,
)

BOOKED = [
    {"text": "Ihr Termin ist gebucht. Ihr Buchungscode lautet: K, 7, M ... 4, T, X."},
    {"custom": {"booking": {"code": "K7M-4TX", "day": "Dienstag, 1. Dezember", "time": "10:00",
                            "location_name": "Kundenzentrum Altona"}}},
]


class TwoGateways:
    """Two app instances on one database; requests alternate between them."""

    def __init__(self, database_url: str, rasa: ScriptedRasa):
        self.sms = RecordingSmsSender()
        self.apps = []
        for _ in range(2):
            app = create_app(settings(TELEPHONY_DATABASE_URL=database_url), rasa=rasa)
            app.testing = True
            services = app.extensions["telephony"]
            app.extensions["telephony"] = replace(services, sms=self.sms, background=lambda work: work())
            self.apps.append(app)
        self.phones = [Phone(app.test_client()) for app in self.apps]
        self.turn = 0

    @property
    def phone(self) -> Phone:
        self.turn += 1
        return self.phones[self.turn % 2]

    def store(self) -> SqlCallStore:
        return self.apps[0].extensions["telephony"].store


def test_a_booking_call_spread_over_two_gateways_keeps_its_state_and_sends_one_sms(database_url):
    rasa = ScriptedRasa(GREETING, OFFERS, [{"text": "Soll ich den Termin buchen? Sagen Sie ja oder nein."}], BOOKED)
    gateways = TwoGateways(database_url, rasa)

    gateways.phone.call()
    gateways.phone.say("Personalausweis in Altona nächste Woche")
    gateways.phone.press("2")  # options were stored by the other instance
    root = gateways.phone.say("Ja")

    assert rasa.messages == ["/greet", "Personalausweis in Altona nächste Woche",
                             '/choose_option{"ordinal":"2"}', "Ja"]
    assert spoken(root).endswith("Soll ich den Code wiederholen?")
    # the after-booking phase was stored by this instance; the other one answers it
    assert "per SMS" in spoken(gateways.phone.say("nein danke"))
    assert [sms.body.split(". ")[-2] for sms in gateways.sms.sent] == ["Buchungscode: K7M-4TX"]

    gateways.phone.post("/voice/status", CallStatus="completed", CallDuration="95")
    assert gateways.store().load(CALL_SID) is None


def test_silence_escalation_counts_across_gateways_and_ends_in_a_transfer(database_url):
    gateways = TwoGateways(database_url, ScriptedRasa(GREETING, ASK_WHEN))
    gateways.phone.call()
    gateways.phone.say("Personalausweis")
    replies = [gateways.phone.silence() for _ in range(4)]
    assert "Entschuldigung" in spoken(replies[0])
    assert "Bitte antworten Sie kurz" in spoken(replies[1])
    assert "Mit der 1" in spoken(replies[2])
    dial_of(replies[3])


def test_a_failed_transfer_leaves_a_callback_request_in_the_database(database_url):
    gateways = TwoGateways(database_url, ScriptedRasa(GREETING, HANDOVER))
    gateways.phone.call()
    dial = dial_of(gateways.phone.say("Ich möchte einen Menschen sprechen"))
    action = dial.get("action").removeprefix("https://termine.example.org")
    offer = ET.fromstring(gateways.phone.post(action, DialCallStatus="no-answer").data)
    assert "zurückgerufen" in spoken(offer)
    gateways.phone.press("1")
    [request] = gateways.store().callbacks()
    assert request.reference == "H-1042"
    assert request.caller_number == "+491701234567"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_broken_database_still_gives_the_caller_a_transfer(database_url, tmp_path):
    gateways = TwoGateways(database_url, ScriptedRasa(GREETING))
    (tmp_path / "not-a-dir").write_text("a file where a directory should be")
    unusable = create_engine(f"sqlite:///{tmp_path / 'not-a-dir' / 'telephony.db'}")
    for app in gateways.apps:  # every store access fails
        app.extensions["telephony"].store = SqlCallStore(unusable)
    root = ET.fromstring(gateways.phone.post("/voice/gather", SpeechResult="Reisepass", Confidence="0.9").data)
    assert "technisches Problem" in spoken(root)
    dial_of(root)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_database_error_with_a_phone_number_in_its_statement_does_not_log_the_number(database_url, caplog):
    gateways = TwoGateways(database_url, ScriptedRasa(GREETING, HANDOVER))
    gateways.phone.call()
    gateways.phone.say("Mensch")
    gateways.phone.post("/voice/dial-status?ref=H-1042", DialCallStatus="no-answer")
    with gateways.store().engine.begin() as connection:
        connection.execute(text("DROP TABLE telephony_callbacks"))
    with caplog.at_level(logging.INFO):
        root = gateways.phone.press("1")  # the callback insert fails
    assert "technisches Problem" in spoken(root)  # and a transfer, as after any failure
    dial_of(root)
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records)
    assert "telephony_callbacks" in logged, "the failure itself is logged"
    assert "1701234567" not in logged
