"""The public API of german.dates as the actions use it: When, parse_when, parse_date."""
from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time

from common.clock import BERLIN
from german.dates import When, parse_date, parse_when

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_when_keeps_the_fields_the_actions_read():
    names = [field.name for field in fields(When)]
    assert names[:9] == ["first_day", "last_day", "time_from", "time_to", "exact_time", "weekdays", "asap",
                         "in_past", "text"]
    assert When(date(2026, 12, 1), date(2026, 12, 1)).weekday_conflict is False


def test_the_original_text_is_kept():
    assert parse_when("Nächste Woche Dienstag vormittags", MONDAY).text == "Nächste Woche Dienstag vormittags"


def test_text_without_date_or_time_gives_none():
    for text in ("", "   ", "Ich brauche einen Personalausweis", "Guten Morgen", "so ist das", "der zweite",
                 "egal welcher Standort"):
        assert parse_when(text, MONDAY) is None, text


def test_an_exact_time_alone_is_found_for_choosing_an_offer():
    assert parse_when("den um 9:30", MONDAY).exact_time == time(9, 30)
    assert parse_when("der um viertel nach acht", MONDAY).exact_time == time(8, 15)


def test_a_clock_in_utc_is_read_in_berlin_time():
    late_utc = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # already Tuesday in Berlin
    assert parse_when("morgen", late_utc).first_day == date(2026, 11, 25)


def test_speech_style_and_chat_style_agree():
    pairs = [("Do. 26.11. um 8:15", "äh donnerstag den sechsundzwanzigsten elften um viertel nach acht"),
             ("nächste Woche Mi, 14 Uhr", "also nächste woche mittwoch vierzehn uhr"),
             ("zwischen 9 und 11", "zwischen neun und elf")]
    for chat, speech in pairs:
        a, b = parse_when(chat, MONDAY), parse_when(speech, MONDAY)
        assert (a.first_day, a.last_day, a.time_from, a.time_to, a.exact_time) == \
               (b.first_day, b.last_day, b.time_from, b.time_to, b.exact_time), chat


def test_corrections_keep_the_new_value():
    assert parse_when("statt Dienstag bitte Freitag", MONDAY).first_day == date(2026, 11, 27)
    assert parse_when("nicht morgen, übermorgen", MONDAY).first_day == date(2026, 11, 25)
    assert parse_when("Nein, 14 Uhr, nicht 15 Uhr", MONDAY).exact_time == time(14)


def test_a_weekday_that_does_not_fit_the_date_is_flagged():
    when = parse_when("Do. 19.3.", MONDAY)  # 19.3.2027 is a Friday
    assert when.first_day == date(2027, 3, 19) and when.weekday_conflict
    assert not parse_when("Di. 1.12.", MONDAY).weekday_conflict


def test_parse_date_prefers_the_past_for_a_move_in_date():
    assert parse_date("am 20.11.", MONDAY, prefer_past=True) == date(2026, 11, 20)
    assert parse_date("am Freitag", MONDAY, prefer_past=True) == date(2026, 11, 20)
    assert parse_date("gestern", MONDAY, prefer_past=True) == date(2026, 11, 22)
    assert parse_date("vor einer Woche", MONDAY, prefer_past=True) == date(2026, 11, 16)
    assert parse_date("am fünfzehnten", MONDAY, prefer_past=True) == date(2026, 11, 15)
    assert parse_date("am 1.12.", MONDAY, prefer_past=True) == date(2026, 12, 1)  # soon: still this year
    assert parse_date("am 3.1.", MONDAY, prefer_past=True) == date(2026, 1, 3)


def test_parse_date_without_a_day_gives_none():
    assert parse_date("nachmittags", MONDAY) is None
    assert parse_date("so bald wie möglich", MONDAY) is None
    assert parse_date("Personalausweis", MONDAY) is None
    assert parse_date("am 1.12.", MONDAY) == date(2026, 12, 1)
