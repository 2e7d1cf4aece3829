"""Transfer to the hotline on hand-over and on any technical failure; a callback when nobody answers."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

from gateway.rasa_client import RasaUnavailable
from tests.unit.telephony.conftest import (
    CALL_SID,
    CALLER,
    GREETING,
    HANDOVER,
    PUBLIC_BASE,
    ScriptedRasa,
    dial_of,
    gather_of,
    spoken,
)


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_a_handover_marker_dials_the_hotline_with_the_handover_id(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    root = phone.say("Ich möchte mit einem Menschen sprechen")

    assert spoken(root) == "Ich verbinde Sie jetzt mit einem Menschen. Bitte bleiben Sie dran."
    dial = dial_of(root)
    assert dial.get("timeout") == "25"
    assert dial.get("answerOnBridge") == "true"
    assert _query(dial.get("action")) == {"ref": "H-1042", "reason": "requested"}
    assert dial.get("action").startswith(f"{PUBLIC_BASE}/voice/dial-status")
    number = dial.find("Number")
    assert number.text == "+494042828000"
    assert _query(number.get("url")) == {"ref": "H-1042"}
    assert root.find("Gather") is None and root.find("Hangup") is None


def test_the_agent_hears_the_handover_reference_before_the_caller_is_put_through(make_world):
    world = make_world()
    root = ET.fromstring(world.phone().post("/voice/whisper?ref=H-1042").data)
    assert spoken(root) == "Anruf vom Terminassistenten. Vorgang H-1042."
    assert root.find("Say").get("language") == "de-DE"


def test_a_sip_hotline_gets_the_handover_id_and_call_sid_as_headers(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER), TWILIO_HOTLINE_NUMBER="sip:agents@pbx.example.org")
    phone = world.phone()
    phone.call()
    sip = dial_of(phone.say("Mitarbeiter bitte")).find("Sip")
    assert sip.text == f"sip:agents@pbx.example.org?X-Handover-Id=H-1042&X-Call-Sid={CALL_SID}"


def test_rasa_down_on_the_first_turn_gives_an_apology_and_a_transfer(make_world):
    world = make_world(ScriptedRasa(RasaUnavailable("connection refused")))
    root = world.phone().call()
    assert spoken(root) == "Entschuldigung, es gibt gerade ein technisches Problem. Ich verbinde Sie mit einem Menschen."
    dial = dial_of(root)
    assert _query(dial.get("action")) == {"ref": CALL_SID, "reason": "technical"}


def test_rasa_down_in_the_middle_of_a_call_transfers(make_world):
    world = make_world(ScriptedRasa(GREETING, RasaUnavailable("status 500")))
    phone = world.phone()
    phone.call()
    root = phone.say("Reisepass")
    assert "technisches Problem" in spoken(root)
    dial_of(root)


def test_a_slow_bot_is_given_up_on_in_time_and_the_caller_transferred(make_world):
    world = make_world(ScriptedRasa(GREETING, delay=0.5), TWILIO_RASA_TIMEOUT="0.1")
    root = world.phone().call()
    assert "technisches Problem" in spoken(root)
    dial_of(root)


def test_an_empty_bot_turn_is_treated_as_a_failure_not_as_silence(make_world):
    world = make_world(ScriptedRasa(GREETING, []))
    phone = world.phone()
    phone.call()
    root = phone.say("Reisepass")
    assert "technisches Problem" in spoken(root)
    dial_of(root)


def test_an_unexpected_error_in_the_gateway_still_transfers(make_world):
    world = make_world(ScriptedRasa(GREETING))

    class BrokenStore:
        def __getattr__(self, name):
            raise RuntimeError("database is gone")

    world.app.extensions["telephony"].store = BrokenStore()
    response = world.phone().post("/voice/gather", SpeechResult="Reisepass", Confidence="0.9")
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert "technisches Problem" in spoken(root)
    dial_of(root)


def test_twilios_fallback_url_apologises_and_transfers_without_the_bot(make_world):
    world = make_world()
    root = ET.fromstring(world.phone().post("/voice/fallback", ErrorCode="11200").data)
    dial_of(root)
    assert world.rasa.calls == []


def test_after_a_conversation_with_an_agent_the_call_ends(make_world):
    world = make_world()
    root = ET.fromstring(world.phone().post("/voice/dial-status?ref=H-1", DialCallStatus="completed").data)
    assert [child.tag for child in root] == ["Hangup"]


def test_when_nobody_answers_the_hotline_a_callback_is_offered_instead_of_hanging_up(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    phone.say("Mensch")
    root = ET.fromstring(phone.post("/voice/dial-status?ref=H-1042&reason=requested", DialCallStatus="no-answer").data)
    assert root.find("Hangup") is None
    assert "Möchten Sie zurückgerufen werden?" in spoken(root)
    gather_of(root)


def test_accepting_the_callback_records_it_with_the_reference_and_ends_politely(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    phone.say("Mensch")
    phone.post("/voice/dial-status?ref=H-1042", DialCallStatus="busy")
    root = phone.say("Ja, bitte")
    assert "Wir rufen Sie so bald wie möglich" in spoken(root)
    assert root.find("Hangup") is not None
    [request] = world.store.callbacks()
    assert (request.call_sid, request.reference, request.caller_number) == (CALL_SID, "H-1042", CALLER)


def test_declining_the_callback_returns_to_the_assistant(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    phone.say("Mensch")
    phone.post("/voice/dial-status", DialCallStatus="failed")
    root = phone.press("2")
    assert "Wie kann ich Ihnen helfen?" in spoken(root)
    gather_of(root)
    assert world.store.callbacks() == []


def test_silence_after_a_failed_transfer_records_a_callback_rather_than_looping(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    phone.say("Mensch")
    phone.post("/voice/dial-status", DialCallStatus="no-answer")
    first = phone.silence()
    assert "Rückruf" in spoken(first) and first.find("Hangup") is None
    second = phone.silence()
    assert second.find("Hangup") is not None
    assert len(world.store.callbacks()) == 1


def test_a_withheld_number_cannot_be_called_back_and_is_told_so(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone(caller="anonymous")
    phone.call()
    phone.say("Mensch")
    phone.post("/voice/dial-status", DialCallStatus="no-answer")
    root = phone.press("1")
    assert "unterdrückt" in spoken(root)
    assert world.store.callbacks() == []


def test_without_a_configured_hotline_the_caller_is_offered_a_callback(make_world):
    world = make_world(ScriptedRasa(RasaUnavailable("down")), TWILIO_HOTLINE_NUMBER="")
    root = world.phone().call()
    assert root.find("Dial") is None
    assert "technisches Problem" in spoken(root)
    assert "Möchten Sie zurückgerufen werden?" in spoken(root)
    assert "verbinde" not in spoken(root)
    gather_of(root)


def test_without_a_configured_hotline_a_handover_does_not_promise_a_connection(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER), TWILIO_HOTLINE_NUMBER="")
    phone = world.phone()
    phone.call()
    root = phone.say("Mensch")
    assert root.find("Dial") is None
    assert spoken(root).startswith("Leider ist gerade niemand frei.")


def test_a_handover_marker_without_words_still_tells_the_caller_before_dialling(make_world):
    world = make_world(ScriptedRasa(GREETING, [{"custom": {"handover": {"reason": "requested"}}}]))
    phone = world.phone()
    phone.call()
    root = phone.say("Mensch")
    assert spoken(root) == "Ich verbinde Sie jetzt mit einem Menschen. Bitte bleiben Sie dran."
    assert _query(dial_of(root).get("action")) == {"ref": CALL_SID, "reason": "requested"}
