"""Each metric on a small hand-built data set with answers worked out by hand."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from common.clock import BERLIN
from monitoring import metrics
from monitoring.records import BookingEvent, Conversation, LeadTime, MoveRegistration


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


# --- lead time ----------------------------------------------------------------------------------

LEADS = [
    LeadTime("altona", "Altona", "personalausweis", 3),
    LeadTime("altona", "Altona", "reisepass", 9),
    LeadTime("blankenese", "Blankenese", "personalausweis", 21),
    LeadTime("blankenese", "Blankenese", "reisepass", 14),
    LeadTime("volksdorf", "Volksdorf", "personalausweis", None),  # nothing free in the window
    LeadTime("*", "*", "personalausweis", 3),
    LeadTime("*", "*", "reisepass", 15),
]


def test_lead_time_takes_the_longest_service_per_location_and_counts_the_14_day_promise():
    summary = metrics.lead_time_summary(LEADS)
    by_key = {loc.location_key: loc for loc in summary.locations}
    assert (by_key["altona"].longest_days, by_key["altona"].shortest_days) == (9, 3)
    assert by_key["altona"].longest_service == "reisepass" and by_key["altona"].meets
    assert (by_key["blankenese"].longest_days, by_key["blankenese"].longest_service) == (21, "personalausweis")
    assert (by_key["blankenese"].services_meeting, by_key["blankenese"].meets) == (1, False)
    assert by_key["volksdorf"].longest_days is None and not by_key["volksdorf"].meets
    assert summary.locations_meeting == 1 and summary.share_locations_meeting == pytest.approx(1 / 3)
    # pairs: 3, 9, 14 meet (14 is inside the promise); 21 and "none" do not
    assert (summary.pairs, summary.pairs_meeting) == (5, 3)
    assert [(c.service_key, c.days) for c in summary.city] == [("personalausweis", 3), ("reisepass", 15)]
    assert (summary.city_meeting, summary.share_city_meeting) == (1, 0.5)


def test_locations_are_listed_worst_first_with_no_slot_at_all_last():
    order = [loc.location_key for loc in metrics.lead_time_summary(LEADS).locations]
    assert order == ["blankenese", "altona", "volksdorf"]


def test_a_stricter_promise_changes_who_meets_it():
    summary = metrics.lead_time_summary(LEADS, promise_days=5)
    assert summary.pairs_meeting == 1 and summary.locations_meeting == 0


def test_shares_of_nothing_are_unknown_not_zero():
    summary = metrics.lead_time_summary([])
    assert summary.share_locations_meeting is None and summary.share_pairs_meeting is None


# --- bookings by day and channel ----------------------------------------------------------------

EVENTS = [
    BookingEvent(at(16, 9), "booked", "phone", "altona", at(20), ("personalausweis",), "AAA-111"),
    BookingEvent(at(16, 23, 30), "booked", "chat", "altona", at(21), ("reisepass",), "AAA-222"),
    BookingEvent(at(17, 0, 30), "booked", "chat", "altona", at(21, 8), ("reisepass",), "AAA-333"),
    BookingEvent(at(17, 11), "rescheduled", "phone", "harburg", at(25, 17), ("personalausweis",), "AAA-111"),
    BookingEvent(at(17, 12), "cancelled", "chat", "altona", at(21), ("reisepass",), "AAA-222"),
    BookingEvent(at(18, 12), "booked", "agent", "wandsbek", at(28, 9), ("wohnsitz_anmelden",), "AAA-444"),
    BookingEvent(at(19, 12), "booked", "phone", "wandsbek", at(28, 9), ("reisepass",), "AAA-555"),  # after `last`
]


def test_activity_counts_each_action_on_its_local_day_by_channel():
    activity = metrics.activity_by_day(EVENTS, date(2026, 11, 16), date(2026, 11, 18))
    assert activity.days == (date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18))
    assert activity.channels == ("phone", "chat", "agent")
    assert activity.count(date(2026, 11, 16), "chat", "booked") == 1  # 23:30 Berlin is still the 16th
    assert activity.count(date(2026, 11, 17), "chat", "booked") == 1
    assert activity.count(date(2026, 11, 17), "phone", "rescheduled") == 1
    assert activity.count(date(2026, 11, 17), "chat", "cancelled") == 1
    assert activity.count(action="booked") == 4  # the one on the 19th lies outside
    assert activity.count(channel="agent") == 1
    assert activity.count(date(2026, 11, 18), "phone") == 0


def test_an_unknown_channel_gets_its_own_column_after_the_known_ones():
    extra = BookingEvent(at(16), "booked", "kiosk", "altona", at(20))
    activity = metrics.activity_by_day([extra], date(2026, 11, 16), date(2026, 11, 16))
    assert activity.channels == ("phone", "chat", "agent", "kiosk")
    assert activity.count(channel="kiosk") == 1


def test_booked_starts_counts_bookings_and_moves_but_not_cancellations():
    starts = metrics.booked_starts(EVENTS, date(2026, 11, 16), date(2026, 11, 18))
    assert sorted(starts) == sorted([at(20), at(21), at(21, 8), at(25, 17), at(28, 9)])


# --- conversations ------------------------------------------------------------------------------


def conv(cid, channel, outcome, turns=5, reason=None, to_booking=None, ongoing=False, **extra):
    return Conversation(cid, channel, at(16), at(16, 10, 5), turns, outcome, reason, to_booking,
                        ongoing=ongoing, **extra)


CONVERSATIONS = [
    conv("p1", "phone", "booked", to_booking=7),
    conv("p2", "phone", "handover", reason="requested"),
    conv("p3", "phone", "abandoned"),
    conv("p4", "phone", "booked", to_booking=9, ongoing=True),  # still running: not finished
    conv("c1", "chat", "booked", to_booking=5),
    conv("c2", "chat", "answered"),
    conv("c3", "chat", "cancelled"),
    conv("c4", "chat", "handover", reason="not_understood"),
    conv("c5", "chat", "handover", reason="requested"),
    conv("c6", "chat", "handover", reason=None),
]


def test_conversations_per_channel_with_containment_hand_overs_and_abandoned():
    summary = metrics.conversation_summary(CONVERSATIONS)
    phone, chat = summary.by_channel
    assert (phone.channel, phone.total, phone.finished, phone.contained, phone.handed_over, phone.abandoned) == (
        "phone", 4, 3, 1, 1, 1)
    assert phone.containment == pytest.approx(1 / 3)
    assert (chat.total, chat.finished, chat.contained, chat.handed_over, chat.abandoned) == (6, 6, 3, 3, 0)
    assert chat.containment == 0.5
    total = summary.total
    assert (total.total, total.finished, total.contained) == (10, 9, 4)


def test_hand_overs_by_reason_most_frequent_first_and_missing_reason_is_unknown():
    summary = metrics.conversation_summary(CONVERSATIONS)
    assert summary.handovers_by_reason == (("requested", 2), ("not_understood", 1), ("unknown", 1))


def test_average_turns_to_a_booking_over_every_booked_conversation():
    summary = metrics.conversation_summary(CONVERSATIONS)
    assert summary.bookings == 3
    assert summary.average_turns_to_booking == pytest.approx((7 + 9 + 5) / 3)
    assert summary.median_turns_to_booking == 7


def test_no_conversations_gives_unknown_rates():
    summary = metrics.conversation_summary([])
    assert summary.average_turns_to_booking is None
    assert all(row.containment is None for row in summary.by_channel)


# --- registration after a move ------------------------------------------------------------------


def test_move_registrations_inside_and_outside_the_14_day_deadline():
    registrations = [
        MoveRegistration(date(2026, 11, 1), date(2026, 11, 15)),  # day 14: inside
        MoveRegistration(date(2026, 11, 1), date(2026, 11, 16)),  # day 15: outside
        MoveRegistration(date(2026, 11, 10), date(2026, 11, 12)),
    ]
    summary = metrics.move_registrations(registrations)
    assert (summary.inside, summary.outside, summary.total) == (2, 1, 3)
    assert summary.share_inside == pytest.approx(2 / 3)


def test_move_registrations_take_the_slot_day_from_the_store_by_booking_code():
    conversations = [
        conv("m1", "chat", "booked", move_in=date(2026, 11, 10), booking_code="AAA-444"),
        conv("m2", "phone", "booked", move_in=date(2026, 11, 1), booking_code="ZZZ-999"),  # unknown code
        conv("b1", "chat", "booked", booking_code="AAA-111"),  # no move-in date: not a move
    ]
    joined = metrics.join_move_registrations(conversations, EVENTS)
    assert joined == [MoveRegistration(date(2026, 11, 10), date(2026, 11, 28), "chat")]
    assert not joined[0].inside_deadline  # deadline 24.11.


# --- Saturday, early and late -------------------------------------------------------------------


def test_saturday_early_and_late_slots():
    starts = [
        at(21, 8, 55),  # Saturday and early
        at(21, 12),  # Saturday
        at(23, 9, 0),  # 9:00 is not early
        at(23, 16, 55),  # not late
        at(23, 17, 0),  # late
        datetime(2026, 11, 24, 6, 30, tzinfo=BERLIN).astimezone(BERLIN) - timedelta(hours=0),  # early
    ]
    result = metrics.time_of_day(starts)
    assert (result.total, result.saturday, result.early, result.late) == (6, 2, 2, 1)
    assert result.share("late") == pytest.approx(1 / 6)


def test_time_of_day_is_judged_in_berlin_time_not_utc():

    utc = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 08:30 in Berlin: early
    assert metrics.time_of_day([utc]).early == 1
    assert metrics.time_of_day([]).share("early") is None


# --- opening hours ------------------------------------------------------------------------------


def test_opening_hours_in_counter_hours_with_saturday_early_late_and_the_8_to_18_span():
    from datetime import time

    from monitoring.records import OpeningRecord

    records = [
        # Monday 7:30-12:00 and 13:00-18:30, two counters: 10 h x 2 = 20
        OpeningRecord("altona", date(2026, 11, 23), ((time(7, 30), time(12, 0)), (time(13, 0), time(18, 30))), 2),
        # Tuesday 9-16, one counter: 7 h, does not span 8-18
        OpeningRecord("altona", date(2026, 11, 24), ((time(9, 0), time(16, 0)),), 1),
        # Saturday 8-13, three counters: 15 h, 3 of them early
        OpeningRecord("mitte", date(2026, 11, 28), ((time(8, 0), time(13, 0)),), 3),
        # a holiday: closed, counts nowhere
        OpeningRecord("altona", date(2026, 12, 25), (), 2),
    ]
    summary = metrics.opening_summary(records)
    assert summary.counter_hours == 20 + 7 + 15
    assert summary.saturday == 15
    assert summary.early == 1.5 * 2 + 1 * 3
    assert summary.late == 1.5 * 2
    assert (summary.weekday_openings, summary.weekday_openings_8_to_18) == (2, 1)
    assert summary.share_8_to_18 == 0.5
    assert summary.share("saturday") == pytest.approx(15 / 42)
