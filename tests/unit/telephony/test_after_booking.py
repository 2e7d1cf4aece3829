"""After a booking on the phone: the code once more if wanted, the SMS or the documents,
"anything else?", and a goodbye that hangs up. Each of these turns is short."""
from __future__ import annotations

from tests.unit.telephony.conftest import GREETING, ScriptedRasa, gather_of, spoken

BOOKED = [
    {"text": "Ihr Termin ist gebucht: Dienstag, 1. Dezember, um 9 Uhr 30, in Altona. "
             "Ihr Buchungscode: K, 7, M ... 4, T, X."},
    {"custom": {"booking": {"code": "K7M-4TX", "day": "Dienstag, 1. Dezember", "time": "9:30",
                            "location_name": "Kundenzentrum Altona",
                            "documents": ["Personalausweis", "ein biometrisches Passfoto"]}}},
]
LANDLINE = "+494012345678"


def _booked(make_world, caller="+491701234567"):
    world = make_world(ScriptedRasa(GREETING, BOOKED, [{"text": "Wofür brauchen Sie den Termin?"}]))
    phone = world.phone(caller=caller)
    phone.call()
    root = phone.say("Ja")
    return world, phone, root


def test_the_booked_turn_says_the_code_once_and_offers_to_repeat_it(make_world):
    _, _, root = _booked(make_world)
    words = spoken(root)
    assert words.count("K, 7, M") == 1
    assert words.endswith("Soll ich den Code wiederholen?")
    assert gather_of(root) is not None, "the caller can answer"


def test_yes_repeats_only_the_code_then_tells_the_sms_and_asks_for_anything_else(make_world):
    world, phone, _ = _booked(make_world)
    bot_turns = len(world.rasa.calls)
    words = spoken(phone.say("ja bitte"))
    assert words.startswith("Gern. Ihr Buchungscode: K, 7, M")
    assert "per SMS" in words and words.endswith("Kann ich sonst noch etwas für Sie tun?")
    assert len(world.rasa.calls) == bot_turns, "the gateway answers these itself"


def test_the_star_key_and_the_one_repeat_the_code_too(make_world):
    for key in ("*", "1"):
        _, phone, _ = _booked(make_world)
        assert "Ihr Buchungscode: K, 7, M" in spoken(phone.press(key))


def test_a_landline_caller_hears_the_documents_instead_of_an_sms_promise(make_world):
    _, phone, _ = _booked(make_world, caller=LANDLINE)
    words = spoken(phone.say("nein danke"))
    assert "SMS" not in words and "K, 7, M" not in words
    assert "Bitte bringen Sie mit: Personalausweis, ein biometrisches Passfoto." in words


def test_no_at_anything_else_says_goodbye_and_hangs_up(make_world):
    _, phone, _ = _booked(make_world)
    phone.say("nein")
    root = phone.say("nein danke")
    assert root.find("Hangup") is not None and root.find("Gather") is None
    assert "Auf Wiederhören" in spoken(root)


def test_a_goodbye_at_once_hangs_up(make_world):
    _, phone, _ = _booked(make_world)
    root = phone.say("danke tschüss")
    assert root.find("Hangup") is not None and "Auf Wiederhören" in spoken(root)


def test_silence_after_the_booking_ends_the_call_politely_not_with_reprompts(make_world):
    _, phone, _ = _booked(make_world)
    assert spoken(phone.silence()).endswith("Kann ich sonst noch etwas für Sie tun?")
    assert spoken(phone.silence()) == "Kann ich sonst noch etwas für Sie tun?"
    last = phone.silence()
    assert last.find("Hangup") is not None


def test_a_new_request_after_the_booking_goes_to_the_bot(make_world):
    world, phone, _ = _booked(make_world)
    phone.say("nein")
    bot_turns = len(world.rasa.calls)
    words = spoken(phone.say("ich brauche noch einen termin für meinen sohn"))
    assert len(world.rasa.calls) == bot_turns + 1
    assert words == "Wofür brauchen Sie den Termin?"


def test_zero_still_reaches_a_person_after_the_booking(make_world):
    _, phone, _ = _booked(make_world)
    root = phone.press("0")
    assert root.find("Dial") is not None


def test_a_goodbye_followed_by_a_question_does_not_hang_up():
    from telephony.texts import load_vocabulary
    from telephony.turn import parse_turn

    vocabulary = load_vocabulary()
    goodbye = {"text": "Vielen Dank für Ihren Anruf. Auf Wiederhören.", "custom": {"voice": {"hangup": True}}}
    assert parse_turn([goodbye], vocabulary).hangup
    assert not parse_turn([goodbye, {"text": "Auf welchen Namen soll ich buchen?"}], vocabulary).hangup
