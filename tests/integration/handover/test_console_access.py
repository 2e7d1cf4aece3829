"""Every console and API route refuses requests without a signed-in agent or API token."""
from __future__ import annotations

import re

from handover_helpers import chat_handover, csrf_of, sign_in

PUBLIC = {"agents.login", "agents.static"}


def _concrete(rule) -> str:
    """A URL for a rule: 1 for ints, a booking code for codes, 'take' for the action choice."""
    url = rule.rule
    url = re.sub(r"<int:[a-z_]+>", "1", url)
    url = re.sub(r"<any\([^)]*\):action>", "take", url)
    url = re.sub(r"<path:[a-z_]+>", "console.css", url)
    url = re.sub(r"<[a-z_]+>", "ACD-EFG", url)
    return url


def protected_rules(app):
    """The console, its API, and any other view guarded by login_required (e.g. /reports)."""
    rules = [r for r in app.url_map.iter_rules()
             if (r.rule.startswith(("/agents", "/api/agents"))
                 or hasattr(app.view_functions[r.endpoint], "login_required_role"))
             and r.endpoint not in PUBLIC]
    assert len(rules) >= 20  # the whole console, not an empty list
    return rules


def test_every_console_and_api_route_refuses_anonymous_requests(app, store):
    chat_handover(store)
    client = app.test_client()
    checked = 0
    for rule in protected_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_concrete(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert response.status_code == 401, (method, rule.rule)
                assert response.json == {"error": "unauthorized"}
            else:
                assert response.status_code == 302, (method, rule.rule)
                assert response.headers["Location"].startswith("/agents/login")
            assert "Reisepass" not in response.text
            checked += 1
    assert checked >= 22


def test_a_wrong_token_is_refused_and_a_right_one_accepted(app, store):
    chat_handover(store)
    token = store.issue_token("anna", "crm")
    client = app.test_client()
    assert client.get("/api/agents/handovers", headers={"Authorization": "Bearer nope"}).status_code == 401
    ok = client.get("/api/agents/handovers", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json["handovers"][0]["reason"] == "requested"


def test_wrong_password_is_refused(app):
    client = app.test_client()
    response = sign_in(client, password="falsch-falsch")
    assert response.status_code == 401
    assert "Anmeldung fehlgeschlagen" in response.text
    assert client.get("/agents/").status_code == 302


def test_signed_in_agent_sees_the_queue_but_not_the_admin_audit_page(app, store):
    chat_handover(store)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    assert client.get("/agents/").status_code == 200
    assert client.get("/agents/audit").status_code == 403
    admin = app.test_client()
    sign_in(admin, "chef")
    assert admin.get("/agents/audit").status_code == 200


def test_form_posts_without_csrf_token_change_nothing(app, store):
    handover_id = chat_handover(store)
    client = app.test_client()
    sign_in(client)
    response = client.post(f"/agents/handovers/{handover_id}/take", data={})
    assert response.status_code == 302
    assert store.handover(handover_id).status == "open"
    page = client.get(f"/agents/handovers/{handover_id}")
    client.post(f"/agents/handovers/{handover_id}/take", data={"csrf_token": csrf_of(page.text)})
    assert store.handover(handover_id).status == "taken"


def test_session_json_posts_need_the_csrf_header(app, store):
    handover_id = chat_handover(store)
    client = app.test_client()
    sign_in(client)
    refused = client.post(f"/api/agents/handovers/{handover_id}/messages", json={"text": "Hallo"})
    assert refused.status_code == 403
    page = client.get(f"/agents/handovers/{handover_id}")
    ok = client.post(f"/api/agents/handovers/{handover_id}/messages", json={"text": "Hallo"},
                     headers={"X-CSRF-Token": csrf_of(page.text)})
    assert ok.status_code == 201
