"""The ConversationRelay mode without a socket: the <Connect> TwiML, the session's answers to
Twilio's messages (with a scripted fake bot), and the <Connect action> webhook."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

import pytest

from gateway.rasa_client import RasaUnavailable
from telephony.call import CallFlow
from telephony.relay import RelaySession, handoff_data
from tests.unit.telephony.conftest import (
    CALL_SID,
    CALLER,
    GREETING,
    HANDOVER,
    OFFERS,
    PUBLIC_BASE,
    ScriptedRasa,
    dial_of,
    spoken,
)

RELAY = {"VOICE_MODE": "relay"}
SETUP = {"type": "setup", "callSid": CALL_SID, "from": CALLER, "to": "+4940115", "sessionId": "VX1"}


class Twilio:
    """What the session sent back, and how to talk to it as Twilio would."""

    def __init__(self, world, filler_seconds: float = 5.0, over_limit=lambda call_sid: False):
        services = world.app.extensions["telephony"]
        self.world = world
        self.sent: list[dict] = []
        self.session = RelaySession(CallFlow(services, world.rasa, None), self.sent.append,
                                    filler_seconds=filler_seconds, over_limit=over_limit)

    def start(self) -> None:
        self.world.phone().call()  # /voice/incoming: the greeting and the stored state
        self.session.handle(SETUP)

    def send(self, **message) -> list[dict]:
        before = len(self.sent)
        self.session.handle(message)
        return self.sent[before:]

    def say(self, words: str) -> list[dict]:
        return self.send(type="prompt", voicePrompt=words, lang="de-DE", last=True)

    def press(self, digit: str) -> list[dict]:
        return self.send(type="dtmf", digit=digit)


def texts(messages: list[dict]) -> list[str]:
    return [message["token"] for message in messages if message["type"] == "text"]


def ending(messages: list[dict]) -> dict:
    ends = [message for message in messages if message["type"] == "end"]
    assert len(ends) == 1, messages
    return json.loads(ends[0]["handoffData"])


# --- /voice/incoming in relay mode ----------------------------------------------------------------


def test_relay_mode_answers_the_call_with_connect_and_a_german_conversation_relay(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    root = world.phone().call()
    connect = root.find("Connect")
    assert connect is not None and root.find("Gather") is None
    assert connect.get("action") == PUBLIC_BASE + "/voice/relay/action"
    relay = connect.find("ConversationRelay")
    assert relay is not None
    assert relay.get("url") == "wss://termine.example.org/voice/relay/socket"
    assert relay.get("language") == "de-DE"
    assert relay.get("ttsProvider") == "Amazon" and relay.get("voice") == "Vicki-Neural"
    assert relay.get("transcriptionProvider") == "Google" and relay.get("speechModel") == "telephony"
    assert relay.get("interruptible") == "any"
    assert relay.get("dtmfDetection") == "true"
    assert relay.get("welcomeGreeting") == GREETING[0]["text"]
    assert "Personalausweis" in relay.get("hints", "") or "ja" in relay.get("hints", "").split(", ")


def test_relay_providers_and_voice_come_from_the_settings(make_world):
    world = make_world(ScriptedRasa(GREETING), RELAY_TTS_PROVIDER="ElevenLabs", RELAY_VOICE="voice-id-1",
                       RELAY_TRANSCRIPTION_PROVIDER="Deepgram", RELAY_SPEECH_MODEL="nova-2-general", **RELAY)
    relay = world.phone().call().find("Connect/ConversationRelay")
    assert (relay.get("ttsProvider"), relay.get("voice")) == ("ElevenLabs", "voice-id-1")
    assert (relay.get("transcriptionProvider"), relay.get("speechModel")) == ("Deepgram", "nova-2-general")


def test_gather_stays_the_default_voice_mode(make_world):
    world = make_world(ScriptedRasa(GREETING))
    root = world.phone().call()
    assert root.find("Gather") is not None and root.find("Connect") is None


def test_relay_mode_with_rasa_down_at_the_start_apologises_and_dials_without_a_socket(make_world):
    world = make_world(ScriptedRasa(RasaUnavailable("down")), **RELAY)
    root = world.phone().call()
    assert root.find("Connect") is None
    assert "technisches Problem" in spoken(root)
    assert dial_of(root).findtext("Number") == "+494042828000"


# --- the session --------------------------------------------------------------------------


def test_setup_puts_the_caller_number_into_the_metadata_of_each_turn_on_the_voice_channel(make_world):
    world = make_world(ScriptedRasa(GREETING, [{"text": "Wofür brauchen Sie einen Termin?"}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    twilio.say("Ich brauche einen Termin")
    call = world.rasa.calls[-1]
    assert (call["channel"], call["sender"], call["message"]) == ("voice", CALL_SID, "Ich brauche einen Termin")
    assert call["metadata"]["caller_number"] == CALLER
    assert call["metadata"]["channel"] == "voice" and call["metadata"]["input_mode"] == "speech"


def test_only_the_last_prompt_goes_to_the_bot_and_the_answer_comes_sentence_by_sentence(make_world):
    world = make_world(ScriptedRasa(GREETING, ASK := [{"text": "Gern. Wann passt es Ihnen? Vormittags oder nachmittags?"}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    assert twilio.send(type="prompt", voicePrompt="einen Per", last=False) == []
    answer = twilio.say("einen Personalausweis")
    assert len(world.rasa.calls) == 2
    assert texts(answer) == ["Gern. ", "Wann passt es Ihnen? ", "Vormittags oder nachmittags?"]
    assert [message["last"] for message in answer] == [False, False, True]
    assert ASK  # the script was used


def test_an_interruption_keeps_only_what_the_caller_heard(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS, [{"text": "Gut, Dienstag um 9 Uhr 30."}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    twilio.say("so bald wie möglich")
    heard = "Ich habe 3 freie Termine für Sie. Termin 1: Dienstag, 1. Dezember"
    assert twilio.send(type="interrupt", utteranceUntilInterrupt=heard, durationUntilInterruptMs=2100) == []
    state = world.store.load(CALL_SID)
    assert state.transcript[-1] == {"text": heard, "interrupted": True}
    assert state.last_turn == [heard]
    assert not any("Termin 3" in line["text"] for line in state.transcript)
    answer = twilio.press("1")
    assert world.rasa.messages[-1] == '/choose_option{"ordinal":"1"}'
    assert texts(answer) == ["Gut, Dienstag um 9 Uhr 30."]


def test_keypad_zero_asks_for_a_person_and_ends_with_the_handover_reference(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    answer = twilio.press("0")
    assert world.rasa.messages[-1] == "/request_human"
    assert world.rasa.calls[-1]["metadata"]["input_mode"] == "keypad"
    assert ending(answer) == {"reason": "requested", "reference": "H-1042"}
    assert world.store.load(CALL_SID).last_turn == [HANDOVER[0]["text"]]
    assert twilio.session.ended and twilio.say("hallo") == []


def test_keypad_zero_reaches_a_person_even_if_the_bot_does_not_hand_over(make_world):
    world = make_world(ScriptedRasa(GREETING, [{"text": "Wie kann ich helfen?"}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    assert ending(twilio.press("0")) == {"reason": "keypad_zero", "reference": CALL_SID}


def test_star_repeats_and_an_unassigned_key_is_said_so(make_world):
    world = make_world(ScriptedRasa(GREETING, [{"text": "Wie bitte?"}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    assert texts(twilio.press("7")) == ["Diese Taste ist gerade nicht belegt."]
    twilio.press("*")
    assert world.rasa.messages[-1] == "/repeat"


def test_a_date_keyed_in_after_a_date_question_goes_to_the_bot_as_a_date(make_world):
    ask_date = [{"text": "An welchem Tag?"}, {"custom": {"voice": {"expect": "date"}}}]
    world = make_world(ScriptedRasa(GREETING, ask_date, [{"text": "Am Dienstag, 1. Dezember."}]), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    twilio.say("ich weiß das Datum")
    for key in "0112":
        assert twilio.press(key) == []
    twilio.press("#")
    assert world.rasa.messages[-1] == "am 1.12.2026"


@pytest.mark.parametrize("failure", [RasaUnavailable("down"), [], [{"text": ""}]],
                         ids=["rasa-down", "empty-turn", "blank-text"])
def test_a_failing_or_silent_bot_ends_with_the_apology_and_a_technical_handoff(make_world, failure):
    world = make_world(ScriptedRasa(GREETING, failure), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    answer = twilio.say("Personalausweis")
    assert ending(answer) == {"reason": "technical", "reference": CALL_SID}
    assert world.store.load(CALL_SID).last_turn == [
        "Entschuldigung, es gibt gerade ein technisches Problem. Ich verbinde Sie mit einem Menschen."]


def test_a_slow_bot_gets_the_filler_once_then_the_answer(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    twilio = Twilio(world, filler_seconds=0.05)
    twilio.start()
    world.rasa.delay = 0.3
    world.rasa.script = [[{"text": "Wann passt es Ihnen?"}]]
    answer = twilio.say("Personalausweis")
    assert texts(answer) == ["Einen Moment bitte. ", "Wann passt es Ihnen?"]
    assert [message["last"] for message in answer] == [False, True]


def test_the_goodbye_ends_the_session_and_keeps_the_goodbye_for_the_action_twiml(make_world):
    goodbye = [{"text": "Auf Wiederhören."}, {"custom": {"voice": {"hangup": True}}}]
    world = make_world(ScriptedRasa(GREETING, goodbye), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    assert ending(twilio.say("tschüss")) == {"reason": "goodbye"}
    assert world.store.load(CALL_SID).last_turn == ["Auf Wiederhören."]


def test_the_turn_limit_ends_the_session_politely(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    twilio = Twilio(world, over_limit=lambda call_sid: True)
    twilio.start()
    assert ending(twilio.say("hallo")) == {"reason": "goodbye"}
    assert len(world.rasa.calls) == 1


def test_messages_before_setup_and_twilio_errors_are_only_logged(make_world, caplog):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    twilio = Twilio(world)
    assert twilio.say("hallo") == []
    twilio.start()
    assert twilio.send(type="error", description="Invalid message") == []
    assert "Invalid message" in caplog.text
    assert CALLER not in caplog.text


def test_an_error_in_the_session_still_ends_in_german_with_a_transfer(make_world, monkeypatch):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    monkeypatch.setattr(twilio.session, "_turn", lambda text, mode: 1 / 0)
    assert ending(twilio.say("hallo"))["reason"] == "technical"


# --- the <Connect action> webhook -------------------------------------------------------------


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def test_the_connect_action_dials_with_the_handoff_reference_and_says_the_last_words(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    twilio.press("0")
    root = world.phone().twiml("/voice/relay/action", SessionStatus="completed",
                               HandoffData=handoff_data("requested", "H-1042"))
    assert "Ich verbinde Sie jetzt mit einem Menschen" in spoken(root)
    dial = dial_of(root)
    assert _query(dial.get("action")) == {"ref": "H-1042", "reason": "requested"}


def test_the_connect_action_without_a_hotline_offers_the_callback(make_world):
    world = make_world(ScriptedRasa(GREETING), TWILIO_HOTLINE_NUMBER="", **RELAY)
    root = world.phone().twiml("/voice/relay/action", HandoffData=handoff_data("technical", CALL_SID))
    assert root.find("Dial") is None
    assert "zurückgerufen" in spoken(root)
    assert world.store.load(CALL_SID).phase == "callback_offer"


def test_the_connect_action_after_the_goodbye_hangs_up_after_saying_it(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    root = world.phone().twiml("/voice/relay/action", HandoffData=handoff_data("goodbye"))
    assert root.find("Hangup") is not None and "Auf Wiederhören" in spoken(root)


def test_a_failed_session_without_handoff_data_is_transferred_as_technical(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    root = world.phone().twiml("/voice/relay/action", SessionStatus="failed", ErrorCode="64105")
    assert "technisches Problem" in spoken(root)
    assert _query(dial_of(root).get("action"))["reason"] == "technical"


def test_the_connect_action_is_signature_checked(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    response = world.phone().post("/voice/relay/action", signature="forged", HandoffData=handoff_data("goodbye"))
    assert response.status_code == 403


# --- the handshake ------------------------------------------------------------------------


def _handshake(world, signature: str | None):
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return world.app.test_client().get("/voice/relay/socket", headers=headers)


@pytest.mark.parametrize("signature", [None, "forged"], ids=["missing", "forged"])
def test_a_socket_handshake_without_twilio_signature_is_refused(make_world, signature):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    assert _handshake(world, signature).status_code == 403


def test_the_handshake_is_signed_over_the_wss_url(make_world):
    from twilio.request_validator import RequestValidator

    from tests.unit.telephony.conftest import AUTH_TOKEN

    world = make_world(ScriptedRasa(GREETING), **RELAY)
    signed_http = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE + "/voice/relay/socket", {})
    assert _handshake(world, signed_http).status_code == 403  # the https:// URL is not what Twilio signs
    ET.fromstring(world.phone().post("/voice/incoming").data)  # the call itself is fine


def test_during_an_entry_zero_then_hash_still_reaches_a_person(make_world):
    ask_date = [{"text": "An welchem Tag?"}, {"custom": {"voice": {"expect": "date"}}}]
    world = make_world(ScriptedRasa(GREETING, ask_date, HANDOVER), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    twilio.say("ich weiß das Datum")
    assert twilio.press("0") == []
    assert ending(twilio.press("#"))["reason"] == "requested"
    assert world.rasa.messages[-1] == "/request_human"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_silence_counts_only_after_the_words_were_spoken_and_the_gather_timeout(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS), **RELAY)
    clock = Clock()
    twilio = Twilio(world)
    twilio.session.silence_seconds, twilio.session.monotonic = 6.0, clock
    twilio.start()
    greeting_wait = twilio.session.seconds_to_silence()
    assert greeting_wait is not None and greeting_wait > 6.0 + 2.0  # the greeting takes seconds to say
    twilio.say("so bald wie möglich")
    assert twilio.session.seconds_to_silence() > greeting_wait  # three offers take longer
    clock.now += 3.0
    twilio.send(type="interrupt", utteranceUntilInterrupt="Ich habe 3 freie Termine für Sie.")
    assert twilio.session.seconds_to_silence() == 6.0  # the caller is talking: the wait starts again


def test_the_silence_ladder_asks_again_then_shorter_with_keys_then_transfers(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS), **RELAY)
    twilio = Twilio(world)
    twilio.session.silence_seconds = 6.0
    twilio.start()
    twilio.say("so bald wie möglich")
    before = len(twilio.sent)
    twilio.session.silence()
    first = "".join(texts(twilio.sent[before:]))
    assert first.startswith("Entschuldigung, ich habe Sie nicht verstanden. Welchen Termin möchten Sie?")
    before = len(twilio.sent)
    twilio.session.silence()
    second = "".join(texts(twilio.sent[before:]))
    assert second.startswith("Bitte antworten Sie kurz. Welchen Termin möchten Sie?")
    assert "Taste von 1 bis 3" in second and "Taste 0" in second
    before = len(twilio.sent)
    twilio.session.silence()
    assert ending(twilio.sent[before:]) == {"reason": "no_input", "reference": CALL_SID}
    assert len(world.rasa.calls) == 2  # silence never goes to the bot


def test_an_answer_after_a_silence_resets_the_ladder(make_world):
    world = make_world(ScriptedRasa(GREETING, default=[{"text": "Wann passt es Ihnen?"}]), **RELAY)
    twilio = Twilio(world)
    twilio.session.silence_seconds = 6.0
    twilio.start()
    twilio.session.silence()
    twilio.session.silence()
    twilio.say("Personalausweis")
    twilio.session.silence()
    assert not twilio.session.ended and world.store.load(CALL_SID).trouble == 1


def test_without_a_silence_setting_the_session_waits_for_twilio(make_world):
    world = make_world(ScriptedRasa(GREETING), **RELAY)
    twilio = Twilio(world)
    twilio.start()
    assert twilio.session.seconds_to_silence() is None
