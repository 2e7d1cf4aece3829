"""An in-memory fake of the booking port for unit tests of other parts.

Same catalogue, same slot engine, same policies and same errors as the SQLAlchemy port; only the
storage is a few dictionaries behind a lock. Nothing survives the process.
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Iterable, Optional, Sequence

from booking_adapter.base import GridBookingPort
from booking_adapter.catalogue import Catalogue, default_catalogue
from booking_adapter.codes import new_code, normalise_code
from booking_adapter.policies import Policies
from booking_adapter.port import (
    Appointment,
    AppointmentEvent,
    AppointmentLimitReached,
    AppointmentNotActive,
    CodeUnknown,
    Contact,
    ContactErasure,
    Hold,
    HoldExpired,
    HoldLimitReached,
    HoldNotFound,
    Slot,
    SlotTaken,
    VerificationFailed,
)
from common.clock import BERLIN, Clock
from german.phone import normalise_phone, same_phone

Cell = tuple[str, int, int]  # (location_key, unit, counter)


@dataclass
class _HoldRow:
    hold: Hold
    counter: int
    units: range
    channel: str


@dataclass
class _AppointmentRow:
    appointment: Appointment
    counter: int
    units: range


class InMemoryBookingPort(GridBookingPort):
    def __init__(
        self,
        clock: Clock,
        hold_minutes: int = 10,
        *,
        catalogue: Optional[Catalogue] = None,
        policies: Optional[Policies] = None,
        **policy_overrides: int,
    ):
        if policies is None:
            policies = Policies(hold_minutes=hold_minutes, **policy_overrides)
        super().__init__(catalogue or default_catalogue(), clock, policies)
        self._lock = threading.RLock()
        self._cells: dict[Cell, str] = {}  # cell -> hold id or booking code
        self._holds: dict[str, _HoldRow] = {}
        self._appointments: dict[str, _AppointmentRow] = {}
        self._history: list[AppointmentEvent] = []

    # --- storage ------------------------------------------------------------------------------

    def _owner(self, cell: Cell, now: datetime) -> Optional[str]:
        owner = self._cells.get(cell)
        if owner is not None and owner in self._holds and self._holds[owner].hold.expires_at <= now:
            del self._cells[cell]  # an expired hold's cell is free; the hold itself stays expired
            return None
        return owner

    def _drop_hold(self, hold_id: str) -> None:
        row = self._holds.pop(hold_id, None)
        if row is None:
            return
        for unit in row.units:
            cell = (row.hold.slot.location_key, unit, row.counter)
            if self._cells.get(cell) == hold_id:
                del self._cells[cell]

    def _occupied(
        self, location_keys: Sequence[str], lo_unit: int, hi_unit: int, now: datetime
    ) -> Iterable[tuple[str, int, Iterable[int]]]:
        wanted = set(location_keys)
        taken: dict[tuple[str, int], list[int]] = {}
        with self._lock:
            cells = [c for c in self._cells if c[0] in wanted and lo_unit <= c[1] < hi_unit]
            for key, unit, counter in cells:
                if self._owner((key, unit, counter), now) is not None:
                    taken.setdefault((key, counter), []).append(unit)
        return [(key, counter, units) for (key, counter), units in taken.items()]

    # --- reserve -> confirm -> cancel ---------------------------------------------------------

    def hold(self, slot: Slot, conversation_id: str, channel: str = "chat") -> Hold:
        with self._lock:
            now = self.now()
            plan = self._plan(slot, channel, now)
            active = [h for h in self._holds.values()
                      if h.hold.conversation_id == conversation_id and h.hold.expires_at > now]
            if len(active) >= self.policies.max_holds_per_conversation:
                raise HoldLimitReached(f"{conversation_id} already holds {len(active)} slots")
            for counter in self._free_counters(plan, now):
                cells = [(plan.location.key, unit, counter) for unit in plan.units]
                if all(self._owner(cell, now) is None for cell in cells):
                    hold = Hold(uuid.uuid4().hex, plan.slot(), conversation_id,
                                now + timedelta(minutes=self.policies.hold_minutes))
                    for cell in cells:
                        self._cells[cell] = hold.hold_id
                    self._holds[hold.hold_id] = _HoldRow(hold, counter, plan.units, channel)
                    return hold
            raise SlotTaken(f"{slot.location_key} {slot.start} is taken")

    def release_holds(self, conversation_id: str, keep: Optional[str] = None) -> int:
        with self._lock:
            now = self.now()
            mine = [hid for hid, row in self._holds.items()
                    if row.hold.conversation_id == conversation_id and hid != keep]
            freed = sum(1 for hid in mine if self._holds[hid].hold.expires_at > now)
            for hold_id in mine:
                self._drop_hold(hold_id)
            return freed

    def _record(self, appointment: Appointment, action: str, at: datetime, channel: str) -> None:
        self._history.append(AppointmentEvent(at, action, channel, appointment.code, appointment.location_key,
                                              appointment.start, appointment.service_keys))

    def _take_hold(self, hold_id: str, now: datetime) -> _HoldRow:
        row = self._holds.get(hold_id)
        if row is None:
            raise HoldNotFound(f"no hold {hold_id!r}")
        if row.hold.expires_at <= now:
            self._drop_hold(hold_id)
            raise HoldExpired(f"hold {hold_id} expired at {row.hold.expires_at}")
        return row

    def confirm(self, hold_id: str, contact: Contact, channel: str = "chat") -> Appointment:
        with self._lock:
            now = self.now()
            row = self._take_hold(hold_id, now)
            phone = normalise_phone(contact.phone)
            slot = row.hold.slot
            if phone is not None:
                for key in slot.service_keys:
                    count = sum(1 for a in self._appointments.values()
                                if a.appointment.phone == phone and a.appointment.status == "confirmed"
                                and a.appointment.start > now and key in a.appointment.service_keys)
                    if count >= self.policies.max_appointments_per_phone:
                        raise AppointmentLimitReached(f"{count} appointments for {key} already")
            code = new_code()
            while code in self._appointments:
                code = new_code()
            appointment = Appointment(
                code=code, location_key=slot.location_key, location_name=slot.location_name,
                service_keys=slot.service_keys, start=slot.start, end=slot.end, status="confirmed",
                channel=channel, persons=slot.persons, created_at=now,
                contact_name=contact.name, phone=phone,
            )
            self._holds.pop(hold_id)
            for unit in row.units:
                self._cells[(slot.location_key, unit, row.counter)] = code
            self._appointments[code] = _AppointmentRow(appointment, row.counter, row.units)
            self._record(appointment, "booked", now, channel)
            return appointment

    def _verified(self, code: str, verification: str) -> _AppointmentRow:
        canonical = normalise_code(code)
        row = self._appointments.get(canonical) if canonical else None
        if row is None:
            raise CodeUnknown(f"no appointment {code!r}")
        if not same_phone(verification, row.appointment.phone):
            raise VerificationFailed(f"verification failed for {canonical}")
        return row

    def find_appointment(self, code: str, verification: str) -> Appointment:
        with self._lock:
            return self._verified(code, verification).appointment

    def _free_cells(self, row: _AppointmentRow) -> None:
        for unit in row.units:
            cell = (row.appointment.location_key, unit, row.counter)
            if self._cells.get(cell) == row.appointment.code:
                del self._cells[cell]

    def cancel(self, code: str, verification: str) -> Appointment:
        with self._lock:
            now = self.now()
            row = self._verified(code, verification)
            if row.appointment.status == "cancelled":
                return row.appointment
            if row.appointment.start <= now:
                raise AppointmentNotActive(f"{row.appointment.code} lies in the past")
            self._free_cells(row)
            row.appointment = replace(row.appointment, status="cancelled")
            self._record(row.appointment, "cancelled", now, row.appointment.channel)
            return row.appointment

    def reschedule(self, code: str, verification: str, hold_id: str) -> Appointment:
        with self._lock:
            now = self.now()
            row = self._verified(code, verification)
            if row.appointment.status != "confirmed" or row.appointment.start <= now:
                raise AppointmentNotActive(f"{row.appointment.code} cannot be moved")
            hold = self._take_hold(hold_id, now)
            slot = hold.hold.slot
            self._free_cells(row)
            self._holds.pop(hold_id)
            for unit in hold.units:
                self._cells[(slot.location_key, unit, hold.counter)] = row.appointment.code
            row.appointment = replace(
                row.appointment, location_key=slot.location_key, location_name=slot.location_name,
                service_keys=slot.service_keys, start=slot.start, end=slot.end, persons=slot.persons,
            )
            row.counter, row.units = hold.counter, hold.units
            self._record(row.appointment, "rescheduled", now, hold.channel)
            return row.appointment

    # --- staff --------------------------------------------------------------------------------

    def list_appointments(self, start: Optional[date] = None, end: Optional[date] = None) -> list[Appointment]:
        with self._lock:
            rows = [r.appointment for r in self._appointments.values()]

        def day(a: Appointment) -> date:
            return a.start.astimezone(BERLIN).date()

        return sorted((a for a in rows if (start is None or day(a) >= start) and (end is None or day(a) <= end)),
                      key=lambda a: (a.start, a.code))

    # --- reports ------------------------------------------------------------------------------

    def history(self, since: Optional[datetime] = None) -> list[AppointmentEvent]:
        with self._lock:
            return [e for e in self._history if since is None or e.at >= since]

    def count_open_holds(self, at: datetime) -> int:
        with self._lock:
            return sum(1 for row in self._holds.values() if row.hold.expires_at > at)

    def erase_contact(self, phone: str) -> ContactErasure:
        wanted = normalise_phone(phone)
        if wanted is None:
            return ContactErasure(0)
        with self._lock:
            now = self.now()
            erased, kept = 0, []
            for row in sorted(self._appointments.values(), key=lambda r: r.appointment.start):
                appointment = row.appointment
                if appointment.phone != wanted:
                    continue
                if appointment.status == "confirmed" and appointment.start > now:
                    kept.append(appointment.code)
                    continue
                row.appointment = replace(appointment, contact_name="", phone=None)
                erased += 1
            return ContactErasure(erased, tuple(kept))

    def erase_contacts_ended_before(self, before: datetime) -> int:
        erased = 0
        with self._lock:
            for row in self._appointments.values():
                appointment = row.appointment
                if appointment.end < before and (appointment.contact_name or appointment.phone):
                    row.appointment = replace(appointment, contact_name="", phone=None)
                    erased += 1
        return erased

    def appointment(self, code: str) -> Appointment:
        canonical = normalise_code(code)
        with self._lock:
            row = self._appointments.get(canonical) if canonical else None
        if row is None:
            raise CodeUnknown(f"no appointment {code!r}")
        return row.appointment
