"""One source of "now" for every process.

`ASSISTANT_NOW` (ISO 8601, read as Europe/Berlin when it carries no offset) pins the clock
for tests and demos; without it the system clock is used. Everything is timezone-aware.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

Clock = Callable[[], datetime]


def parse_now(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BERLIN)
    return moment.astimezone(BERLIN)


def system_clock() -> datetime:
    return datetime.now(BERLIN)


def fixed_clock(moment: datetime) -> Clock:
    pinned = moment.astimezone(BERLIN)
    return lambda: pinned


def clock_from_setting(assistant_now: Optional[str]) -> Clock:
    """The clock a process should use, given the ASSISTANT_NOW setting (may be empty)."""
    if assistant_now:
        return fixed_clock(parse_now(assistant_now))
    return system_clock
