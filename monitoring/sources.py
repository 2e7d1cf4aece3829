"""Readers of the booking and hand-over stores, through their ports only (history, open holds,
lead times, opening hours; the hotline's queue). Everything the metrics need is turned into `records` here."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional

from booking_adapter.port import BookingPort, SlotQuery
from common.clock import BERLIN
from handover.port import HandoverPort, HandoverQueue
from monitoring.records import BookingEvent, LeadTime, OpeningRecord


def booking_events(port: BookingPort, since: Optional[datetime] = None) -> list[BookingEvent]:
    """What happened to appointments (booked, rescheduled, cancelled) from `since` on, from the
    store's history."""
    return [
        BookingEvent(**vars(event))  # the same fields, already in Europe/Berlin
        for event in port.history(since)
    ]


def open_holds(port: BookingPort, now: datetime) -> int:
    """Unexpired holds in the store (slots offered and not yet booked or released)."""
    return port.count_open_holds(now)


def handover_queue(port: HandoverPort, now: datetime) -> HandoverQueue:
    """Hand-overs and callbacks waiting for the hotline at `now`."""
    return port.queue(now)


def lead_times(port: BookingPort, now: datetime, channel: str = "chat") -> list[LeadTime]:
    """Days from today to the earliest free slot, per location x service and city-wide per
    service (date-first search across every location, location_key "*")."""
    today = now.astimezone(BERLIN).date()

    def days(service_key: str, location_keys) -> Optional[int]:
        found = port.find_slots(SlotQuery((service_key,), location_keys, limit=1, channel=channel))
        return (found[0].start.astimezone(BERLIN).date() - today).days if found else None

    result = []
    services = {s.key: s for s in port.services()}
    for location in port.locations():
        for key in location.service_keys:
            if key in services:
                result.append(LeadTime(location.key, location.name, key, days(key, (location.key,))))
    for key in services:
        if any(key in loc.service_keys for loc in port.locations()):
            result.append(LeadTime("*", "*", key, days(key, None)))
    return result


def opening_records(port: BookingPort, first: date, days: int = 14) -> list[OpeningRecord]:
    """Opening hours of every location for `days` days from `first` (holidays and dated
    exceptions included), with the number of counters of each."""
    result = []
    for location in port.locations():
        counters = port.counters(location.key)
        for n in range(days):
            day = first + timedelta(days=n)
            opening = port.opening_day(location.key, day)
            result.append(OpeningRecord(location.key, day, tuple((i.start, i.end) for i in opening.intervals), counters))
    return result
