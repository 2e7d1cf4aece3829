"""A calendar file (iCalendar, RFC 5545) for one appointment, offered after a chat booking.

Only the appointment's public facts go in: time, place, services, booking code and what to
bring. No name and no phone number. Times are written in UTC (`...Z`), which every calendar
program reads and shows in its own time zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Sequence

_PRODID = "-//Terminassistent Hamburg Service//Web-Chat//DE"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    start: datetime  # timezone-aware
    end: datetime
    summary: str
    location: str
    description: str
    alarm_text: str = ""  # German reminder text; no reminder when empty
    alarm_minutes_before: int = 24 * 60


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line so that no physical line exceeds 75 octets (RFC 5545 3.1).
    Never splits a UTF-8 character; continuation lines start with one space."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render(event: CalendarEvent, stamp: datetime) -> str:
    """The whole VCALENDAR text with CRLF line ends."""
    lines: list[str] = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"LOCATION:{escape_text(event.location)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
    ]
    if event.alarm_text:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(event.alarm_text)}",
            f"TRIGGER:-PT{event.alarm_minutes_before}M",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def join_list(items: Sequence[str]) -> str:
    return ", ".join(item for item in items if item)
