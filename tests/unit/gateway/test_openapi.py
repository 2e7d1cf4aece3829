"""The OpenAPI document of the public HTTP API (gateway/openapi.yml): a valid OpenAPI 3.1
document, served by the gateway, and in step with the Flask routes under /api both ways."""
from __future__ import annotations

import re

import jsonschema
import pytest

from booking_adapter.memory import InMemoryBookingPort
from common.clock import fixed_clock, parse_now
from common.settings import Settings
from gateway import create_app
from gateway.openapi import load_document
from handover.port import InMemoryHandoverPort

METHODS = {"get", "post", "put", "patch", "delete"}
_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")
_VARIABLE = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>")


class SilentRasa:
    def send(self, channel, sender, message, metadata=None):
        return []


@pytest.fixture(scope="module")
def app():
    clock = fixed_clock(parse_now("2026-11-23T09:00:00+01:00"))
    return create_app(Settings.from_env({}), rasa=SilentRasa(), booking=InMemoryBookingPort(clock),
                      handover=InMemoryHandoverPort())


def openapi_paths(rule: str) -> list[str]:
    """A Flask rule as OpenAPI path templates: <int:id> -> {id}; <any(a, b):x> -> one path each."""
    match = _ANY.search(rule)
    if match:
        choices = [c.strip().strip("'\"") for c in match.group(1).split(",")]
        return [p for choice in choices for p in openapi_paths(rule[:match.start()] + choice + rule[match.end():])]
    return [_VARIABLE.sub(r"{\1}", rule)]


def routed(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for path in openapi_paths(rule.rule):
            found |= {(path, method.lower()) for method in rule.methods or () if method.lower() in METHODS}
    return found


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in load_document()["paths"].items() for method in item if method in METHODS}


def test_the_document_is_valid_openapi_3_1():
    from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR  # the official meta-schema

    document = load_document()
    assert document["openapi"].startswith("3.1")
    OPENAPI_31_VALIDATOR.validate(document)
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_operation_has_an_id_and_only_documented_status_codes():
    ids = [op["operationId"] for item in load_document()["paths"].values() for m, op in item.items() if m in METHODS]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for item in load_document()["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                assert not any(code.startswith("5") and code != "503" for code in operation["responses"])


def test_every_documented_operation_is_a_route_of_the_gateway(app):
    missing = documented() - routed(app)
    assert not missing, f"documented but not routed: {sorted(missing)}"


def test_every_api_route_of_the_gateway_is_documented(app):
    undocumented = routed(app) - documented()
    assert not undocumented, f"routed under /api but not in gateway/openapi.yml: {sorted(undocumented)}"


def test_the_gateway_serves_the_document_as_json(app):
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == load_document()


def test_flask_rules_become_openapi_paths():
    assert openapi_paths("/api/agents/handovers/<int:handover_id>") == ["/api/agents/handovers/{handover_id}"]
    assert openapi_paths("/api/calendar/<code>.ics") == ["/api/calendar/{code}.ics"]
    assert openapi_paths("/api/x/<int:i>/<any(take, done, 'give-back'):action>") == [
        "/api/x/{i}/take", "/api/x/{i}/done", "/api/x/{i}/give-back"]
