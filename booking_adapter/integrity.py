"""Whole-store consistency: what must hold after any crash, fault or load.

Used by the load test, the fault tests and operators (`python -m booking_adapter check`):
- every confirmed appointment owns its occupancy cells ("half-written" otherwise),
- every appointment has its services,
- no occupancy cell has two owners (the unique constraint guarantees it; checked anyway).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

_CONFIRMED = text("SELECT code, phone FROM booking_appointments WHERE status = 'confirmed' ORDER BY id")
_WITHOUT_CELLS = text(
    "SELECT count(*) FROM booking_appointments a WHERE a.status = 'confirmed' AND NOT EXISTS "
    "(SELECT 1 FROM booking_occupancy o WHERE o.appointment_id = a.id)")
_WITHOUT_SERVICES = text(
    "SELECT count(*) FROM booking_appointments a WHERE NOT EXISTS "
    "(SELECT 1 FROM booking_appointment_services s WHERE s.appointment_id = a.id)")
_DOUBLE_CELLS = text(
    "SELECT count(*) FROM (SELECT location_key, unit, counter FROM booking_occupancy "
    "GROUP BY location_key, unit, counter HAVING count(*) > 1) d")


@dataclass(frozen=True)
class StoreIntegrity:
    confirmed: tuple[tuple[str, str], ...]  # (code, phone) of each confirmed appointment
    without_cells: int
    without_services: int
    double_cells: int

    @property
    def half_written(self) -> int:
        return self.without_cells + self.without_services

    @property
    def ok(self) -> bool:
        return self.half_written == 0 and self.double_cells == 0


def check_integrity(engine: Engine) -> StoreIntegrity:
    """Read the whole store in one transaction (a consistent snapshot on PostgreSQL)."""
    with engine.begin() as connection:
        confirmed = tuple((code, phone) for code, phone in connection.execute(_CONFIRMED))
        return StoreIntegrity(
            confirmed=confirmed,
            without_cells=connection.execute(_WITHOUT_CELLS).scalar_one(),
            without_services=connection.execute(_WITHOUT_SERVICES).scalar_one(),
            double_cells=connection.execute(_DOUBLE_CELLS).scalar_one(),
        )
