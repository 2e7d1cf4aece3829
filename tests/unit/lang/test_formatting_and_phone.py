from datetime import date, datetime

import pytest

from common.clock import BERLIN
from german.formatting import day_text, short_slot_text, spoken_code, time_text
from german.phone import normalise_phone


def test_days_are_written_with_weekday_and_month_in_german():
    assert day_text(date(2026, 12, 1)) == "Dienstag, 1. Dezember"


def test_times_are_shown_in_berlin_time_even_when_stored_in_utc():
    utc = datetime.fromisoformat("2026-12-01T08:30:00+00:00")
    assert time_text(utc) == "9:30"


def test_a_button_label_is_short():
    start = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
    assert short_slot_text(start, "Kundenzentrum Altona") == "Di., 1. Dez., 9:30 Uhr – Kundenzentrum Altona"


def test_codes_are_spoken_character_by_character_in_two_groups():
    assert spoken_code("K7M-4TX") == "K, 7, M ... 4, T, X"


@pytest.mark.parametrize(
    "said, expected",
    [
        ("040 1234567", "+49401234567"),
        ("+49 40 1234567", "+49401234567"),
        ("null vier null eins zwei drei vier fünf sechs sieben", "+49401234567"),
        ("0171/2345678", "+491712345678"),
    ],
)
def test_phone_numbers_are_understood_typed_or_spoken(said, expected):
    assert normalise_phone(said) == expected


@pytest.mark.parametrize("said", ["ja", "12", "keine Ahnung"])
def test_things_that_are_not_phone_numbers_are_refused(said):
    assert normalise_phone(said) is None
