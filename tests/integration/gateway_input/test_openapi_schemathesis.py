"""schemathesis against the gateway: requests generated from gateway/openapi.yml go to the real
Flask app (from `create_app`) on a seeded SQLite booking store, a SQLite hand-over store with a
few hand-overs and callbacks, and a fake Rasa that books. Every answer must be no 5xx and match
the document (status code, content type, headers, body schema). The number of requests is
printed (run with -s to see it)."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.runner import events, from_schema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking_adapter.bootstrap import build_booking_port
from gateway import create_app
from handover.domain import NewCallback, NewHandover, TranscriptLine
from handover.store import SqlHandoverStore, build_engine
from tests.integration.gateway_input.conftest import _settings

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100"))  # per operation; ~20 s
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance)


class BookingRasa:
    """Answers like the bot after a booking: text, buttons and the booking marker."""

    def __init__(self, code: str):
        self.code = code

    def send(self, channel, sender, message, metadata=None):
        return [
            {"text": "Ihr Termin ist gebucht.", "buttons": [{"title": "Danke", "payload": "/thanks"}]},
            {"custom": {"booking": {"code": self.code, "day": "Montag, 30. November", "time": "09:00",
                                    "location_name": "Kundenzentrum Altona"}}},
        ]


class CountingApp:
    """WSGI middleware that counts the requests that reach the app."""

    def __init__(self, inner):
        self.inner = inner
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        return self.inner(environ, start_response)


@pytest.fixture
def world(tmp_path, seeded_store):
    import shutil

    template, code = seeded_store
    shutil.copyfile(template, tmp_path / "booking.db")
    settings = _settings(
        f"sqlite:///{tmp_path / 'booking.db'}",
        HANDOVER_DATABASE_URL=f"sqlite:///{tmp_path / 'handover.db'}",
        TELEPHONY_DATABASE_URL=f"sqlite:///{tmp_path / 'calls.db'}",
        RATE_CHAT_PER_IP_PER_MINUTE="100000", RATE_CHAT_PER_SESSION_PER_MINUTE="100000",
        RATE_CALENDAR_PER_IP_PER_MINUTE="100000",
    )
    engine = build_engine(settings.handover_database_url)
    handovers = SqlHandoverStore(engine)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    for n, channel in enumerate(("webchat", "voice", "webchat")):
        handovers.record_handover(NewHandover(
            conversation_id=f"conversation-{n:04d}", channel=channel, reason="requested", summary="Personalausweis",
            fields={"service": "personalausweis"}, phone="+49401234567", booking_code=code,
            transcript=(TranscriptLine(now, "citizen", "Ich möchte einen Menschen sprechen"),)))
    handovers.record_callback(NewCallback(phone="+49401234567", channel="voice", window="morgen",
                                          due_at=now + timedelta(hours=1)))
    handovers.add_agent("schemathesis", "a-long-password-1")
    token = handovers.issue_token("schemathesis")
    app = create_app(settings, rasa=BookingRasa(code), booking=build_booking_port(settings), handover=handovers)
    counter = CountingApp(app.wsgi_app)
    app.wsgi_app = counter  # type: ignore[method-assign]
    yield app, counter, token
    engine.dispose()


def test_generated_requests_get_no_server_error_and_match_the_document(world):
    app, counter, token = world
    schemathesis.experimental.OPEN_API_3_1.enable()
    schema = schemathesis.from_wsgi("/api/openapi.json", app)
    runner = from_schema(
        schema, checks=CHECKS, headers={"Authorization": f"Bearer {token}"}, seed=19,
        hypothesis_settings=hypothesis.settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None,
            suppress_health_check=list(hypothesis.HealthCheck), phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate]),
    )
    before = counter.requests
    failures: list[str] = []
    operations = 0
    for event in runner.execute():
        if isinstance(event, events.AfterExecution):
            operations += 1
            result = event.result
            failures += [f"{event.verbose_name}: {error.exception}" for error in result.errors]
            failures += [
                f"{event.verbose_name}: {check.name}: {check.message} "
                f"(status {check.response.status_code if check.response else '-'}, {check.example.path_parameters} "
                f"{check.example.query} {check.example.body!r})"
                for check in result.checks if check.value.name == "failure"
            ]
        elif isinstance(event, (events.InternalError, events.Interrupted)):
            failures.append(f"schemathesis stopped: {event}")
    requests = counter.requests - before
    print(f"\nschemathesis: {requests} generated requests to {operations} operations, {len(failures)} failures")
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert requests >= operations * 5, "schemathesis really sent requests"
    assert not failures, "\n".join(dict.fromkeys(failures))
