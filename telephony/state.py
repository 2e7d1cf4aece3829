"""Per-call state, keyed by Twilio's CallSid, shared by every gateway process.

A call's webhooks may reach different gateway processes, so the state lives in SQL (own
tables `telephony_calls` and `telephony_callbacks` with their own Alembic history,
telephony/migrations, upgraded at start or on first use) — or, in unit
tests, in the in-memory fake. Nothing personal is kept in a call's state; the only phone
number stored is the one a caller asked to be called back on.
"""
from __future__ import annotations

import abc
import json
import threading
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import CheckConstraint, DateTime, Engine, Integer, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from common.clock import Clock
from common.migrations import SchemaOnFirstUse
from common.sql import rowcount

# Phases of a call as the gateway sees it.
TALK = "talk"                      # normal conversation with the bot
MENU = "menu"                      # the help menu after two reprompts
TRANSFER = "transfer"              # <Dial> to the hotline is under way
CALLBACK_OFFER = "callback_offer"  # nobody answered; a callback is offered
CODE_OFFER = "code_offer"          # just booked: "Soll ich den Code wiederholen?"
ANYTHING_ELSE = "anything_else"    # after the booking: "Kann ich sonst noch etwas für Sie tun?"

STATE_TTL = timedelta(hours=12)


@dataclass
class CallState:
    call_sid: str
    phase: str = TALK
    trouble: int = 0                                    # silences / unusable inputs in a row
    last_turn: list[str] = field(default_factory=list)  # what the bot said last (for "repeat")
    question: list[str] = field(default_factory=list)   # its last question (for reprompts)
    options: list[str] = field(default_factory=list)    # payloads for keys 1, 2, ...
    expect: Optional[str] = None                        # keypad entry accepted: date, booking_code, ...
    pending: Optional[dict[str, Any]] = None            # low-confidence value awaiting yes/no
    reference: Optional[str] = None                     # hand-over reference of a transfer
    sms_sent: list[str] = field(default_factory=list)   # "booking:K7M-4TX" already confirmed
    booked: Optional[dict[str, Any]] = None             # code, documents, SMS sent: the after-booking turns
    turns: int = 0
    # relay mode: the bot's turns as the caller heard them (cut at an interruption), never the caller's words
    transcript: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> CallState:
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class CallbackRequest:
    call_sid: str
    reference: str
    caller_number: str
    requested_at: datetime
    status: str = "open"


class CallStore(abc.ABC):
    @abc.abstractmethod
    def load(self, call_sid: str) -> Optional[CallState]: ...

    @abc.abstractmethod
    def save(self, state: CallState) -> None: ...

    @abc.abstractmethod
    def delete(self, call_sid: str) -> None: ...

    @abc.abstractmethod
    def purge(self, older_than: datetime) -> int:
        """Forget call states not touched since `older_than`; returns how many."""

    @abc.abstractmethod
    def add_callback(self, request: CallbackRequest) -> None:
        """Record a callback request (one per call; a second one for the same call is ignored)."""

    @abc.abstractmethod
    def callbacks(self, status: str = "open") -> list[CallbackRequest]: ...


class InMemoryCallStore(CallStore):
    """The fake for unit tests and single-process demos."""

    def __init__(self, clock: Optional[Clock] = None):
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._states: dict[str, tuple[str, datetime]] = {}
        self._callbacks: dict[str, CallbackRequest] = {}

    def load(self, call_sid: str) -> Optional[CallState]:
        with self._lock:
            entry = self._states.get(call_sid)
        return CallState.from_json(entry[0]) if entry else None

    def save(self, state: CallState) -> None:
        with self._lock:
            self._states[state.call_sid] = (state.to_json(), self._clock())

    def delete(self, call_sid: str) -> None:
        with self._lock:
            self._states.pop(call_sid, None)

    def purge(self, older_than: datetime) -> int:
        with self._lock:
            old = [sid for sid, (_, touched) in self._states.items() if touched < older_than]
            for sid in old:
                del self._states[sid]
        return len(old)

    def add_callback(self, request: CallbackRequest) -> None:
        with self._lock:
            self._callbacks.setdefault(request.call_sid, request)

    def callbacks(self, status: str = "open") -> list[CallbackRequest]:
        with self._lock:
            return [request for request in self._callbacks.values() if request.status == status]


# --- SQL --------------------------------------------------------------------------------------


class _Base(DeclarativeBase):
    pass


class CallRow(_Base):
    __tablename__ = "telephony_calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class CallbackRow(_Base):
    __tablename__ = "telephony_callbacks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done')", name="ck_telephony_callbacks_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    reference: Mapped[str] = mapped_column(String(64))
    caller_number: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")


METADATA = _Base.metadata  # the store's tables, and only those (telephony/migrate.py)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SqlCallStore(CallStore):
    """Call state in its own tables of the booking database (or TELEPHONY_DATABASE_URL)."""

    def __init__(self, engine: Engine, clock: Optional[Clock] = None):
        self.engine = engine
        self._clock = clock or (lambda: datetime.now(UTC))
        from telephony.migrate import TELEPHONY  # the history needs this module's tables

        self._schema = SchemaOnFirstUse(engine, TELEPHONY)

    def _now(self) -> datetime:
        return _utc(self._clock())

    def ensure_schema(self) -> None:
        """Upgrade the schema if needed: on first use, never at import or app creation."""
        self._schema.ensure()

    def _session(self) -> Session:
        self.ensure_schema()
        return Session(self.engine, expire_on_commit=False)

    def load(self, call_sid: str) -> Optional[CallState]:
        with self._session() as session:
            row = session.get(CallRow, call_sid)
            return CallState.from_json(row.state) if row else None

    def save(self, state: CallState) -> None:
        now = self._now()
        for attempt in range(2):
            with self._session() as session:
                row = session.get(CallRow, state.call_sid)
                if row is None:
                    session.add(CallRow(call_sid=state.call_sid, state=state.to_json(), created_at=now, updated_at=now))
                else:
                    row.state, row.updated_at = state.to_json(), now
                try:
                    session.commit()
                    return
                except IntegrityError:  # inserted concurrently by another process: update instead
                    session.rollback()
                    if attempt:
                        raise

    def delete(self, call_sid: str) -> None:
        with self._session() as session:
            session.execute(delete(CallRow).where(CallRow.call_sid == call_sid))
            session.commit()

    def purge(self, older_than: datetime) -> int:
        with self._session() as session:
            result = session.execute(delete(CallRow).where(CallRow.updated_at < _utc(older_than)))
            session.commit()
            return rowcount(result)

    def add_callback(self, request: CallbackRequest) -> None:
        with self._session() as session:
            session.add(
                CallbackRow(
                    call_sid=request.call_sid,
                    reference=request.reference,
                    caller_number=request.caller_number,
                    requested_at=_utc(request.requested_at),
                    status=request.status,
                )
            )
            try:
                session.commit()
            except IntegrityError:  # the same call asked twice: one request is enough
                session.rollback()

    def callbacks(self, status: str = "open") -> list[CallbackRequest]:
        with self._session() as session:
            rows = session.scalars(
                select(CallbackRow).where(CallbackRow.status == status).order_by(CallbackRow.requested_at)
            ).all()
            return [
                CallbackRequest(
                    call_sid=row.call_sid,
                    reference=row.reference,
                    caller_number=row.caller_number,
                    requested_at=_utc(row.requested_at),
                    status=row.status,
                )
                for row in rows
            ]
