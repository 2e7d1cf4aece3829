"""Sliding-window rate limits of the gateway, and the memory of Twilio webhooks already answered.

Without `RATE_LIMIT_REDIS_URL` the counters live in this process's memory: good enough for one
gateway process (each worker or instance then counts on its own). With it they live in Redis and
every worker and gateway shares one budget. Both kinds have the same `allow(key)` contract;
`build_limiter` picks one from the settings.

Redis is a helper here, not a gate: when it cannot be reached the limiter *fails open* (logs a
warning and counts in this process's memory for a while), so a citizen is never refused because
the limiter's store is down. Keys in Redis never hold a phone number, an address or a session id
in clear text: they are keyed hashes (HMAC-SHA256 with GATEWAY_SECRET_KEY).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Union

if TYPE_CHECKING:
    from common.settings import Settings

log = logging.getLogger(__name__)

KEY_PREFIX = "ta:"  # every key this module writes to Redis starts with it
REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, count in memory this long before trying again


class Limiter(Protocol):
    def allow(self, key: str) -> float:
        """0.0 = allowed and recorded; > 0 = seconds until allowed, nothing recorded."""


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


# --- shared counters in Redis ----------------------------------------------------------------

_redis_clients: dict[str, Any] = {}
_redis_clients_lock = threading.Lock()


def redis_client(url: str) -> Any:
    """One client (one connection pool) per URL and process; short timeouts: a slow or absent
    Redis must cost a request milliseconds, not seconds."""
    import redis

    with _redis_clients_lock:
        client = _redis_clients.get(url)
        if client is None:
            client = _redis_clients[url] = redis.Redis.from_url(
                url, socket_timeout=0.5, socket_connect_timeout=0.5, health_check_interval=30)
        return client


def hashed(secret: str, key: str) -> str:
    """The Redis form of a limiter key: no phone number, address or session id in clear text."""
    return hmac.new(secret.encode("utf-8"), key.encode("utf-8"), hashlib.sha256).hexdigest()


class _FailOpen:
    """Remembers that Redis failed, logs that once, and says when to try it again."""

    def __init__(self, what: str, retry_seconds: float = REDIS_RETRY_SECONDS):
        self.what = what
        self.retry_seconds = retry_seconds
        self._down_until = 0.0

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def failed(self, error: Exception) -> None:
        if not self.down:
            # the error's class only: its text may carry the Redis URL (and a password)
            log.warning("%s: Redis unreachable (%s); using this process's memory for %.0f s",
                        self.what, type(error).__name__, self.retry_seconds)
        self._down_until = time.monotonic() + self.retry_seconds


# KEYS[1] = the sorted set of one key's events (score = time in milliseconds: Lua 5.1 turns numbers
# into strings with 14 digits, enough for milliseconds since 1970, not for microseconds)
# ARGV = limit, window in milliseconds, now in milliseconds ("" = Redis's own clock), a unique member
_SLIDING_WINDOW = """
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now
if ARGV[3] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
else
  now = tonumber(ARGV[3])
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= limit then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(tonumber(oldest[2]) + window - now, 1)
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, window)
return 0
"""


class RedisSlidingWindowLimiter:
    """At most `limit` events per `window` seconds for each key, counted in Redis (a sorted set per
    key, checked and written atomically by one Lua script, expiring after one window).

    `name` separates the budgets (the same client address has a chat and a calendar budget).
    Time is Redis's own clock, so gateways on different machines agree; tests may pass `clock`.
    When Redis fails, `fallback` (in-process counting) answers instead."""

    def __init__(
        self,
        client: Any,  # a redis.Redis (or a test double)
        name: str,
        limit: int,
        window: float,
        secret: str = "",
        clock: Optional[Callable[[], float]] = None,
        retry_seconds: float = REDIS_RETRY_SECONDS,
    ):
        self.fallback = SlidingWindowLimiter(limit, window)  # also refuses a nonsensical limit
        self.client = client
        self.name = name
        self.limit = limit
        self.window = window
        self.secret = secret
        self.clock = clock
        self._script = client.register_script(_SLIDING_WINDOW)
        self._health = _FailOpen(f"rate limit {name}", retry_seconds)

    def redis_key(self, key: str) -> str:
        return f"{KEY_PREFIX}rl:{self.name}:{hashed(self.secret, key)}"

    def allow(self, key: str) -> float:
        if self._health.down:
            return self.fallback.allow(key)
        now = "" if self.clock is None else str(int(self.clock() * 1000))
        try:
            wait_ms = self._script(
                keys=[self.redis_key(key)],
                args=[self.limit, max(int(self.window * 1000), 1), now, uuid.uuid4().hex],
            )
        except Exception as error:  # redis.RedisError and anything a broken connection raises
            self._health.failed(error)
            return self.fallback.allow(key)
        wait_ms = int(wait_ms)
        return 0.0 if wait_ms <= 0 else wait_ms / 1000


AnyLimiter = Union[SlidingWindowLimiter, RedisSlidingWindowLimiter]


def _redis_url(settings: Optional[Settings]) -> str:
    """RATE_LIMIT_REDIS_URL, or "" for counters and replays in this process's memory."""
    return (getattr(settings, "rate_limit_redis_url", "") or "").strip() if settings is not None else ""


def build_limiter(settings: Optional[Settings], name: str, limit: int, window: float) -> AnyLimiter:
    """The limiter the settings ask for: shared in Redis when RATE_LIMIT_REDIS_URL is set, else
    in this process's memory."""
    url = _redis_url(settings)
    if not url:
        return SlidingWindowLimiter(limit, window)
    return RedisSlidingWindowLimiter(
        redis_client(url), name, limit, window, secret=getattr(settings, "secret_key", "") or "")


# --- the gateway's budgets (see docs/operations.md) ----------------------------------------


class PhoneLimits:
    """Limits of the phone channel: new calls per caller number (anti-hoarding by robo-dialling
    one number) and webhook turns per call (a looping client). Withheld numbers are not counted
    per number; their turns still count per call."""

    def __init__(self, calls_per_caller_per_hour: int = 10, turns_per_call_per_minute: int = 30,
                 settings: Optional[Settings] = None):
        self.calls_per_caller = build_limiter(settings, "calls_per_caller", calls_per_caller_per_hour, 3600)
        self.turns_per_call = build_limiter(settings, "turns_per_call", turns_per_call_per_minute, 60)

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneLimits:
        return cls(
            int(getattr(settings, "rate_calls_per_caller_per_hour", 10)),
            int(getattr(settings, "rate_phone_turns_per_call_per_minute", 30)),
            settings=settings,
        )


# --- Twilio webhooks already answered ---------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What a webhook was answered with; `None` fields while the first request is still running."""

    status: Optional[int] = None
    mimetype: Optional[str] = None
    body: Optional[bytes] = None

    @property
    def known(self) -> bool:
        return self.status is not None


class InMemoryReplayStore:
    """Request digests seen in the last `window` seconds with their answers, at most `max_entries`
    (the oldest are forgotten first)."""

    def __init__(self, window: float, max_entries: int = 20_000, clock: Callable[[], float] = time.monotonic):
        self.window = window
        self.max_entries = max_entries
        self.clock = clock
        self._seen: OrderedDict[str, tuple[float, Answered]] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, digest: str) -> Optional[Answered]:
        """None when `digest` is new (it is now remembered as running), else what it was answered."""
        now = self.clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values()))[0] <= now:
                self._seen.popitem(last=False)
            seen = self._seen.get(digest)
            if seen is not None:
                return seen[1]
            while len(self._seen) >= self.max_entries:
                self._seen.popitem(last=False)
            self._seen[digest] = (now + self.window, Answered())
            return None

    def remember(self, digest: str, answer: Answered) -> None:
        with self._lock:
            seen = self._seen.get(digest)
            if seen is not None:
                self._seen[digest] = (seen[0], answer)

    def __len__(self) -> int:
        return len(self._seen)


class RedisReplayStore:
    """The same in Redis (SET NX with an expiry; the answer replaces the empty marker), shared by
    all gateways; falls back to the in-process store while Redis is unreachable."""

    def __init__(self, client: Any, window: float, retry_seconds: float = REDIS_RETRY_SECONDS):
        self.client = client
        self.window = window
        self.fallback = InMemoryReplayStore(window)
        self._health = _FailOpen("twilio replay guard", retry_seconds)

    @staticmethod
    def redis_key(digest: str) -> str:
        return f"{KEY_PREFIX}replay:{digest}"

    def claim(self, digest: str) -> Optional[Answered]:
        if self._health.down:
            return self.fallback.claim(digest)
        key = self.redis_key(digest)
        try:
            if self.client.set(key, b"", nx=True, px=max(int(self.window * 1000), 1)):
                return None
            raw = self.client.get(key)
        except Exception as error:
            self._health.failed(error)
            return self.fallback.claim(digest)
        if not raw:  # still running, or expired between the two commands
            return Answered()
        try:
            stored = json.loads(raw)
            return Answered(int(stored["status"]), str(stored["mimetype"]), stored["body"].encode("utf-8"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return Answered()

    def remember(self, digest: str, answer: Answered) -> None:
        if self._health.down:
            self.fallback.remember(digest, answer)
            return
        try:
            body = (answer.body or b"").decode("utf-8")
        except UnicodeDecodeError:
            return  # TwiML is text; anything else is not worth replaying
        value = json.dumps({"status": answer.status, "mimetype": answer.mimetype, "body": body})
        try:
            self.client.set(self.redis_key(digest), value, xx=True, keepttl=True)
        except Exception as error:
            self._health.failed(error)
            self.fallback.remember(digest, answer)


ReplayStore = Union[InMemoryReplayStore, RedisReplayStore]


def build_replay_store(settings: Settings) -> Optional[ReplayStore]:
    """Where answered Twilio webhooks are remembered: Redis when RATE_LIMIT_REDIS_URL is set, else
    this process's memory; None when TWILIO_REPLAY_WINDOW_SECONDS is 0 (no guard)."""
    window = float(getattr(settings, "twilio_replay_window_seconds", 600) if settings is not None else 600)
    if window <= 0:
        return None
    url = _redis_url(settings)
    if not url:
        return InMemoryReplayStore(window)
    return RedisReplayStore(redis_client(url), window)
