"""The booking store's tables (SQLAlchemy 2.0 typed models).

Double booking is impossible by construction: every hold and appointment owns one `occupancy`
row per 5-minute unit it covers on one counter, and UNIQUE(location_key, unit, counter) lets
only one owner have a cell. Times are stored in UTC (timezone-aware in Python).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_hold_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the booking store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class LocationRow(Base):
    __tablename__ = "booking_locations"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(300))
    counters: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("counters > 0", name="counters_positive"),)


class ServiceRow(Base):
    __tablename__ = "booking_services"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    fee: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)


class HoldRow(Base):
    __tablename__ = "booking_holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_hold_id)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    location_key: Mapped[str] = mapped_column(ForeignKey("booking_locations.key"))
    counter: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    service_keys: Mapped[str] = mapped_column(String(400))  # comma-separated, in order
    persons: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("persons >= 1", name="persons_positive"),
        CheckConstraint("counter >= 1", name="counter_positive"),
    )


class AppointmentRow(Base):
    __tablename__ = "booking_appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(7), unique=True)
    location_key: Mapped[str] = mapped_column(ForeignKey("booking_locations.key"))
    counter: Mapped[int] = mapped_column(Integer)
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    persons: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    channel: Mapped[str] = mapped_column(String(20))
    contact_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(32))
    email: Mapped[Optional[str]] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[Optional[datetime]]

    services: Mapped[list[AppointmentServiceRow]] = relationship(
        order_by="AppointmentServiceRow.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("persons >= 1", name="persons_positive"),
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status_known"),
        CheckConstraint("(status = 'cancelled') = (cancelled_at IS NOT NULL)", name="cancelled_when"),
    )

    @property
    def service_keys(self) -> tuple[str, ...]:
        return tuple(s.service_key for s in self.services)


class AppointmentServiceRow(Base):
    __tablename__ = "booking_appointment_services"

    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("booking_appointments.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_key: Mapped[str] = mapped_column(ForeignKey("booking_services.key"), index=True)


class AppointmentHistoryRow(Base):
    """What happened to an appointment (booked, rescheduled, cancelled), for reports."""

    __tablename__ = "booking_appointment_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("booking_appointments.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    location_key: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        CheckConstraint("action IN ('booked', 'rescheduled', 'cancelled')", name="action_known"),
    )


class OccupancyRow(Base):
    """One 5-minute unit of one counter, owned by exactly one hold or one appointment."""

    __tablename__ = "booking_occupancy"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    location_key: Mapped[str] = mapped_column(ForeignKey("booking_locations.key"))
    unit: Mapped[int] = mapped_column(BigInteger)  # 5-minute units since 1970-01-01 UTC
    counter: Mapped[int] = mapped_column(Integer)
    hold_id: Mapped[Optional[str]] = mapped_column(
        ForeignKey("booking_holds.id", ondelete="CASCADE"), index=True
    )
    appointment_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("booking_appointments.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[Optional[datetime]]  # the hold's expiry; NULL for appointments

    __table_args__ = (
        UniqueConstraint("location_key", "unit", "counter", name="uq_booking_occupancy_cell"),
        CheckConstraint("counter >= 1", name="counter_positive"),
        CheckConstraint("(hold_id IS NULL) <> (appointment_id IS NULL)", name="one_owner"),
        CheckConstraint("(hold_id IS NULL) = (expires_at IS NULL)", name="expiry_with_hold"),
    )


Index("ix_booking_appointments_phone_start", AppointmentRow.phone, AppointmentRow.start_at)
