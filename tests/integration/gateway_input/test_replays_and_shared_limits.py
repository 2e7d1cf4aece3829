"""Exact replays of signed Twilio webhooks, and rate limits shared by several gateway processes
through Redis (RATE_LIMIT_REDIS_URL).

Twilio's signatures carry no timestamp, so a captured webhook stays valid. The gateway answers an
exact repeat (same URL, same fields, same signature) with the answer it gave the first time and
does not process it again; a changed body under the old signature is still forged (403)."""
from __future__ import annotations

import logging
import uuid

import pytest
import redis

from common.web.ratelimit import RedisSlidingWindowLimiter, hashed
from telephony.simulator import SignedPhone, flask_transport
from tests.integration.gateway_input.redis_service import closed_port, delete_keys, ensure_redis

from .conftest import AUTH_TOKEN, CALLER, PUBLIC_BASE, call_form


@pytest.fixture(scope="module")
def redis_url() -> str:
    return ensure_redis()


class Recorded:
    """A transport into one app that keeps every raw answer (status, bytes)."""

    def __init__(self, app):
        self.inner = flask_transport(app)
        self.answers: list[tuple[int, bytes]] = []

    def __call__(self, path, form, headers):
        status, body, response_headers = self.inner(path, form, headers)
        self.answers.append((status, body))
        return status, body, response_headers


def phone_for(*apps, call_sid: str = "") -> tuple[SignedPhone, list[Recorded]]:
    transports = [Recorded(app) for app in apps]
    phone = SignedPhone(transports[0], AUTH_TOKEN, PUBLIC_BASE, caller=CALLER)
    if call_sid:
        phone.call_sid = call_sid
    return phone, transports


def test_a_replayed_incoming_call_gets_the_same_twiml_and_reaches_the_bot_once(gateway, caplog):
    phone, (wire,) = phone_for(gateway.app)
    with caplog.at_level(logging.INFO):
        first = phone.incoming()
        again = phone.incoming()
    assert first.status == again.status == 200
    assert wire.answers[0] == wire.answers[1]
    assert len(gateway.rasa.calls) == 1
    assert "exact repeat" in caplog.text
    assert CALLER not in caplog.text and CALLER[1:] not in caplog.text  # no phone number logged


def test_a_replayed_gather_gets_the_identical_twiml_and_rasa_is_called_once(gateway, caplog):
    phone, (wire,) = phone_for(gateway.app)
    phone.incoming()
    turn = "/voice/gather?turn=a1b2c3"  # the per-answer token of a Gather action URL
    with caplog.at_level(logging.INFO):
        answers = [phone.post(turn, SpeechResult="Personalausweis beantragen", Confidence="0.91") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert wire.answers[1] == wire.answers[2] == wire.answers[3]
    assert [message for _, _, message, _ in gateway.rasa.calls].count("Personalausweis beantragen") == 1
    assert len(gateway.rasa.calls) == 2  # the greeting and that one turn
    assert "Personalausweis" not in caplog.text  # what was said is never logged


def test_a_changed_body_under_a_replayed_signature_is_still_refused(gateway):
    phone, _ = phone_for(gateway.app)
    phone.incoming()
    path = "/voice/gather?turn=x9"
    form = call_form(CallSid=phone.call_sid, SpeechResult="Ja")
    signature = gateway.signed(path, form, url=PUBLIC_BASE + path)
    client = gateway.client()
    assert client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
    calls = len(gateway.rasa.calls)
    for changed in ({**form, "SpeechResult": "Nein"}, {**form, "Digits": "0"}, {k: v for k, v in form.items() if k != "From"}):
        response = client.post(path, data=changed, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403
    # the same body with the signature under another token (another turn's URL) is forged too
    assert client.post("/voice/gather?turn=other", data=form, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert len(gateway.rasa.calls) == calls


def test_equal_turns_without_a_token_are_different_turns_and_are_processed(gateway):
    """A caller saying the same words twice (or silent twice, or the same key twice) sends
    byte-identical requests to a token-less /voice/gather: both are real turns."""
    phone, _ = phone_for(gateway.app)
    phone.incoming()
    for _ in range(2):
        assert phone.post("/voice/gather", SpeechResult="Wie bitte", Confidence="0.9").status == 200
    assert [message for _, _, message, _ in gateway.rasa.calls].count("Wie bitte") == 2


def test_a_repeat_whose_first_answer_is_unknown_gets_an_empty_409(gateway):
    replays = gateway.app.extensions["twilio_replays"]
    replays.remember = lambda digest, answer: None  # as if the first request were still running
    phone, (wire,) = phone_for(gateway.app)
    assert phone.incoming().status == 200
    assert phone.incoming().status == 409
    assert wire.answers[1] == (409, b"")
    assert len(gateway.rasa.calls) == 1


def test_replays_can_be_switched_off(make_gateway):
    world = make_gateway(TWILIO_REPLAY_WINDOW_SECONDS="0")
    phone, _ = phone_for(world.app)
    phone.incoming()
    phone.incoming()
    assert len(world.rasa.calls) == 2


# --- several gateway processes sharing Redis -----------------------------------------------------


def test_two_gateways_sharing_redis_share_one_chat_session_budget(make_gateway, redis_url):
    env = dict(RATE_LIMIT_REDIS_URL=redis_url, RATE_CHAT_PER_SESSION_PER_MINUTE="5",
               RATE_CHAT_PER_IP_PER_MINUTE="1000")
    first, second = make_gateway(**env), make_gateway(**env)
    session = f"shared-{uuid.uuid4().hex[:16]}"
    clients = [first.client(), second.client()]
    try:
        statuses = [clients[n % 2].post("/api/chat", json={"session_id": session, "message": f"Termin {n}"}).status_code
                    for n in range(8)]
        assert statuses == [200] * 5 + [429] * 3
        assert len(first.rasa.calls) + len(second.rasa.calls) == 5
        assert len(first.rasa.calls) == 3 and len(second.rasa.calls) == 2
        # in Redis: the session id only as a keyed hash
        limiter = first.app.extensions["webchat_limits"].per_session
        assert isinstance(limiter, RedisSlidingWindowLimiter)
        connection = redis.Redis.from_url(redis_url)
        assert connection.exists(limiter.redis_key(f"session:{session}"))
        assert not any(session in key.decode() for key in connection.scan_iter(match="ta:*"))
    finally:
        connection = redis.Redis.from_url(redis_url)
        connection.delete(f"ta:rl:chat_per_session:{hashed('integration-secret', f'session:{session}')}",
                          f"ta:rl:chat_per_ip:{hashed('integration-secret', 'ip:127.0.0.1')}")


def test_a_replay_sent_to_another_gateway_gets_the_first_gateways_answer(make_gateway, redis_url):
    env = dict(RATE_LIMIT_REDIS_URL=redis_url)
    first, second = make_gateway(**env), make_gateway(**env)
    phone, (to_first, to_second) = phone_for(first.app, second.app, call_sid="CA" + uuid.uuid4().hex)
    try:
        phone.incoming()
        phone.transport = to_second
        assert phone.incoming().status == 200
        assert to_first.answers[0] == to_second.answers[0]
        assert len(first.rasa.calls) == 1 and second.rasa.calls == []
    finally:
        delete_keys(redis.Redis.from_url(redis_url), "ta:replay:*")
        delete_keys(redis.Redis.from_url(redis_url), "ta:rl:turns_per_call:*")
        delete_keys(redis.Redis.from_url(redis_url), "ta:rl:calls_per_caller:*")


def test_an_unreachable_redis_refuses_nobody(make_gateway, caplog):
    world = make_gateway(RATE_LIMIT_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
                         RATE_CHAT_PER_SESSION_PER_MINUTE="3")
    client = world.client()
    with caplog.at_level(logging.WARNING):
        statuses = [client.post("/api/chat", json={"session_id": "redis-down-session", "message": f"Hallo {n}"}).status_code
                    for n in range(4)]
        phone, _ = phone_for(world.app)
        assert phone.incoming().status == 200
        assert phone.post("/voice/gather", SpeechResult="Ja", Confidence="0.9").status == 200
    assert statuses == [200, 200, 200, 429]  # counted in this process meanwhile
    assert "Redis unreachable" in caplog.text
