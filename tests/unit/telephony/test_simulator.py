"""The terminal phone simulator signs like Twilio, shows what is spoken and sends typed input."""
from __future__ import annotations

import pytest

from telephony.simulator import CallSession, SignedPhone, flask_transport, parse_input, scripted
from tests.unit.telephony.conftest import AUTH_TOKEN, GREETING, HANDOVER, OFFERS, PUBLIC_BASE, ScriptedRasa


def _session(world, lines, token=AUTH_TOKEN):
    shown: list[str] = []
    phone = SignedPhone(flask_transport(world.app), token, PUBLIC_BASE, call_sid="CA" + "5" * 32)
    session = CallSession(phone, ask=scripted(lines, show=shown.append), show=shown.append)
    session.run()
    return session, phone, shown


@pytest.mark.parametrize("line, fields", [
    ("Ich brauche einen Reisepass", {"SpeechResult": "Ich brauche einen Reisepass", "Confidence": "0.9"}),
    ("?0.2 am 3. Dezember", {"SpeechResult": "am 3. Dezember", "Confidence": "0.2"}),
    ("0", {"Digits": "0"}),
    ("0112#", {"Digits": "0112"}),
    ("*", {"Digits": "*"}),
    ("", {}),
    ("/hangup", None),
])
def test_typed_lines_become_speech_keys_silence_or_hang_up(line, fields):
    assert parse_input(line) == fields


def test_a_simulated_call_shows_the_spoken_words_and_sends_speech_and_keys(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS, [{"text": "Auf welchen Namen soll ich den Termin buchen?"}]))
    _call, phone, shown = _session(world, ["Personalausweis in Altona", "2"])

    assert shown[0] == f"assistant: {GREETING[0]['text']}"
    assert "assistant: Termin 2: Dienstag, 1. Dezember, 10:00 Uhr, Kundenzentrum Altona." in shown
    assert world.rasa.messages == ["/greet", "Personalausweis in Altona", '/choose_option{"ordinal":"2"}']
    assert all(exchange.status in (200, 204) for exchange in phone.exchanges)
    assert phone.exchanges[-1].path == "/voice/status", "the simulator hangs up at the end of its script"


def test_the_simulator_follows_a_transfer_and_the_callback_offer(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    session, _phone, shown = _session(world, ["Mensch bitte", "n", "1"])
    assert any(line.startswith("[transfer to +494042828000") for line in shown)
    assert any("Möchten Sie zurückgerufen werden?" in line for line in shown)
    assert len(world.store.callbacks()) == 1
    assert session.ended


def test_requests_signed_with_a_wrong_token_are_refused_and_end_the_simulated_call(make_world):
    world = make_world(ScriptedRasa(GREETING))
    _call, phone, shown = _session(world, ["Hallo"], token="wrong-token")
    assert phone.exchanges[0].status == 403
    assert shown[0] == "[gateway answered 403; the call would end here]"
    assert world.rasa.calls == []
