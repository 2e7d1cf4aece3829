"""The hand-written evaluation cases (eval/dates/cases.yml) as a unit test, plus named examples."""
from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest

from common.clock import BERLIN
from german.dates import parse_when

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("date_eval", ROOT / "eval" / "dates" / "evaluate.py")
date_eval = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("date_eval", date_eval)
_spec.loader.exec_module(date_eval)

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


def test_the_case_file_is_big_enough_and_half_of_it_is_speech_style():
    cases = date_eval.load_cases()
    assert len(cases) >= 320
    assert sum(case.style == "speech" for case in cases) * 2 >= len(cases)
    assert {case.style for case in cases} == {"chat", "speech"}
    assert len({case.now for case in cases}) >= 3


def test_accuracy_on_the_case_file_meets_the_target():
    cases = date_eval.load_cases()
    failures = [case.text for case in cases if not date_eval.ours_correct(case, date_eval.ours_result(case))]
    accuracy = 1 - len(failures) / len(cases)
    assert accuracy >= date_eval.TARGET, f"{accuracy:.1%}; failing: {failures}"


def test_the_scorer_rejects_a_wrong_answer():
    case = next(c for c in date_eval.load_cases() if c.text == "übermorgen nachmittag")
    right = date_eval.ours_result(case)
    assert date_eval.ours_correct(case, right)
    wrong = parse_when("morgen nachmittag", case.now)
    assert not date_eval.ours_correct(case, wrong)
    assert not date_eval.dateparser_correct(case, datetime(2026, 11, 24, 15))
    assert date_eval.dateparser_correct(case, datetime(2026, 11, 25, 15))


@pytest.mark.parametrize("text, first, last, window, exact", [
    ("übermorgen nachmittag", date(2026, 11, 25), date(2026, 11, 25), (time(12), time(18)), None),
    ("nächste Woche Dienstag", date(2026, 12, 1), date(2026, 12, 1), (None, None), None),
    ("am fünfzehnten dritten", date(2027, 3, 15), date(2027, 3, 15), (None, None), None),
    ("Do. 19.3.", date(2027, 3, 19), date(2027, 3, 19), (None, None), None),
    ("Anfang April", date(2027, 4, 1), date(2027, 4, 10), (None, None), None),
    ("in zwei Wochen", date(2026, 12, 7), date(2026, 12, 7), (None, None), None),
    ("nach 17 Uhr", date(2026, 11, 23), date(2026, 12, 6), (time(17), None), None),
    ("halb zehn", date(2026, 11, 23), date(2026, 12, 6), (None, None), time(9, 30)),
    ("Viertel nach acht", date(2026, 11, 23), date(2026, 12, 6), (None, None), time(8, 15)),
    ("dreiviertel zehn", date(2026, 11, 23), date(2026, 12, 6), (None, None), time(9, 45)),
    ("um 3", date(2026, 11, 23), date(2026, 12, 6), (None, None), time(15)),
    ("vormittags", date(2026, 11, 23), date(2026, 12, 6), (time(7), time(12)), None),
    ("am Wochenende", date(2026, 11, 28), date(2026, 11, 29), (None, None), None),
])
def test_the_examples_of_the_issue(text, first, last, window, exact):
    when = parse_when(text, MONDAY)
    assert (when.first_day, when.last_day) == (first, last)
    assert (when.time_from, when.time_to) == window
    assert when.exact_time == exact
    assert not when.in_past and not when.asap


def test_either_of_two_weekdays_in_the_morning_is_a_weekday_set():
    when = parse_when("Donnerstag oder Freitag vormittags", MONDAY)
    assert when.weekdays == frozenset({3, 4})
    assert (when.first_day, when.last_day) == (date(2026, 11, 26), date(2026, 11, 27))


def test_a_date_that_can_only_be_past_says_so():
    assert parse_when("gestern", MONDAY).in_past
    assert parse_when("letzten Montag", MONDAY).first_day == date(2026, 11, 16)
    recent = parse_when("am 20.11.", MONDAY)
    assert recent.in_past and recent.first_day == date(2026, 11, 20)
    assert parse_when("am 3.1.", MONDAY).first_day == date(2027, 1, 3)  # rolls forward, not past


def test_as_soon_as_possible_in_every_wording():
    for text in ("so bald wie möglich", "schnellstmöglich", "egal wann", "asap", "äh so schnell wie möglich"):
        when = parse_when(text, MONDAY)
        assert when is not None and when.asap, text


def test_the_evaluation_script_fails_when_accuracy_is_below_target(monkeypatch, capsys):
    assert date_eval.main(["--no-dateparser"]) == 0
    monkeypatch.setattr(date_eval, "ours_correct", lambda case, when: case.style == "chat")
    assert date_eval.main(["--no-dateparser"]) == 1
    assert "TARGET MISSED" in capsys.readouterr().out
