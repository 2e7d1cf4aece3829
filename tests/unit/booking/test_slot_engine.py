"""The slot engine's edge cases: holidays, DST, breaks, Saturdays, mobile teams, closing time,
the end of the booking window, filters and diverse choices."""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from booking_adapter.catalogue import DayException, default_catalogue
from booking_adapter.memory import InMemoryBookingPort
from booking_adapter.policies import Policies
from booking_adapter.port import OpeningInterval, SlotQuery
from booking_adapter.slots import (
    Candidate,
    CellClass,
    build_grid,
    local_unit,
    pick_diverse,
    reserve_counts,
    run_starts,
    unit_start,
)
from common.clock import BERLIN
from tests.unit.booking.conftest import MutableClock


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def real_minutes(slot) -> float:
    """Elapsed minutes (aware datetimes in one zone subtract as wall-clock times)."""
    return (slot.end.timestamp() - slot.start.timestamp()) / 60


def days_of(slots) -> list[date]:
    return sorted({s.start.date() for s in slots})


def with_exception(location_key: str, day: date, hours: list[tuple[time, time]], reason: str = "Test"):
    """The real catalogue with one extra dated exception at one location."""
    catalogue = default_catalogue()
    location = catalogue.locations[location_key]
    exception = DayException(day, tuple(OpeningInterval(a, b) for a, b in hours), reason)
    changed = replace(location, exceptions={**location.exceptions, day: exception})
    return replace(catalogue, locations={**catalogue.locations, location_key: changed})


# --- opening days ---------------------------------------------------------------------------


def test_hamburg_public_holidays_close_every_location(port, make_port):
    christmas = port.opening_day("hamburg_mitte", date(2026, 12, 25))
    assert not christmas.is_open and christmas.reason_closed == "Erster Weihnachtstag"
    whit_monday = port.opening_day("altona", date(2027, 5, 17))
    assert not whit_monday.is_open and whit_monday.reason_closed == "Pfingstmontag"
    assert port.opening_day("altona", date(2027, 5, 18)).is_open
    in_may = make_port(at(date(2027, 5, 10), 9))
    assert in_may.find_slots(SlotQuery(("personalausweis",), earliest=date(2027, 5, 17), latest=date(2027, 5, 17))) == []
    assert in_may.find_slots(SlotQuery(("personalausweis",), earliest=date(2027, 5, 18), latest=date(2027, 5, 18)))


def test_over_christmas_the_first_slots_are_after_the_holidays(port):
    found = port.find_slots(SlotQuery(("personalausweis",), earliest=date(2026, 12, 24), limit=20))
    # 24th closure (Heiligabend), 25th/26th holidays (26th a Saturday), 27th Sunday
    assert days_of(found) == [date(2026, 12, 28)]
    assert "finkenwerder" not in {s.location_key for s in found}  # dated closure in the YAML


def test_saturday_slots_exist_only_at_the_city_centre_office_in_the_morning(port):
    saturday = date(2026, 11, 28)
    found = port.find_slots(SlotQuery(("personalausweis",), earliest=saturday, latest=saturday, limit=10))
    assert found and {s.location_key for s in found} == {"hamburg_mitte"}
    assert all(time(9) <= s.start.time() and s.end.time() <= time(13) for s in found)
    assert port.opening_day("hamburg_mitte", saturday).intervals == (OpeningInterval(time(9), time(13)),)


def test_the_mobile_team_serves_volksdorf_only_on_tuesdays_and_thursdays(port):
    found = port.find_slots(SlotQuery(("personalausweis",), ("volksdorf",), earliest=date(2026, 11, 23),
                                      latest=date(2026, 12, 6), limit=20))
    assert {s.start.weekday() for s in found} == {1, 3}
    monday = port.opening_day("volksdorf", date(2026, 11, 23))
    assert not monday.is_open and "mobil" in monday.reason_closed
    assert port.location("volksdorf").mobile_team


def test_no_appointment_overlaps_the_lunch_break(port):
    tuesday = date(2026, 12, 1)
    found = port.find_slots(SlotQuery(("personalausweis",), ("finkenwerder",), earliest=tuesday, latest=tuesday,
                                      time_from=time(11, 30), time_to=time(13, 30), limit=50))
    starts = {s.start.time() for s in found}
    assert time(12, 10) in starts, "20 minutes still fit before 12:30"
    assert not any(s.start < at(tuesday, 13) and s.end > at(tuesday, 12, 30) for s in found)
    assert time(13, 0) in starts


def test_a_service_longer_than_the_remaining_opening_time_is_not_offered(port):
    tuesday = date(2026, 12, 1)
    late = port.find_slots(SlotQuery(("aufenthaltstitel",), ("hamburg_mitte",), earliest=tuesday, latest=tuesday,
                                     time_from=time(18), limit=50))
    assert max(s.start for s in late) == at(tuesday, 18, 30)  # 30 minutes before closing at 19:00
    two_people = port.find_slots(SlotQuery(("aufenthaltstitel",), ("hamburg_mitte",), earliest=tuesday,
                                           latest=tuesday, time_from=time(17), persons=2, limit=50))
    assert max(s.start for s in two_people) == at(tuesday, 18)
    assert all(s.end <= at(tuesday, 19) for s in late + two_people)


def test_the_booking_window_ends_ninety_days_ahead(port):
    last_day = date(2026, 11, 23) + timedelta(days=90)  # Sunday 2027-02-21
    found = port.find_slots(SlotQuery(("personalausweis",), earliest=last_day - timedelta(days=3), limit=20))
    assert found and max(days_of(found)) <= last_day
    assert port.find_slots(SlotQuery(("personalausweis",), earliest=last_day + timedelta(days=1))) == []


def test_a_shorter_booking_window_is_honoured(make_port):
    short = make_port(booking_window_days=3)
    found = short.find_slots(SlotQuery(("personalausweis",), ("volksdorf",), limit=10))
    assert days_of(found) == [date(2026, 11, 24), date(2026, 11, 26)]


def test_weekday_and_time_of_day_filters(port):
    found = port.find_slots(SlotQuery(("reisepass",), weekdays=frozenset({2}), time_from=time(16), limit=5))
    assert found and all(s.start.weekday() == 2 and s.start.time() >= time(16) for s in found)
    morning = port.find_slots(SlotQuery(("reisepass",), time_to=time(9), limit=5))
    assert morning and all(s.start.time() < time(9) for s in morning)


# --- daylight saving time -------------------------------------------------------------------


def test_slots_keep_their_length_and_offset_across_the_autumn_change():
    # 2026-10-25 is a Sunday: clocks go back from 03:00 CEST to 02:00 CET
    catalogue = with_exception("altona", date(2026, 10, 25), [(time(1), time(4))], "Nachtaktion")
    port = InMemoryBookingPort(MutableClock(at(date(2026, 10, 20), 9)), catalogue=catalogue)
    grid = build_grid(catalogue, catalogue.locations["altona"], date(2026, 10, 25), port.policies)
    assert grid.size == 4 * 12, "01:00-04:00 wall time lasts four real hours that night"
    found = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=date(2026, 10, 25),
                                      latest=date(2026, 10, 25), limit=20))
    assert found and all(real_minutes(s) == 20 for s in found)
    offsets = {s.start.utcoffset() for s in found}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}, "slots before and after the change"
    friday = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=date(2026, 10, 23),
                                       latest=date(2026, 10, 23), limit=1))[0]
    monday = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=date(2026, 10, 26),
                                       latest=date(2026, 10, 26), limit=1))[0]
    assert (friday.start.utcoffset(), monday.start.utcoffset()) == (timedelta(hours=2), timedelta(hours=1))
    assert (friday.start.time(), monday.start.time()) == (time(8), time(8))


def test_the_spring_change_has_an_hour_less():
    # 2027-03-28 is a Sunday: clocks jump from 02:00 CET to 03:00 CEST
    catalogue = with_exception("altona", date(2027, 3, 28), [(time(1), time(4))], "Nachtaktion")
    port = InMemoryBookingPort(MutableClock(at(date(2027, 3, 20), 9)), catalogue=catalogue)
    grid = build_grid(catalogue, catalogue.locations["altona"], date(2027, 3, 28), port.policies)
    assert grid.size == 2 * 12
    found = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=date(2027, 3, 28),
                                      latest=date(2027, 3, 28), limit=20))
    assert found and all(real_minutes(s) == 20 for s in found)
    assert not any(time(2) <= s.start.time() < time(3) for s in found), "02:xx does not exist that night"
    after = port.find_slots(SlotQuery(("personalausweis",), ("altona",), earliest=date(2027, 3, 30),
                                      latest=date(2027, 3, 30), limit=1))[0]  # 29th is Easter Monday
    assert after.start.utcoffset() == timedelta(hours=2) and after.start.time() == time(8)


# --- grid mechanics -------------------------------------------------------------------------


def test_run_starts_finds_only_complete_runs():
    free = 0b0111_0111_1111  # a run of 7 (bits 0-6) and a run of 3 (bits 8-10)
    assert run_starts(free, 4) == 0b0000_0000_1111
    assert run_starts(free, 3) == 0b0001_0001_1111
    assert run_starts(free, 1) == free
    assert run_starts(0, 3) == 0


def test_units_are_real_five_minute_steps():
    start = at(date(2026, 11, 23), 8)
    assert unit_start(local_unit(date(2026, 11, 23), time(8))) == start
    assert local_unit(date(2026, 11, 23), time(8, 5)) - local_unit(date(2026, 11, 23), time(8)) == 1


def test_reserved_cells_sit_on_the_last_counters_in_every_hour():
    catalogue = default_catalogue()
    grid = build_grid(catalogue, catalogue.locations["finkenwerder"], date(2026, 12, 1), Policies())
    walk_in, phone, passport = reserve_counts(2, Policies(), 0)
    assert (walk_in, phone, passport) == (2, 5, 0)  # of 24 cells per hour
    first_counter, second_counter = grid.class_masks
    assert first_counter[CellClass.WALK_IN] == first_counter[CellClass.PHONE] == 0
    hour = (1 << 12) - 1  # 08:00-09:00
    assert bin(second_counter[CellClass.WALK_IN] & hour).count("1") == 2
    assert bin(second_counter[CellClass.PHONE] & hour).count("1") == 5
    per_day = sum(bin(m).count("1") for masks in grid.class_masks for m in masks)
    assert per_day == bin(grid.open_mask).count("1") * 2


def test_diverse_picks_avoid_the_same_minute_and_the_same_half_day():
    day = date(2026, 12, 1)
    same_minute = [Candidate(1000, 0, key, (day, 0)) for key in "abcdef"]
    later = [Candidate(1000 + i, 0, key, (day, 0)) for i in range(1, 40) for key in "abcdef"]
    picked = pick_diverse(same_minute + later, 5)
    assert len(picked) == 5
    assert len({p.unit for p in picked}) == 5 and len({p.location_key for p in picked}) == 5
    assert all(b.unit - a.unit >= 6 for a, b in itertools.pairwise(picked))


def test_diverse_picks_fall_back_to_one_place_when_nothing_else_exists():
    day = date(2026, 12, 1)
    only = [Candidate(1000 + i, 0, "a", (day, 0)) for i in range(8)]
    picked = pick_diverse(only, 5)
    assert len(picked) == 5 and len({p.unit for p in picked}) == 5
    assert pick_diverse(only, 0) == []


def test_equal_start_times_prefer_the_location_with_more_free_capacity():
    day = date(2026, 12, 1)
    picked = pick_diverse([Candidate(1000, -5, "busy", (day, 0)), Candidate(1000, -50, "quiet", (day, 0))], 1)
    assert [p.location_key for p in picked] == ["quiet"]
