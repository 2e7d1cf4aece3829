"""The booking port on SQLAlchemy: SQLite (embedded default) or PostgreSQL.

Every write is one short transaction. A hold inserts one occupancy row per 5-minute unit on one
counter; the UNIQUE(location_key, unit, counter) constraint turns a race for the same cells
into an IntegrityError for all but one writer, who then tries the next counter (inside a
savepoint) and finally gets SlotTaken. Expired holds count as free everywhere and are purged
lazily when someone wants their cells.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable, Optional, Sequence

from sqlalchemy import Select, String, bindparam, cast, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from booking_adapter.base import GridBookingPort
from booking_adapter.catalogue import Catalogue
from booking_adapter.codes import new_code, normalise_code
from booking_adapter.db import Engines
from booking_adapter.models import (
    AppointmentHistoryRow,
    AppointmentRow,
    AppointmentServiceRow,
    HoldRow,
    OccupancyRow,
    UTCDateTime,
    new_hold_id,
)
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
from booking_adapter.slots import UNIT_SECONDS, day_bounds, unit_start
from common.clock import BERLIN, Clock
from common.sql import rowcount
from german.phone import normalise_phone, same_phone

STALE_HOLDS = timedelta(days=1)  # expired hold rows older than this are deleted
CODE_ATTEMPTS = 8


class SqlAlchemyBookingPort(GridBookingPort):
    def __init__(
        self, engines: Engines, catalogue: Catalogue, clock: Clock, policies: Optional[Policies] = None
    ):
        super().__init__(catalogue, clock, policies)
        self._engines = engines
        self._read = sessionmaker(engines.read, expire_on_commit=False)
        self._write = sessionmaker(engines.write, expire_on_commit=False)
        self._occupied_stmt = self._occupied_statement(engines.is_sqlite)

    @property
    def engines(self) -> Engines:
        return self._engines

    def close(self) -> None:
        self._engines.dispose()

    # --- helpers ------------------------------------------------------------------------------

    def _lock(self, session: Session, name: str) -> None:
        """Serialise writers on one name (a conversation, a phone number) for the transaction.
        SQLite needs nothing: BEGIN IMMEDIATE already serialises every writer."""
        if not self._engines.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})

    def _occupied(
        self, location_keys: Sequence[str], lo_unit: int, hi_unit: int, now: datetime
    ) -> Iterable[tuple[str, int, Iterable[int]]]:
        # One row per (location, counter) with its units joined into a string: a search reads
        # a few dozen rows instead of thousands, which is most of its cost.
        params = {"keys": list(location_keys), "lo": lo_unit, "hi": hi_unit, "now": now}
        with self._engines.read.connect() as connection:
            rows = connection.execute(self._occupied_stmt, params).all()
        return [(key, counter, map(int, units.split(","))) for key, counter, units in rows]

    @staticmethod
    def _occupied_statement(is_sqlite: bool) -> Select[tuple[str, int, str]]:
        unit = OccupancyRow.unit
        joined = func.group_concat(unit) if is_sqlite else func.string_agg(cast(unit, String), ",")
        return (
            select(OccupancyRow.location_key, OccupancyRow.counter, joined)
            .where(
                OccupancyRow.location_key.in_(bindparam("keys", expanding=True)),
                unit >= bindparam("lo"),
                unit < bindparam("hi"),
                OccupancyRow.expires_at.is_(None) | (OccupancyRow.expires_at > bindparam("now", type_=UTCDateTime())),
            )
            .group_by(OccupancyRow.location_key, OccupancyRow.counter)
        )

    def _appointment(self, row: AppointmentRow) -> Appointment:
        location = self._catalogue.locations.get(row.location_key)
        return Appointment(
            code=row.code,
            location_key=row.location_key,
            location_name=location.location.name if location else row.location_key,
            service_keys=row.service_keys,
            start=row.start_at.astimezone(BERLIN),
            end=row.end_at.astimezone(BERLIN),
            status=row.status,
            channel=row.channel,
            persons=row.persons,
            created_at=row.created_at.astimezone(BERLIN),
            contact_name=row.contact_name,
            phone=row.phone,
        )

    def _history(self, session: Session, row: AppointmentRow, action: str, now: datetime, channel: str) -> None:
        session.add(AppointmentHistoryRow(appointment_id=row.id, action=action, at=now,
                                          location_key=row.location_key, start_at=row.start_at,
                                          end_at=row.end_at, channel=channel))

    def _by_code(self, session: Session, code: str, for_update: bool = False) -> AppointmentRow:
        canonical = normalise_code(code)
        row = None
        if canonical:
            stmt = select(AppointmentRow).where(AppointmentRow.code == canonical)
            if for_update:
                stmt = stmt.with_for_update()
            row = session.scalars(stmt).first()
        if row is None:
            raise CodeUnknown(f"no appointment {code!r}")
        return row

    def _verified(self, session: Session, code: str, verification: str, for_update: bool = False) -> AppointmentRow:
        row = self._by_code(session, code, for_update)
        if not same_phone(verification, row.phone):
            raise VerificationFailed(f"verification failed for {row.code}")
        return row

    def _live_hold(self, session: Session, hold_id: str, now: datetime) -> tuple[Optional[HoldRow], bool]:
        """The hold, locked; (None, True) if it had expired (it is then deleted)."""
        hold = session.scalars(select(HoldRow).where(HoldRow.id == hold_id).with_for_update()).first()
        if hold is None:
            raise HoldNotFound(f"no hold {hold_id!r}")
        if hold.expires_at <= now:
            session.execute(delete(OccupancyRow).where(OccupancyRow.hold_id == hold.id))
            session.execute(delete(HoldRow).where(HoldRow.id == hold.id))
            return None, True
        return hold, False

    # --- reserve -> confirm -> cancel ---------------------------------------------------------

    def hold(self, slot: Slot, conversation_id: str, channel: str = "chat") -> Hold:
        now = self.now()
        plan = self._plan(slot, channel, now)
        expires = now + timedelta(minutes=self.policies.hold_minutes)
        with self._write.begin() as session:
            self._lock(session, f"conversation:{conversation_id}")
            active = session.scalar(select(func.count()).select_from(HoldRow).where(
                HoldRow.conversation_id == conversation_id, HoldRow.expires_at > now)) or 0
            if active >= self.policies.max_holds_per_conversation:
                raise HoldLimitReached(f"{conversation_id} already holds {active} slots")
            session.execute(delete(HoldRow).where(HoldRow.expires_at < now - STALE_HOLDS))
            in_range = (OccupancyRow.location_key == plan.location.key,
                        OccupancyRow.unit >= plan.start_unit, OccupancyRow.unit < plan.start_unit + plan.length)
            session.execute(delete(OccupancyRow).where(*in_range, OccupancyRow.expires_at <= now))
            busy = set(session.scalars(select(OccupancyRow.counter).where(*in_range)))
            for counter in (c for c in plan.counters if c not in busy):
                hold_id = new_hold_id()
                try:
                    with session.begin_nested():
                        session.execute(insert(HoldRow).values(
                            id=hold_id, conversation_id=conversation_id, location_key=plan.location.key,
                            counter=counter, start_at=plan.start, end_at=plan.end,
                            service_keys=",".join(plan.service_keys), persons=plan.persons,
                            channel=channel, created_at=now, expires_at=expires))
                        session.execute(insert(OccupancyRow).values([
                            {"location_key": plan.location.key, "unit": unit, "counter": counter,
                             "hold_id": hold_id, "expires_at": expires} for unit in plan.units]))
                except IntegrityError:
                    continue
                return Hold(hold_id, plan.slot(), conversation_id, expires.astimezone(BERLIN))
        raise SlotTaken(f"{slot.location_key} {slot.start} is taken")

    def release_holds(self, conversation_id: str, keep: Optional[str] = None) -> int:
        now = self.now()
        with self._write.begin() as session:
            stmt = select(HoldRow.id, HoldRow.expires_at).where(HoldRow.conversation_id == conversation_id)
            if keep is not None:
                stmt = stmt.where(HoldRow.id != keep)
            holds = session.execute(stmt).all()
            if not holds:
                return 0
            ids = [hold_id for hold_id, _ in holds]
            session.execute(delete(OccupancyRow).where(OccupancyRow.hold_id.in_(ids)))
            session.execute(delete(HoldRow).where(HoldRow.id.in_(ids)))
            return sum(1 for _, expires in holds if expires > now)

    def confirm(self, hold_id: str, contact: Contact, channel: str = "chat") -> Appointment:
        now = self.now()
        phone = normalise_phone(contact.phone)
        with self._write.begin() as session:
            hold, expired = self._live_hold(session, hold_id, now)
            if hold is not None:
                keys = tuple(hold.service_keys.split(","))
                if phone is not None:
                    self._lock(session, f"phone:{phone}")
                    self._check_phone_limit(session, phone, keys, now)
                row = self._new_appointment(session, hold, keys, contact, phone, channel, now)
                moved = rowcount(session.execute(
                    update(OccupancyRow).where(OccupancyRow.hold_id == hold.id)
                    .values(hold_id=None, expires_at=None, appointment_id=row.id)
                ))
                if moved != hold_units(hold):
                    raise HoldExpired(f"hold {hold_id} lost its cells")
                session.execute(delete(HoldRow).where(HoldRow.id == hold.id))
                self._history(session, row, "booked", now, channel)
                session.flush()
                result = self._appointment(row)
        if expired:
            raise HoldExpired(f"hold {hold_id} has expired")
        return result

    def _check_phone_limit(self, session: Session, phone: str, keys: tuple[str, ...], now: datetime) -> None:
        # Two small indexed steps: a join lets planners start from the (large) service side.
        mine = session.scalars(select(AppointmentRow.id).where(
            AppointmentRow.phone == phone, AppointmentRow.status == "confirmed", AppointmentRow.start_at > now
        )).all()
        if not mine:
            return
        counts = session.execute(
            select(AppointmentServiceRow.service_key, func.count())
            .where(AppointmentServiceRow.appointment_id.in_(mine), AppointmentServiceRow.service_key.in_(keys))
            .group_by(AppointmentServiceRow.service_key)
        ).all()
        for key, count in counts:
            if count >= self.policies.max_appointments_per_phone:
                raise AppointmentLimitReached(f"{count} future appointments for {key} already")

    def _new_appointment(
        self, session: Session, hold: HoldRow, keys: tuple[str, ...], contact: Contact,
        phone: Optional[str], channel: str, now: datetime,
    ) -> AppointmentRow:
        for _ in range(CODE_ATTEMPTS):
            row = AppointmentRow(
                code=new_code(), location_key=hold.location_key, counter=hold.counter,
                start_at=hold.start_at, end_at=hold.end_at, persons=hold.persons, status="confirmed",
                channel=channel, contact_name=contact.name or "", phone=phone, email=contact.email,
                created_at=now, updated_at=now,
                services=[AppointmentServiceRow(position=i, service_key=k) for i, k in enumerate(keys)],
            )
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                taken = session.scalar(select(AppointmentRow.id).where(AppointmentRow.code == row.code))
                if taken is None:
                    raise  # not a code collision
                continue  # the code exists already: draw another
            return row
        raise RuntimeError("could not draw a free booking code")

    def find_appointment(self, code: str, verification: str) -> Appointment:
        with self._read() as session:
            return self._appointment(self._verified(session, code, verification))

    def cancel(self, code: str, verification: str) -> Appointment:
        now = self.now()
        with self._write.begin() as session:
            row = self._verified(session, code, verification, for_update=True)
            if row.status == "confirmed":
                if row.start_at <= now:
                    raise AppointmentNotActive(f"{row.code} lies in the past")
                session.execute(delete(OccupancyRow).where(OccupancyRow.appointment_id == row.id))
                row.status, row.cancelled_at, row.updated_at = "cancelled", now, now
                self._history(session, row, "cancelled", now, row.channel)
                session.flush()
            return self._appointment(row)

    def reschedule(self, code: str, verification: str, hold_id: str) -> Appointment:
        now = self.now()
        with self._write.begin() as session:
            row = self._verified(session, code, verification, for_update=True)
            if row.status != "confirmed" or row.start_at <= now:
                raise AppointmentNotActive(f"{row.code} cannot be moved")
            hold, expired = self._live_hold(session, hold_id, now)
            if hold is not None:
                session.execute(delete(OccupancyRow).where(OccupancyRow.appointment_id == row.id))
                moved = rowcount(session.execute(
                    update(OccupancyRow).where(OccupancyRow.hold_id == hold.id)
                    .values(hold_id=None, expires_at=None, appointment_id=row.id)
                ))
                if moved != hold_units(hold):
                    raise HoldExpired(f"hold {hold_id} lost its cells")
                keys = hold.service_keys.split(",")
                row.location_key, row.counter = hold.location_key, hold.counter
                row.start_at, row.end_at, row.persons, row.updated_at = hold.start_at, hold.end_at, hold.persons, now
                if list(row.service_keys) != keys:
                    row.services.clear()
                    session.flush()
                    row.services.extend(AppointmentServiceRow(position=i, service_key=k) for i, k in enumerate(keys))
                session.execute(delete(HoldRow).where(HoldRow.id == hold.id))
                session.flush()
                self._history(session, row, "rescheduled", now, hold.channel)
                session.flush()
                result = self._appointment(row)
        if expired:
            raise HoldExpired(f"hold {hold_id} has expired")
        return result

    # --- staff --------------------------------------------------------------------------------

    def list_appointments(self, start: Optional[date] = None, end: Optional[date] = None) -> list[Appointment]:
        stmt = select(AppointmentRow).order_by(AppointmentRow.start_at, AppointmentRow.code)
        if start is not None:
            stmt = stmt.where(AppointmentRow.start_at >= unit_start(day_bounds(start)[0]))
        if end is not None:
            stmt = stmt.where(AppointmentRow.start_at < unit_start(day_bounds(end)[1]))
        with self._read() as session:
            return [self._appointment(row) for row in session.scalars(stmt)]

    def appointment(self, code: str) -> Appointment:
        with self._read() as session:
            return self._appointment(self._by_code(session, code))

    # --- reports ------------------------------------------------------------------------------

    def history(self, since: Optional[datetime] = None) -> list[AppointmentEvent]:
        stmt = (
            select(AppointmentHistoryRow, AppointmentRow.code)
            .join(AppointmentRow, AppointmentRow.id == AppointmentHistoryRow.appointment_id)
            .order_by(AppointmentHistoryRow.at, AppointmentHistoryRow.id)
        )
        if since is not None:
            stmt = stmt.where(AppointmentHistoryRow.at >= since)
        services_stmt = select(AppointmentServiceRow.appointment_id, AppointmentServiceRow.service_key).order_by(
            AppointmentServiceRow.appointment_id, AppointmentServiceRow.position)
        with self._read() as session:
            services: dict[int, list[str]] = {}
            for appointment_id, key in session.execute(services_stmt):
                services.setdefault(appointment_id, []).append(key)
            return [
                AppointmentEvent(
                    at=row.at.astimezone(BERLIN), action=row.action, channel=row.channel, code=code,
                    location_key=row.location_key, start=row.start_at.astimezone(BERLIN),
                    service_keys=tuple(services.get(row.appointment_id, ())),
                )
                for row, code in session.execute(stmt)
            ]

    def count_open_holds(self, at: datetime) -> int:
        with self._engines.read.connect() as connection:
            return int(connection.execute(
                select(func.count()).select_from(HoldRow).where(HoldRow.expires_at > at)).scalar_one())

    # --- data protection ------------------------------------------------------------------

    def erase_contact(self, phone: str) -> ContactErasure:
        wanted = normalise_phone(phone)
        if wanted is None:
            return ContactErasure(0)
        now = self.now()
        with self._write.begin() as session:
            rows = session.scalars(select(AppointmentRow).where(AppointmentRow.phone == wanted)
                                   .order_by(AppointmentRow.start_at).with_for_update()).all()
            kept = tuple(r.code for r in rows if r.status == "confirmed" and r.start_at > now)
            erased = [r for r in rows if r.code not in kept]
            for row in erased:
                row.contact_name, row.phone, row.email, row.updated_at = "", None, None, now
        return ContactErasure(len(erased), kept)

    def erase_contacts_ended_before(self, before: datetime) -> int:
        with self._write.begin() as session:
            result = session.execute(
                update(AppointmentRow)
                .where(AppointmentRow.end_at < before,
                       (AppointmentRow.contact_name != "") | AppointmentRow.phone.is_not(None)
                       | AppointmentRow.email.is_not(None))
                .values(contact_name="", phone=None, email=None, updated_at=self.now())
            )
            return rowcount(result)


def hold_units(hold: HoldRow) -> int:
    return int((hold.end_at - hold.start_at).total_seconds()) // UNIT_SECONDS
