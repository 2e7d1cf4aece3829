"""The metrics: pure functions from records to figures. No I/O, no clock; "now" is passed in.

Definitions (also in docs/monitoring.md):
  * lead time: days from today to the earliest free slot per location x service; a pair meets
    the promise when that is at most 14 days; a location meets it when every service it offers
    does (its lead time is the longest of its services).
  * containment: finished conversations that ended without a hand-over and were not abandoned,
    divided by all finished conversations; "ongoing" ones (last event too recent) are left out.
  * abandoned: the person left while a form (booking, cancel, move) was still open.
  * turns to a booking: user messages up to and including the one that confirmed the booking.
  * early / late: a slot starting before 09:00 / at or after 17:00 (Europe/Berlin).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Iterable, Optional, Sequence

from common.clock import BERLIN
from monitoring.records import (
    CHANNELS,
    PROMISE_DAYS,
    BookingEvent,
    Conversation,
    LeadTime,
    MoveRegistration,
    OpeningRecord,
)

EARLY_BEFORE = time(9, 0)
LATE_FROM = time(17, 0)
ACTIONS = ("booked", "rescheduled", "cancelled")


def share(part: int, whole: int) -> Optional[float]:
    """part / whole, or None when there is nothing to divide (shown as "–", never as 0 %)."""
    return part / whole if whole else None


# --- lead time --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationLead:
    location_key: str
    location_name: str
    longest_days: Optional[int]  # None: some service has nothing free in the window
    shortest_days: Optional[int]
    longest_service: str
    services: int
    services_meeting: int

    @property
    def meets(self) -> bool:
        return self.services > 0 and self.services_meeting == self.services


@dataclass(frozen=True)
class LeadTimeSummary:
    promise_days: int
    locations: tuple[LocationLead, ...]
    pairs: int
    pairs_meeting: int
    city: tuple[LeadTime, ...]  # one per service, date-first across all locations

    @property
    def locations_meeting(self) -> int:
        return sum(1 for loc in self.locations if loc.meets)

    @property
    def share_locations_meeting(self) -> Optional[float]:
        return share(self.locations_meeting, len(self.locations))

    @property
    def share_pairs_meeting(self) -> Optional[float]:
        return share(self.pairs_meeting, self.pairs)

    @property
    def city_meeting(self) -> int:
        return sum(1 for lead in self.city if lead.meets(self.promise_days))

    @property
    def share_city_meeting(self) -> Optional[float]:
        return share(self.city_meeting, len(self.city))


def _longest(days: Iterable[Optional[int]]) -> Optional[int]:
    values = list(days)
    known = [d for d in values if d is not None]
    return None if len(known) < len(values) else max(known, default=None)


def lead_time_summary(leads: Sequence[LeadTime], promise_days: int = PROMISE_DAYS) -> LeadTimeSummary:
    """Per location: the longest and shortest lead time over its services; the shares meeting
    the promise for pairs, locations and the city-wide search (location_key "*")."""
    city = tuple(sorted((lead for lead in leads if lead.location_key == "*"), key=lambda lead: lead.service_key))
    by_location: dict[str, list[LeadTime]] = {}
    for lead in leads:
        if lead.location_key != "*":
            by_location.setdefault(lead.location_key, []).append(lead)
    rows = []
    for key, items in by_location.items():
        longest = _longest(lead.days for lead in items)
        worst = max(items, key=lambda lead: (lead.days is None, lead.days or 0, lead.service_key))
        known = [lead.days for lead in items if lead.days is not None]
        rows.append(LocationLead(
            location_key=key,
            location_name=items[0].location_name,
            longest_days=longest,
            shortest_days=min(known) if known else None,
            longest_service=worst.service_key,
            services=len(items),
            services_meeting=sum(1 for lead in items if lead.meets(promise_days)),
        ))
    rows.sort(key=lambda r: (r.longest_days is None, -(r.longest_days or 0), r.location_name))
    pairs = [lead for lead in leads if lead.location_key != "*"]
    return LeadTimeSummary(
        promise_days=promise_days,
        locations=tuple(rows),
        pairs=len(pairs),
        pairs_meeting=sum(1 for lead in pairs if lead.meets(promise_days)),
        city=city,
    )


# --- bookings, cancellations, reschedules by day and channel --------------------------------


@dataclass(frozen=True)
class Activity:
    days: tuple[date, ...]
    channels: tuple[str, ...]
    # counts[(day, channel, action)]
    counts: dict[tuple[date, str, str], int]

    def count(self, day: Optional[date] = None, channel: Optional[str] = None, action: Optional[str] = None) -> int:
        return sum(n for (d, c, a), n in self.counts.items()
                   if (day is None or d == day) and (channel is None or c == channel)
                   and (action is None or a == action))


def days_between(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


def activity_by_day(events: Iterable[BookingEvent], first: date, last: date) -> Activity:
    """Bookings, reschedules and cancellations per local day in [first, last] and channel.
    The three known channels always appear (a zero is a figure too); others are added."""
    counts: Counter = Counter()
    seen = set()
    for event in events:
        day = event.at.astimezone(BERLIN).date()
        if first <= day <= last and event.action in ACTIONS:
            counts[(day, event.channel, event.action)] += 1
            seen.add(event.channel)
    channels = CHANNELS + tuple(sorted(seen - set(CHANNELS)))
    return Activity(days_between(first, last), channels, dict(counts))


# --- conversations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelConversations:
    channel: str
    total: int
    finished: int
    contained: int
    handed_over: int
    abandoned: int

    @property
    def containment(self) -> Optional[float]:
        return share(self.contained, self.finished)


@dataclass(frozen=True)
class ConversationSummary:
    by_channel: tuple[ChannelConversations, ...]
    handovers_by_reason: tuple[tuple[str, int], ...]  # most frequent first
    outcomes: dict[str, int]
    bookings: int
    average_turns_to_booking: Optional[float]
    median_turns_to_booking: Optional[float]

    @property
    def total(self) -> ChannelConversations:
        rows = self.by_channel
        return ChannelConversations("all", sum(r.total for r in rows), sum(r.finished for r in rows),
                                    sum(r.contained for r in rows), sum(r.handed_over for r in rows),
                                    sum(r.abandoned for r in rows))


def is_contained(conversation: Conversation) -> bool:
    return not conversation.ongoing and conversation.outcome not in ("handover", "abandoned")


def conversation_summary(conversations: Iterable[Conversation]) -> ConversationSummary:
    items = list(conversations)
    channels = ["phone", "chat", *sorted({c.channel for c in items} - {"phone", "chat"})]
    rows = []
    for channel in channels:
        mine = [c for c in items if c.channel == channel]
        finished = [c for c in mine if not c.ongoing]
        rows.append(ChannelConversations(
            channel=channel,
            total=len(mine),
            finished=len(finished),
            contained=sum(1 for c in finished if is_contained(c)),
            handed_over=sum(1 for c in finished if c.outcome == "handover"),
            abandoned=sum(1 for c in finished if c.outcome == "abandoned"),
        ))
    reasons = Counter(c.handover_reason or "unknown" for c in items if c.outcome == "handover")
    turns = [c.turns_to_booking for c in items if c.outcome == "booked" and c.turns_to_booking is not None]
    return ConversationSummary(
        by_channel=tuple(rows),
        handovers_by_reason=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        outcomes=dict(Counter(c.outcome for c in items)),
        bookings=sum(1 for c in items if c.outcome == "booked"),
        average_turns_to_booking=sum(turns) / len(turns) if turns else None,
        median_turns_to_booking=float(median(turns)) if turns else None,
    )


# --- registration after a move ----------------------------------------------------------------


@dataclass(frozen=True)
class MoveSummary:
    inside: int
    outside: int

    @property
    def total(self) -> int:
        return self.inside + self.outside

    @property
    def share_inside(self) -> Optional[float]:
        return share(self.inside, self.total)


def move_registrations(registrations: Iterable[MoveRegistration]) -> MoveSummary:
    items = list(registrations)
    inside = sum(1 for r in items if r.inside_deadline)
    return MoveSummary(inside=inside, outside=len(items) - inside)


def join_move_registrations(
    conversations: Iterable[Conversation], events: Iterable[BookingEvent]
) -> list[MoveRegistration]:
    """Registrations after a move: conversations with a move-in date that ended in a booking,
    matched to the booking store by code (the slot day comes from the store, not the chat)."""
    booked = {e.code: e for e in events if e.action == "booked" and e.code}
    result = []
    for conversation in conversations:
        if conversation.move_in is None or not conversation.booking_code:
            continue
        event = booked.get(conversation.booking_code)
        if event is None:
            continue
        result.append(MoveRegistration(conversation.move_in, event.start.astimezone(BERLIN).date(),
                                       conversation.channel))
    return result


# --- Saturday, early and late slots -----------------------------------------------------------


@dataclass(frozen=True)
class TimeOfDay:
    total: int
    saturday: int
    early: int  # start before 09:00
    late: int  # start at or after 17:00

    def share(self, name: str) -> Optional[float]:
        return share(getattr(self, name), self.total)


def time_of_day(starts: Iterable[datetime]) -> TimeOfDay:
    total = saturday = early = late = 0
    for start in starts:
        local = start.astimezone(BERLIN)
        total += 1
        saturday += local.weekday() == 5
        early += local.time() < EARLY_BEFORE
        late += local.time() >= LATE_FROM
    return TimeOfDay(total, saturday, early, late)


def booked_starts(events: Iterable[BookingEvent], first: date, last: date) -> list[datetime]:
    """Start times of the appointments booked or moved to in [first, last] (by event day)."""
    return [e.start for e in events if e.action in ("booked", "rescheduled")
            and first <= e.at.astimezone(BERLIN).date() <= last]


# --- opening hours offered ----------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningSummary:
    """Counter-hours offered (opening hours x counters) and how many weekday openings span
    the promised 8-18 at least."""

    counter_hours: float
    saturday: float
    early: float  # before 09:00
    late: float  # from 17:00
    weekday_openings: int  # (location, Mon-Fri day) pairs that are open at all
    weekday_openings_8_to_18: int  # ... of which open from 8:00 or earlier until 18:00 or later

    def share(self, name: str) -> Optional[float]:
        return getattr(self, name) / self.counter_hours if self.counter_hours else None

    @property
    def share_8_to_18(self) -> Optional[float]:
        return share(self.weekday_openings_8_to_18, self.weekday_openings)


def _hours(start: time, end: time) -> float:
    return max(0.0, (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60)


def _overlap(start: time, end: time, lo: time, hi: time) -> float:
    return _hours(max(start, lo), min(end, hi))


def opening_summary(records: Iterable[OpeningRecord]) -> OpeningSummary:
    total = saturday = early = late = 0.0
    open_days = spanning = 0
    for record in records:
        for start, end in record.intervals:
            hours = _hours(start, end) * record.counters
            total += hours
            if record.day.weekday() == 5:
                saturday += hours
            early += _overlap(start, end, time(0, 0), EARLY_BEFORE) * record.counters
            late += _overlap(start, end, LATE_FROM, time(23, 59, 59)) * record.counters
        if record.intervals and record.day.weekday() < 5:
            open_days += 1
            first = min(s for s, _ in record.intervals)
            last = max(e for _, e in record.intervals)
            spanning += first <= time(8, 0) and last >= time(18, 0)
    return OpeningSummary(total, saturday, early, late, open_days, spanning)
