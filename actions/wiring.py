"""The one place actions get their collaborators from.

`actions.server` installs the real ones at start-up; unit tests install fakes. Nothing is
built at import time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from booking_adapter.port import BookingPort
from common.clock import Clock
from handover.domain import HotlineHours
from handover.port import HandoverPort


@dataclass(frozen=True)
class ActionServices:
    booking: BookingPort
    clock: Clock
    offers_chat: int = 5
    offers_voice: int = 3
    # what one phone offer turn may take to say (espeak-ng measure, docs/telephony.md)
    voice_offer_budget_seconds: float = 12.5
    handover: Optional[HandoverPort] = None  # where hand-over records and callbacks go
    hotline: HotlineHours = field(default_factory=HotlineHours)  # when agents answer (HOTLINE_HOURS)


_installed: Optional[ActionServices] = None


def install(services: ActionServices) -> None:
    global _installed
    _installed = services


def current() -> ActionServices:
    if _installed is None:
        raise RuntimeError("action services are not wired; start the server via actions.server")
    return _installed
