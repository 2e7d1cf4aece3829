"""The shared (Redis) rate limiter and the replay store against the real local Redis: the same
`allow` contract as the in-process limiter, atomic under concurrency, no personal data in keys,
and failing open when Redis is gone."""
from __future__ import annotations

import logging
import threading
import uuid

import pytest
import redis

from common.settings import Settings
from common.web.ratelimit import (
    Answered,
    InMemoryReplayStore,
    PhoneLimits,
    RedisReplayStore,
    RedisSlidingWindowLimiter,
    SlidingWindowLimiter,
    build_limiter,
    build_replay_store,
    hashed,
)
from tests.integration.gateway_input.redis_service import closed_port, delete_keys, ensure_redis


@pytest.fixture(scope="module")
def redis_url() -> str:
    return ensure_redis()


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def name(client):
    """A fresh budget name per test; its keys are deleted afterwards."""
    budget = f"test-{uuid.uuid4().hex[:12]}"
    yield budget
    delete_keys(client, f"ta:rl:{budget}:*")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_then_says_how_long_to_wait_and_records_nothing(client, name):
    clock = Clock()
    limiter = RedisSlidingWindowLimiter(client, name, 3, 10, secret="s", clock=clock)
    assert [limiter.allow("caller:+491701234567") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 4
    wait = limiter.allow("caller:+491701234567")
    assert wait == pytest.approx(6.0, abs=0.01)
    assert client.zcard(limiter.redis_key("caller:+491701234567")) == 3  # the refusal was not recorded
    assert limiter.allow("caller:+491609999999") == 0.0  # another key has its own budget


def test_the_window_slides(client, name):
    clock = Clock()
    limiter = RedisSlidingWindowLimiter(client, name, 2, 10, clock=clock)
    assert limiter.allow("k") == 0.0
    clock.now += 6
    assert limiter.allow("k") == 0.0
    assert limiter.allow("k") > 0
    clock.now += 4.001  # the first event left the window, the second is still in it
    assert limiter.allow("k") == 0.0
    assert limiter.allow("k") == pytest.approx(5.999, abs=0.01)  # until the event at +6 leaves


def test_behaves_like_the_in_process_limiter(client, name):
    clock = Clock()
    shared = RedisSlidingWindowLimiter(client, name, 4, 30, clock=clock)
    local = SlidingWindowLimiter(4, 30, clock=clock)
    for step in range(40):
        clock.now += (step * 7) % 5 + 0.5
        assert (shared.allow("k") > 0) == (local.allow("k") > 0), step


def test_uses_redis_time_by_default_and_keys_expire(client, name):
    limiter = RedisSlidingWindowLimiter(client, name, 1, 2)
    assert limiter.allow("k") == 0.0
    wait = limiter.allow("k")
    assert 0 < wait <= 2
    ttl = client.pttl(limiter.redis_key("k"))
    assert 0 < ttl <= 2000


def test_keys_hold_no_phone_number_or_address_in_clear_text(client, name):
    limiter = RedisSlidingWindowLimiter(client, name, 5, 60, secret="gateway-secret")
    limiter.allow("caller:+491701234567")
    limiter.allow("ip:203.0.113.7")
    keys = [key.decode() for key in client.scan_iter(match=f"ta:rl:{name}:*")]
    assert len(keys) == 2
    for key in keys:
        assert "491701234567" not in key and "203.0.113.7" not in key
        for member in client.zrange(key, 0, -1):
            assert b"4917012" not in member and b"203.0" not in member
    assert f"ta:rl:{name}:{hashed('gateway-secret', 'ip:203.0.113.7')}" in keys
    # a keyed hash: without the secret the key of a known number cannot be recomputed
    assert hashed("other-secret", "ip:203.0.113.7") != hashed("gateway-secret", "ip:203.0.113.7")


def test_many_threads_at_once_get_exactly_the_limit(redis_url, name):
    limit, threads_count, attempts = 25, 16, 10
    limiters = [RedisSlidingWindowLimiter(redis.Redis.from_url(redis_url), name, limit, 60)
                for _ in range(4)]  # four "processes", each with its own connection pool
    allowed = []
    lock = threading.Lock()
    start = threading.Barrier(threads_count)

    def work(index: int) -> None:
        limiter = limiters[index % len(limiters)]
        start.wait()
        for _ in range(attempts):
            if limiter.allow("session:one-budget") == 0.0:
                with lock:
                    allowed.append(index)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == limit


def test_fails_open_with_a_warning_and_counts_in_memory_when_redis_is_unreachable(caplog, name):
    dead = redis.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0",
                                socket_timeout=0.5, socket_connect_timeout=0.5)
    limiter = RedisSlidingWindowLimiter(dead, name, 3, 60)
    with caplog.at_level(logging.WARNING, logger="common.web.ratelimit"):
        answers = [limiter.allow("caller:+491701234567") for _ in range(5)]
    assert answers[:3] == [0.0, 0.0, 0.0]  # nobody refused because the store is down ...
    assert all(wait > 0 for wait in answers[3:])  # ... but the budget still holds in this process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per outage, not once per request
    assert "Redis unreachable" in warnings[0].getMessage()
    assert "491701234567" not in caplog.text


def test_goes_back_to_redis_when_it_answers_again(client, name):
    limiter = RedisSlidingWindowLimiter(client, name, 5, 60, retry_seconds=0.0)
    limiter._health.failed(ConnectionError("simulated"))
    assert limiter.allow("k") == 0.0
    assert client.zcard(limiter.redis_key("k")) == 1


def test_the_factory_builds_in_process_or_shared_limiters(redis_url):
    local = build_limiter(Settings.from_env({}), "x", 3, 60)
    assert isinstance(local, SlidingWindowLimiter)
    shared = build_limiter(Settings.from_env({"RATE_LIMIT_REDIS_URL": redis_url}), "x", 3, 60)
    assert isinstance(shared, RedisSlidingWindowLimiter) and shared.limit == 3
    phone = PhoneLimits.from_settings(Settings.from_env({"RATE_LIMIT_REDIS_URL": redis_url,
                                                         "RATE_CALLS_PER_CALLER_PER_HOUR": "4"}))
    assert isinstance(phone.calls_per_caller, RedisSlidingWindowLimiter)
    assert (phone.calls_per_caller.limit, phone.calls_per_caller.window) == (4, 3600)
    assert phone.calls_per_caller.name != phone.turns_per_call.name
    assert isinstance(PhoneLimits().turns_per_call, SlidingWindowLimiter)


# --- the replay store ---------------------------------------------------------------------------

ANSWER = Answered(200, "text/xml", "<Response><Say>Grüß Gott</Say></Response>".encode())


def test_in_memory_replay_store_remembers_answers_for_the_window_and_stays_bounded():
    clock = Clock()
    store = InMemoryReplayStore(10, max_entries=3, clock=clock)
    assert store.claim("a") is None
    assert store.claim("a") == Answered()  # still running: no answer known yet
    store.remember("a", ANSWER)
    assert store.claim("a") == ANSWER
    clock.now += 10
    assert store.claim("a") is None  # the window is over: new again
    for digest in "bcde":
        store.claim(digest)
    assert len(store) == 3


def test_redis_replay_store_shares_answers_and_expires(redis_url, client):
    digest = uuid.uuid4().hex
    first, second = RedisReplayStore(redis.Redis.from_url(redis_url), 5), RedisReplayStore(client, 5)
    try:
        assert first.claim(digest) is None
        assert second.claim(digest) == Answered()
        first.remember(digest, ANSWER)
        assert second.claim(digest) == ANSWER
        assert 0 < client.pttl(RedisReplayStore.redis_key(digest)) <= 5000
    finally:
        client.delete(RedisReplayStore.redis_key(digest))


def test_redis_replay_store_fails_open(caplog):
    store = RedisReplayStore(redis.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0",
                                                  socket_connect_timeout=0.5), 60)
    with caplog.at_level(logging.WARNING, logger="common.web.ratelimit"):
        assert store.claim("d") is None
        store.remember("d", ANSWER)
        assert store.claim("d") == ANSWER  # remembered in this process meanwhile
    assert "Redis unreachable" in caplog.text


def test_the_replay_store_follows_the_settings(redis_url):
    assert build_replay_store(Settings.from_env({"TWILIO_REPLAY_WINDOW_SECONDS": "0"})) is None
    assert isinstance(build_replay_store(Settings.from_env({})), InMemoryReplayStore)
    assert build_replay_store(Settings.from_env({})).window == 600
    assert isinstance(build_replay_store(Settings.from_env({"RATE_LIMIT_REDIS_URL": redis_url})), RedisReplayStore)
