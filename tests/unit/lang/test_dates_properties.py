"""Properties of the German date parser that must hold for any input and any clock (hypothesis)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from common.clock import BERLIN
from german.dates import WEEKDAYS, parse_date, parse_when

nows = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=BERLIN))

date_words = st.sampled_from([
    "heute", "morgen", "übermorgen", "gestern", "nächste", "woche", "Dienstag", "Di.", "am", "um", "halb",
    "viertel", "nach", "vor", "bis", "ab", "zwischen", "und", "oder", "nicht", "Uhr", "15.3.", "19.", "März",
    "Anfang", "Ende", "Mitte", "im", "Januar", "in", "zwei", "Tagen", "Wochen", "vormittags", "abends", "früh",
    "so bald wie möglich", "egal", "letzten", "Montag", "14:30", "dreiviertel", "zehn", "fünfzehnten",
    "dritten", "Wochenende", "KW", "50", "3", "31.12.", "29.2.", "äh", "statt", "dienstags", "Monat",
])
phrases = st.lists(date_words, min_size=1, max_size=8).map(" ".join)


def _check_invariants(text: str, now: datetime) -> None:
    when = parse_when(text, now)
    if when is None:
        return
    assert when.first_day <= when.last_day
    assert when.in_past == (when.first_day < now.date())
    if when.weekdays is not None:
        assert when.first_day.weekday() in when.weekdays and when.last_day.weekday() in when.weekdays
    if when.time_from is not None and when.time_to is not None:
        assert when.time_from < when.time_to
    assert when.text == text


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), now=nows)
def test_arbitrary_text_never_raises_and_keeps_the_invariants(text, now):
    _check_invariants(text, now)
    parse_date(text, now)
    parse_date(text, now, prefer_past=True)


@settings(max_examples=400, deadline=None)
@given(text=phrases, now=nows)
def test_date_like_word_salad_keeps_the_invariants(text, now):
    _check_invariants(text, now)


@settings(max_examples=120, deadline=None)
@given(n=st.integers(min_value=1, max_value=60), now=nows, spoken=st.booleans())
def test_in_n_days_is_today_plus_n_in_digits_and_in_words(n, now, spoken):
    amount = num2words(n, lang="de") if spoken else str(n)
    unit = "Tag" if n == 1 else "Tagen"
    text = f"in {'einem' if n == 1 and spoken else amount} {unit}"
    when = parse_when(text, now)
    assert when is not None
    assert when.first_day == when.last_day == now.date() + timedelta(days=n)
    assert not when.in_past


@settings(max_examples=120, deadline=None)
@given(index=st.integers(min_value=0, max_value=6), now=nows)
def test_a_bare_weekday_is_the_next_one_within_a_week(index, now):
    when = parse_when(f"am {WEEKDAYS[index].capitalize()}", now)
    assert when is not None and when.first_day == when.last_day
    assert when.first_day.weekday() == index
    assert 1 <= (when.first_day - now.date()).days <= 7
    previous = parse_when(f"letzten {WEEKDAYS[index]}", now)
    assert previous.in_past and previous.first_day.weekday() == index
    assert 1 <= (now.date() - previous.first_day).days <= 7


@settings(max_examples=150, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31)), now=nows)
def test_a_day_and_month_without_year_is_never_silently_past(day, now):
    when = parse_when(f"am {day.day}.{day.month}.", now)
    if day.month == 2 and day.day == 29:
        return
    assert when is not None
    assert (when.first_day.day, when.first_day.month) == (day.day, day.month)
    back = (now.date() - when.first_day).days
    if when.in_past:
        assert 0 < back <= 31
    else:
        assert 0 <= -back <= 366


@settings(max_examples=100, deadline=None)
@given(hour=st.integers(min_value=7, max_value=19), minute=st.sampled_from([0, 5, 15, 30, 45, 50]), now=nows)
def test_clock_times_are_read_exactly(hour, minute, now):
    when = parse_when(f"um {hour}:{minute:02d}", now)
    assert when.exact_time == time(hour, minute)
    spoken = parse_when(f"um {num2words(hour, lang='de')} uhr {num2words(minute, lang='de') if minute else ''}", now)
    assert spoken.exact_time == time(hour, minute)


@settings(max_examples=50, deadline=None)
@given(hour=st.integers(min_value=8, max_value=19), now=nows)
def test_half_past_is_half_an_hour_before_the_named_hour(hour, now):
    when = parse_when(f"halb {num2words(hour, lang='de')}", now)
    assert when.exact_time == time(hour - 1, 30)
