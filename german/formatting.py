"""How dates, times and codes are written and spoken in German (Europe/Berlin)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Protocol

import phonenumbers
from babel.dates import format_date

from common.clock import BERLIN

_LETTER_NAMES = {
    "A": "A", "C": "C", "D": "D", "E": "E", "F": "F", "G": "G", "H": "H", "J": "Jott",
    "K": "K", "M": "M", "N": "N", "P": "P", "Q": "Q", "R": "R", "T": "T", "U": "U",
    "V": "Vau", "W": "W", "X": "X", "Y": "Ypsilon",
}


def day_text(day: date) -> str:
    """'Dienstag, 1. Dezember' — the weekday always, the year only when it is not this one."""
    return format_date(day, "EEEE, d. MMMM", locale="de_DE")


def time_text(moment: datetime | time) -> str:
    """'9:30' (the caller adds 'Uhr')."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(BERLIN).time()
    return f"{moment.hour}:{moment.minute:02d}"


def short_slot_text(start: datetime, location_name: str) -> str:
    """A compact label for a button: 'Di., 1. Dez., 9:30 Uhr – Kundenzentrum Altona'."""
    local = start.astimezone(BERLIN)
    return f"{format_date(local.date(), 'EEE, d. MMM', locale='de_DE')}, {time_text(local)} Uhr – {location_name}"


def spoken_code(code: str) -> str:
    """A booking code letter by letter with pauses: 'K, 7, M ... 4, T, X'."""
    groups = [group for group in code.upper().split("-") if group]
    return " ... ".join(", ".join(_LETTER_NAMES.get(ch, ch) for ch in group) for group in groups)


def spoken_phone(number: str) -> str:
    """A number as a caller says it, in the national form and in short groups, so a listener can
    follow: '+49401234567' -> '0 4 0, 1 2 3, 4 5 6 7'."""
    try:
        parsed = phonenumbers.parse(number, "DE")
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        national = number
    groups = ["".join(ch for ch in group if ch.isdigit()) for group in re.split(r"[\s/-]+", national)]
    chunks: list[str] = []
    for group in filter(None, groups):
        if len(chunks) == 0:
            chunks.append(group)  # the area code stays one group
        else:
            pieces = [group[i:i + 3] for i in range(0, len(group), 3)]
            if len(pieces) > 1 and len(pieces[-1]) == 1:  # no digit left alone at the end
                pieces[-2:] = [pieces[-2] + pieces[-1]]
            chunks += pieces
    return ", ".join(" ".join(chunk) for chunk in chunks)


class TimeSpan(Protocol):
    """An opening interval (e.g. booking_adapter.port.OpeningInterval)."""

    @property
    def start(self) -> time: ...

    @property
    def end(self) -> time: ...


def hours_text(intervals: Iterable[TimeSpan]) -> str:
    """'8:00 bis 12:30 Uhr und 13:30 bis 18:00 Uhr' for a day's opening intervals."""
    return " und ".join(f"{time_text(i.start)} bis {time_text(i.end)} Uhr" for i in intervals)


def spoken_time(moment: datetime | time) -> str:
    """A clock time as it is said on the phone: '8 Uhr', '10 Uhr 30' (read 'zehn Uhr dreißig'),
    never '10:30 Uhr', which speech engines read in different ways."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(BERLIN).time()
    return f"{moment.hour} Uhr" + (f" {moment.minute}" if moment.minute else "")


_PLACE_PREFIX = re.compile(r"^(?:Hamburg Service vor Ort|Kundenzentrum|Bezirksamt)\s+", re.IGNORECASE)


def spoken_place(location_name: str) -> str:
    """A centre's name as a caller needs it: 'Hamburg Service vor Ort Altona' -> 'Altona',
    'Hamburg Service vor Ort Volksdorf (mobiles Team)' -> 'Volksdorf, mobiles Team'."""
    short = _PLACE_PREFIX.sub("", location_name.strip())
    return re.sub(r"\s*\(([^)]*)\)", r", \1", short).strip()
