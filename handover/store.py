"""The hand-over store in SQL (SQLite or PostgreSQL): hand-overs with transcripts, the live
chat between citizen and agent, callbacks, agents with API tokens, and the audit log.

Own tables (prefix `handover_`) with their own Alembic history (handover/migrations, upgraded
at start by the launcher or on first use, see common/migrations.py): the action server writes,
the gateway's agent console reads the same database (HANDOVER_DATABASE_URL, default the
booking database).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from common.booking_code import normalise_code
from common.migrations import SchemaOnFirstUse
from common.sql import rowcount
from german.phone import normalise_phone
from handover.domain import (
    AGENT_HOLDS,
    ROLES,
    STATUSES,
    AgentIdentity,
    AuditEntry,
    Callback,
    ChatMessage,
    Export,
    Handover,
    NewCallback,
    NewHandover,
    TranscriptLine,
)
from handover.port import AgentConsolePort, HandoverQueue


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _in(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # constants only (constraint text)


class Base(DeclarativeBase):
    pass


class AgentRow(Base):
    __tablename__ = "handover_agents"
    __table_args__ = (CheckConstraint(f"role IN ({_in(ROLES)})", name="ck_handover_agents_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class TokenRow(Base):
    __tablename__ = "handover_api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("handover_agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the token
    label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class HandoverRow(Base):
    __tablename__ = "handover_records"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="ck_handover_records_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    summary: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phone: Mapped[Optional[str]] = mapped_column(String(32), index=True, nullable=True)
    booking_code: Mapped[Optional[str]] = mapped_column(String(16), index=True, nullable=True)
    agent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("handover_agents.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class TranscriptRow(Base):
    __tablename__ = "handover_transcript"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover_records.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    intent: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)


class MessageRow(Base):
    __tablename__ = "handover_messages"
    __table_args__ = (
        CheckConstraint("sender IN ('citizen', 'agent', 'system')", name="ck_handover_messages_sender"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover_records.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)


class CallbackRow(Base):
    __tablename__ = "handover_callbacks"
    __table_args__ = (CheckConstraint("status IN ('open', 'done')", name="ck_handover_callbacks_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    window: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    due_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), nullable=True)
    handover_reference: Mapped[Optional[str]] = mapped_column(String(64), nullable=True)
    conversation_id: Mapped[Optional[str]] = mapped_column(String(128), unique=True, nullable=True)


class AuditRow(Base):
    """Who did what to which record. No personal data: ids, names of agents, actions."""

    __tablename__ = "handover_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    agent_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    handover_id: Mapped[Optional[int]] = mapped_column(Integer, nullable=True, index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _phone(text_: Optional[str]) -> Optional[str]:
    return normalise_phone(text_) if text_ else None


class SqlHandoverStore(AgentConsolePort):
    def __init__(self, engine: Engine, clock: Optional[Callable[[], datetime]] = None):
        self.engine = engine
        self._clock = clock or _now
        from handover.migrate import HANDOVER  # the history needs this module's tables

        self._schema = SchemaOnFirstUse(engine, HANDOVER)

    def now(self) -> datetime:
        return _utc(self._clock())  # type: ignore[return-value]

    # --- schema --------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        self._schema.ensure()

    def _session(self) -> Session:
        self.ensure_schema()
        return Session(self.engine, expire_on_commit=False)

    # --- conversion ----------------------------------------------------------------------

    @staticmethod
    def _handover(row: HandoverRow, agent_name: Optional[str] = None, transcript: Iterable[TranscriptRow] = ()) -> Handover:
        return Handover(
            id=row.id, conversation_id=row.conversation_id, channel=row.channel, reason=row.reason,
            status=row.status, summary=row.summary, fields=dict(row.fields or {}),
            created_at=_utc(row.created_at), phone=row.phone, booking_code=row.booking_code,  # type: ignore[arg-type]
            agent_id=row.agent_id, agent_name=agent_name, updated_at=_utc(row.updated_at),
            transcript=tuple(
                TranscriptLine(at=_utc(t.at), speaker=t.speaker, text=t.text, confidence=t.confidence, intent=t.intent)  # type: ignore[arg-type]
                for t in transcript
            ),
        )

    @staticmethod
    def _callback(row: CallbackRow) -> Callback:
        return Callback(
            id=row.id, phone=row.phone, channel=row.channel, window=row.window, status=row.status,
            created_at=_utc(row.created_at), due_at=_utc(row.due_at),  # type: ignore[arg-type]
            handover_reference=row.handover_reference, conversation_id=row.conversation_id,
        )

    @staticmethod
    def _message(row: MessageRow) -> ChatMessage:
        return ChatMessage(id=row.id, handover_id=row.handover_id, at=_utc(row.at), sender=row.sender,  # type: ignore[arg-type]
                           text=row.text, agent_name=row.agent_name)

    # --- the port (action server) --------------------------------------------------------

    def record_handover(self, new: NewHandover) -> Handover:
        now = self.now()
        with self._session() as session:
            row = HandoverRow(
                conversation_id=new.conversation_id, channel=new.channel, reason=new.reason,
                status=new.status, summary=new.summary, fields=dict(new.fields), phone=_phone(new.phone),
                booking_code=normalise_code(new.booking_code or "") or None, created_at=now, updated_at=now,
            )
            session.add(row)
            session.flush()
            lines = [
                TranscriptRow(handover_id=row.id, position=i, at=_utc(line.at), speaker=line.speaker,
                              text=line.text, confidence=line.confidence, intent=line.intent)
                for i, line in enumerate(new.transcript)
            ]
            session.add_all(lines)
            session.commit()
            return self._handover(row, transcript=lines)

    def record_callback(self, new: NewCallback) -> Callback:
        with self._session() as session:
            if new.conversation_id:  # one callback per conversation: a second request updates it
                existing = session.scalar(select(CallbackRow).where(CallbackRow.conversation_id == new.conversation_id))
                if existing is not None:
                    existing.phone = _phone(new.phone) or new.phone
                    existing.window = new.window or existing.window
                    existing.status = "open"
                    session.commit()
                    return self._callback(existing)
            row = CallbackRow(
                phone=_phone(new.phone) or new.phone, channel=new.channel, window=new.window[:200],
                status="open", created_at=self.now(), due_at=_utc(new.due_at),
                handover_reference=new.handover_reference, conversation_id=new.conversation_id,
            )
            session.add(row)
            session.commit()
            return self._callback(row)

    def set_handover_status(self, handover_id: int, status: str, agent_id: Optional[int] = None) -> None:
        if status not in STATUSES:
            raise ValueError(status)
        with self._session() as session:
            values: dict[str, Any] = {"status": status, "updated_at": self.now()}
            if agent_id is not None:
                values["agent_id"] = agent_id
            session.execute(update(HandoverRow).where(HandoverRow.id == handover_id).values(**values))
            session.commit()

    # --- reading (console, API) ----------------------------------------------------------

    def list_handovers(self, statuses: Optional[Iterable[str]] = None, limit: int = 200) -> list[Handover]:
        """Newest first."""
        with self._session() as session:
            query = select(HandoverRow, AgentRow.name).outerjoin(AgentRow, AgentRow.id == HandoverRow.agent_id)
            if statuses:
                query = query.where(HandoverRow.status.in_(list(statuses)))
            query = query.order_by(HandoverRow.created_at.desc(), HandoverRow.id.desc()).limit(limit)
            return [self._handover(row, name) for row, name in session.execute(query)]

    def handover(self, handover_id: int) -> Optional[Handover]:
        with self._session() as session:
            found = session.execute(
                select(HandoverRow, AgentRow.name).outerjoin(AgentRow, AgentRow.id == HandoverRow.agent_id)
                .where(HandoverRow.id == handover_id)
            ).first()
            if found is None:
                return None
            lines = session.scalars(
                select(TranscriptRow).where(TranscriptRow.handover_id == handover_id).order_by(TranscriptRow.position)
            ).all()
            return self._handover(found[0], found[1], lines)

    def active_chat_handover(self, conversation_id: str) -> Optional[Handover]:
        """The chat hand-over an agent holds (or is about to) for this conversation, if any."""
        with self._session() as session:
            row = session.scalar(
                select(HandoverRow)
                .where(HandoverRow.conversation_id == conversation_id, HandoverRow.status.in_(AGENT_HOLDS),
                       HandoverRow.channel == "webchat")
                .order_by(HandoverRow.id.desc()).limit(1)
            )
            return self._handover(row) if row else None

    def search(self, query: str) -> list[Handover]:
        """By booking code (any spelling) or phone number (any spelling), newest first."""
        code = normalise_code(query)
        phone = _phone(query) if any(ch.isdigit() for ch in query) else None
        conditions = []
        if code:
            conditions.append(HandoverRow.booking_code == code)
        if phone:
            conditions.append(HandoverRow.phone == phone)
        if not conditions:
            return []
        with self._session() as session:
            rows = session.execute(
                select(HandoverRow, AgentRow.name).outerjoin(AgentRow, AgentRow.id == HandoverRow.agent_id)
                .where(or_(*conditions)).order_by(HandoverRow.created_at.desc()).limit(100)
            )
            return [self._handover(row, name) for row, name in rows]

    def search_callbacks(self, query: str) -> list[Callback]:
        phone = _phone(query) if any(ch.isdigit() for ch in query) else None
        if not phone:
            return []
        with self._session() as session:
            rows = session.scalars(select(CallbackRow).where(CallbackRow.phone == phone).order_by(CallbackRow.id.desc()))
            return [self._callback(row) for row in rows]

    def queue(self, now: datetime) -> HandoverQueue:
        with self._session() as session:
            by_status: dict[str, int] = dict(session.execute(
                select(HandoverRow.status, func.count()).where(HandoverRow.status.in_(("open", "taken")))
                .group_by(HandoverRow.status)).tuples().all())
            open_callbacks = CallbackRow.status == "open"
            callbacks_open = session.scalar(select(func.count()).select_from(CallbackRow).where(open_callbacks))
            callbacks_due = session.scalar(select(func.count()).select_from(CallbackRow).where(
                open_callbacks, or_(CallbackRow.due_at.is_(None), CallbackRow.due_at <= _utc(now))))
        return HandoverQueue(waiting=int(by_status.get("open", 0)), taken=int(by_status.get("taken", 0)),
                             callbacks_open=int(callbacks_open or 0), callbacks_due=int(callbacks_due or 0))

    # --- console actions -----------------------------------------------------------------

    def take(self, handover_id: int, agent: AgentIdentity) -> None:
        self.set_handover_status(handover_id, "taken", agent.id)

    def finish(self, handover_id: int, agent: AgentIdentity) -> None:
        self.set_handover_status(handover_id, "done", agent.id)

    def give_back(self, handover_id: int, agent: AgentIdentity, notice: str) -> None:
        """The bot answers again in this chat; `notice` is what the citizen reads."""
        self.set_handover_status(handover_id, "returned", agent.id)
        self.add_message(handover_id, "system", notice)

    def add_message(self, handover_id: int, sender: str, text_: str, agent: Optional[AgentIdentity] = None) -> ChatMessage:
        with self._session() as session:
            row = MessageRow(handover_id=handover_id, at=self.now(), sender=sender, text=text_,
                             agent_id=agent.id if agent else None, agent_name=agent.name if agent else None)
            session.add(row)
            if sender == "agent":
                session.execute(
                    update(HandoverRow).where(HandoverRow.id == handover_id, HandoverRow.status == "open")
                    .values(status="taken", agent_id=agent.id if agent else None, updated_at=self.now())
                )
            session.commit()
            return self._message(row)

    def messages(self, handover_id: int, after_id: int = 0) -> list[ChatMessage]:
        with self._session() as session:
            rows = session.scalars(
                select(MessageRow).where(MessageRow.handover_id == handover_id, MessageRow.id > after_id)
                .order_by(MessageRow.id)
            )
            return [self._message(row) for row in rows]

    def messages_for_conversation(self, conversation_id: str, after_id: int = 0, senders: Iterable[str] = ("agent", "system")) -> list[ChatMessage]:
        with self._session() as session:
            rows = session.scalars(
                select(MessageRow).join(HandoverRow, HandoverRow.id == MessageRow.handover_id)
                .where(HandoverRow.conversation_id == conversation_id, MessageRow.id > after_id,
                       MessageRow.sender.in_(list(senders)))
                .order_by(MessageRow.id)
            )
            return [self._message(row) for row in rows]

    def callbacks(self, status: str = "open", due_before: Optional[datetime] = None) -> list[Callback]:
        """Callbacks, the ones due first."""
        with self._session() as session:
            query = select(CallbackRow).where(CallbackRow.status == status)
            if due_before is not None:
                query = query.where(or_(CallbackRow.due_at.is_(None), CallbackRow.due_at <= _utc(due_before)))
            query = query.order_by(func.coalesce(CallbackRow.due_at, CallbackRow.created_at), CallbackRow.id)
            return [self._callback(row) for row in session.scalars(query)]

    def callback(self, callback_id: int) -> Optional[Callback]:
        with self._session() as session:
            row = session.get(CallbackRow, callback_id)
            return self._callback(row) if row else None

    def finish_callback(self, callback_id: int) -> None:
        with self._session() as session:
            session.execute(update(CallbackRow).where(CallbackRow.id == callback_id).values(status="done"))
            session.commit()

    # --- audit ---------------------------------------------------------------------------

    def audit(self, agent: Optional[AgentIdentity], action: str, handover_id: Optional[int] = None, detail: str = "") -> None:
        with self._session() as session:
            session.add(AuditRow(at=self.now(), agent_id=agent.id if agent else None,
                                 agent_name=agent.name if agent else "system", action=action,
                                 handover_id=handover_id, detail=detail[:200]))
            session.commit()

    def audit_entries(self, handover_id: Optional[int] = None, limit: int = 500) -> list[AuditEntry]:
        with self._session() as session:
            query = select(AuditRow)
            if handover_id is not None:
                query = query.where(AuditRow.handover_id == handover_id)
            rows = session.scalars(query.order_by(AuditRow.id.desc()).limit(limit))
            return [AuditEntry(id=r.id, at=_utc(r.at), agent_id=r.agent_id, agent_name=r.agent_name,  # type: ignore[arg-type]
                               action=r.action, handover_id=r.handover_id, detail=r.detail) for r in rows]

    # --- agents (gateway.auth.AgentDirectory) ---------------------------------------------

    @staticmethod
    def _identity(row: AgentRow) -> AgentIdentity:
        return AgentIdentity(id=row.id, name=row.name, role=row.role)

    def add_agent(self, name: str, password: str, role: str = "agent") -> AgentIdentity:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if len(password) < 8:
            raise ValueError("the password needs at least 8 characters")
        with self._session() as session:
            row = session.scalar(select(AgentRow).where(AgentRow.name == name))
            if row is None:
                row = AgentRow(name=name, role=role, password_hash=generate_password_hash(password), active=True,
                               created_at=self.now())
                session.add(row)
            else:  # same name again: new password and role
                row.role, row.password_hash, row.active = role, generate_password_hash(password), True
            session.commit()
            return self._identity(row)

    def issue_token(self, name: str, label: str = "") -> str:
        """A new API token for the agent `name`; only its hash is stored, the token is shown once."""
        token = secrets.token_urlsafe(32)
        with self._session() as session:
            agent = session.scalar(select(AgentRow).where(AgentRow.name == name))
            if agent is None:
                raise LookupError(f"no agent {name!r}")
            session.add(TokenRow(agent_id=agent.id, token_hash=hash_token(token), label=label[:64], created_at=self.now()))
            session.commit()
        return token

    def deactivate_agent(self, name: str) -> bool:
        """Lock the agent `name` out: no sign-in, no API token, and every open session ends
        (its stamp no longer matches). False when there is no such agent."""
        with self._session() as session:
            row = session.scalar(select(AgentRow).where(AgentRow.name == name))
            if row is None:
                return False
            row.active = False
            session.commit()
            return True

    def session_stamp(self, agent_id: int) -> Optional[str]:
        """A fingerprint of the agent's current credentials (gateway.auth keeps it in the
        session and compares it on every request): it changes with every new password (the
        hash is salted) and is None for an unknown or deactivated agent."""
        with self._session() as session:
            row = session.get(AgentRow, agent_id)
            if row is None or not row.active:
                return None
            return hashlib.sha256(f"{row.id}:{row.password_hash}".encode()).hexdigest()[:32]

    def agent_by_id(self, agent_id: int) -> Optional[AgentIdentity]:
        with self._session() as session:
            row = session.get(AgentRow, agent_id)
            return self._identity(row) if row is not None and row.active else None

    def agent_by_token(self, token: str) -> Optional[AgentIdentity]:
        with self._session() as session:
            row = session.scalar(
                select(AgentRow).join(TokenRow, TokenRow.agent_id == AgentRow.id)
                .where(TokenRow.token_hash == hash_token(token), AgentRow.active.is_(True))
            )
            return self._identity(row) if row is not None else None

    def check_password(self, name: str, password: str) -> Optional[AgentIdentity]:
        with self._session() as session:
            row = session.scalar(select(AgentRow).where(AgentRow.name == name))
        if row is None or not row.active:
            check_password_hash(_DUMMY_HASH, password)  # same time whether the name exists or not
            return None
        return self._identity(row) if check_password_hash(row.password_hash, password) else None

    # --- data protection -----------------------------------------------------------------

    def purge(self, before: datetime) -> dict[str, int]:
        """Delete hand-overs (with transcripts and chat messages) and callbacks created before
        `before`. Audit entries stay (they hold no personal data). Returns counts."""
        cutoff = _utc(before)
        with self._session() as session:
            ids = list(session.scalars(select(HandoverRow.id).where(HandoverRow.created_at < cutoff)))
            counts = self._delete_handovers(session, ids)
            result = session.execute(delete(CallbackRow).where(CallbackRow.created_at < cutoff))
            counts["callbacks"] = rowcount(result)
            session.commit()
            return counts

    @staticmethod
    def _delete_handovers(session: Session, ids: list[int]) -> dict[str, int]:
        counts = {"handovers": 0, "transcript_lines": 0, "messages": 0}
        if not ids:
            return counts
        counts["transcript_lines"] = rowcount(session.execute(delete(TranscriptRow).where(TranscriptRow.handover_id.in_(ids))))
        counts["messages"] = rowcount(session.execute(delete(MessageRow).where(MessageRow.handover_id.in_(ids))))
        counts["handovers"] = rowcount(session.execute(delete(HandoverRow).where(HandoverRow.id.in_(ids))))
        return counts

    def _ids_for_phone(self, session: Session, phone: str) -> list[int]:
        return list(session.scalars(select(HandoverRow.id).where(HandoverRow.phone == phone).order_by(HandoverRow.id)))

    def export_phone(self, phone_text: str) -> Export:
        phone = _phone(phone_text) or phone_text
        with self._session() as session:
            ids = self._ids_for_phone(session, phone)
        handovers = [h for h in (self.handover(i) for i in ids) if h is not None]
        messages = [m for i in ids for m in self.messages(i)]
        with self._session() as session:
            callbacks = [self._callback(r) for r in session.scalars(select(CallbackRow).where(CallbackRow.phone == phone))]
        return Export(phone=phone, handovers=handovers, callbacks=callbacks, messages=messages)

    def delete_phone(self, phone_text: str) -> dict[str, int]:
        phone = _phone(phone_text) or phone_text
        with self._session() as session:
            counts = self._delete_handovers(session, self._ids_for_phone(session, phone))
            counts["callbacks"] = rowcount(session.execute(delete(CallbackRow).where(CallbackRow.phone == phone)))
            session.commit()
            return counts


_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")


def build_engine(url: str) -> Engine:
    connect_args = {"timeout": 15} if url.startswith("sqlite") else {}
    # does not connect; hide_parameters keeps phone numbers out of error messages and logs
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)
