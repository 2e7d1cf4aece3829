"""Throttling of the console's sign-in (`/agents/login`): failed attempts are counted per agent
name and per client address in a sliding window (LOGIN_THROTTLE_MINUTES); when either count
reaches its limit (LOGIN_ATTEMPTS_PER_ACCOUNT, LOGIN_ATTEMPTS_PER_ADDRESS) further attempts are
refused *before* the password is checked, until the oldest failure leaves the window.

Only failures count, so many agents signing in from one office address (one NAT) are not
refused, and a correct password never costs budget. Where the gateway shares its rate limits in
Redis (RATE_LIMIT_REDIS_URL) the failures are counted there too, so every worker and gateway
sees the same counts; keys are keyed hashes (no agent name or address in clear text). When Redis
cannot be reached, counting falls back to this process's memory for a few seconds (fail open, as
the other limits do), and says so in the log once.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from typing import Callable, Optional

from common.web.ratelimit import KEY_PREFIX, REDIS_RETRY_SECONDS, hashed, redis_client

log = logging.getLogger(__name__)


class FailureCounter:
    """Failures per key in the last `window` seconds, in this process's memory."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 50_000):
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """0.0 when `key` may try again, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            failures = self._failures.get(key)
            if not failures:
                return 0.0
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) < self.limit:
                return 0.0
            return max(failures[len(failures) - self.limit] + self.window - now, 0.001)

    def failed(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self.max_keys:
                self._forget_idle(now)
            self._failures.setdefault(key, deque()).append(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, f in self._failures.items() if not f or f[-1] <= now - self.window]:
            del self._failures[key]
        if len(self._failures) >= self.max_keys:  # all busy: drop the oldest half
            for key in sorted(self._failures, key=lambda k: self._failures[k][-1])[: self.max_keys // 2 + 1]:
                del self._failures[key]


class RedisFailureCounter:
    """The same, in Redis: one sorted set per key (score = time in ms), expiring after a window."""

    def __init__(self, client, name: str, limit: int, window: float, secret: str,
                 retry_seconds: float = REDIS_RETRY_SECONDS):
        self.fallback = FailureCounter(limit, window)
        self.client, self.name, self.limit, self.window, self.secret = client, name, limit, window, secret
        self.retry_seconds = retry_seconds
        self._down_until = 0.0

    def redis_key(self, key: str) -> str:
        return f"{KEY_PREFIX}login:{self.name}:{hashed(self.secret, key)}"

    def _down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed_redis(self, error: Exception) -> None:
        if not self._down():
            log.warning("login throttle %s: Redis unreachable (%s); using this process's memory for %.0f s",
                        self.name, type(error).__name__, self.retry_seconds)
        self._down_until = time.monotonic() + self.retry_seconds

    def _now_ms(self) -> int:
        seconds, micros = self.client.time()  # one clock for every gateway
        return int(seconds) * 1000 + int(micros) // 1000

    def retry_after(self, key: str) -> float:
        if self._down():
            return self.fallback.retry_after(key)
        window_ms = int(self.window * 1000)
        try:
            now = self._now_ms()
            scores = [score for _, score in self.client.zrangebyscore(
                self.redis_key(key), now - window_ms, "+inf", withscores=True)]
        except Exception as error:  # redis.RedisError and anything a broken connection raises
            self._failed_redis(error)
            return self.fallback.retry_after(key)
        if len(scores) < self.limit:
            return 0.0
        return max((scores[len(scores) - self.limit] + window_ms - now) / 1000, 0.001)

    def failed(self, key: str) -> None:
        if self._down():
            self.fallback.failed(key)
            return
        window_ms = int(self.window * 1000)
        try:
            now = self._now_ms()
            redis_key = self.redis_key(key)
            pipe = self.client.pipeline(transaction=True)
            pipe.zadd(redis_key, {uuid.uuid4().hex: now})
            pipe.zremrangebyscore(redis_key, "-inf", now - window_ms)
            pipe.pexpire(redis_key, window_ms)
            pipe.execute()
        except Exception as error:
            self._failed_redis(error)
            self.fallback.failed(key)


class LoginThrottle:
    """Failed sign-ins per agent name and per client address."""

    def __init__(self, per_account, per_address):
        self.per_account = per_account
        self.per_address = per_address

    @staticmethod
    def _account(name: str) -> str:
        return "account:" + " ".join(name.split()).casefold()

    @staticmethod
    def _address(address: Optional[str]) -> str:
        return "address:" + (address or "-")

    def retry_after(self, name: str, address: Optional[str]) -> float:
        """0.0 = the attempt may be checked; > 0 = refuse it, seconds until allowed."""
        return max(self.per_account.retry_after(self._account(name)),
                   self.per_address.retry_after(self._address(address)))

    def failed(self, name: str, address: Optional[str]) -> None:
        self.per_account.failed(self._account(name))
        self.per_address.failed(self._address(address))

    @classmethod
    def from_settings(cls, settings) -> LoginThrottle:
        window = 60.0 * max(int(getattr(settings, "login_throttle_minutes", 15)), 1)
        per_account = int(getattr(settings, "login_attempts_per_account", 5))
        per_address = int(getattr(settings, "login_attempts_per_address", 20))
        url = (getattr(settings, "rate_limit_redis_url", "") or "").strip()
        if not url:
            return cls(FailureCounter(per_account, window), FailureCounter(per_address, window))
        client, secret = redis_client(url), getattr(settings, "secret_key", "") or ""
        return cls(RedisFailureCounter(client, "account", per_account, window, secret),
                   RedisFailureCounter(client, "address", per_address, window, secret))
