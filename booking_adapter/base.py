"""What both ports share: the catalogue, the date-first search and the checks before a hold.

Subclasses supply storage: `_occupied()` (which cells are taken) and the writing methods
(hold, confirm, cancel, ...), each as one transaction in their own medium.
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable, Optional, Sequence

from booking_adapter.catalogue import Catalogue, LocationDef
from booking_adapter.policies import Policies
from booking_adapter.port import (
    BookingPort,
    Location,
    LocationClosed,
    MoveDeadline,
    OpeningDay,
    OutsideBookingWindow,
    Service,
    ServiceNotOffered,
    Slot,
    SlotQuery,
    SlotTaken,
    UnknownLocation,
    UnknownService,
)
from booking_adapter.slots import (
    NOON,
    UNIT_SECONDS,
    Candidate,
    CellClass,
    DayGrid,
    bits,
    build_grid,
    is_on_grid,
    local_unit,
    opening_day,
    pick_diverse,
    privileges,
    run_starts,
    unit_of,
    unit_start,
    units_for,
)
from common.clock import BERLIN, Clock

MOVE_SERVICE = "wohnsitz_anmelden"


@dataclass(frozen=True)
class Plan:
    """A slot checked against the catalogue and policies, ready to be written."""

    location: LocationDef
    service_keys: tuple[str, ...]
    persons: int
    start_unit: int
    length: int  # units
    counters: tuple[int, ...]  # 1-based counter numbers allowed for this request, preferred first

    @property
    def units(self) -> range:
        return range(self.start_unit, self.start_unit + self.length)

    @property
    def start(self) -> datetime:
        return unit_start(self.start_unit)

    @property
    def end(self) -> datetime:
        return unit_start(self.start_unit + self.length)

    def slot(self) -> Slot:
        return Slot(self.location.key, self.location.location.name, self.start, self.end,
                    self.service_keys, self.persons)


class GridBookingPort(BookingPort):
    """The port's read side and checks on the 5-minute grid; storage left to subclasses."""

    def __init__(self, catalogue: Catalogue, clock: Clock, policies: Optional[Policies] = None):
        self._catalogue = catalogue
        self._clock = clock
        self._policies = policies or Policies()
        self._grids: dict[tuple[str, date], DayGrid] = {}

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue

    @property
    def policies(self) -> Policies:
        return self._policies

    def now(self) -> datetime:
        return self._clock().astimezone(BERLIN)

    # --- storage hook -------------------------------------------------------------------------

    @abc.abstractmethod
    def _occupied(
        self, location_keys: Sequence[str], lo_unit: int, hi_unit: int, now: datetime
    ) -> Iterable[tuple[str, int, Iterable[int]]]:
        """Per (location_key, counter): the units in [lo_unit, hi_unit) taken by an appointment
        or an unexpired hold."""

    # --- catalogue ----------------------------------------------------------------------------

    def services(self) -> list[Service]:
        return list(self._catalogue.services.values())

    def service(self, key: str) -> Service:
        try:
            return self._catalogue.services[key]
        except (KeyError, TypeError):
            raise UnknownService(f"unknown service {key!r}") from None

    def locations(self, service_key: Optional[str] = None) -> list[Location]:
        if service_key is not None:
            self.service(service_key)
        return [d.location for d in self._catalogue.locations.values()
                if service_key is None or service_key in d.location.service_keys]

    def location(self, key: str) -> Location:
        return self._location_def(key).location

    def counters(self, location_key: str) -> int:
        return self._location_def(location_key).counters

    def _location_def(self, key: str) -> LocationDef:
        try:
            return self._catalogue.locations[key]
        except (KeyError, TypeError):
            raise UnknownLocation(f"unknown location {key!r}") from None

    def opening_day(self, location_key: str, day: date) -> OpeningDay:
        return opening_day(self._catalogue, self._location_def(location_key), day)

    def _grid(self, location: LocationDef, day: date) -> DayGrid:
        key = (location.key, day)
        grid = self._grids.get(key)
        if grid is None:
            if len(self._grids) > 50_000:
                self._grids.clear()
            grid = self._grids[key] = build_grid(self._catalogue, location, day, self._policies)
        return grid

    def warm_up(self) -> int:
        """Build the day grids of every location for the whole booking window (optional; a
        server may call it at start-up so the first searches do not pay for it)."""
        today = self.now().date()
        days = [today + timedelta(days=n) for n in range(self._policies.booking_window_days + 1)]
        for location in self._catalogue.locations.values():
            for day in days:
                self._grid(location, day)
        return len(days) * len(self._catalogue.locations)

    # --- search -------------------------------------------------------------------------------

    def _length(self, service_keys: Sequence[str], persons: int) -> int:
        if not service_keys:
            raise UnknownService("no service given")
        if persons < 1:
            raise ValueError("persons must be at least 1")
        return units_for(sum(self.service(k).duration_minutes for k in service_keys) * persons)

    def _earliest_unit(self, now: datetime) -> int:
        lead = now + timedelta(minutes=self._policies.min_lead_minutes)
        return -(-int(lead.timestamp()) // UNIT_SECONDS)

    def _last_day(self, now: datetime) -> date:
        return now.date() + timedelta(days=self._policies.booking_window_days)

    def _masks(self, grids: Sequence[DayGrid], lo: int, hi: int, now: datetime) -> dict[str, list[int]]:
        """Taken cells in [lo, hi) as per-counter bit masks of each grid."""
        by_key = {g.location_key: g for g in grids}
        masks: dict[str, list[int]] = {}
        for key, counter, units in self._occupied(list(by_key), lo, hi, now):
            grid = by_key.get(key)
            if grid is None or not 1 <= counter <= len(grid.class_masks):
                continue
            first, size = grid.first_unit, grid.size
            taken = 0
            for unit in units:
                bit = unit - first
                if 0 <= bit < size:
                    taken |= 1 << bit
            row = masks.get(key)
            if row is None:
                row = masks[key] = [0] * len(grid.class_masks)
            row[counter - 1] |= taken
        return masks

    def find_slots(self, query: SlotQuery) -> list[Slot]:
        keys = tuple(query.service_keys)
        length = self._length(keys, query.persons)
        wanted = None
        if query.location_keys is not None:
            wanted = {self._location_def(k).key for k in query.location_keys}
        places = [d for d in self._catalogue.locations.values()
                  if (wanted is None or d.key in wanted) and all(k in d.location.service_keys for k in keys)]
        if not places or query.limit <= 0:
            return []
        now = self.now()
        today = now.date()
        first = max(query.earliest or today, today)
        last = min(query.latest or self._last_day(now), self._last_day(now))
        earliest_unit = self._earliest_unit(now)

        # Scan half-day by half-day (each a small occupancy query) until there are enough
        # different (location, half-day) options, or a week after the first free slot.
        found: list[Candidate] = []
        halves: set[tuple[str, date, int]] = set()
        first_found: Optional[date] = None
        day = first
        while day <= last and len(halves) < query.limit:
            if first_found is not None and (day - first_found).days > 6:
                break
            if query.weekdays is None or day.weekday() in query.weekdays:
                grids = [g for g in (self._grid(p, day) for p in places) if g.size]
                if grids:
                    classes = privileges(self._catalogue, keys, query.channel, day)
                    lo = max(earliest_unit, min(g.first_unit for g in grids))
                    if query.time_from is not None:
                        lo = max(lo, local_unit(day, query.time_from))
                    hi = local_unit(day, query.time_to) if query.time_to is not None else None
                    noon = local_unit(day, NOON)
                    for half, (chunk_lo, chunk_hi) in enumerate(
                        ((lo, noon if hi is None else min(hi, noon)), (max(lo, noon), hi))
                    ):
                        if chunk_hi is not None and chunk_lo >= chunk_hi:
                            continue
                        chunk = self._candidates(grids, classes, length, chunk_lo, chunk_hi, (day, half), now)
                        if chunk:
                            found.extend(chunk)
                            halves.update((c.location_key, day, half) for c in chunk)
                            if first_found is None:
                                first_found = day
                        if len(halves) >= query.limit:
                            break
            day += timedelta(days=1)
        chosen = pick_diverse(found, query.limit)
        return [self._slot(c.location_key, c.unit, length, keys, query.persons) for c in chosen]

    def _candidates(
        self,
        grids: Sequence[DayGrid],
        classes: frozenset[CellClass],
        length: int,
        lo: int,
        hi: Optional[int],
        half_day: tuple[date, int],
        now: datetime,
    ) -> list[Candidate]:
        """Every start in [lo, hi) where some counter has `length` free, allowed cells."""
        windows = [(g, w) for g in grids if (w := g.range_mask(lo, hi))]
        if not windows:
            return []
        end = max(g.first_unit + g.size for g, _ in windows)
        fetch_hi = end if hi is None else min(end, hi + length - 1)
        masks = self._masks([g for g, _ in windows], lo, fetch_hi, now)
        result = []
        for grid, window in windows:
            allowed = grid.allowed(classes)
            taken = masks.get(grid.location_key) or [0] * len(allowed)
            starts = 0
            free = 0
            span = grid.range_mask(lo, fetch_hi)
            for mask, busy in zip(allowed, taken):
                open_cells = mask & ~busy
                starts |= run_starts(open_cells, length)
                free += (open_cells & span).bit_count()
            starts &= window
            first = grid.first_unit
            for bit in bits(starts):
                result.append(Candidate(first + bit, -free, grid.location_key, half_day))
        return result

    def _slot(self, location_key: str, unit: int, length: int, keys: tuple[str, ...], persons: int) -> Slot:
        location = self._catalogue.locations[location_key].location
        return Slot(location_key, location.name, unit_start(unit), unit_start(unit + length), keys, persons)

    def move_deadline(
        self, move_in: date, location_keys: Optional[Sequence[str]] = None, channel: str = "chat"
    ) -> MoveDeadline:
        deadline = move_in + timedelta(days=self._policies.move_deadline_days)
        today = self.now().date()
        locations = tuple(location_keys) if location_keys else None
        earliest = max(move_in, today)
        before: list[Slot] = []
        if deadline >= earliest:
            before = self.find_slots(SlotQuery((MOVE_SERVICE,), locations, earliest=earliest,
                                               latest=deadline, limit=5, channel=channel))
        first: Optional[Slot]
        if before:
            first = before[0]
        else:
            later = self.find_slots(SlotQuery((MOVE_SERVICE,), locations, earliest=earliest,
                                              limit=1, channel=channel))
            first = later[0] if later else None
        return MoveDeadline(move_in=move_in, deadline=deadline, earliest_slot=first,
                            slots_before_deadline=tuple(before))

    # --- checks before writing ----------------------------------------------------------------

    def _plan(self, slot: Slot, channel: str, now: datetime) -> Plan:
        """Check a slot someone wants to hold; raises the port's typed errors."""
        location = self._location_def(slot.location_key)
        keys = tuple(slot.service_keys)
        length = self._length(keys, slot.persons)
        for key in keys:
            if key not in location.location.service_keys:
                raise ServiceNotOffered(f"{key} is not offered at {location.key}")
        if not is_on_grid(slot.start):
            raise LocationClosed(f"{slot.start} is not a slot start")
        start_unit = unit_of(slot.start)
        day = slot.start.astimezone(BERLIN).date()
        if start_unit < self._earliest_unit(now) or day > self._last_day(now):
            raise OutsideBookingWindow(f"{slot.start} is outside the booking window")
        grid = self._grid(location, day)
        bit = grid.bit_of(start_unit)
        run = ((1 << length) - 1) << bit if bit >= 0 else 0
        if not grid.size or bit < 0 or grid.open_mask & run != run:
            raise LocationClosed(f"{location.key} is not open for {slot.start}..+{length} units")
        classes = privileges(self._catalogue, keys, channel, day)
        allowed = grid.allowed(classes)
        counters = [number for number, mask in enumerate(allowed, start=1) if mask & run == run]
        if not counters:
            raise SlotTaken(f"no capacity left for channel {channel!r} at {slot.start}")
        if classes != frozenset({CellClass.OPEN}):
            counters.reverse()  # reserved cells sit on the last counters: use them first
        return Plan(location, keys, slot.persons, start_unit, length, tuple(counters))

    def _free_counters(self, plan: Plan, now: datetime) -> list[int]:
        """The plan's counters, free ones first (the store's constraint has the last word)."""
        busy = {counter for _, counter, units in self._occupied(
            [plan.location.key], plan.start_unit, plan.start_unit + plan.length, now) if units}
        return [c for c in plan.counters if c not in busy] + [c for c in plan.counters if c in busy]
