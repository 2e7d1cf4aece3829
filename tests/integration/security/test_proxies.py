"""The client's address behind reverse proxies (issue 19, item 2): TRUSTED_PROXY_COUNT hops of
X-Forwarded-For are believed, no more. With 0 (the default) the header is ignored, whoever sends
it; with 1 the last hop (appended by our proxy) is the client, whatever the client put before it.
Checked where the address matters: the per-address chat limit, /metrics' loopback-only rule and
the audit log."""
from __future__ import annotations

from .conftest import sign_in

PROXY = "10.0.0.2"  # our reverse proxy as the gateway sees it


def _chat(client, n: int, **request):
    return client.post("/api/chat", json={"session_id": f"session-{n:04d}", "message": "Hallo"}, **request).status_code


# --- zero trusted proxies: X-Forwarded-For is ignored -----------------------------------------


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_per_address_limit(make_gateway):
    gateway = make_gateway(RATE_CHAT_PER_IP_PER_MINUTE="3")
    client = gateway.client()
    statuses = [_chat(client, n, headers={"X-Forwarded-For": f"198.51.100.{n}"},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"}) for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_without_trusted_proxies_a_forged_loopback_address_does_not_open_metrics(make_gateway):
    client = make_gateway().client()
    forged = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert forged.status_code == 403
    local = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert local.status_code == 200, "the header is ignored both ways"


def test_without_trusted_proxies_the_audit_log_records_the_connecting_address(make_gateway):
    gateway = make_gateway()
    sign_in(gateway.client(), headers={"X-Forwarded-For": "198.51.100.66"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert ("login", "from 203.0.113.9") in [(e.action, e.detail) for e in gateway.store.audit_entries()]


# --- one trusted proxy: the last hop is the client --------------------------------------------


def test_behind_one_proxy_each_client_has_its_own_budget_and_a_forged_prefix_changes_nothing(make_gateway):
    gateway = make_gateway(RATE_CHAT_PER_IP_PER_MINUTE="3", TRUSTED_PROXY_COUNT="1")
    client = gateway.client()
    via_proxy = {"REMOTE_ADDR": PROXY}
    # one abuser, forging a different first hop every time: one budget
    abuser = [_chat(client, n, headers={"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}, environ_base=via_proxy)
              for n in range(5)]
    assert abuser == [200, 200, 200, 429, 429]
    # everybody else behind the same proxy is not blocked by the abuser
    others = [_chat(client, 100 + n, headers={"X-Forwarded-For": f"203.0.113.{20 + n}"}, environ_base=via_proxy)
              for n in range(5)]
    assert others == [200] * 5


def test_behind_one_proxy_on_the_same_host_metrics_stay_loopback_only(make_gateway):
    """nginx on the gateway's host connects from 127.0.0.1: without ProxyFix /metrics was public."""
    client = make_gateway(TRUSTED_PROXY_COUNT="1").client()
    local_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base=local_proxy).status_code == 403
    forged = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.9"}, environ_base=local_proxy)
    assert forged.status_code == 403, "a forged first hop is not believed"
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}, environ_base=local_proxy).status_code == 200


def test_behind_one_proxy_the_audit_log_records_the_clients_address(make_gateway):
    gateway = make_gateway(TRUSTED_PROXY_COUNT="1")
    sign_in(gateway.client(), headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.66"}, environ_base={"REMOTE_ADDR": PROXY})
    assert ("login", "from 198.51.100.66") in [(e.action, e.detail) for e in gateway.store.audit_entries()]


def test_behind_one_proxy_the_login_throttle_counts_the_real_client(make_gateway):
    gateway = make_gateway(TRUSTED_PROXY_COUNT="1", LOGIN_ATTEMPTS_PER_ADDRESS="3", LOGIN_ATTEMPTS_PER_ACCOUNT="50")
    client = gateway.client()
    attacker = [sign_in(client, f"x{n}", "falsch", headers={"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.66"},
                        environ_base={"REMOTE_ADDR": PROXY}).status_code for n in range(4)]
    assert attacker == [401, 401, 401, 429]
    colleague = sign_in(client, "anna", headers={"X-Forwarded-For": "198.51.100.67"}, environ_base={"REMOTE_ADDR": PROXY})
    assert colleague.status_code == 302


def test_behind_one_proxy_the_scheme_comes_from_x_forwarded_proto(make_gateway):
    app = make_gateway(TRUSTED_PROXY_COUNT="1").app
    seen = {}

    @app.get("/__scheme")
    def _scheme():
        from flask import request

        seen["scheme"], seen["addr"] = request.scheme, request.remote_addr
        return "ok"

    app.test_client().get("/__scheme", headers={"X-Forwarded-For": "198.51.100.66", "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": PROXY})
    assert seen == {"scheme": "https", "addr": "198.51.100.66"}
