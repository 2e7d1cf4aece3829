"""/metrics: Prometheus text format, parsed with prometheus_client's own parser."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from prometheus_client.parser import text_string_to_metric_families

from booking_adapter.bootstrap import build_booking_port, seed_store
from booking_adapter.port import SlotQuery
from common.settings import Settings
from tests.integration.monitoring.monitoring_world import NOW, ScriptedRasa, make_gateway

SESSION = "metrics-session-1"


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings.from_env({
        "ASSISTANT_NOW": NOW,
        "BOOKING_DATABASE_URL": f"sqlite:///{tmp_path / 'booking.db'}",
        "TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "GATEWAY_SECRET_KEY": "metrics-test",
    })
    seed_store(settings)
    return settings


def families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample(family, suffix: str = "", **labels) -> float:
    name = family.name + suffix
    matches = [s.value for s in family.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matches) == 1, f"{name}{labels}: {matches}"
    return matches[0]


def scrape(client, **kwargs) -> dict:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return families(response.get_data(as_text=True))


def test_requests_latencies_rasa_errors_and_open_holds_are_exported(settings):
    rasa = ScriptedRasa()
    app = make_gateway(settings, rasa)
    client = app.test_client()
    statuses: Counter = Counter()

    def chat() -> int:
        status = client.post("/api/chat", json={"session_id": SESSION, "message": "Hallo"}).status_code
        statuses[str(status)] += 1
        return status

    assert chat() == 200 and chat() == 200
    rasa.down = True
    assert chat() == 503
    rasa.down, rasa.empty = False, True
    assert chat() in (200, 503)  # an empty bot turn: the chat may say so or show nothing
    assert client.get("/health").status_code == 200
    assert client.get("/no/such/page/ABC-DEF").status_code == 404
    booking = build_booking_port(settings)
    for n, slot in enumerate(booking.find_slots(SlotQuery(("personalausweis",), earliest=date(2026, 11, 30), limit=3))):
        booking.hold(slot, f"metrics-holds-{n}")

    found = scrape(client)

    requests = found["gateway_requests"]
    assert requests.type == "counter"
    for status, count in statuses.items():
        assert sample(requests, "_total", route="/api/chat", method="POST", status=status) == count
    assert sum(statuses.values()) == 4
    assert sample(requests, "_total", route="/health", method="GET", status="200") == 1
    assert sample(requests, "_total", route="unmatched", method="GET", status="404") == 1
    assert not any("ABC-DEF" in s.labels.get("route", "") for s in requests.samples), "raw paths never become labels"
    latency = found["gateway_request_duration_seconds"]
    assert latency.type == "histogram"
    assert sample(latency, "_count", route="/api/chat", method="POST") == 4
    assert sample(latency, "_bucket", route="/api/chat", method="POST", le="+Inf") == 4
    assert sample(latency, "_sum", route="/api/chat", method="POST") > 0
    assert sample(found["gateway_rasa_requests"], "_total", channel="webchat") == 4
    errors = found["gateway_rasa_errors"]
    assert sample(errors, "_total", channel="webchat", kind="unavailable") == 1
    assert sample(errors, "_total", channel="webchat", kind="empty") == 1
    assert sample(found["gateway_rasa_request_duration_seconds"], "_count", channel="webchat") == 4
    assert found["booking_open_holds"].type == "gauge"
    assert sample(found["booking_open_holds"]) == 3


def test_the_hotline_queue_is_read_through_the_handover_port_at_scrape_time(settings):
    from handover.domain import NewCallback, NewHandover

    app = make_gateway(settings)
    client = app.test_client()
    assert sample(scrape(client)["handover_waiting"]) == 0
    store = app.extensions["handover_store"]
    for conversation in ("queue-a", "queue-b"):
        store.record_handover(NewHandover(conversation_id=conversation, channel="webchat", reason="requested",
                                          summary="", fields={}, transcript=()))
    store.record_callback(NewCallback(phone="+49401234567", channel="voice"))

    found = scrape(client)
    assert found["handover_waiting"].type == "gauge"
    assert sample(found["handover_waiting"]) == 2
    assert sample(found["handover_taken"]) == 0
    assert sample(found["handover_callbacks_open"]) == 1
    assert sample(found["handover_callbacks_due"]) == 1


def test_two_apps_keep_their_own_counts(settings):
    first, second = make_gateway(settings).test_client(), make_gateway(settings).test_client()
    first.get("/health")
    first.get("/health")
    second.get("/health")
    assert sample(scrape(first)["gateway_requests"], "_total", route="/health", method="GET", status="200") == 2
    assert sample(scrape(second)["gateway_requests"], "_total", route="/health", method="GET", status="200") == 1


def test_without_a_token_only_the_loopback_interface_may_scrape(settings):
    client = make_gateway(settings).test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_with_a_token_every_scrape_must_bring_it(settings):
    client = make_gateway(settings, METRICS_TOKEN="s3cret-scrape-token").test_client()
    assert client.get("/metrics").status_code == 403, "loopback alone is not enough once a token is set"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    found = scrape(client, headers={"Authorization": "Bearer s3cret-scrape-token"},
                   environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert "gateway_requests" in found
