"""The conversation is keyed by the call, the caller's number travels only as metadata."""
from __future__ import annotations

from tests.unit.telephony.conftest import CALL_SID, CALLER, GREETING, ScriptedRasa, gather_of, spoken


def test_the_conversation_is_keyed_by_the_call_sid_not_by_the_callers_number(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    phone.call()
    phone.say("Ich brauche einen Reisepass")
    assert {call["sender"] for call in world.rasa.calls} == {CALL_SID}
    assert all(call["channel"] == "voice" for call in world.rasa.calls)


def test_the_callers_number_and_the_recognition_confidence_go_to_the_bot_as_metadata(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    phone.call()
    phone.say("Ich brauche einen Reisepass", confidence="0.87")
    metadata = world.rasa.calls[-1]["metadata"]
    assert metadata["caller_number"] == CALLER
    assert metadata["channel"] == "voice"
    assert metadata["speech_confidence"] == 0.87
    assert metadata["input_mode"] == "speech"
    assert world.rasa.calls[-1]["message"] == "Ich brauche einen Reisepass"


def test_two_calls_from_the_same_number_are_two_conversations(make_world):
    world = make_world(ScriptedRasa(GREETING, GREETING))
    world.phone(call_sid="CA" + "1" * 32).call()
    world.phone(call_sid="CA" + "2" * 32).call()
    assert [call["sender"] for call in world.rasa.calls] == ["CA" + "1" * 32, "CA" + "2" * 32]


def test_a_withheld_number_is_not_passed_as_caller_number(make_world):
    world = make_world(ScriptedRasa(GREETING))
    world.phone(caller="+266696687").call()
    assert "caller_number" not in world.rasa.calls[0]["metadata"]


def test_a_configured_start_message_opens_the_conversation(make_world):
    world = make_world(ScriptedRasa(GREETING), TWILIO_START_MESSAGE="/greet_phone")
    world.phone().call()
    assert world.rasa.messages == ["/greet_phone"]
    assert world.rasa.calls[0]["metadata"]["input_mode"] == "start"


def test_buttons_are_read_as_say_or_press_and_the_keys_send_their_payloads(make_world):
    question = [{
        "text": "Soll ich den Termin buchen?",
        "buttons": [{"title": "Ja, buchen", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"}],
    }]
    world = make_world(ScriptedRasa(GREETING, question))
    phone = world.phone()
    phone.call()
    root = phone.say("Termin am Dienstag")
    text = spoken(root)
    assert "Sagen Sie Ja, buchen, oder drücken Sie die 1." in text
    assert "Sagen Sie Nein, oder drücken Sie die 2." in text
    phone.press("2")
    assert world.rasa.messages[-1] == "/deny"
    assert world.rasa.calls[-1]["metadata"]["input_mode"] == "keypad"


def test_a_bot_marker_that_the_conversation_is_over_hangs_up_after_speaking(make_world):
    goodbye = [{"text": "Auf Wiedersehen und alles Gute!"}, {"custom": {"voice": {"hangup": True}}}]
    world = make_world(ScriptedRasa(GREETING, goodbye))
    phone = world.phone()
    phone.call()
    root = phone.say("Tschüss")
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert spoken(root) == "Auf Wiedersehen und alles Gute!"


def test_a_finished_call_leaves_no_state_behind(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    phone.call()
    assert world.store.load(CALL_SID) is not None
    assert phone.post("/voice/status", CallStatus="completed", CallDuration="63").status_code == 204
    assert world.store.load(CALL_SID) is None


def test_an_ongoing_status_callback_keeps_the_state(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    phone.call()
    phone.post("/voice/status", CallStatus="in-progress")
    assert world.store.load(CALL_SID) is not None


def test_a_gathered_turn_without_stored_state_still_reaches_the_bot(make_world):
    world = make_world(ScriptedRasa([{"text": "Wofür brauchen Sie den Termin?"}]))
    root = world.phone().say("Ich möchte einen Termin")
    assert world.rasa.messages == ["Ich möchte einen Termin"]
    assert gather_of(root).get("language") == "de-DE"
