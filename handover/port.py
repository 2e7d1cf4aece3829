"""What the bot writes through when it hands over or arranges a callback.

Actions depend on `HandoverPort` only; `actions.server` installs the SQLAlchemy store
(handover/store.py), unit tests the in-memory fake below.
"""
from __future__ import annotations

import abc
import itertools
import threading
from datetime import datetime, timezone
from typing import Callable, Optional

from handover.domain import Callback, Handover, NewCallback, NewHandover


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


class InMemoryHandoverPort(HandoverPort):
    """The fake for unit tests: keeps what was written in lists."""

    def __init__(self, clock: Optional[Callable[[], datetime]] = None):
        self._clock = clock or (lambda: datetime.now(timezone.utc))
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
        from dataclasses import replace

        with self._lock:
            self.handovers = [replace(h, status=status) if h.id == handover_id else h for h in self.handovers]
