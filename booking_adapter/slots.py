"""The slot engine: opening days, the time grid, capacity reserves and diverse choices.

Pure functions, no I/O; both ports (SQLAlchemy and in-memory) use them.

Time is cut into units of 5 minutes, numbered since 1970-01-01 UTC (`unit_of`). A location has
`counters` desks; an appointment takes a run of consecutive units on one counter. For a given
location and day, a `DayGrid` keeps, per counter, a bit mask per cell class (bit i = unit
`first_unit + i`); free runs are found with shifts and ANDs, which keeps a city-wide search fast.

Cell classes implement the capacity policies without any shared counter that concurrent
bookings would have to update: in every hour, a fixed share of each location's cells is
reserved for walk-ins (bookable only by express services), for phone bookings (channel "phone"),
and, in the weeks before the summer holidays, for passport services. The reserved cells sit on
the highest-numbered counters, at the start of each hour, so reserved capacity is spread over
the whole day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple, Optional, Sequence

import holidays

from booking_adapter.catalogue import GRID_MINUTES, Catalogue, LocationDef
from booking_adapter.policies import Policies
from booking_adapter.port import OpeningDay
from common.clock import BERLIN

UNIT_SECONDS = GRID_MINUTES * 60
UNITS_PER_HOUR = 60 // GRID_MINUTES
NOON = time(12, 0)


class CellClass(IntEnum):
    OPEN = 0
    PHONE = 1
    PASSPORT = 2
    WALK_IN = 3


# --- time <-> units -------------------------------------------------------------------------


def unit_of(moment: datetime) -> int:
    """The unit a moment falls in (floor). `moment` must be timezone-aware."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime; the booking store needs timezone-aware times")
    return int(moment.timestamp()) // UNIT_SECONDS


def is_on_grid(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.timestamp() % UNIT_SECONDS == 0


def unit_start(unit: int) -> datetime:
    """Start of a unit, in Europe/Berlin."""
    return datetime.fromtimestamp(unit * UNIT_SECONDS, tz=UTC).astimezone(BERLIN)


def local_unit(day: date, moment: time) -> int:
    """The unit of a wall-clock time on a day in Hamburg (first occurrence on ambiguous days)."""
    return unit_of(datetime.combine(day, moment, tzinfo=BERLIN))


def units_for(minutes: int) -> int:
    return -(-minutes // GRID_MINUTES)


def day_bounds(day: date) -> tuple[int, int]:
    """[first, last) unit of a calendar day in Hamburg."""
    return local_unit(day, time(0, 0)), local_unit(day + timedelta(days=1), time(0, 0))


# --- opening days ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _hamburg_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("DE", subdiv="HH", years=year, language="de"))


def public_holiday(day: date) -> Optional[str]:
    return _hamburg_holidays(day.year).get(day)


def opening_day(catalogue: Catalogue, location: LocationDef, day: date) -> OpeningDay:
    """Opening hours of a location on a day. A dated exception in the YAML wins over the
    city-wide closures and public holidays, which win over the weekly hours."""
    exception = location.exceptions.get(day)
    if exception is not None:
        return OpeningDay(location.key, day, exception.intervals,
                          None if exception.intervals else exception.reason or "geschlossen")
    closure = catalogue.closures.get(day)
    if closure is not None:
        return OpeningDay(location.key, day, (), closure or "geschlossen")
    holiday = public_holiday(day)
    if holiday is not None:
        return OpeningDay(location.key, day, (), holiday)
    intervals = location.hours.get(day.weekday(), ())
    reason = None if intervals else ("mobiles Team nicht vor Ort" if location.location.mobile_team else "geschlossen")
    return OpeningDay(location.key, day, intervals, reason)


# --- the grid of one location and day -------------------------------------------------------


@dataclass(frozen=True)
class DayGrid:
    location_key: str
    day: date
    opening: OpeningDay
    first_unit: int
    size: int  # units from the first opening to the last closing
    open_mask: int
    class_masks: tuple[tuple[int, ...], ...]  # [counter index][CellClass] -> mask
    noon_bit: int
    _allowed_cache: dict[frozenset[CellClass], tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def counters(self) -> int:
        return len(self.class_masks)

    def allowed(self, classes: frozenset[CellClass]) -> tuple[int, ...]:
        """Per counter: the cells a request with these privileges may use."""
        cache = self._allowed_cache
        result = cache.get(classes)
        if result is None:
            result = cache[classes] = tuple(
                _or(masks[cls] for cls in classes) for masks in self.class_masks)
        return result

    def bit_of(self, unit: int) -> int:
        return unit - self.first_unit

    def range_mask(self, lo_unit: Optional[int], hi_unit: Optional[int]) -> int:
        """Bits for units in [lo_unit, hi_unit) (None = unbounded)."""
        lo = 0 if lo_unit is None else max(0, lo_unit - self.first_unit)
        hi = self.size if hi_unit is None else min(self.size, hi_unit - self.first_unit)
        if hi <= lo:
            return 0
        return ((1 << hi) - 1) & ~((1 << lo) - 1)


def _or(masks: Iterable[int]) -> int:
    result = 0
    for mask in masks:
        result |= mask
    return result


def reserve_counts(counters: int, policies: Policies, passport_percent: int) -> tuple[int, int, int]:
    """Cells per hour reserved for walk-ins, phone and passports at a location."""
    cells = counters * UNITS_PER_HOUR
    walk_in = round(cells * policies.walk_in_reserve_percent / 100)
    phone = min(cells - walk_in, round(cells * policies.phone_quota_percent / 100))
    passport = min(cells - walk_in - phone, round(cells * passport_percent / 100))
    return walk_in, phone, passport


def build_grid(catalogue: Catalogue, location: LocationDef, day: date, policies: Policies) -> DayGrid:
    opening = opening_day(catalogue, location, day)
    spans = [(local_unit(day, i.start), local_unit(day, i.end)) for i in opening.intervals]
    if not spans:
        empty = tuple((0, 0, 0, 0) for _ in range(location.counters))
        return DayGrid(location.key, day, opening, day_bounds(day)[0], 0, 0, empty, 0)
    first = min(lo for lo, _ in spans)
    size = max(hi for _, hi in spans) - first
    open_mask = 0
    for lo, hi in spans:
        open_mask |= ((1 << (hi - lo)) - 1) << (lo - first)
    passport_percent = catalogue.priority.percent if catalogue.priority.active_on(day) else 0
    walk_in, phone, passport = reserve_counts(location.counters, policies, passport_percent)
    # One hour's pattern per counter and class, repeated over the day and cut to the opening.
    hours = size // UNITS_PER_HOUR + 2
    repeat = sum(1 << (UNITS_PER_HOUR * k) for k in range(hours))
    offset = first % UNITS_PER_HOUR  # position within the hour of bit 0
    limits = (walk_in, walk_in + phone, walk_in + phone + passport)
    classes = (CellClass.WALK_IN, CellClass.PHONE, CellClass.PASSPORT)
    class_masks = []
    for counter in range(location.counters):
        base_rank = (location.counters - 1 - counter) * UNITS_PER_HOUR
        patterns = [0, 0, 0, 0]
        for position in range(UNITS_PER_HOUR):
            rank = base_rank + position
            cls = next((c for c, limit in zip(classes, limits) if rank < limit), CellClass.OPEN)
            patterns[cls] |= 1 << position
        masks = tuple((pattern * repeat >> offset) & open_mask for pattern in patterns)
        class_masks.append(masks)
    noon_bit = local_unit(day, NOON) - first
    return DayGrid(location.key, day, opening, first, size, open_mask, tuple(class_masks), noon_bit)


def privileges(
    catalogue: Catalogue, service_keys: Sequence[str], channel: str, day: date
) -> frozenset[CellClass]:
    """Which cell classes a request may book."""
    classes = {CellClass.OPEN}
    if channel == "phone":
        classes.add(CellClass.PHONE)
    if service_keys and all(catalogue.services[key].express for key in service_keys):
        classes.add(CellClass.WALK_IN)
    priority = catalogue.priority
    if priority.active_on(day) and all(key in priority.service_keys for key in service_keys):
        classes.add(CellClass.PASSPORT)
    return frozenset(classes)


def run_starts(free: int, length: int) -> int:
    """Bits i where bits i .. i+length-1 of `free` are all set."""
    result = free
    for shift in range(1, length):
        result &= free >> shift
        if not result:
            break
    return result


def bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# --- diverse choices ------------------------------------------------------------------------


class Candidate(NamedTuple):
    """A possible start; tuples compare field by field, so sorting is cheap."""

    unit: int
    rank: int  # lower = preferred among equal start times (more free capacity)
    location_key: str
    half_day: tuple[date, int]  # (day, 0 morning / 1 afternoon)


def pick_diverse(candidates: Iterable[Candidate], limit: int, spread_units: int = 6) -> list[Candidate]:
    """Up to `limit` candidates, earliest first but not all in the same place and minute.

    Rounds, each taking candidates in time order until `limit` is reached:
    1. a new (location, half-day) and at least `spread_units` from every pick;
    2. a new (location, half-day) at a start time not yet picked;
    3. at least an hour from the picks at the same location, new start time;
    4. at least `spread_units` from the picks at the same location;
    5. anything left.
    """
    ordered = sorted(candidates)
    picked: list[Candidate] = []
    taken: set[Candidate] = set()
    halves: set[tuple[str, tuple[date, int]]] = set()

    def far(c: Candidate, distance: int, same_place: bool) -> bool:
        return all(abs(c.unit - p.unit) >= distance for p in picked
                   if not same_place or p.location_key == c.location_key)

    rules: tuple[Callable[[Candidate], bool], ...] = (
        lambda c: (c.location_key, c.half_day) not in halves and far(c, spread_units, False),
        lambda c: (c.location_key, c.half_day) not in halves and far(c, 1, False),
        lambda c: far(c, UNITS_PER_HOUR, True) and far(c, 1, False),
        lambda c: far(c, spread_units, True),
        lambda c: True,
    )
    for rule in rules:
        for candidate in ordered:
            if len(picked) >= limit:
                break
            if candidate not in taken and rule(candidate):
                picked.append(candidate)
                taken.add(candidate)
                halves.add((candidate.location_key, candidate.half_day))
        if len(picked) >= limit:
            break
    return sorted(picked, key=lambda c: (c.unit, c.location_key))
