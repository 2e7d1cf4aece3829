"""Sliding-window rate limits kept in this process's memory.

Good enough for one gateway process (and a fair first line behind a load balancer, where each
instance then counts on its own). Several instances that must share one budget would move the
counters to Redis; the `allow` interface stays the same.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class SlidingWindowLimiter:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ):
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """Record one event for `key` and return 0.0, or, when over the limit, record nothing
        and return the seconds until the next event would be allowed."""
        now = self.clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._forget_idle(now)
                events = self._events[key] = deque()
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(events[0] + self.window - now, 0.001)
            events.append(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop keys without events in the window; if all are busy, drop the oldest half."""
        idle = [key for key, events in self._events.items() if not events or events[-1] <= now - self.window]
        for key in idle:
            del self._events[key]
        if len(self._events) >= self.max_keys:
            by_age = sorted(self._events, key=lambda key: self._events[key][-1])
            for key in by_age[: len(by_age) // 2 + 1]:
                del self._events[key]

    def __len__(self) -> int:
        return len(self._events)


# --- the gateway's budgets (see docs/operations.md) ----------------------------------------


class PhoneLimits:
    """Per-process limits of the phone channel: new calls per caller number (anti-hoarding by
    robo-dialling one number) and webhook turns per call (a looping or replaying client).
    Withheld numbers are not counted per number; their turns still count per call."""

    def __init__(self, calls_per_caller_per_hour: int = 10, turns_per_call_per_minute: int = 30):
        self.calls_per_caller = SlidingWindowLimiter(calls_per_caller_per_hour, 3600)
        self.turns_per_call = SlidingWindowLimiter(turns_per_call_per_minute, 60)

    @classmethod
    def from_settings(cls, settings) -> "PhoneLimits":
        return cls(
            int(getattr(settings, "rate_calls_per_caller_per_hour", 10)),
            int(getattr(settings, "rate_phone_turns_per_call_per_minute", 30)),
        )
