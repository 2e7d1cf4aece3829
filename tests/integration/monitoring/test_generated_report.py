"""The report from generated traffic on real SQLite: reproducible, and consistent with what the
generator did through the booking port."""
from __future__ import annotations

from dataclasses import replace

from monitoring.report import build_report, key_figures, render_report
from monitoring.tracker import conversations_from_events, read_tracker_rows
from tests.integration.monitoring.monitoring_world import SMALL, make_world


def _figures(world, days: int = 7) -> dict:
    port = world.port()
    try:
        return key_figures(build_report(port, world.tracker, world.settings.clock()(), days=days))
    finally:
        port.close()


def test_the_same_seed_gives_the_same_figures_and_another_seed_does_not(world, tmp_path):
    again = make_world(tmp_path / "again")
    assert again.summary.conversations == world.summary.conversations
    assert _figures(again) == _figures(world)
    other = make_world(tmp_path / "other", replace(SMALL, seed=6))
    assert _figures(other) != _figures(world)


def test_bookings_reschedules_and_cancellations_match_what_the_generator_did(world):
    figures, summary = _figures(world), world.summary
    activity = figures["activity"]
    assert summary.bookings > 20 and summary.cancellations > 0 and summary.reschedules > 0
    assert sum(c["booked"] for c in activity.values()) == summary.bookings + summary.agent_bookings
    assert activity["agent"]["booked"] == summary.agent_bookings
    assert sum(c["rescheduled"] for c in activity.values()) == summary.reschedules
    assert sum(c["cancelled"] for c in activity.values()) == summary.cancellations
    assert activity["phone"]["booked"] > 0 and activity["chat"]["booked"] > activity["phone"]["booked"]


def test_conversations_hand_overs_and_abandoned_match_the_generated_dialogues(world):
    figures, summary = _figures(world), world.summary
    conversations = figures["conversations"]
    assert conversations["phone"]["total"] + conversations["chat"]["total"] == summary.conversations
    assert sum(c["handed_over"] for c in conversations.values()) == summary.handovers
    assert sum(figures["handovers_by_reason"].values()) == summary.handovers
    assert sum(c["abandoned"] for c in conversations.values()) == summary.abandoned
    assert 5 <= figures["average_turns_to_booking"] <= 12
    assert figures["move_registrations"]["inside"] + figures["move_registrations"]["outside"] > 0


def test_the_backlogged_location_misses_the_promise_and_the_others_keep_it(world):
    lead = _figures(world)["lead_time"]
    assert lead["longest_by_location"]["finkenwerder"] >= 16
    assert lead["locations"] == 17 and lead["locations_meeting"] == 16
    assert lead["city_meeting"] == lead["city_services"], "date-first search finds a slot elsewhere"


def test_offered_slots_are_read_from_the_tracker_and_booked_ones_from_the_store(world):
    figures = _figures(world)
    rows = read_tracker_rows(world.tracker)
    conversations = conversations_from_events(rows, world.settings.clock()())
    assert figures["offered"]["total"] == sum(len(c.offered_starts) for c in conversations)
    assert figures["booked"]["total"] == world.summary.bookings + world.summary.agent_bookings + world.summary.reschedules
    assert figures["offered"]["early"] + figures["offered"]["late"] <= figures["offered"]["total"]
    opening = figures["opening"]
    assert 0 < opening["saturday"] < opening["counter_hours"], "Saturday opening at the central office"
    assert opening["weekday_openings"] > 100 and opening["weekday_openings_8_to_18"] <= opening["weekday_openings"]


def test_the_rendered_report_from_generated_traffic_has_all_three_charts(world):
    port = world.port()
    try:
        html = render_report(build_report(port, world.tracker, world.settings.clock()(), days=7))
    finally:
        port.close()
    assert html.count('role="img"') == 3
    assert "Finkenwerder" in html and "über Ziel" in html
    assert "Testperson" not in html
