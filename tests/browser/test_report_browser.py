"""The managers' report in real headless Chromium, from generated traffic: screenshots kept in
test-artifacts/ (report-desktop.png, report-phone.png), layout checks and axe-core."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import ChatPage
from tests.integration.monitoring.monitoring_world import SMALL, make_gateway, make_world

TOKEN_HEADERS = {"Authorization": "Bearer agent-token"}


@pytest.fixture(scope="module")
def report_server(tmp_path_factory):
    world = make_world(tmp_path_factory.mktemp("report-browser"), SMALL)
    app = make_gateway(world.settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def report(browser, report_server):
    """The report page, signed in as an agent (the API token sent as a header by the browser)."""
    page = ChatPage(browser, report_server)
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": TOKEN_HEADERS})
    yield page
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def _serious(violations: list[dict]) -> list:
    return [(v["id"], [n.get("target") for n in v.get("nodes", [])][:3])
            for v in violations if v.get("impact") in ("serious", "critical")]


def test_the_report_renders_its_three_charts_and_is_screenshotted(report):
    report.open("/reports?days=7", fresh=False)
    report.wait(lambda d: report.find_all("svg.chart"), message="charts")
    charts = report.find_all("svg.chart")
    assert len(charts) == 3
    for chart in charts:
        size = chart.size
        assert size["width"] > 500 and size["height"] > 80, "every chart is drawn at a readable size"
    titles = [c.get_attribute("aria-labelledby") for c in charts]
    assert titles == ["lead-title lead-desc", "channels-title channels-desc", "reasons-title reasons-desc"]
    assert report.find("h1").text == "Serviceversprechen im Blick"
    assert "Finkenwerder" in report.find("#h-lead").find_element("xpath", "..").text
    assert report.horizontal_overflow() == 0
    report.screenshot("report-top.png")  # what a manager sees first, 1280 x 800
    shot = report.full_page_screenshot("report-desktop.png", 1280)
    assert shot.stat().st_size > 50_000


def test_the_report_has_no_serious_accessibility_problems(report):
    report.open("/reports?days=7", fresh=False)
    report.wait(lambda d: report.find_all("svg.chart"), message="charts")
    assert _serious(report.run_axe()) == []


def test_on_a_phone_charts_and_tables_scroll_in_their_box_and_the_page_does_not(report):
    report.open("/reports?days=7", fresh=False)
    report.viewport(390, 844, mobile=True)
    report.driver.refresh()
    report.wait(lambda d: report.find_all("svg.chart"), message="charts")
    assert report.horizontal_overflow() == 0
    for chart in report.find_all("svg.chart"):
        assert chart.size["width"] >= 600, "charts keep a readable size and scroll sideways instead"
    report.full_page_screenshot("report-phone.png", 390)


def test_the_print_layout_hides_the_page_links_and_the_pdf_is_written(report, tmp_path):
    from monitoring.pdf import html_to_pdf

    report.open("/reports?days=7", fresh=False)
    report.wait(lambda d: report.find_all("svg.chart"), message="charts")
    report.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not report.find("nav.actions").is_displayed()
        report.full_page_screenshot("report-print.png", 794)  # A4 width at 96 dpi
    finally:
        report.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    html = report.driver.page_source
    pdf = html_to_pdf(html, tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
