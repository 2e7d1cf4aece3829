"""The relay mode over a real WebSocket: the gateway from `create_app` served on a spare port,
a scripted fake bot, the SQLite call store, and telephony/relay_client.py playing Twilio."""
from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import pytest

from devtools.serve import serve
from gateway import create_app
from gateway.rasa_client import RasaUnavailable
from telephony.relay_client import RelayCall, RelayRefused
from telephony.simulator import http_transport
from tests.unit.telephony.conftest import (
    AUTH_TOKEN,
    GREETING,
    HANDOVER,
    OFFERS,
    PUBLIC_BASE,
    ScriptedRasa,
    settings,
    spoken,
)

ASK_SERVICE = [{"text": "Gern. Wofür brauchen Sie einen Termin?"}]
ASK_WHEN = [{"text": "Wann passt es Ihnen? Sagen Sie zum Beispiel: nächsten Dienstag."}]
CONFIRM = [{"text": "Dienstag, 1. Dezember, um 9 Uhr 30 in Altona. Soll ich das buchen?"}]
BOOKED = [{"text": "Gebucht. Ihr Code ist K, 7, M ... 4, T, X."},
          {"custom": {"booking": {"code": "K7M-4TX", "day": "2026-12-01", "time": "09:30"}}}]


@pytest.fixture
def relay_gateway(tmp_path):
    """start(ScriptedRasa, **env) -> (call factory, rasa, store); every server is stopped after."""
    served = []

    def start(rasa: ScriptedRasa, **env: str):
        app = create_app(settings(VOICE_MODE="relay", TELEPHONY_DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
                                  HANDOVER_DATABASE_URL=f"sqlite:///{tmp_path / 'handover.db'}", **env), rasa=rasa)
        services = app.extensions["telephony"]
        app.extensions["telephony"] = replace(services, background=lambda work: work())
        server = serve(app)
        served.append(server)

        def call(**kwargs) -> RelayCall:
            return RelayCall(http_transport(server.http_url), AUTH_TOKEN, PUBLIC_BASE, server.ws_url, **kwargs)

        return call, app.extensions["telephony"].store

    yield start
    for server in served:
        server.stop()


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_a_booking_like_exchange_over_the_socket(relay_gateway):
    rasa = ScriptedRasa(GREETING, ASK_SERVICE, ASK_WHEN, OFFERS, CONFIRM, BOOKED)
    new_call, store = relay_gateway(rasa)
    call = new_call()
    assert call.start() == GREETING[0]["text"]
    assert call.say("Ich brauche einen Termin").tokens == ["Gern. ", "Wofür brauchen Sie einen Termin?"]
    assert "Wann passt es Ihnen?" in call.say("Personalausweis").text
    offers = call.say("so bald wie möglich")
    assert len(offers.tokens) == 7 and offers.tokens[-1] == "Oder drücken Sie die passende Taste."
    assert "Soll ich das buchen?" in call.press("1").text
    assert rasa.messages[4] == '/choose_option{"ordinal":"1"}'
    booked = call.say("ja")
    assert "K, 7, M, 4, T, X" in booked.text and booked.end is None
    assert all(turn["sender"] == call.call_sid for turn in rasa.calls)
    assert all(turn["metadata"]["caller_number"] == call.caller for turn in rasa.calls)
    call.hang_up()
    assert store.load(call.call_sid) is None  # the status callback deleted the call's state


def test_an_interruption_mid_list_then_a_choice(relay_gateway):
    rasa = ScriptedRasa(GREETING, OFFERS, CONFIRM)
    new_call, store = relay_gateway(rasa)
    call = new_call()
    call.start()
    offers = call.say("so bald wie möglich")
    heard = "".join(offers.tokens[:2]).strip()
    call.interrupt(heard, after_ms=3200)
    assert "Soll ich das buchen?" in call.say("den ersten").text
    assert rasa.messages[-1] == "den ersten"
    transcript = store.load(call.call_sid).transcript
    assert {"text": heard, "interrupted": True} in transcript
    assert not any("Termin 3" in line["text"] for line in transcript if line["interrupted"])
    call.close()


def test_keypad_zero_ends_with_handoff_data_and_the_connect_action_dials(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, HANDOVER))
    call = new_call()
    call.start()
    reply = call.press("0")
    assert reply.end == {"reason": "requested", "reference": "H-1042"}
    call.close()
    root = call.connect_action(reply.end)
    assert "Ich verbinde Sie jetzt mit einem Menschen" in spoken(root)
    dial = root.find("Dial")
    assert dial is not None and dial.findtext("Number") == "+494042828000"
    assert _query(dial.get("action")) == {"ref": "H-1042", "reason": "requested"}


def test_a_forged_handshake_signature_is_refused(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING))
    with pytest.raises(RelayRefused, match="403"):
        new_call(signature="forged").start()
    call = new_call()
    call.start()  # the webhook and the handshake signed right ...
    call.close()
    call.auth_token = "another-accounts-token"  # ... the handshake with another account's token is not
    with pytest.raises(RelayRefused, match="403"):
        call.open()


def test_a_slow_bot_gets_the_filler_then_the_answer(relay_gateway):
    rasa = ScriptedRasa(GREETING)
    new_call, _ = relay_gateway(rasa, RELAY_FILLER_SECONDS="0.2")
    call = new_call()
    call.start()
    rasa.delay, rasa.script = 0.8, [ASK_WHEN]
    reply = call.say("Personalausweis")
    assert reply.tokens[0] == "Einen Moment bitte. "
    assert reply.first_token_seconds is not None and 0.15 < reply.first_token_seconds < 0.7
    assert reply.text.endswith("nächsten Dienstag.") and reply.end is None
    call.close()


def test_rasa_down_gets_the_apology_and_a_technical_handoff(relay_gateway):
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, RasaUnavailable("connection refused")))
    call = new_call()
    call.start()
    reply = call.say("Personalausweis")
    assert reply.end == {"reason": "technical", "reference": call.call_sid}
    root = call.connect_action(reply.end)
    assert "technisches Problem" in spoken(root)
    assert _query(root.find("Dial").get("action"))["reason"] == "technical"


def test_a_dropped_socket_is_logged_and_the_gateway_takes_the_next_call(relay_gateway, caplog):
    caplog.set_level(logging.INFO)
    new_call, _ = relay_gateway(ScriptedRasa(GREETING, default=ASK_WHEN))
    first = new_call()
    first.start()
    first.close()  # the line drops mid-call
    second = new_call()
    second.start()
    assert "Wann passt es Ihnen?" in second.say("Personalausweis").text
    second.close()
    assert f"call {first.call_sid}: relay socket closed" in caplog.text
    assert first.caller not in caplog.text
    # Twilio's <Connect action> after a failed session: the technical transfer, never silence
    root = first.connect_action(status="failed", ErrorCode="64105")
    assert "technisches Problem" in spoken(root)
