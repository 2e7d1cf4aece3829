"""Brute force against the console's sign-in (issue 19, item 1): failed attempts are throttled
per agent name and per client address; once refused, not even the right password is checked;
a correct password costs nothing; the counts are shared in Redis across gateways."""
from __future__ import annotations

import uuid

import pytest
import redis

from gateway.agents.throttle import FailureCounter, LoginThrottle
from tests.integration.gateway_input.redis_service import delete_keys, ensure_redis

from .conftest import PASSWORD, sign_in


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(gateway, per_account: int, per_address: int, clock: Clock, window: float = 900) -> None:
    gateway.app.extensions["login_throttle"] = LoginThrottle(
        FailureCounter(per_account, window, clock), FailureCounter(per_address, window, clock))


def test_guessing_one_agents_password_is_refused_after_five_failures_even_with_the_right_one(gateway):
    client = gateway.client()
    statuses = [sign_in(client, "anna", f"falsch-{n}").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    refused = sign_in(client, "anna", PASSWORD)
    assert refused.status_code == 429, "while throttled the password is not even checked"
    assert int(refused.headers["Retry-After"]) >= 1
    assert "Zu viele fehlgeschlagene Anmeldungen" in refused.get_data(as_text=True)
    assert client.get("/api/agents/handovers").status_code == 401
    # the same name from another address is refused too (the limit is per account)
    assert sign_in(gateway.client(), "anna", PASSWORD, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 429
    # another agent from the first address still signs in
    assert sign_in(gateway.client(), "chef", PASSWORD).status_code == 302


def test_the_account_opens_again_after_the_window(gateway):
    clock = Clock()
    _throttle(gateway, per_account=3, per_address=100, clock=clock)
    client = gateway.client()
    assert [sign_in(client, "anna", "falsch").status_code for _ in range(4)] == [401, 401, 401, 429]
    clock.now += 899
    assert sign_in(client, "anna", PASSWORD).status_code == 429
    clock.now += 2
    assert sign_in(client, "anna", PASSWORD).status_code == 302


def test_spraying_many_names_from_one_address_is_throttled_per_address(gateway):
    client = gateway.client()
    statuses = [sign_in(client, f"agent-{n}", "passwort123").status_code for n in range(23)]
    assert statuses == [401] * 20 + [429] * 3
    assert sign_in(client, "chef", PASSWORD).status_code == 429  # this address has used its budget
    # another address is not affected
    assert sign_in(gateway.client(), "chef", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 302


def test_successful_sign_ins_cost_nothing(gateway):
    """A whole office behind one address signs in and out all day."""
    for _ in range(30):
        client = gateway.client()
        assert sign_in(client, "anna", PASSWORD).status_code == 302


def test_failed_and_successful_sign_ins_are_audited_with_the_address(gateway):
    client = gateway.client()
    sign_in(client, "anna", "falsch", environ_base={"REMOTE_ADDR": "192.0.2.44"})
    sign_in(client, "anna", PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.45"})
    entries = [(e.action, e.detail) for e in gateway.store.audit_entries()]
    assert ("login_failed", "from 192.0.2.44") in entries
    assert ("login", "from 192.0.2.45") in entries


@pytest.fixture
def redis_url():
    url = ensure_redis()
    yield url
    delete_keys(redis.Redis.from_url(url), "ta:login:*")


def test_failures_are_counted_in_redis_across_gateways(make_gateway, redis_url):
    """Two gateways (two workers or machines) share one budget per account."""
    name = f"agent-{uuid.uuid4().hex[:8]}"
    first = make_gateway(RATE_LIMIT_REDIS_URL=redis_url, LOGIN_ATTEMPTS_PER_ACCOUNT="4")
    second = make_gateway(RATE_LIMIT_REDIS_URL=redis_url, LOGIN_ATTEMPTS_PER_ACCOUNT="4")
    first.store.add_agent(name, PASSWORD)
    second.store.add_agent(name, PASSWORD)
    statuses = [sign_in(gw.client(), name, "falsch").status_code for gw in (first, second, first, second)]
    assert statuses == [401] * 4
    assert sign_in(first.client(), name, PASSWORD).status_code == 429
    assert sign_in(second.client(), name, PASSWORD).status_code == 429
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(match="ta:login:*")]
    assert keys and not any(name in k or "127.0.0.1" in k for k in keys), "keys are hashed"
