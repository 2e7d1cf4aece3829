"""An unsure recognition of a date, code or number is read back before it reaches the bot."""
from __future__ import annotations

from tests.unit.telephony.conftest import ASK_WHEN, GREETING, ScriptedRasa, dial_of, gather_of, spoken

ASK_CODE = [{"text": "Wie lautet Ihr Buchungscode?"}]


def _asked_when(make_world, *more, **env):
    world = make_world(ScriptedRasa(GREETING, ASK_WHEN, *more), **env)
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis in Altona")
    return world, phone


def test_a_date_heard_with_low_confidence_is_read_back_instead_of_sent(make_world):
    world, phone = _asked_when(make_world)
    root = phone.say("am 3. Dezember", confidence="0.31")
    assert spoken(root).startswith("Habe ich richtig verstanden: am 3. Dezember? Sagen Sie ja oder nein.")
    assert gather_of(root).get("numDigits") == "1"
    assert world.rasa.messages[-1] == "Personalausweis in Altona"


def test_yes_sends_the_read_back_date_marked_as_confirmed(make_world):
    world, phone = _asked_when(make_world, [{"text": "Ich habe 2 freie Termine für Sie."}])
    phone.say("am 3. Dezember", confidence="0.31")
    phone.say("ja genau")
    last = world.rasa.calls[-1]
    assert last["message"] == "am 3. Dezember"
    assert last["metadata"]["confirmed_by_caller"] is True
    assert last["metadata"]["speech_confidence"] == 0.31


def test_key_one_confirms_like_yes(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}])
    phone.say("nächsten Dienstag", confidence="0.2")
    phone.press("1")
    assert world.rasa.messages[-1] == "nächsten Dienstag"


def test_no_asks_again_and_offers_keypad_entry_of_the_date(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}])
    phone.say("am 3. Dezember", confidence="0.31")
    root = phone.say("nein")
    text = spoken(root)
    assert text.startswith("Bitte sagen Sie es noch einmal.")
    assert "0, 1, 1, 2 und Raute" in text
    assert gather_of(root).get("finishOnKey") == "#"
    phone.press("0412")
    assert world.rasa.messages[-1] == "am 4.12.2026"


def test_a_confident_date_goes_straight_to_the_bot(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}])
    phone.say("am 3. Dezember", confidence="0.93")
    assert world.rasa.messages[-1] == "am 3. Dezember"


def test_an_unsure_utterance_without_a_critical_value_goes_straight_to_the_bot(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}])
    phone.say("so bald wie möglich bitte", confidence="0.2")
    assert world.rasa.messages[-1] == "so bald wie möglich bitte"


def test_a_spelled_booking_code_is_joined_and_read_back_letter_by_letter(make_world):
    world = make_world(ScriptedRasa(GREETING, ASK_CODE, [{"text": "Gut."}]))
    phone = world.phone()
    phone.call()
    phone.say("Ich möchte meinen Termin absagen")
    root = phone.say("Ka sieben Emm vier Te Ix", confidence="0.4")
    assert "Habe ich richtig verstanden: K, 7, M" in spoken(root)
    phone.say("ja")
    assert world.rasa.messages[-1] == "K7M-4TX"


def test_the_confidence_threshold_is_configurable_and_zero_switches_it_off(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}], TWILIO_MIN_CONFIDENCE="0")
    phone.say("am 3. Dezember", confidence="0.05")
    assert world.rasa.messages[-1] == "am 3. Dezember"


def test_saying_something_else_instead_of_yes_or_no_is_taken_as_the_new_answer(make_world):
    world, phone = _asked_when(make_world, [{"text": "Gut."}])
    phone.say("am 3. Dezember", confidence="0.31")
    phone.say("so bald wie möglich", confidence="0.9")
    assert world.rasa.messages[-1] == "so bald wie möglich"


def test_silence_during_the_read_back_is_bounded_like_any_silence(make_world):
    _world, phone = _asked_when(make_world)
    phone.say("am 3. Dezember", confidence="0.31")
    first = spoken(phone.silence())
    assert "Habe ich richtig verstanden" in first
    assert "Bitte sagen Sie ja oder nein." in spoken(phone.silence())
    assert "Mit der 1" in spoken(phone.silence())
    dial_of(phone.silence())


def test_repeated_no_leads_to_the_menu_instead_of_an_endless_read_back(make_world):
    _world, phone = _asked_when(make_world)
    phone.say("am 3. Dezember", confidence="0.31")
    phone.say("nein")
    phone.say("am 3. Dezember", confidence="0.31")
    phone.say("nein")
    phone.say("am 3. Dezember", confidence="0.31")
    root = phone.say("nein")
    assert "Mit der 1 wiederhole ich die Frage." in spoken(root)
