"""The one number reader (german/numbers.py) and the phone reader built on it."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from german.numbers import digit_string, numbers_in, read_cardinal, read_ordinal, words_to_digits
from german.phone import normalise_phone, same_phone


@pytest.mark.parametrize("text, place", [
    ("den ersten bitte", 1), ("Der Erste", 1), ("erster", 1), ("1.", 1), ("Nummer eins", 1), ("eins", 1),
    ("die zweite Option", 2), ("zwo", 2), ("der zwote", 2), ("Nummer 3", 3), ("der dritte, nicht der erste", 3),
    ("nicht der erste sondern der vierte", 4), ("äh den fünften", 5),
])
def test_ordinals_in_all_their_forms(text, place):
    assert read_ordinal(text) == place


@pytest.mark.parametrize("text", ["nicht der erste", "keine ahnung", "der erste oder der zweite", ""])
def test_no_single_place_is_no_ordinal(text):
    assert read_ordinal(text) is None


def test_an_ordinal_above_the_offers_is_none():
    assert read_ordinal("der sechste", highest=5) is None


def test_number_words_never_match_by_prefix():
    # "dreißig" is not "drei", "vierzehn" not "vier" (the old prefix tables read option 3 here)
    assert [n.value for n in numbers_in("vierzehn uhr dreißig")] == [14, 30]
    assert words_to_digits("am fünfzehnten dritten") == "am 15. 3."


@pytest.mark.parametrize("text, value", [("dreiundzwanzig", 23), ("ähm zwölf", 12), ("ich glaube 12", 12)])
def test_cardinals(text, value):
    assert read_cardinal(text) == value


@pytest.mark.parametrize("text, digits", [
    ("null vier null, vier zwei acht eins zwei drei", "040428123"),
    ("vierzig zwölf dreiundvierzig", "401243"),
    ("doppel-null vier neun", "0049"),
    ("null eins fünf eins zweimal die vier", "015144"),
    ("plus vier neun", "+49"),
])
def test_dictated_digits_singly_in_pairs_and_blocks(text, digits):
    assert digit_string(text) == digits


@pytest.mark.parametrize("text, number", [
    ("null vier null eins zwei drei vier fünf sechs sieben", "+49401234567"),
    ("040 / 123 456 7", "+49401234567"),
    ("doppelnull vier neun vierzig eins zwei drei vier fünf sechs sieben", "+49401234567"),
    ("+49 (40) 1234-567", "+49401234567"),
    ("null eins fünf eins, zwanzig dreißig vierzig fünfzig", "+4915120304050"),
])
def test_phone_numbers_spoken_or_typed(text, number):
    assert normalise_phone(text) == number


@pytest.mark.parametrize("text", ["ja", "nein danke", "12", "", None])
def test_no_phone_number(text):
    assert normalise_phone(text) is None


def test_same_number_in_two_spellings():
    assert same_phone("null vier null eins zwei drei vier fünf sechs sieben", "040 1234567")
    assert not same_phone("040 1234567", "040 1234568")


@given(st.text(max_size=80))
def test_the_readers_never_raise(text):
    words_to_digits(text)
    read_ordinal(text)
    read_cardinal(text)
    digit_string(text)
    normalise_phone(text)
