"""/reports in the gateway: agents only; the same self-contained page as the weekly file."""
from __future__ import annotations

from tests.integration.monitoring.monitoring_world import make_gateway

AGENT = {"Authorization": "Bearer agent-token"}


def test_the_report_page_needs_an_agent(world):
    client = make_gateway(world.settings).test_client()
    browser = client.get("/reports")
    assert browser.status_code in (302, 401) and b"Vorlaufzeit" not in browser.data
    api = client.get("/reports", headers={"Accept": "application/json"})
    assert api.status_code == 401
    stranger = client.get("/reports", headers={"Authorization": "Bearer not-an-agent"})
    assert stranger.status_code == 401 and b"Vorlaufzeit" not in stranger.data


def test_an_agent_sees_the_report_of_generated_traffic_with_its_charts(world):
    client = make_gateway(world.settings).test_client()
    response = client.get("/reports?days=7", headers=AGENT)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 3
    assert "Finkenwerder" in html and "Zeitraum 17.11.2026 bis 23.11.2026" in html
    assert "Als HTML-Datei herunterladen" in html


def test_the_download_is_the_same_report_as_a_file(world):
    client = make_gateway(world.settings).test_client()
    response = client.get("/reports?days=28&download=1", headers=AGENT)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="serviceversprechen-20261027-20261123.html"'
    assert "Als HTML-Datei herunterladen" not in response.get_data(as_text=True)


def test_nonsense_in_days_falls_back_to_a_week_and_huge_values_are_capped(world):
    client = make_gateway(world.settings).test_client()
    assert "Zeitraum 17.11.2026 bis 23.11.2026" in client.get("/reports?days=abc", headers=AGENT).get_data(as_text=True)
    capped = client.get("/reports?days=100000", headers=AGENT).get_data(as_text=True)
    assert "Zeitraum 24.08.2026 bis 23.11.2026" in capped


def test_a_second_look_within_a_minute_reuses_the_report(world):
    app = make_gateway(world.settings)
    client = app.test_client()
    client.get("/reports?days=7", headers=AGENT)
    cached = app.extensions["report_cache"]._reports[7]
    client.get("/reports?days=7", headers=AGENT)
    assert app.extensions["report_cache"]._reports[7] is cached
    app.extensions["report_cache"].seconds = 0
    client.get("/reports?days=7", headers=AGENT)
    assert app.extensions["report_cache"]._reports[7] is not cached


def test_the_agent_console_links_to_the_report(world):
    client = make_gateway(world.settings).test_client()
    queue = client.get("/agents/", headers=AGENT)
    assert queue.status_code == 200
    assert 'href="/reports"' in queue.get_data(as_text=True)
