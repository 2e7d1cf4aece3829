"""A fuzz run of the gateway's request handling (hypothesis against the Flask test client):
whatever arrives, no 500, no exception logged by a handler, the bot only sees clean text, and
the booking store is untouched."""
from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import call_form

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u200b\ufeff]")
TWILIO_FIELDS = ["SpeechResult", "Digits", "Confidence", "From", "To", "CallStatus", "DialCallStatus",
                 "CallDuration", "ErrorCode", "ParentCallSid", "AccountSid"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
chat_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({"session_id": st.from_regex(r"[A-Za-z0-9_-]{8,20}", fullmatch=True),
                           "message": st.text(max_size=1200)}),
    st.fixed_dictionaries({"session_id": json_values, "message": json_values}),
)


class ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        if record.exc_info:  # an exception reached a handler (errors logged on purpose have none)
            self.records.append(record)


@pytest.fixture
def errors():
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)


@pytest.fixture
def fuzz_gateway(make_gateway):
    world = make_gateway(RATE_CHAT_PER_SESSION_PER_MINUTE="100000", RATE_CHAT_PER_IP_PER_MINUTE="100000",
                         RATE_PHONE_TURNS_PER_CALL_PER_MINUTE="100000", RATE_CALLS_PER_CALLER_PER_HOUR="100000")
    return world, world.store()


@FUZZ
@given(body=chat_bodies)
def test_fuzzed_chat_bodies_never_crash_the_gateway(fuzz_gateway, errors, body):
    world, _ = fuzz_gateway
    calls = len(world.rasa.calls)
    response = world.client().post("/api/chat", json=body)
    assert response.status_code in (200, 400, 413), response.data[:200]
    assert response.is_json
    for _, _, message, _ in world.rasa.calls[calls:]:
        assert message and len(message) <= 1000 and not INVISIBLE.search(message)
    assert errors == []


@FUZZ
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]))
def test_fuzzed_raw_bytes_never_crash_the_chat(fuzz_gateway, errors, raw, content_type):
    world, _ = fuzz_gateway
    response = world.client().post("/api/chat", data=raw, content_type=content_type)
    assert response.status_code in (200, 400, 413)
    assert errors == []


@FUZZ
@given(path=st.sampled_from(["/voice/incoming", "/voice/gather", "/voice/status", "/voice/dial-status",
                             "/voice/whisper", "/voice/fallback"]),
       fields=st.dictionaries(st.sampled_from(TWILIO_FIELDS) | st.text(max_size=20), st.text(max_size=300), max_size=8),
       query=st.dictionaries(st.sampled_from(["ref", "reason", "x"]), st.text(max_size=40), max_size=2))
def test_fuzzed_signed_phone_webhooks_answer_twiml_and_log_no_exception(fuzz_gateway, errors, path, fields, query):
    world, _ = fuzz_gateway
    form = call_form(**{k: v for k, v in fields.items() if k != "CallSid"})
    client = world.client()
    response = client.post(path, data=form, query_string=query, headers={
        "X-Twilio-Signature": world.signed(path, form, url=_signed_url(client, path, query))})
    assert response.status_code in (200, 204, 403, 413), response.data[:200]
    if response.status_code == 200:
        assert ET.fromstring(response.data).tag == "Response"
    for _, _, message, _ in world.rasa.calls:
        assert len(message) <= 500 and not INVISIBLE.search(message)
    assert [r.getMessage() for r in errors] == []


def _signed_url(client, path, query):
    from urllib.parse import urlencode

    from .conftest import PUBLIC_BASE
    return PUBLIC_BASE + path + (f"?{urlencode(query)}" if query else "")


@FUZZ
@given(path=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
       method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "DELETE"]))
def test_fuzzed_paths_are_answered_without_a_server_error(fuzz_gateway, errors, path, method):
    world, _ = fuzz_gateway
    response = world.client().open("/" + path.lstrip("/"), method=method)
    assert response.status_code < 500
    assert errors == []


def test_the_fuzz_run_changed_no_booking(fuzz_gateway):
    """Run after a short burst of every kind above: the booking tables are as before."""
    world, before = fuzz_gateway
    client = world.client()
    for n in range(50):
        client.post("/api/chat", json={"session_id": f"fuzz-session-{n}", "message": "Termin absagen ABC-DEF"})
        client.post(f"/api/calendar/{world.appointment.code}.ics", data={"verification": f"+49170{n:07d}"})
    assert world.store() == before
