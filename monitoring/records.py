"""The small records the metrics are computed from. Plain values, no database rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Optional

CHANNELS = ("phone", "chat", "agent")  # the order in every table and chart
PROMISE_DAYS = 14  # lead time to an appointment promised by the city's plan
MOVE_DEADLINE_DAYS = 14  # registration is due within 14 days of moving in


@dataclass(frozen=True)
class BookingEvent:
    """One thing that happened to an appointment (the booking store's history)."""

    at: datetime
    action: str  # "booked" | "rescheduled" | "cancelled"
    channel: str  # "phone" | "chat" | "agent" | ...
    location_key: str
    start: datetime  # the appointment's start after the event
    service_keys: tuple[str, ...] = ()
    code: str = ""


@dataclass(frozen=True)
class LeadTime:
    """Days from "now" to the earliest free slot of one service at one location.

    `location_key` is "*" for the city-wide, date-first search across every location."""

    location_key: str
    location_name: str
    service_key: str
    days: Optional[int]  # None: nothing free in the whole booking window

    def meets(self, promise_days: int = PROMISE_DAYS) -> bool:
        return self.days is not None and self.days <= promise_days


@dataclass(frozen=True)
class Conversation:
    """One conversation session as the tracker store recorded it."""

    conversation_id: str
    channel: str  # "phone" | "chat" | the raw input channel otherwise
    started_at: datetime
    ended_at: datetime
    user_turns: int
    outcome: str  # see OUTCOMES
    handover_reason: Optional[str] = None
    turns_to_booking: Optional[int] = None  # user turns up to the booking confirmation
    booking_code: Optional[str] = None
    move_in: Optional[date] = None  # move-in date given in a registration-after-a-move dialogue
    offered_starts: tuple[datetime, ...] = field(default_factory=tuple)
    form_open_at_end: bool = False
    ongoing: bool = False  # last event too recent to call the conversation over


# What a conversation came to, first match wins: a hand-over beats everything else.
OUTCOMES = ("handover", "booked", "rescheduled", "cancelled", "checked", "answered", "abandoned")


@dataclass(frozen=True)
class MoveRegistration:
    """A registration after a move booked in a conversation: the move-in day and the slot day."""

    move_in: date
    appointment_day: date
    channel: str = "chat"

    @property
    def deadline(self) -> date:
        from datetime import timedelta

        return self.move_in + timedelta(days=MOVE_DEADLINE_DAYS)

    @property
    def inside_deadline(self) -> bool:
        return self.appointment_day <= self.deadline


@dataclass(frozen=True)
class OpeningRecord:
    """One location's opening on one day: its intervals (local times) and its counters."""

    location_key: str
    day: date
    intervals: tuple[tuple[time, time], ...]
    counters: int = 1
