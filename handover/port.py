"""The hand-over store's interfaces.

`HandoverPort`: what the bot writes when it hands over or arranges a callback, and the counts
monitoring reads. Actions depend on it only; `actions.server` installs the SQLAlchemy store
(handover/store.py), unit tests the in-memory fake below.

`AgentConsolePort`: what the agent console, its JSON API and the chat relay (gateway/agents)
do with hand-overs, callbacks and the audit log. The SQLAlchemy store implements both.
"""
from __future__ import annotations

import abc
import itertools
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Callable, Iterable, Optional

from handover.domain import AgentIdentity, AuditEntry, Callback, ChatMessage, Handover, NewCallback, NewHandover


@dataclass(frozen=True)
class HandoverQueue:
    """What is waiting for the hotline at one moment (for /metrics and reports)."""

    waiting: int  # hand-overs no agent has taken yet ("open")
    taken: int  # hand-overs an agent holds
    callbacks_open: int
    callbacks_due: int  # open callbacks due by then (or without a due time)


class HandoverPort(abc.ABC):
    @abc.abstractmethod
    def record_handover(self, new: NewHandover) -> Handover:
        """Store a hand-over with its transcript; returns it with its id."""

    @abc.abstractmethod
    def record_callback(self, new: NewCallback) -> Callback:
        """Store a callback request."""

    def set_handover_status(self, handover_id: int, status: str) -> None:
        """Change a hand-over's status (e.g. to "callback" when the caller took a callback)."""
        raise NotImplementedError

    @abc.abstractmethod
    def queue(self, now: datetime) -> HandoverQueue:
        """Hand-overs and callbacks waiting for the hotline at `now`."""


class AgentConsolePort(HandoverPort):
    """What the agent console (HTML and JSON) and the web-chat relay need of the store."""

    # reading
    @abc.abstractmethod
    def list_handovers(self, statuses: Optional[Iterable[str]] = None, limit: int = 200) -> list[Handover]:
        """Newest first."""

    @abc.abstractmethod
    def handover(self, handover_id: int) -> Optional[Handover]:
        """With its transcript; None when unknown."""

    @abc.abstractmethod
    def active_chat_handover(self, conversation_id: str) -> Optional[Handover]:
        """The chat hand-over an agent holds (or is about to) for this conversation, if any."""

    @abc.abstractmethod
    def search(self, query: str) -> list[Handover]:
        """By booking code or phone number (any spelling), newest first."""

    @abc.abstractmethod
    def search_callbacks(self, query: str) -> list[Callback]:
        """By phone number (any spelling)."""

    # console actions
    @abc.abstractmethod
    def take(self, handover_id: int, agent: AgentIdentity) -> None: ...

    @abc.abstractmethod
    def finish(self, handover_id: int, agent: AgentIdentity) -> None: ...

    @abc.abstractmethod
    def give_back(self, handover_id: int, agent: AgentIdentity, notice: str) -> None:
        """The bot answers again in this chat; `notice` is what the citizen reads."""

    @abc.abstractmethod
    def add_message(self, handover_id: int, sender: str, text_: str,
                    agent: Optional[AgentIdentity] = None) -> ChatMessage: ...

    @abc.abstractmethod
    def messages(self, handover_id: int, after_id: int = 0) -> list[ChatMessage]: ...

    @abc.abstractmethod
    def messages_for_conversation(self, conversation_id: str, after_id: int = 0,
                                  senders: Iterable[str] = ("agent", "system")) -> list[ChatMessage]: ...

    @abc.abstractmethod
    def callbacks(self, status: str = "open", due_before: Optional[datetime] = None) -> list[Callback]:
        """The ones due first."""

    @abc.abstractmethod
    def callback(self, callback_id: int) -> Optional[Callback]: ...

    @abc.abstractmethod
    def finish_callback(self, callback_id: int) -> None: ...

    # audit
    @abc.abstractmethod
    def audit(self, agent: Optional[AgentIdentity], action: str, handover_id: Optional[int] = None,
              detail: str = "") -> None: ...

    @abc.abstractmethod
    def audit_entries(self, handover_id: Optional[int] = None, limit: int = 500) -> list[AuditEntry]:
        """Newest first."""

    # retention (handover/retention.py, run by the console's scheduler and `make retention`)
    @abc.abstractmethod
    def purge(self, before: datetime) -> dict[str, int]:
        """Delete hand-overs, transcripts, messages and callbacks created before `before`;
        returns the counts per kind."""


class InMemoryHandoverPort(HandoverPort):
    """The fake for unit tests: keeps what was written in lists."""

    def __init__(self, clock: Optional[Callable[[], datetime]] = None):
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.handovers: list[Handover] = []
        self.callbacks: list[Callback] = []

    def record_handover(self, new: NewHandover) -> Handover:
        with self._lock:
            record = Handover(
                id=next(self._ids), conversation_id=new.conversation_id, channel=new.channel,
                reason=new.reason, status=new.status, summary=new.summary, fields=dict(new.fields),
                created_at=self._clock(), phone=new.phone, booking_code=new.booking_code,
                transcript=tuple(new.transcript),
            )
            self.handovers.append(record)
            return record

    def record_callback(self, new: NewCallback) -> Callback:
        with self._lock:
            callback = Callback(
                id=next(self._ids), phone=new.phone, channel=new.channel, window=new.window, status="open",
                created_at=self._clock(), due_at=new.due_at, handover_reference=new.handover_reference,
                conversation_id=new.conversation_id,
            )
            self.callbacks.append(callback)
            return callback

    def set_handover_status(self, handover_id: int, status: str) -> None:
        with self._lock:
            self.handovers = [replace(h, status=status) if h.id == handover_id else h for h in self.handovers]

    def queue(self, now: datetime) -> HandoverQueue:
        with self._lock:
            open_callbacks = [c for c in self.callbacks if c.status == "open"]
            return HandoverQueue(
                waiting=sum(1 for h in self.handovers if h.status == "open"),
                taken=sum(1 for h in self.handovers if h.status == "taken"),
                callbacks_open=len(open_callbacks),
                callbacks_due=sum(1 for c in open_callbacks if c.due_at is None or c.due_at <= now),
            )
