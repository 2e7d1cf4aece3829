"""Readers: the booking store (history, open holds, lead times through the port) and Rasa's
tracker store. Everything the metrics need is turned into `records` here."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional

from sqlalchemy import func, select

from booking_adapter.models import AppointmentHistoryRow, AppointmentRow, AppointmentServiceRow, HoldRow
from booking_adapter.port import BookingPort, SlotQuery
from common.clock import BERLIN
from monitoring.records import BookingEvent, LeadTime, OpeningRecord


def _engines(port: BookingPort):
    return getattr(port, "engines", None)


def booking_events(port: BookingPort, since: Optional[datetime] = None) -> list[BookingEvent]:
    """What happened to appointments (booked, rescheduled, cancelled) from `since` on.

    From the store's history table when the port is the SQLAlchemy one; other ports (the
    in-memory fake) only tell when an appointment was made, so they yield "booked" events."""
    engines = _engines(port)
    if engines is None:
        return [
            BookingEvent(a.created_at, "booked", a.channel, a.location_key, a.start, a.service_keys, a.code)
            for a in port.list_appointments()
            if a.created_at is not None and (since is None or a.created_at >= since)
        ]
    stmt = (
        select(AppointmentHistoryRow, AppointmentRow.code)
        .join(AppointmentRow, AppointmentRow.id == AppointmentHistoryRow.appointment_id)
        .order_by(AppointmentHistoryRow.at, AppointmentHistoryRow.id)
    )
    if since is not None:
        stmt = stmt.where(AppointmentHistoryRow.at >= since)
    services_stmt = select(AppointmentServiceRow.appointment_id, AppointmentServiceRow.service_key).order_by(
        AppointmentServiceRow.appointment_id, AppointmentServiceRow.position)
    with engines.read.connect() as connection:
        services: dict[int, list[str]] = {}
        for appointment_id, key in connection.execute(services_stmt):
            services.setdefault(appointment_id, []).append(key)
    from sqlalchemy.orm import Session

    with Session(engines.read) as session:
        return [
            BookingEvent(
                at=row.at.astimezone(BERLIN),
                action=row.action,
                channel=row.channel,
                location_key=row.location_key,
                start=row.start_at.astimezone(BERLIN),
                service_keys=tuple(services.get(row.appointment_id, ())),
                code=code,
            )
            for row, code in session.execute(stmt)
        ]


def open_holds(port: BookingPort, now: datetime) -> Optional[int]:
    """Unexpired holds in the store (slots offered and not yet booked or released); None when
    the port keeps no table of them."""
    engines = _engines(port)
    if engines is None:
        return None
    with engines.read.connect() as connection:
        return int(connection.execute(
            select(func.count()).select_from(HoldRow).where(HoldRow.expires_at > now)).scalar_one())


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
    exceptions included), with the number of counters where the port knows it."""
    catalogue = getattr(port, "catalogue", None)
    result = []
    for location in port.locations():
        definition = catalogue.locations.get(location.key) if catalogue is not None else None
        counters = definition.counters if definition is not None else 1
        for n in range(days):
            day = first + timedelta(days=n)
            opening = port.opening_day(location.key, day)
            result.append(OpeningRecord(location.key, day, tuple((i.start, i.end) for i in opening.intervals), counters))
    return result
