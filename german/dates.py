"""PLACEHOLDER until the full parser lands: a few German time expressions only."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional

WEEKDAYS = ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
PARTS = {"vormittags": (time(8), time(12)), "vormittag": (time(8), time(12)),
         "nachmittags": (time(12), time(18)), "nachmittag": (time(12), time(18))}


@dataclass(frozen=True)
class When:
    first_day: date
    last_day: date
    time_from: Optional[time] = None
    time_to: Optional[time] = None
    exact_time: Optional[time] = None
    weekdays: Optional[frozenset[int]] = None
    asap: bool = False
    in_past: bool = False
    text: str = ""


def parse_when(text: str, now: datetime) -> Optional[When]:
    lowered = text.lower()
    today = now.date()
    if re.search(r"so bald|schnellstmöglich|egal", lowered):
        return When(today, today + timedelta(days=90), asap=True, text=text)
    first = last = None
    if "übermorgen" in lowered:
        first = last = today + timedelta(days=2)
    elif "morgen" in lowered:
        first = last = today + timedelta(days=1)
    elif "heute" in lowered:
        first = last = today
    week_start = today - timedelta(days=today.weekday())
    if "nächste woche" in lowered:
        week_start += timedelta(days=7)
    for index, name in enumerate(WEEKDAYS):
        if name in lowered:
            day = week_start + timedelta(days=index)
            if day < today:
                day += timedelta(days=7)
            first = last = day
    if first is None and "nächste woche" in lowered:
        first, last = week_start, week_start + timedelta(days=6)
    match = re.search(r"(\d{1,2})\.(\d{1,2})\.?", lowered)
    if match:
        day = date(today.year, int(match.group(2)), int(match.group(1)))
        first = last = day if day >= today else day.replace(year=today.year + 1)
    window = next((PARTS[p] for p in PARTS if p in lowered), (None, None))
    if first is None:
        if window[0] is None:
            return None
        first, last = today, today + timedelta(days=13)
    return When(first, last, time_from=window[0], time_to=window[1], text=text)


def parse_date(text: str, now: datetime, prefer_past: bool = False) -> Optional[date]:
    """A single calendar day; with prefer_past a day-month without year stays in the past."""
    lowered = text.lower()
    today = now.date()
    match = re.search(r"(\d{1,2})\.(\d{1,2})\.?", lowered)
    if match:
        day = date(today.year, int(match.group(2)), int(match.group(1)))
        if prefer_past and day > today + timedelta(days=60):
            day = day.replace(year=today.year - 1)
        return day
    if "gestern" in lowered:
        return today - timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if name in lowered and prefer_past:
            back = (today.weekday() - index) % 7 or 7
            return today - timedelta(days=back)
    when = parse_when(text, now)
    return when.first_day if when else None
