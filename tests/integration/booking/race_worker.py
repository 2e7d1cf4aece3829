"""A booking worker for the race tests, importable by spawned processes."""
from __future__ import annotations

import time as clock_time
from datetime import datetime

from booking_adapter.catalogue import default_catalogue
from booking_adapter.db import create_engines
from booking_adapter.policies import Policies
from booking_adapter.port import Contact, Slot, SlotTaken
from booking_adapter.sqlalchemy_port import SqlAlchemyBookingPort
from common.clock import fixed_clock, parse_now

NOW = "2026-11-23T09:00:00+01:00"


def book_targets(url: str, worker: int, targets: list[tuple[str, str]], start_at: float = 0.0) -> list[str]:
    """Try to hold and confirm every target slot once (in a worker-specific order); return the
    codes of the bookings this worker got confirmed."""
    port = SqlAlchemyBookingPort(create_engines(url), default_catalogue(), fixed_clock(parse_now(NOW)), Policies())
    try:
        delay = start_at - clock_time.time()
        if delay > 0:
            clock_time.sleep(delay)
        codes = []
        order = targets[worker % len(targets):] + targets[:worker % len(targets)]
        for attempt, (location_key, start_text) in enumerate(order * 2):
            start = datetime.fromisoformat(start_text)
            slot = Slot(location_key, location_key, start, start, ("personalausweis",))
            try:
                hold = port.hold(slot, f"race-{worker}-{attempt}")
            except SlotTaken:
                continue
            appointment = port.confirm(hold.hold_id, Contact(f"Worker {worker}", f"040 7{worker:03d}{attempt:03d}"))
            codes.append(appointment.code)
        return codes
    finally:
        port.close()
