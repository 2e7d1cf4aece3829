"""Capacity policies: phone quota, walk-in reserve, passport priority before the summer holidays."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from booking_adapter.catalogue import default_catalogue
from booking_adapter.policies import Policies
from booking_adapter.port import Contact, Slot, SlotQuery, SlotTaken
from booking_adapter.slots import CellClass, build_grid, privileges, reserve_counts
from common.clock import BERLIN
from common.settings import Settings

PRIORITY_DAY = date(2027, 6, 8)  # a Tuesday, in the 8 weeks before the summer holidays (2027-07-01)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def holds_at(port, location, start, service, channel="chat", limit=20) -> int:
    minutes = port.service(service).duration_minutes
    count = 0
    for n in range(limit):
        the_slot = Slot(location, port.location(location).name, start, start, (service,))
        try:
            port.hold(the_slot, f"{service}-{channel}-{n}", channel)
        except SlotTaken:
            return count
        count += 1  # noqa: SIM113 (counts the holds that succeeded, not the attempts)
    raise AssertionError(f"more than {limit} holds at one start ({minutes} min)")


def test_policies_come_from_settings():
    settings = Settings.from_env({"HOLD_MINUTES": "7", "MAX_HOLDS_PER_CONVERSATION": "3",
                                  "MAX_APPOINTMENTS_PER_PHONE": "1", "BOOKING_WINDOW_DAYS": "30",
                                  "PHONE_QUOTA_PERCENT": "25", "WALK_IN_RESERVE_PERCENT": "5"})
    policies = Policies.from_settings(settings)
    assert (policies.hold_minutes, policies.max_holds_per_conversation, policies.max_appointments_per_phone,
            policies.booking_window_days, policies.phone_quota_percent, policies.walk_in_reserve_percent) == (
        7, 3, 1, 30, 25, 5)


@pytest.mark.parametrize("bad", [dict(phone_quota_percent=-1), dict(walk_in_reserve_percent=101),
                                 dict(phone_quota_percent=60, walk_in_reserve_percent=50), dict(hold_minutes=0)])
def test_impossible_policies_are_refused(bad):
    with pytest.raises(ValueError):
        Policies(**bad)


def test_reserve_counts_are_shares_of_the_cells_per_hour():
    assert reserve_counts(10, Policies(), 0) == (12, 24, 0)  # 120 cells: 10 %, 20 %
    assert reserve_counts(10, Policies(), 25) == (12, 24, 30)
    assert reserve_counts(1, Policies(walk_in_reserve_percent=0, phone_quota_percent=0), 0) == (0, 0, 0)
    assert sum(reserve_counts(1, Policies(walk_in_reserve_percent=50, phone_quota_percent=50), 50)) == 12


def test_the_phone_quota_is_a_share_of_the_whole_days_capacity():
    catalogue = default_catalogue()
    grid = build_grid(catalogue, catalogue.locations["altona"], date(2026, 12, 1), Policies())
    total = bin(grid.open_mask).count("1") * grid.counters
    phone = sum(bin(m[CellClass.PHONE]).count("1") for m in grid.class_masks)
    walk_in = sum(bin(m[CellClass.WALK_IN]).count("1") for m in grid.class_masks)
    assert phone / total == pytest.approx(0.20, abs=0.01)
    assert walk_in / total == pytest.approx(0.10, abs=0.01)


def test_without_a_phone_quota_chat_and_phone_get_the_same(make_port):
    port = make_port(phone_quota_percent=0, walk_in_reserve_percent=0)
    start = at(date(2026, 12, 1), 10)
    assert holds_at(port, "hamburg_mitte", start, "personalausweis", "chat") == 10


def test_privileges_follow_channel_service_and_season():
    catalogue = default_catalogue()
    ordinary = date(2026, 12, 1)
    assert privileges(catalogue, ("personalausweis",), "chat", ordinary) == {CellClass.OPEN}
    assert privileges(catalogue, ("personalausweis",), "phone", ordinary) == {CellClass.OPEN, CellClass.PHONE}
    assert CellClass.WALK_IN in privileges(catalogue, ("meldebescheinigung",), "chat", ordinary)
    assert CellClass.WALK_IN not in privileges(catalogue, ("meldebescheinigung", "reisepass"), "chat", ordinary)
    assert CellClass.PASSPORT not in privileges(catalogue, ("reisepass",), "chat", ordinary)
    assert CellClass.PASSPORT in privileges(catalogue, ("reisepass",), "chat", PRIORITY_DAY)
    assert CellClass.PASSPORT in privileges(catalogue, ("kinderreisepass", "express_reisepass"), "chat", PRIORITY_DAY)
    assert CellClass.PASSPORT not in privileges(catalogue, ("reisepass", "personalausweis"), "chat", PRIORITY_DAY)


def test_the_priority_windows_come_from_the_summer_holidays():
    priority = default_catalogue().priority
    assert priority.active_on(date(2027, 5, 6)) and priority.active_on(date(2027, 6, 30))
    assert not priority.active_on(date(2027, 5, 5)) and not priority.active_on(date(2027, 7, 1))
    assert priority.active_on(date(2026, 7, 8)) and not priority.active_on(date(2026, 12, 1))


def test_before_the_summer_holidays_passports_get_a_reserved_share(make_port):
    port = make_port(at(date(2027, 5, 31), 9))
    start = at(PRIORITY_DAY, 10)
    ordinary = holds_at(port, "hamburg_mitte", start, "personalausweis")
    passport = holds_at(port, "hamburg_mitte", start, "reisepass")
    assert (ordinary, passport) == (4, 3)  # counters 1-4 open; 5-7 kept for passports


def test_outside_the_priority_window_passports_have_no_advantage(make_port):
    port = make_port()
    start = at(date(2026, 12, 1), 10)
    assert holds_at(port, "hamburg_mitte", start, "personalausweis") == 7
    assert holds_at(port, "hamburg_mitte", start, "reisepass") == 0


def test_a_phone_caller_uses_the_phone_quota_before_open_capacity(port):
    start = at(date(2026, 12, 1), 10)
    port.hold(Slot("hamburg_mitte", "x", start, start, ("personalausweis",)), "caller", "phone")
    # the phone booking sat on a reserved counter, so all 7 open counters remain for chat
    assert holds_at(port, "hamburg_mitte", start, "personalausweis", "chat") == 7


def test_the_phone_quota_is_offered_to_callers_in_the_search(port):
    tuesday = date(2026, 12, 1)
    for n in range(7):
        port.hold(Slot("hamburg_mitte", "x", at(tuesday, 10), at(tuesday, 10), ("personalausweis",)), f"c{n}")
    query = dict(service_keys=("personalausweis",), location_keys=("hamburg_mitte",), earliest=tuesday,
                 latest=tuesday, time_from=time(10), time_to=time(10, 5), limit=1)
    assert port.find_slots(SlotQuery(**query, channel="chat")) == []
    assert [s.start for s in port.find_slots(SlotQuery(**query, channel="phone"))] == [at(tuesday, 10)]
    appointment = port.confirm(
        port.hold(port.find_slots(SlotQuery(**query, channel="phone"))[0], "caller", "phone").hold_id,
        Contact("Anna Schulz", "040 123456"), "phone")
    assert appointment.channel == "phone"
