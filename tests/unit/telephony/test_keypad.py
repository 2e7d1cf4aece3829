"""Keys: 0 = a person, * = repeat, digits = offered options, keyed-in dates and codes."""
from __future__ import annotations

from datetime import date

import pytest

from telephony.keypad import decode_code, decode_date, encode_code, interpret_entry
from tests.unit.telephony.conftest import (
    GREETING,
    HANDOVER,
    OFFERS,
    ScriptedRasa,
    dial_of,
    gather_of,
    spoken,
)

TODAY = date(2026, 11, 23)


def test_zero_asks_the_bot_for_a_person_and_transfers(make_world):
    world = make_world(ScriptedRasa(GREETING, HANDOVER))
    phone = world.phone()
    phone.call()
    root = phone.press("0")
    assert world.rasa.messages[-1] == "/request_human"
    dial_of(root)


def test_zero_transfers_even_when_the_bot_does_not_hand_over(make_world):
    world = make_world(ScriptedRasa(GREETING, [{"text": "Wofür brauchen Sie den Termin?"}]))
    phone = world.phone()
    phone.call()
    root = phone.press("0")
    assert dial_of(root).find("Number").text == "+494042828000"
    assert "mit einem Menschen" in spoken(root)


def test_star_asks_the_bot_to_repeat(make_world):
    world = make_world(ScriptedRasa(GREETING, GREETING))
    phone = world.phone()
    phone.call()
    root = phone.press("*")
    assert world.rasa.messages[-1] == "/repeat"
    assert "Wie kann ich Ihnen helfen?" in spoken(root)


def test_a_digit_chooses_one_of_the_slots_the_bot_just_offered(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis in Altona nächste Woche")
    phone.press("2")
    assert world.rasa.messages[-1] == '/choose_option{"ordinal":"2"}'


def test_a_digit_beyond_the_offered_options_is_not_sent_to_the_bot(make_world):
    world = make_world(ScriptedRasa(GREETING, OFFERS))
    phone = world.phone()
    phone.call()
    phone.say("Personalausweis in Altona nächste Woche")
    root = phone.press("7")
    assert len(world.rasa.calls) == 2
    assert spoken(root).startswith("Diese Taste ist gerade nicht belegt.")
    assert "Welchen Termin möchten Sie?" in spoken(root)


def test_a_digit_without_offered_options_is_not_assigned(make_world):
    world = make_world(ScriptedRasa(GREETING))
    phone = world.phone()
    phone.call()
    root = phone.press("3")
    assert world.rasa.messages == ["/greet"]
    assert "nicht belegt" in spoken(root)


def test_a_keyed_in_date_is_sent_as_a_date_when_the_bot_asks_for_one(make_world):
    ask_date = [{"text": "An welchem Tag?"}, {"custom": {"voice": {"expect": "date"}}}]
    world = make_world(ScriptedRasa(GREETING, ask_date))
    phone = world.phone()
    phone.call()
    root = phone.say("Termin bitte")
    gather = gather_of(root)
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None
    phone.press("0112")
    assert world.rasa.messages[-1] == "am 1.12.2026"


def test_a_keyed_in_booking_code_is_sent_as_the_code(make_world):
    ask_code = [{"text": "Wie lautet Ihr Buchungscode?"}, {"custom": {"voice": {"expect": "booking_code"}}}]
    world = make_world(ScriptedRasa(GREETING, ask_code))
    phone = world.phone()
    phone.call()
    phone.say("Ich möchte absagen")
    phone.press("527061408192")
    assert world.rasa.messages[-1] == "K7M-4TX"


def test_an_unreadable_keyed_in_code_gets_help_instead_of_reaching_the_bot(make_world):
    ask_code = [{"text": "Wie lautet Ihr Buchungscode?"}, {"custom": {"voice": {"expect": "booking_code"}}}]
    world = make_world(ScriptedRasa(GREETING, ask_code))
    phone = world.phone()
    phone.call()
    phone.say("Ich möchte absagen")
    root = phone.press("1111")
    assert len(world.rasa.calls) == 2
    assert "Diese Eingabe habe ich nicht verstanden." in spoken(root)
    assert "Taste, auf der er steht" in spoken(root)


@pytest.mark.parametrize("code", ["K7M-4TX", "ACD-EFG", "QWY-397", "HJN-PRU"])
def test_booking_codes_survive_the_keypad_scheme(code):
    assert decode_code(encode_code(code)) == code


def test_the_keypad_code_scheme_is_key_then_place_on_the_key():
    assert encode_code("K7M-4TX") == "527061408192"


@pytest.mark.parametrize("digits", ["52706140819", "5270614081920", "521161408192", "5970614081", "11" * 6])
def test_keypad_codes_with_wrong_length_or_characters_outside_the_alphabet_are_rejected(digits):
    assert decode_code(digits) is None


@pytest.mark.parametrize("digits, expected", [
    ("0112", date(2026, 12, 1)),       # the next 1 December
    ("1511", date(2027, 11, 15)),      # 15 November has passed this year
    ("2311", date(2026, 11, 23)),      # today counts
    ("01122026", date(2026, 12, 1)),
    ("150127", date(2027, 1, 15)),
])
def test_keypad_dates_are_day_then_month_with_an_optional_year(digits, expected):
    assert decode_date(digits, TODAY) == expected


@pytest.mark.parametrize("digits", ["3102", "0013", "12", "011220261"])
def test_impossible_keypad_dates_are_rejected(digits):
    assert decode_date(digits, TODAY) is None


def test_an_entry_is_read_by_its_shape_when_no_kind_is_expected():
    assert interpret_entry("0112", None, TODAY).text == "am 1.12.2026"
    assert interpret_entry("527061408192", None, TODAY).text == "K7M-4TX"
    assert interpret_entry("04012345678", None, TODAY).text == "04012345678"
