"""Forms the independent writers used (eval/dates/strangers): properties over random clocks."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from common.clock import BERLIN
from german.dates import WEEKDAYS, parse_when, read_time

clocks = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=BERLIN))
weekdays = st.integers(min_value=0, max_value=6)


@given(clocks, weekdays)
def test_diesen_weekday_is_never_in_the_past(now, weekday):
    when = parse_when(f"diesen {WEEKDAYS[weekday]}", now)
    assert when is not None and not when.in_past
    assert when.first_day.weekday() == weekday and 0 <= (when.first_day - now.date()).days <= 6


@given(clocks, weekdays)
def test_naechsten_weekday_within_this_week_has_the_next_week_as_second_reading(now, weekday):
    when = parse_when(f"nächsten {WEEKDAYS[weekday]}", now)
    same_week = when.first_day.isocalendar()[1] == now.date().isocalendar()[1]
    assert (when.alternative == when.first_day + timedelta(days=7)) if same_week else when.alternative is None


@given(clocks, weekdays)
def test_x_nach_dem_naechsten_is_one_week_after_the_next(now, weekday):
    name = WEEKDAYS[weekday]
    assert parse_when(f"{name} nach dem nächsten", now).first_day == parse_when(name, now).first_day + timedelta(days=7)


def test_the_issue_examples():
    now = datetime(2013, 2, 12, 4, 30, tzinfo=BERLIN)  # Tuesday
    assert parse_when("am 15ten", now).first_day == date(2013, 2, 15)
    assert parse_when("märz 3", now).first_day == date(2013, 3, 3)
    assert parse_when("dritter dienstag im september 2014", now).first_day == date(2014, 9, 16)
    assert parse_when("letzter montag im märz", now).first_day == date(2013, 3, 25)
    assert parse_when("letzter tag im oktober", now).first_day == date(2013, 10, 31)
    assert parse_when("diesen montag", now).first_day == date(2013, 2, 18)
    assert parse_when("Freitag, der 18. Juli 14", now).first_day == date(2014, 7, 18)
    assert read_time("in zwei stunden", now).strftime("%H:%M") == "06:30"
    assert read_time("17h10").strftime("%H:%M") == "17:10"
    assert read_time("halb drei").strftime("%H:%M") == "14:30"  # hours 1-6 are afternoon
