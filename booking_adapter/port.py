"""The booking port: what actions, the gateway and the CLI may ask of an appointment system.

It speaks in plain value objects, never ORM rows, and imports nothing from Rasa or Flask.
The shape follows reserve -> confirm -> cancel (as in ZMS / eappointment), so an adapter for
an external system can be added beside the SQLAlchemy one without touching the actions.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Optional, Sequence

# --- value objects -------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    duration_minutes: int
    fee: str  # human-readable German fee text, e.g. "37,00 Euro"
    documents: tuple[str, ...] = ()
    online_url: Optional[str] = None
    online_note: Optional[str] = None
    walk_in: bool = False
    express: bool = False
    synonyms: tuple[str, ...] = ()
    note: Optional[str] = None  # German remark for citizens, e.g. a discontinued document
    spoken_name: Optional[str] = None  # what the phone says ("PIN für den Online-Ausweis")


@dataclass(frozen=True)
class Location:
    key: str
    name: str
    district: str
    address: str
    service_keys: tuple[str, ...] = ()
    mobile_team: bool = False
    note: Optional[str] = None


@dataclass(frozen=True)
class OpeningInterval:
    start: time
    end: time


@dataclass(frozen=True)
class OpeningDay:
    location_key: str
    day: date
    intervals: tuple[OpeningInterval, ...]
    reason_closed: Optional[str] = None  # e.g. a holiday name when intervals is empty

    @property
    def is_open(self) -> bool:
        return bool(self.intervals)


@dataclass(frozen=True)
class SlotQuery:
    """Date-first search. `location_keys=None` means every location offering the services."""

    service_keys: tuple[str, ...]
    location_keys: Optional[tuple[str, ...]] = None
    earliest: Optional[date] = None
    latest: Optional[date] = None
    weekdays: Optional[frozenset[int]] = None  # 0 = Monday
    time_from: Optional[time] = None
    time_to: Optional[time] = None
    persons: int = 1
    limit: int = 5
    channel: str = "chat"  # "phone" may use the phone quota


@dataclass(frozen=True)
class Slot:
    location_key: str
    location_name: str
    start: datetime  # timezone-aware
    end: datetime
    service_keys: tuple[str, ...]
    persons: int = 1


@dataclass(frozen=True)
class Hold:
    hold_id: str
    slot: Slot
    conversation_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Contact:
    name: str
    phone: Optional[str] = None
    email: Optional[str] = None


@dataclass(frozen=True)
class Appointment:
    code: str
    location_key: str
    location_name: str
    service_keys: tuple[str, ...]
    start: datetime
    end: datetime
    status: str  # "confirmed" | "cancelled"
    channel: str
    persons: int = 1
    created_at: Optional[datetime] = None
    contact_name: Optional[str] = None
    phone: Optional[str] = None  # E.164, as normalised at booking


@dataclass(frozen=True)
class AppointmentEvent:
    """One entry of an appointment's history: booked, rescheduled or cancelled (for reports)."""

    at: datetime  # when it happened, timezone-aware
    action: str  # "booked" | "rescheduled" | "cancelled"
    channel: str  # the channel that did it
    code: str
    location_key: str
    start: datetime  # the appointment's start after the event
    service_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactErasure:
    """What `erase_contact` did: appointments stripped of name and phone, and the upcoming
    confirmed ones it had to keep (they are needed to verify and serve the appointment)."""

    anonymised: int
    kept_upcoming: tuple[str, ...] = ()  # booking codes


@dataclass(frozen=True)
class MoveDeadline:
    move_in: date
    deadline: date
    earliest_slot: Optional[Slot]
    slots_before_deadline: tuple[Slot, ...] = field(default_factory=tuple)

    @property
    def can_meet_deadline(self) -> bool:
        return bool(self.slots_before_deadline)


# --- errors the actions turn into German sentences ------------------------------------------


class BookingError(Exception):
    """Base of every error the port raises on purpose. `kind` names it for the dialogue."""

    kind = "booking_error"


class UnknownService(BookingError):
    kind = "unknown_service"


class UnknownLocation(BookingError):
    kind = "unknown_location"


class ServiceNotOffered(UnknownService):
    """The location exists but does not offer the service (e.g. residence permits)."""

    kind = "service_not_offered"


class SlotTaken(BookingError):
    kind = "slot_taken"


class HoldExpired(BookingError):
    kind = "hold_expired"


class HoldNotFound(BookingError):
    kind = "hold_not_found"


class HoldLimitReached(BookingError):
    kind = "hold_limit"


class AppointmentLimitReached(BookingError):
    kind = "appointment_limit"


class CodeUnknown(BookingError):
    kind = "code_unknown"


class VerificationFailed(BookingError):
    kind = "verification_failed"


class OutsideBookingWindow(BookingError):
    kind = "outside_window"


class LocationClosed(BookingError):
    kind = "location_closed"


class AppointmentNotActive(BookingError):
    """The appointment was cancelled or lies in the past; it cannot be moved or cancelled."""

    kind = "appointment_not_active"


# --- the port ---------------------------------------------------------------------------------


class BookingPort(abc.ABC):
    """Everything the rest of the system may do with appointments."""

    # catalogue
    @abc.abstractmethod
    def services(self) -> list[Service]: ...

    @abc.abstractmethod
    def service(self, key: str) -> Service:
        """Raises UnknownService."""

    @abc.abstractmethod
    def locations(self, service_key: Optional[str] = None) -> list[Location]: ...

    @abc.abstractmethod
    def location(self, key: str) -> Location:
        """Raises UnknownLocation."""

    @abc.abstractmethod
    def opening_day(self, location_key: str, day: date) -> OpeningDay: ...

    # search
    @abc.abstractmethod
    def find_slots(self, query: SlotQuery) -> list[Slot]:
        """Earliest free, diverse slots sorted by start time (date-first across locations)."""

    @abc.abstractmethod
    def move_deadline(
        self, move_in: date, location_keys: Optional[Sequence[str]] = None, channel: str = "chat"
    ) -> MoveDeadline:
        """The 14-day registration deadline after a move and whether a slot exists before it."""

    # reserve -> confirm -> cancel
    @abc.abstractmethod
    def hold(self, slot: Slot, conversation_id: str, channel: str = "chat") -> Hold:
        """Reserve a slot for a limited time. Raises SlotTaken, HoldLimitReached."""

    @abc.abstractmethod
    def release_holds(self, conversation_id: str, keep: Optional[str] = None) -> int:
        """Free every hold of a conversation except `keep`; returns how many were freed."""

    @abc.abstractmethod
    def confirm(self, hold_id: str, contact: Contact, channel: str = "chat") -> Appointment:
        """Turn a hold into an appointment. Raises HoldExpired, HoldNotFound,
        AppointmentLimitReached."""

    @abc.abstractmethod
    def find_appointment(self, code: str, verification: str) -> Appointment:
        """Raises CodeUnknown, VerificationFailed. `verification` is the phone number given
        at booking (any spelling)."""

    @abc.abstractmethod
    def cancel(self, code: str, verification: str) -> Appointment: ...

    @abc.abstractmethod
    def reschedule(self, code: str, verification: str, hold_id: str) -> Appointment:
        """Atomically move an appointment to a held slot; the old one stays until then."""

    # staff
    @abc.abstractmethod
    def list_appointments(
        self, start: Optional[date] = None, end: Optional[date] = None
    ) -> list[Appointment]:
        """Every appointment (confirmed and cancelled) starting on a day in [start, end],
        sorted by start."""

    def appointment(self, code: str) -> Appointment:
        """Staff lookup by code without verification (CLI, agents). Raises CodeUnknown."""
        raise NotImplementedError

    # reports and monitoring (read-only)
    @abc.abstractmethod
    def history(self, since: Optional[datetime] = None) -> list[AppointmentEvent]:
        """Every booking, move and cancellation from `since` on (all when None), oldest first."""

    @abc.abstractmethod
    def count_open_holds(self, at: datetime) -> int:
        """Holds that have not expired at `at` (slots offered and not yet booked or released)."""

    @abc.abstractmethod
    def counters(self, location_key: str) -> int:
        """How many counters (parallel appointments) a location has. Raises UnknownLocation."""

    # data protection
    @abc.abstractmethod
    def erase_contact(self, phone: str) -> ContactErasure:
        """Remove name and phone number (and e-mail) from every appointment booked with `phone`
        (any spelling) that is cancelled or has begun. Upcoming confirmed appointments keep them
        and are reported: without them the citizen could not be verified or reached; they are
        cancelled first (or erased after they took place). Times, place and services stay for
        the statistics."""

    def erase_contacts_ended_before(self, before: datetime) -> int:
        """Retention (BOOKING_CONTACT_RETENTION_DAYS): remove name, phone number and e-mail from
        every appointment (confirmed or cancelled) that ended before `before`; the appointment
        itself stays, so the statistics keep it. Idempotent. Returns how many were erased."""
        raise NotImplementedError
