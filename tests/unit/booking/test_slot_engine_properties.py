"""Properties of the slot engine that must hold for any input (hypothesis): bit tricks agree
with a plain loop, choices are a bounded, ordered subset, every offered slot lies inside the
opening hours and the query, and no sequence of holds and bookings ever puts more people on a
location at one time than it has counters."""
from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking_adapter.catalogue import default_catalogue
from booking_adapter.memory import InMemoryBookingPort
from booking_adapter.port import BookingError, Contact, SlotQuery
from booking_adapter.slots import UNIT_SECONDS, Candidate, pick_diverse, run_starts, unit_of
from common.clock import BERLIN
from tests.unit.booking.conftest import NOW, MutableClock

CATALOGUE = default_catalogue()
SERVICES = sorted(CATALOGUE.services)
LOCATIONS = sorted(CATALOGUE.locations)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- bit tricks -------------------------------------------------------------------------------


@given(free=st.integers(min_value=0, max_value=(1 << 160) - 1), length=st.integers(min_value=1, max_value=24))
def test_run_starts_marks_exactly_the_starts_of_free_runs(free, length):
    expected = 0
    for i in range(160):
        if all(free >> (i + k) & 1 for k in range(length)):
            expected |= 1 << i
    assert run_starts(free, length) == expected


# --- diverse choices --------------------------------------------------------------------------

candidates = st.lists(
    st.builds(
        lambda unit, rank, location, day, half: Candidate(unit, rank, location, (date(2026, 12, day), half)),
        st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=3),
        st.sampled_from(LOCATIONS[:4]), st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=1),
    ),
    max_size=60,
)


@given(found=candidates, limit=st.integers(min_value=0, max_value=12), spread=st.integers(min_value=1, max_value=12))
def test_pick_diverse_is_a_bounded_ordered_subset_that_starts_with_the_earliest(found, limit, spread):
    picked = pick_diverse(found, limit, spread)
    assert len(picked) == min(limit, len(set(found)))
    assert len(set(picked)) == len(picked)
    assert set(picked) <= set(found)
    assert picked == sorted(picked, key=lambda c: (c.unit, c.location_key))
    if found and limit:
        assert min(found) in picked  # the very earliest (best-ranked) start is never left out


# --- offered slots ----------------------------------------------------------------------------


@st.composite
def queries(draw):
    service = draw(st.sampled_from(SERVICES))
    offering = [k for k in LOCATIONS if service in CATALOGUE.locations[k].location.service_keys]
    locations = draw(st.one_of(st.none(), st.lists(st.sampled_from(offering or LOCATIONS), min_size=1, max_size=3,
                                                   unique=True).map(tuple)))
    earliest = draw(st.one_of(st.none(), st.dates(date(2026, 11, 20), date(2027, 3, 1))))
    span = draw(st.integers(min_value=0, max_value=40))
    latest = None if earliest is None or draw(st.booleans()) else earliest + timedelta(days=span)
    weekdays = draw(st.one_of(st.none(), st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)))
    hour_from = draw(st.one_of(st.none(), st.integers(min_value=6, max_value=18)))
    hour_to = draw(st.one_of(st.none(), st.integers(min_value=8, max_value=20)))
    return SlotQuery(
        (service,), locations, earliest, latest, weekdays,
        time(hour_from) if hour_from is not None else None, time(hour_to) if hour_to is not None else None,
        persons=draw(st.integers(min_value=1, max_value=3)), limit=draw(st.integers(min_value=1, max_value=8)),
        channel=draw(st.sampled_from(["chat", "phone"])),
    )


def _inside_opening(port, slot) -> bool:
    day = slot.start.astimezone(BERLIN).date()
    opening = port.opening_day(slot.location_key, day)
    start, end = slot.start.astimezone(BERLIN).time(), slot.end.astimezone(BERLIN).time()
    return any(i.start <= start and end <= i.end for i in opening.intervals) and slot.end.date() == day


@PROPERTY_SETTINGS
@given(query=queries())
def test_every_offered_slot_is_open_free_on_the_grid_and_inside_the_query(query):
    port = InMemoryBookingPort(MutableClock(NOW), hold_minutes=10)
    try:
        found = port.find_slots(query)
    except BookingError:
        return  # e.g. a location that does not offer the service: refused on purpose
    assert len(found) <= query.limit
    assert [s.start for s in found] == sorted(s.start for s in found)
    assert len({(s.location_key, s.start) for s in found}) == len(found)
    last_day = NOW.date() + timedelta(days=port.policies.booking_window_days)
    for slot in found:
        assert slot.start.timestamp() % UNIT_SECONDS == 0
        assert slot.start >= NOW and slot.start.date() <= last_day
        assert slot.end > slot.start
        assert _inside_opening(port, slot), slot
        assert query.service_keys[0] in CATALOGUE.locations[slot.location_key].location.service_keys
        day = slot.start.astimezone(BERLIN).date()
        if query.location_keys:
            assert slot.location_key in query.location_keys
        if query.earliest:
            assert day >= query.earliest
        if query.latest:
            assert day <= query.latest
        if query.weekdays:
            assert day.weekday() in query.weekdays
        if query.time_from:
            assert slot.start.astimezone(BERLIN).time() >= query.time_from
        if query.time_to:
            assert slot.start.astimezone(BERLIN).time() < query.time_to  # time_to bounds the start


# --- no double booking, whatever the order of holds and bookings ------------------------------

actions = st.lists(
    st.tuples(
        st.sampled_from(["hold", "hold", "confirm", "release", "wait"]),
        st.integers(min_value=0, max_value=5),  # which conversation
        st.integers(min_value=0, max_value=4),  # which offered slot
    ),
    min_size=1, max_size=40,
)


@PROPERTY_SETTINGS
@given(steps=actions, location=st.sampled_from(["altona", "volksdorf", "hamburg_mitte"]))
def test_no_sequence_of_holds_and_bookings_overfills_a_location(steps, location):
    clock = MutableClock(NOW)
    port = InMemoryBookingPort(clock, hold_minutes=10, max_holds_per_conversation=3)
    query = SlotQuery(("personalausweis",), (location,), earliest=date(2026, 11, 24), latest=date(2026, 11, 27), limit=5)
    holds: dict[int, list[str]] = {}
    booked: list = []
    for action, who, which in steps:
        conversation = f"conv-{who}"
        if action == "hold":
            offered = port.find_slots(query)
            if offered:
                try:
                    holds.setdefault(who, []).append(port.hold(offered[which % len(offered)], conversation).hold_id)
                except BookingError:
                    pass
        elif action == "confirm" and holds.get(who):
            try:
                booked.append(port.confirm(holds[who].pop(), Contact("Test", phone=f"+4917012345{who:02d}")))
            except BookingError:
                pass
        elif action == "release":
            port.release_holds(conversation)
            holds[who] = []
        else:
            clock.advance(minutes=4)
    counters = CATALOGUE.locations[location].counters
    load: Counter = Counter()
    for appointment in port.list_appointments():
        if appointment.status != "confirmed":
            continue
        for unit in range(unit_of(appointment.start), unit_of(appointment.end)):
            load[unit] += 1
    assert not load or max(load.values()) <= counters
    codes = [a.code for a in booked]
    assert len(codes) == len(set(codes))
    assert {a.code for a in port.list_appointments()} == set(codes)
