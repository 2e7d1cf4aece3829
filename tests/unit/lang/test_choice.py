"""Choosing among offered slots (german/choice.py): by place in the list, time, day, centre."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.clock import BERLIN
from german.choice import AMBIGUOUS, NONE, NOT_A_CHOICE, OPTION, Offer, choose

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN)  # Monday
OFFERS = [
    Offer(date(2026, 3, 3), time(9, 30), "Hamburg Service vor Ort Altona"),
    Offer(date(2026, 3, 3), time(14, 30), "Hamburg Service vor Ort Altona"),
    Offer(date(2026, 3, 4), time(10, 30), "Hamburg Service vor Ort Hamburg-Mitte"),
    Offer(date(2026, 3, 5), time(8, 0), "Hamburg Service vor Ort Wandsbek"),
    Offer(date(2026, 3, 6), time(16, 15), "Hamburg Service vor Ort Harburg"),
]


@pytest.mark.parametrize("text, option", [
    ("den ersten bitte", 1), ("2", 2), ("Nummer drei", 3), ("der dritte, nicht der erste", 3),
    ("vierzehn uhr dreißig", 2), ("den um halb zehn", 1), ("den um halb elf", 3), ("den am Donnerstag", 4),
    ("den in Harburg", 5), ("den letzten", 5), ("den vorletzten", 4), ("den späteren am Dienstag", 2),
    ("den am mittwoch um halb elf", 3), ("den in wandsbek, nicht den in harburg", 4),
])
def test_the_option_meant(text, option):
    choice = choose(OFFERS, text, NOW)
    assert (choice.kind, choice.index) == (OPTION, option - 1)


@pytest.mark.parametrize("text", ["keiner davon", "lieber einen anderen Tag", "passt mir alles nicht"])
def test_none_of_them(text):
    assert choose(OFFERS, text, NOW).kind == NONE


def test_a_date_is_never_read_from_an_ordinal_and_a_date_is_no_ordinal():
    assert choose(OFFERS, "am fünfzehnten dritten", NOW).kind == NONE  # a wish for 15 March
    assert choose(OFFERS, "den ersten", NOW).index == 0


@pytest.mark.parametrize("text", ["wie lange dauert das", "wie bitte", "hallo"])
def test_not_a_choice(text):
    assert choose(OFFERS, text, NOW).kind == NOT_A_CHOICE


def test_two_fitting_offers_are_ambiguous():
    choice = choose(OFFERS, "den in Altona", NOW)
    assert choice.kind == AMBIGUOUS and choice.candidates == (0, 1)


@given(st.text(max_size=60), st.integers(min_value=1, max_value=5))
def test_never_an_option_that_was_not_offered(text, count):
    choice = choose(OFFERS[:count], text, NOW)
    if choice.kind == OPTION:
        assert 0 <= choice.index < count
    assert all(0 <= i < count for i in choice.candidates)
