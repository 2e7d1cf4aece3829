"""Action unit tests: real action code, in-memory fake of the booking port, no I/O."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from booking_adapter.memory import InMemoryBookingPort
from common.clock import BERLIN, fixed_clock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)  # a Monday


@pytest.fixture
def booking():
    port = InMemoryBookingPort(fixed_clock(NOW), hold_minutes=10)
    wiring.install(wiring.ActionServices(booking=port, clock=fixed_clock(NOW)))
    yield port
    wiring._installed = None


def make_tracker(
    slots: Optional[dict[str, Any]] = None,
    text: str = "",
    intent: str = "inform",
    entities: Optional[list[dict[str, Any]]] = None,
    channel: str = "webchat",
    caller: Optional[str] = None,
    requested_slot: Optional[str] = None,
    sender: str = "conversation-1",
) -> Tracker:
    metadata = {"caller_number": caller} if caller else {}
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": entities or [],
        "metadata": metadata,
    }
    all_slots = {"requested_slot": requested_slot, **(slots or {})}
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message=latest,
        events=[{"event": "user", "text": text, "input_channel": channel, "metadata": metadata,
                 "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={"name": "booking_form"} if requested_slot else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") for message in dispatcher.messages]
