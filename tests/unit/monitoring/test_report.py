"""The report from the in-memory booking port: figures, and a page that stands on its own."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from booking_adapter.memory import InMemoryBookingPort
from booking_adapter.port import Contact, SlotQuery
from common.clock import BERLIN
from monitoring import sources
from monitoring.report import build_report, key_figures, render_report
from tests.unit.booking.conftest import MutableClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)  # a Monday


@pytest.fixture
def port():
    clock = MutableClock(NOW - timedelta(days=2))
    booking = InMemoryBookingPort(clock)
    for n, (channel, location) in enumerate((("phone", "altona"), ("chat", "altona"), ("chat", "harburg"))):
        slot = booking.find_slots(SlotQuery(("personalausweis",), (location,), limit=1, channel=channel))[0]
        hold = booking.hold(slot, f"conversation-{n}", channel)
        booking.confirm(hold.hold_id, Contact(name=f"Testperson {n}", phone=f"+49409900000{n}"), channel)
        clock.advance(hours=5)
    clock.moment = NOW
    return booking


def test_lead_times_cover_every_location_and_service_plus_the_city(port):
    leads = sources.lead_times(port, NOW)
    pairs = [lead for lead in leads if lead.location_key != "*"]
    assert len(pairs) == sum(len(loc.service_keys) for loc in port.locations())
    assert {lead.service_key for lead in leads if lead.location_key == "*"} == {s.key for s in port.services()}
    assert all(lead.days is not None and lead.days >= 0 for lead in leads)


def test_the_report_counts_bookings_by_channel_without_a_tracker(port):
    report = build_report(port, None, NOW, days=7)
    figures = key_figures(report)
    assert figures["period"] == ["2026-11-17", "2026-11-23"]
    assert figures["activity"]["phone"]["booked"] == 1
    assert figures["activity"]["chat"]["booked"] == 2
    assert figures["activity"]["agent"]["booked"] == 0
    assert figures["lead_time"]["locations"] == len(port.locations())
    assert figures["conversations"]["chat"]["total"] == 0
    assert report.booked.total == 3
    assert not report.tracker_available


def test_the_page_is_self_contained_german_and_accessible(port):
    html = render_report(build_report(port, None, NOW, days=7))
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="https?://', html), "nothing may be loaded from elsewhere"
    assert html.count('role="img"') == 2  # lead time and channels; no hand-overs without a tracker
    assert "Vorlaufzeit je Standort" in html and "Ziel: 14 Tage" in html
    assert "Keine Gesprächsdaten angebunden" in html
    assert html.count("<caption>") >= 5
    assert "Testperson" not in html and "+49409900" not in html, "no personal data in the report"


def test_the_report_on_a_day_with_nothing_booked_still_renders():
    empty = InMemoryBookingPort(MutableClock(NOW))
    html = render_report(build_report(empty, None, NOW, days=1))
    assert "Buchungen nach Kanal und Tag" in html
