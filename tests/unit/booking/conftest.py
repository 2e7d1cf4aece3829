"""Booking unit tests: the slot engine and the in-memory port, no database."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from booking_adapter.memory import InMemoryBookingPort
from common.clock import BERLIN

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)  # a Monday


class MutableClock:
    """A pinned clock a test can move forward."""

    def __init__(self, moment: datetime = NOW):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment = self.moment + timedelta(**delta)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def port(clock) -> InMemoryBookingPort:
    return InMemoryBookingPort(clock, hold_minutes=10)


@pytest.fixture
def make_port():
    """A fake port with its own clock and policies: make_port(moment, **policy_overrides)."""

    def build(moment: datetime = NOW, **overrides):
        return InMemoryBookingPort(MutableClock(moment), **overrides)

    return build
